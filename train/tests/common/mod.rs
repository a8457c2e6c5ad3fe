//! Helpers shared by the tests that run the `train` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn train(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_train"))
        .args(args)
        .output()
        .expect("run train")
}

pub fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A corpus of a few KB: short epochs.
pub fn small_corpus(dir: &Path) -> PathBuf {
    let p = dir.join("small.txt");
    let body: String = (0..300)
        .map(|i| format!("the cat sat on mat {} . ", i % 7))
        .collect();
    std::fs::write(&p, body).unwrap();
    p
}

/// A GRU 1x32 trained for two SGDR cycles (3 epochs) on `corpus`.
pub fn train_small(corpus: &Path, run: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "--corpus",
        corpus.to_str().unwrap(),
        "--hidden",
        "32",
        "--emb",
        "8",
        "--bs",
        "8",
        "--bptt",
        "16",
        "--cycles",
        "2",
        "--run-dir",
        run.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    train(&args)
}
