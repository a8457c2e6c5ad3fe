//! Picks the board's memory map for the target and embeds the model.
//!
//! The model file (`QUILL_MODEL`, default `models/keyboard-gru-1x64-int8.quill`) is validated
//! here with the same loader the firmware uses, and its architecture written out as constants,
//! so every buffer the firmware needs is a `static` sized at compile time by the runtime's
//! `const fn`s. A model that fails validation stops the build with the loader's message.

use std::path::{Path, PathBuf};
use std::{env, fs};

const DEFAULT_MODEL: &str = "models/keyboard-gru-1x64-int8.quill";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));

    // Board memory map: only bare-metal builds link with cortex-m-rt's link.x. `QUILL_BOARD`
    // picks another (mps2-an385: a Cortex-M0 build with room for a large model, to count it).
    println!("cargo:rerun-if-env-changed=QUILL_BOARD");
    let chosen = env::var("QUILL_BOARD").ok();
    let board = if !target.starts_with("thumb") {
        None
    } else if let Some(b) = chosen.as_deref() {
        Some(b)
    } else if target.starts_with("thumbv7em") {
        Some("mps2-an386")
    } else if target.starts_with("thumbv6m") {
        Some("microbit")
    } else {
        None
    };
    if let Some(board) = board {
        let src = manifest.join("boards").join(format!("{board}.x"));
        fs::copy(&src, out.join("memory.x")).expect("copy the board's memory.x");
        println!("cargo:rerun-if-changed={}", src.display());
        println!("cargo:rustc-link-search={}", out.display());
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
    }

    println!("cargo:rerun-if-env-changed=QUILL_MODEL");
    let model = env::var_os("QUILL_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join(DEFAULT_MODEL));
    let model = if model.is_relative() {
        manifest.join(model)
    } else {
        model
    };
    println!("cargo:rerun-if-changed={}", model.display());
    let bytes = fs::read(&model).unwrap_or_else(|e| {
        panic!(
            "cannot read the model {} ({e}); set QUILL_MODEL to a .quill file",
            model.display()
        )
    });
    fs::write(out.join("model.quill"), &bytes).expect("copy the model into OUT_DIR");
    fs::write(out.join("arch.rs"), arch_constants(&model, &bytes)).expect("write arch.rs");

    // The lexicon completion is restricted to (`QUILL_LEXICON`) and the words never completed
    // (`QUILL_BLOCKED`), QLEX files, if any: checked here with the same reader the firmware
    // uses, embedded beside the model.
    embed_word_list(&manifest, &out, "QUILL_LEXICON", "lexicon", "lexicon.qlex");
    embed_word_list(
        &manifest,
        &out,
        "QUILL_BLOCKED",
        "block list",
        "blocked.qlex",
    );

    // The text the per-key measuring firmware types (`QUILL_TEXT`, UTF-8; its first
    // `QUILL_TEXT_CHARS` characters, default 400), or a line of the built-in numbers corpus.
    println!("cargo:rerun-if-env-changed=QUILL_TEXT");
    println!("cargo:rerun-if-env-changed=QUILL_TEXT_CHARS");
    let chars: usize = env::var("QUILL_TEXT_CHARS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let text = match env::var_os("QUILL_TEXT").map(PathBuf::from) {
        Some(p) => {
            println!("cargo:rerun-if-changed={}", p.display());
            fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read QUILL_TEXT {} ({e})", p.display()))
        }
        None => "one hundred twenty three . four thousand five hundred sixty seven . ".repeat(8),
    };
    let text: String = text.chars().take(chars).collect();
    fs::write(out.join("text.txt"), text).expect("write the text into OUT_DIR");
}

/// Copies the QLEX file named by `var` (relative to the crate) into `out/name` after the
/// firmware's own reader accepts it; an empty file when `var` is unset.
fn embed_word_list(manifest: &Path, out: &Path, var: &str, what: &str, name: &str) {
    println!("cargo:rerun-if-env-changed={var}");
    let bytes = match env::var_os(var).map(PathBuf::from) {
        Some(p) => {
            let p = if p.is_relative() { manifest.join(p) } else { p };
            println!("cargo:rerun-if-changed={}", p.display());
            let bytes = fs::read(&p).unwrap_or_else(|e| {
                panic!(
                    "cannot read the {what} {} ({e}); set {var} to a .qlex file (quill lexicon)",
                    p.display()
                )
            });
            if let Err(e) = format::Lexicon::from_bytes(&bytes) {
                panic!("the {what} {} ({var}) fails validation: {e}", p.display());
            }
            bytes
        }
        None => Vec::new(),
    };
    fs::write(out.join(name), bytes)
        .unwrap_or_else(|e| panic!("copy the {what} into OUT_DIR: {e}"));
}

/// The model's architecture as Rust constants.
fn arch_constants(path: &Path, bytes: &[u8]) -> String {
    let aligned = format::AlignedBytes::new(bytes);
    let m = format::Model::from_bytes(&aligned).unwrap_or_else(|e| {
        panic!(
            "the model {} fails validation: {e}. Export it again (quill export) or pick another QUILL_MODEL",
            path.display()
        )
    });
    let a = m.arch();
    let cell = match a.cell {
        format::CellKind::RnnTanh => "RnnTanh",
        format::CellKind::RnnRelu => "RnnRelu",
        format::CellKind::Gru => "Gru",
        format::CellKind::Lstm => "Lstm",
    };
    format!(
        "// Generated by build.rs from {}.\n\
         pub const CELL: runtime::CellKind = runtime::CellKind::{cell};\n\
         pub const LAYERS: usize = {};\n\
         pub const EMBED: usize = {};\n\
         pub const HIDDEN: usize = {};\n\
         pub const VOCAB: usize = {};\n\
         pub const MODEL_BYTES: usize = {};\n",
        path.display(),
        a.layers,
        a.embed,
        a.hidden,
        a.vocab,
        bytes.len()
    )
}
