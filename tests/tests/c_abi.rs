//! The C ABI and the no_std proof: build `libquill.a`, check it needs nothing but memory
//! functions and compiler builtins, link it into the C example and into a program with no C
//! library at all, and check both print what the Rust API says.

use std::path::{Path, PathBuf};
use std::process::Command;

use format::CellKind;
use quill_tests::random_model;
use runtime::{InputSide, Model, Predictor};

const PROMPT: &str = "hello wor";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds the static library exactly as the README says (its own workspace, release profile
/// with panic = abort and LTO) and returns its path.
fn build_staticlib() -> PathBuf {
    let manifest = root().join("runtime/capi/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--release", "--manifest-path"])
        .arg(&manifest)
        .status()
        .expect("run cargo");
    assert!(status.success(), "building libquill.a failed");
    root().join("runtime/capi/target/release/libquill.a")
}

fn write_model(dir: &Path) -> (PathBuf, Vec<u8>) {
    let mut m = random_model(CellKind::Gru, 2, 16, 48, 60, 17);
    m.self_test = Some(quill_tests::record_self_test(&m, "the keyboard", 1e-3).unwrap());
    let bytes = m.to_bytes().unwrap();
    let path = dir.join("model.quill");
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

/// What the Rust API predicts after `PROMPT`, in the C example's output format.
fn rust_top_k(bytes: &[u8], k: usize) -> String {
    let model = Model::from_bytes(bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_str(PROMPT);
    let mut out = vec![('\0', 0f32); k];
    let n = p.top_k_into(&mut out);
    out[..n]
        .iter()
        .map(|(c, pr)| format!("U+{:04X}\t{pr:.6}\n", *c as u32))
        .collect()
}

fn gcc(args: &[&std::ffi::OsStr]) {
    let out = Command::new("gcc")
        .args(args)
        .output()
        .expect("gcc must be installed (apt-get install gcc)");
    assert!(
        out.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compiles `runtime/examples/c/NAME.c` against `lib` (warnings are errors) into `dir/NAME`.
fn build_c_example(name: &str, lib: &Path, dir: &Path) -> PathBuf {
    build_c(
        &format!("runtime/examples/c/{name}.c"),
        lib,
        &dir.join(name),
    )
}

/// Compiles the C file at `src` (relative to the repository) against `lib` and `quill.h`, with
/// warnings as errors and libm, into `exe`.
fn build_c(src: &str, lib: &Path, exe: &Path) -> PathBuf {
    let src = root().join(src);
    let inc = root().join("runtime/include");
    gcc(&[
        "-O2".as_ref(),
        "-Wall".as_ref(),
        "-Werror".as_ref(),
        "-I".as_ref(),
        inc.as_os_str(),
        src.as_os_str(),
        lib.as_os_str(),
        "-lm".as_ref(),
        "-o".as_ref(),
        exe.as_os_str(),
    ]);
    exe.to_path_buf()
}

#[test]
fn static_library_needs_no_allocator_or_std() {
    let lib = build_staticlib();
    let out = Command::new("nm")
        .arg("-u")
        .arg(&lib)
        .output()
        .expect("nm (binutils) must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let undefined: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("U "))
        .collect();
    let allowed = |s: &str| {
        matches!(s, "memcpy" | "memmove" | "memset" | "memcmp" | "bcmp")
            // compiler-rt / libgcc arithmetic helpers, and compiler-rt's abort hook.
            || (s.starts_with("__") && (s.ends_with("ti3") || s.ends_with("di3") || s.ends_with("sf2") || s.ends_with("df2")))
            || s == "__compilerrt_abort_impl"
            || s == "__rust_probestack"
    };
    let bad: Vec<_> = undefined.iter().filter(|s| !allowed(s)).collect();
    eprintln!("undefined symbols of libquill.a: {undefined:?}");
    assert!(
        bad.is_empty(),
        "libquill.a needs symbols a freestanding target lacks: {bad:?}"
    );
    assert!(
        !undefined
            .iter()
            .any(|s| s.contains("malloc") || s.contains("free") || s.contains("rust_alloc"))
    );
}

#[test]
fn c_example_prints_the_same_top_k_as_rust() {
    let lib = build_staticlib();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_example");
    std::fs::create_dir_all(&dir).unwrap();
    let (model, bytes) = write_model(&dir);
    let exe = build_c_example("predict", &lib, &dir);
    let out = Command::new(&exe)
        .arg(&model)
        .arg(PROMPT)
        .arg("5")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "C example failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), rust_top_k(&bytes, 5));

    // With the input table: more memory, the same output.
    let out = Command::new(&exe)
        .arg(&model)
        .arg(PROMPT)
        .arg("5")
        .arg("table")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), rust_top_k(&bytes, 5));

    // The same run under valgrind: same output, no invalid access, no leak.
    let args = [
        model.as_os_str(),
        PROMPT.as_ref(),
        "5".as_ref(),
        "table".as_ref(),
    ];
    let out = quill_tests::under_valgrind(&exe, &args);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), rust_top_k(&bytes, 5));

    // A damaged model: the C program reports why, with the runtime's message.
    let mut bad = bytes.clone();
    bad[4] = 7;
    let bad_path = dir.join("bad.quill");
    std::fs::write(&bad_path, &bad).unwrap();
    let out = Command::new(&exe)
        .arg(&bad_path)
        .arg(PROMPT)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("version 7 is not supported"), "{err}");
}

