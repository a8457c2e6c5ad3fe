//! The trainer on a GPU through burn's wgpu backend (feature `wgpu`), against the CPU path.
//! CI runs these on Mesa's software Vulkan device (lavapipe): the same generic GPU code path a
//! real GPU takes (device placement, CubeCL kernels, read-back, the training loop), slowly.
//!
//! Both paths start from the same weights (drawn on the host from the seed) and see the same
//! batches; they differ only in float arithmetic (summation order inside the GPU's reductions
//! and matrix products), so their losses agree to a tolerance, not bit for bit. Measured on
//! lavapipe: |Δ| ≤ 6e-7 nats/char over 24 steps of GRU 1×32 and LSTM 2×32, training losses
//! and the exported models' validation scores alike (`LOSS_TOLERANCE` leaves 100× room).
//!
//! Without a usable GPU each test says SKIPPED (with the trainer's own message); with
//! `QUILL_REQUIRE_GPU=1` (CI) that is a failure instead.
#![cfg(feature = "wgpu")]

mod common;

use format::CellKind;
use train::checkpoint::Checkpoint;
use train::config::{OptimizerKind, ScheduleKind, TrainConfig};
use train::model::RnnConfig;
use train::run::{Summary, run};

use common::{gpu, run_options, training};

/// Largest accepted |CPU − GPU| difference of a training loss or a validation score, in nats
/// per character (the losses involved are 1.7–2.7 nats).
const LOSS_TOLERANCE: f64 = 1e-4;

/// A small model for a few dozen steps: the test is the GPU path, not the learning.
fn config(cell: CellKind, layers: usize, max_steps: usize) -> TrainConfig {
    TrainConfig {
        corpus: None,
        model: RnnConfig {
            cell,
            layers,
            embed: 8,
            hidden: 32,
            vocab: 0,
            dropout: 0.0, // dropout masks come from each backend's own RNG
            identity_init: false,
        },
        min_freq: 1,
        valid_frac: 0.01,
        bs: 8,
        bptt: 16,
        jitter: true,
        optimizer: OptimizerKind::Adam,
        lr: 1e-2,
        schedule: ScheduleKind::Sgdr {
            cycle_len: 1,
            cycle_mult: 2,
        },
        epochs: 3,
        clip: Some(1.0),
        seed: 11,
        checkpoint_every: 12,
        max_steps: Some(max_steps),
        lesson: None,
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn checkpoint(dir: &std::path::Path) -> Checkpoint {
    Checkpoint::read(&dir.join("checkpoint.bin")).unwrap()
}

fn assert_close(what: &str, cpu: f64, gpu: f64) {
    let d = (cpu - gpu).abs();
    eprintln!("{what}: cpu {cpu:.6}, gpu {gpu:.6}, |Δ| {d:.2e}");
    assert!(
        d <= LOSS_TOLERANCE,
        "{what}: the GPU path gives {gpu}, the CPU path {cpu} (|Δ| {d:e} > {LOSS_TOLERANCE})"
    );
}

/// GRU and a 2-layer LSTM: 24 optimiser steps on each path from the same weights, then export.
/// The last step's loss, the mean loss over all steps and the exported model's validation
/// score through the runtime agree.
#[test]
fn the_gpu_path_trains_and_exports_like_the_cpu_path() {
    let Some(device) = gpu() else { return };
    let _lock = training();
    for (cell, layers) in [(CellKind::Gru, 1), (CellKind::Lstm, 2)] {
        let name = format!("{}-{layers}", cell.name());
        let (cpu_dir, gpu_dir) = (tmp(&format!("cpu-{name}")), tmp(&format!("wgpu-{name}")));
        let cfg = config(cell, layers, 24);
        let cpu: Summary = run::<train::backend::Cpu>(
            cfg.clone(),
            &run_options(&cpu_dir, false, None),
            &Default::default(),
        )
        .unwrap();
        let gpu: Summary =
            run::<train::backend::Wgpu>(cfg, &run_options(&gpu_dir, false, None), &device).unwrap();
        let (c_ck, g) = (checkpoint(&cpu_dir), checkpoint(&gpu_dir).position);
        let (c, vocab) = (c_ck.position, c_ck.vocab.chars.len() + 1);
        assert_eq!((c.step, g.step), (24, 24));
        assert_close(&format!("{name} last loss"), c.last_loss, g.last_loss);
        assert_close(
            &format!("{name} mean loss"),
            c.loss_sum / c.step as f64,
            g.loss_sum / g.step as f64,
        );
        assert_close(
            &format!("{name} exported f32 val loss"),
            cpu.f32_scores.loss,
            gpu.f32_scores.loss,
        );
        assert_close(
            &format!("{name} exported int8 val loss"),
            cpu.int8_scores.loss,
            gpu.int8_scores.loss,
        );
        // It learned something: below the uniform distribution's loss.
        let uniform = (vocab as f64).ln();
        assert!(gpu.f32_scores.loss < uniform, "{:?}", gpu.f32_scores);
    }
}

/// A run checkpointed on the GPU at step 12 and resumed there to step 24 ends where 24 steps
/// straight end; so does one checkpointed on the CPU and resumed on the GPU (a run may move
/// between devices: its checkpoint holds plain tensors).
#[test]
fn the_gpu_path_resumes_and_a_run_moves_between_devices() {
    let Some(device) = gpu() else { return };
    let _lock = training();
    let cfg = config(CellKind::Gru, 1, 24);
    let straight = tmp("wgpu-straight");
    run::<train::backend::Wgpu>(cfg.clone(), &run_options(&straight, false, None), &device)
        .unwrap();
    let want = checkpoint(&straight).position;

    for (name, first_on_cpu) in [("wgpu-split", false), ("cpu-then-wgpu", true)] {
        let dir = tmp(name);
        let mut first = cfg.clone();
        first.max_steps = Some(12);
        if first_on_cpu {
            run::<train::backend::Cpu>(first, &run_options(&dir, false, None), &Default::default())
        } else {
            run::<train::backend::Wgpu>(first, &run_options(&dir, false, None), &device)
        }
        .unwrap();
        assert_eq!(checkpoint(&dir).position.step, 12);
        run::<train::backend::Wgpu>(cfg.clone(), &run_options(&dir, true, Some(24)), &device)
            .unwrap();
        let got = checkpoint(&dir).position;
        assert_eq!(got.step, 24, "{name}");
        assert_close(&format!("{name} last loss"), want.last_loss, got.last_loss);
        assert_close(
            &format!("{name} mean loss"),
            want.loss_sum / 24.0,
            got.loss_sum / 24.0,
        );
        assert!(dir.join("model.quill").exists(), "{name}: no export");
    }
}

/// `train --device wgpu` where no GPU can be opened (Vulkan pointed at no driver): a message
/// that names the way out, and a failing exit status, instead of a panic from inside burn.
#[test]
fn without_a_gpu_the_trainer_says_what_to_do() {
    let dir = tmp("wgpu-none");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["--device", "wgpu", "--max-steps", "2", "--run-dir"])
        .arg(&dir)
        .env("VK_ICD_FILENAMES", "/nonexistent.json")
        .env("VK_DRIVER_FILES", "/nonexistent.json")
        .env("WGPU_BACKEND", "vulkan")
        .output()
        .unwrap();
    let text = common::text(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("no usable GPU for wgpu") && text.contains("--device cpu"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}
