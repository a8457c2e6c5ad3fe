//! Helpers shared by the tests that run the `quill` binary.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use quill_tests::cli::{cat_corpus, s, text};

pub fn quill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quill"))
        .args(args)
        .output()
        .expect("run quill")
}

pub fn tmp(name: &str) -> PathBuf {
    quill_tests::cli::fresh_dir(env!("CARGO_TARGET_TMPDIR"), name)
}

/// A copy in `dir` of the fixture model the trainer wrote (GRU 1x32 on `cat_corpus`).
pub fn cat_model(dir: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cat-gru-1x32.quill");
    let p = dir.join("model.quill");
    std::fs::copy(fixture, &p).expect("copy the fixture model");
    p
}