#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn links_and_runs_in_a_freestanding_program() {
    let lib = build_staticlib();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("freestanding");
    std::fs::create_dir_all(&dir).unwrap();
    let (_, bytes) = write_model(&dir);
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:#04x}")).collect();
    let header = format!(
        "#define PROMPT \"{PROMPT}\"\nstatic const uint8_t MODEL[] __attribute__((aligned(16))) = {{{}}};\nstatic const size_t MODEL_LEN = {};\n",
        hex.join(","),
        bytes.len()
    );
    std::fs::write(dir.join("model_data.h"), header).unwrap();
    let exe = dir.join("freestanding");
    let src = root().join("runtime/examples/c/freestanding.c");
    let inc = root().join("runtime/include");
    gcc(&[
        "-O2".as_ref(),
        "-ffreestanding".as_ref(),
        "-fno-builtin".as_ref(),
        "-nostdlib".as_ref(),
        "-static".as_ref(),
        "-fno-stack-protector".as_ref(),
        "-fno-tree-loop-distribute-patterns".as_ref(),
        "-I".as_ref(),
        inc.as_os_str(),
        "-I".as_ref(),
        dir.as_os_str(),
        src.as_os_str(),
        lib.as_os_str(),
        "-lgcc".as_ref(),
        "-o".as_ref(),
        exe.as_os_str(),
    ]);
    let out = Command::new(&exe).output().unwrap();
    assert!(
        out.status.success(),
        "freestanding program exited with {:?}",
        out.status
    );
    let want: String = rust_top_k(&bytes, 3)
        .lines()
        .map(|l| format!("{}\n", l.split('\t').next().unwrap()))
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{want}freestanding ok\n")
    );
}

/// The C keyboard example's lines, computed through the Rust API: the same keys through a
/// `runtime::Session` with the same settings (input table, 16 keys of exact Backspace).
fn rust_keyboard(bytes: &[u8], keys: &str, lists: Option<(&[u8], &[u8])>) -> String {
    use runtime::{Key, Lexicon, Session, SessionConfig, WordLists};
    let model = Model::from_bytes(bytes).unwrap();
    let config = SessionConfig {
        input: InputSide::Table,
        history: 16,
        ..SessionConfig::DEFAULT
    };
    let mut buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    if let Some((lexicon, blocked)) = lists {
        s.set_word_lists(WordLists {
            lexicon: Some(Lexicon::from_bytes(lexicon).unwrap()),
            blocked: Some(Lexicon::from_bytes(blocked).unwrap()),
            others: 0.0,
        })
        .unwrap();
    }
    let mut out = String::new();
    let mut rest = keys;
    while let Some(c) = rest.chars().next() {
        let (label, key) = if rest.starts_with("\\b") {
            ("\\b", Key::Backspace)
        } else if rest.starts_with("\\t") {
            ("\\t", Key::Accept(0))
        } else {
            (&rest[..c.len_utf8()], Key::Char(c))
        };
        rest = &rest[label.len()..];
        s.press(key).unwrap();
        let next: Vec<String> = s
            .panel()
            .next
            .iter()
            .map(|(c, pr)| format!("U+{:04X}:{pr:.6}", *c as u32))
            .collect();
        let words: Vec<String> = s
            .panel()
            .words
            .iter()
            .map(|w| {
                format!(
                    "{}:{:.6}",
                    w.suffix.iter().collect::<String>(),
                    w.probability
                )
            })
            .collect();
        out += &format!(
            "{label}\t{}\t{}\t{}\n",
            next.join(" "),
            words.join(" "),
            s.cost().steps
        );
    }
    out
}

