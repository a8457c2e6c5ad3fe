//! Helpers shared by the tests that run the `train` binary.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `train` binary, set to train on the CPU: these tests check the trainer's behaviour, not
/// a device, and a build with a GPU feature (CI tests with `--features wgpu`) would otherwise
/// default to its GPU. `train/tests/wgpu.rs` trains on the GPU.
pub fn train_cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_train"));
    c.args(["--device", "cpu"]);
    c
}

pub fn train(args: &[&str]) -> Output {
    train_cmd().args(args).output().expect("run train")
}

pub use quill_tests::cli::{s, text};

pub fn tmp(name: &str) -> PathBuf {
    quill_tests::cli::fresh_dir(env!("CARGO_TARGET_TMPDIR"), name)
}

/// A corpus of a few KB: short epochs.
pub fn small_corpus(dir: &Path) -> PathBuf {
    quill_tests::cli::cat_corpus(dir)
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

/// burn's backend RNG (dropout masks, initialisation) is process-wide: two trainings running
/// at once in one test process would draw from it in turn and neither would be reproducible.
/// Each test that trains in-process holds this lock.
static TRAINING: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn training() -> std::sync::MutexGuard<'static, ()> {
    TRAINING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A quiet in-process run in `dir` (`resume` from its checkpoint, up to `max_steps`).
pub fn run_options(dir: &Path, resume: bool, max_steps: Option<usize>) -> train::run::RunOptions {
    train::run::RunOptions {
        run_dir: dir.into(),
        resume,
        quiet: true,
        show_samples: false,
        max_steps,
        epochs: None,
        checkpoint_every: None,
        overwrite: false,
        check_host_memory: true,
    }
}

/// The wgpu device, or `None` after saying the test is skipped; with `QUILL_REQUIRE_GPU` set
/// (CI) a missing device fails the test instead.
#[cfg(feature = "wgpu")]
pub fn gpu() -> Option<burn::backend::wgpu::WgpuDevice> {
    match train::backend::wgpu_device() {
        Ok(d) => Some(d),
        Err(e) if std::env::var_os("QUILL_REQUIRE_GPU").is_some() => {
            panic!("QUILL_REQUIRE_GPU is set and there is no GPU: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED (no GPU): {e}");
            None
        }
    }
}