#[test]
fn c_keyboard_example_matches_the_rust_api_key_for_key() {
    let lib = build_staticlib();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_keyboard");
    std::fs::create_dir_all(&dir).unwrap();
    // The English model: a random one suggests no word worth showing.
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/english-gru-1x256-int8.quill");
    let bytes = std::fs::read(&model).unwrap();
    let exe = build_c_example("keyboard", &lib, &dir);
    // Typing, Tab, Backspace within the history, then 20 Backspaces: past the 16-key history,
    // so the last ones re-prime from the text, which must give the Rust API's results too.
    let keys = format!(
        "I will meet you at the resta\\t to\\b\\bnight w\\t{}X",
        "\\b".repeat(20)
    );
    let out = quill_tests::under_valgrind(&exe, &[model.as_os_str(), keys.as_ref()]);
    assert!(
        out.status.success(),
        "C keyboard example failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = String::from_utf8_lossy(&out.stdout);
    let rust = rust_keyboard(&bytes, &keys, None);
    assert_eq!(c, rust);
    // With the English lexicon and block list: the same keys, the same lines as Rust.
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
    let (lexicon, blocked) = (models.join("english.qlex"), models.join("blocked-en.qlex"));
    let with_lists = quill_tests::under_valgrind(
        &exe,
        &[
            model.as_os_str(),
            keys.as_ref(),
            lexicon.as_os_str(),
            blocked.as_os_str(),
        ],
    );
    assert!(
        with_lists.status.success(),
        "{}",
        String::from_utf8_lossy(&with_lists.stderr)
    );
    let lists = (
        std::fs::read(&lexicon).unwrap(),
        std::fs::read(&blocked).unwrap(),
    );
    assert_eq!(
        String::from_utf8_lossy(&with_lists.stdout),
        rust_keyboard(&bytes, &keys, Some((&lists.0, &lists.1)))
    );
    // Something was completed and suggested at all.
    assert_eq!(c.lines().count(), 63, "{c}");
    assert!(
        c.lines()
            .filter(|l| l.split('\t').nth(2).is_some_and(|w| !w.is_empty()))
            .count()
            > 20,
        "{c}"
    );
}

/// A panic in the library calls the caller's hook and then traps (an undefined instruction:
/// SIGILL here, HardFault on a Cortex-M), never hangs; clearing the hook works. Uses a library
/// built with the test-only `quill_test_panic` (feature `panic-test`).
#[test]
fn a_panic_calls_the_hook_then_traps() {
    use std::os::unix::process::ExitStatusExt;
    let manifest = root().join("runtime/capi/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = root().join("runtime/capi/target/panic-test");
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--release", "--features", "panic-test"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .expect("run cargo");
    assert!(
        status.success(),
        "building the panic-test libquill.a failed"
    );
    let lib = target_dir.join("release/libquill.a");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_panic");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = build_c("tests/c/panic_hook.c", &lib, &dir.join("panic_hook"));
    let run = |mode: &str| Command::new(&exe).arg(mode).output().unwrap();
    let hook_line = "hook: quill: internal error (a bug in Quill; please report it)\n";

    let out = run("exit");
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), hook_line);

    let out = run("return");
    assert_eq!(out.status.signal(), Some(4), "expected SIGILL: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), hook_line);

    for mode in ["none", "cleared"] {
        let out = run(mode);
        assert_eq!(
            out.status.signal(),
            Some(4),
            "{mode}: expected SIGILL: {out:?}"
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{mode}");
    }
}

/// Every error code a C caller can cause, caused from C (`tests/c/errors.c`): each call gets its
/// own code and the message naming what to do, and no refused call moves the predictor.
#[test]
fn every_reachable_error_code_from_c() {
    use runtime::capi::*;
    let lib = build_staticlib();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_errors");
    std::fs::create_dir_all(&dir).unwrap();
    let (good, _) = write_model(&dir);
    let mut m = random_model(CellKind::Gru, 1, 8, 16, 30, 3);
    let no_self_test = dir.join("no_self_test.quill");
    std::fs::write(&no_self_test, m.to_bytes().unwrap()).unwrap();
    // A self-test that cannot pass: every recorded top-1 off by one, logits far away.
    let mut st = quill_tests::record_self_test(&m, "abcabc", 1e-3).unwrap();
    st.expected_top1.iter_mut().for_each(|t| *t = (*t % 29) + 1);
    st.expected_logits.iter_mut().for_each(|l| *l += 100.0);
    m.self_test = Some(st);
    let bad_self_test = dir.join("bad_self_test.quill");
    std::fs::write(&bad_self_test, m.to_bytes().unwrap()).unwrap();

    let exe = build_c("tests/c/errors.c", &lib, &dir.join("errors"));
    let out = Command::new(&exe)
        .args([&good, &no_self_test, &bad_self_test])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = [
        ("NULL", QUILL_ERR_NULL),
        ("MODEL", QUILL_ERR_MODEL),
        ("MEMORY_TOO_SMALL", QUILL_ERR_MEMORY_TOO_SMALL),
        ("SNAPSHOT_SIZE", QUILL_ERR_SNAPSHOT_SIZE),
        ("SNAPSHOT_INVALID", QUILL_ERR_SNAPSHOT_INVALID),
        ("SELF_TEST_FAILED", QUILL_ERR_SELF_TEST_FAILED),
        ("NO_SELF_TEST", QUILL_ERR_NO_SELF_TEST),
        ("FLAGS", QUILL_ERR_FLAGS),
        ("CHAR", QUILL_ERR_CHAR),
        ("TOKEN", QUILL_ERR_TOKEN),
        ("BIAS", QUILL_ERR_BIAS),
        ("BIAS", QUILL_ERR_BIAS),
        ("BEAM", QUILL_ERR_BEAM),
        ("SCRATCH_TOO_SMALL", QUILL_ERR_SCRATCH_TOO_SMALL),
        ("SCRATCH_TOO_SMALL", QUILL_ERR_SCRATCH_TOO_SMALL),
        ("HISTORY_DEPTH", QUILL_ERR_HISTORY_DEPTH),
        ("HISTORY_TOO_SMALL", QUILL_ERR_HISTORY_TOO_SMALL),
        ("HISTORY_EMPTY", QUILL_ERR_HISTORY_EMPTY),
        ("CHAR", QUILL_ERR_CHAR),
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), expected.len() + 1, "{text}");
    for (line, (name, code)) in lines.iter().zip(expected) {
        let mut f = line.split('\t');
        assert_eq!(f.next(), Some(name), "{line}");
        assert_eq!(f.next(), Some(code.to_string().as_str()), "{line}");
        let msg = f.next().unwrap_or_default();
        assert!(msg.len() > 20 && msg != "unknown error code", "{line}");
    }
    assert_eq!(
        lines.last(),
        Some(&"predictor unchanged by every refused call")
    );
    // The messages name the call that sizes each block.
    assert!(text.contains("SCRATCH_TOO_SMALL\t17\tthe completion scratch block is smaller than quill_completion_scratch_size"));
    assert!(
        text.contains(
            "HISTORY_TOO_SMALL\t18\tthe history block is smaller than quill_history_size"
        )
    );
    assert!(text.contains("TOKEN\t13\tno such token"));
}
