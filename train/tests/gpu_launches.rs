//! Kernel launches of one recurrent layer on a GPU backend (wgpu; Mesa's lavapipe in CI),
//! counted by CubeCL itself: its execution log (profiling level "minimal") names every kernel it
//! runs, routed here through the `log` crate. The whole-sequence layer launches the same kernels
//! however long the sequence; the per-step layer launches a product and a kernel per step each
//! way.
//!
//! The count covers one layer's forward and backward with its input side (`x·W_ih + b_ih` for
//! all steps), which the trainer runs once per layer per batch; the optimiser is not in it.
#![cfg(feature = "wgpu")]

mod common;

use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use burn::backend::Autodiff;
use burn::module::Param;
use burn::tensor::{Distribution, Tensor};
use burn_cubecl::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};
use format::CellKind;
use train::model::{
    AUTO_WHOLE_SEQUENCE_MAX_HIDDEN, GpuLayer, LayerState, RecurrentBackend, RecurrentLayer,
    Sequence, set_gpu_layer,
};

type B = Autodiff<burn::backend::Wgpu<f32, i32>>;

/// Kernel names CubeCL has logged as executed.
static EXECUTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct ExecutionLog;

impl log::Log for ExecutionLog {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let line = record.args().to_string();
        if let Some(name) = line.trim().strip_prefix("Executing ") {
            EXECUTED.lock().unwrap().push(name.to_string());
        }
    }

    fn flush(&self) {}
}

static LOGGER: ExecutionLog = ExecutionLog;

/// The log is one for the process: the tests take turns.
static TURN: Mutex<()> = Mutex::new(());

/// The wgpu device with CubeCL's execution log on, or `None` after saying the test is skipped.
fn gpu() -> Option<burn::backend::wgpu::WgpuDevice> {
    static SETUP: Once = Once::new();
    SETUP.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Info);
        let config: CubeClRuntimeConfig = serde_json::from_str(
            r#"{"profiling": {"logger": {"level": "minimal", "log": "info"}}}"#,
        )
        .expect("CubeCL's config reads this");
        CubeClRuntimeConfig::set(config);
    });
    common::gpu()
}

/// Waits until CubeCL's log (written from its own thread) has gone quiet, then takes it.
fn settled_log() -> Vec<String> {
    let start = Instant::now();
    let mut seen = usize::MAX;
    while start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(300));
        let now = EXECUTED.lock().unwrap().len();
        if now == seen {
            break;
        }
        seen = now;
    }
    std::mem::take(&mut *EXECUTED.lock().unwrap())
}

fn param<const D: usize>(
    shape: [usize; D],
    device: &burn::backend::wgpu::WgpuDevice,
) -> Param<Tensor<B, D>> {
    Param::from_tensor(Tensor::random(
        shape,
        Distribution::Uniform(-0.3, 0.3),
        device,
    ))
}

/// The kernels one layer's forward and backward launch over `time` steps (after a warm-up run of
/// the same shape, so compilation and autotuning are done).
fn launches(
    cell: CellKind,
    layer: GpuLayer,
    (time, hidden): (usize, usize),
    device: &burn::backend::wgpu::WgpuDevice,
) -> Vec<String> {
    let (batch, features) = (4, 8);
    let width = cell.gates() * hidden;
    let l = RecurrentLayer {
        weight_ih: param([features, width], device),
        weight_hh: param([hidden, width], device),
        bias_ih: param([width], device),
        bias_hh: param([width], device),
    };
    set_gpu_layer(layer);
    let run = || {
        let x = Tensor::<B, 3>::random([batch, time, features], Distribution::Default, device)
            .require_grad();
        let s = LayerState::zeros(cell, batch, hidden, device);
        let _ = s.h.clone().into_data(); // the state is the previous batch's: made before
        settled_log();
        let (hs, _) = B::recurrent_layer(cell, &l, Sequence::Whole(x.clone()), s);
        let grads = hs.into_whole().sum().backward();
        let dw = l.weight_hh.grad(&grads).expect("W_hh has a gradient");
        let dx = x.grad(&grads).expect("the input has a gradient");
        let _ = (dw.into_data(), dx.into_data());
        settled_log()
    };
    run();
    let got = run();
    set_gpu_layer(GpuLayer::Auto);
    got
}

/// Short names of the kernels in a log ("SequenceForward", "MatmulEntry", ...), in order.
fn names(log: &[String]) -> Vec<&str> {
    log.iter()
        .map(|n| n.split(" | ").next().unwrap_or(n))
        .collect()
}

fn count(log: &[String], kernel: &str) -> usize {
    names(log).iter().filter(|n| **n == kernel).count()
}

/// The whole-sequence layer launches the same kernels for 8 steps as for 32: the input side
/// (a product and the bias), one recurrence kernel forward, the loss's sum and its seed, a copy
/// of `W_hhᵀ` and one recurrence kernel backward with the `W_hh` gradient (a product) and the
/// `b_hh` gradient (a sum), and the input side's three gradients. The per-step layer launches a kernel per step
/// each way, and a product per step.
#[test]
fn the_whole_sequence_layer_launches_a_fixed_few_kernels_per_batch() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let Some(device) = gpu() else { return };
    for cell in [CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh] {
        let short = launches(cell, GpuLayer::WholeSequence, (8, 16), &device);
        let long = launches(cell, GpuLayer::WholeSequence, (32, 16), &device);
        let per_step = launches(cell, GpuLayer::PerStep, (32, 16), &device);
        eprintln!(
            "{}: whole-sequence {} launches for 8 steps, {} for 32: {:?}; per step {} for 32",
            cell.name(),
            short.len(),
            long.len(),
            names(&long),
            per_step.len()
        );
        assert_eq!(names(&short), names(&long));
        assert_eq!(count(&long, "SequenceForward"), 1);
        assert_eq!(count(&long, "SequenceBackward"), 1);
        assert_eq!(
            count(&long, "CellForward") + count(&long, "CellBackward"),
            0
        );
        // x·W_ih; and backward the gradients of W_hh, W_ih and x.
        assert_eq!(count(&long, "MatmulEntry"), 4, "{:?}", names(&long));
        assert!(
            long.len() <= LAYER_LAUNCHES,
            "{} launches for one layer's forward and backward (bound {LAYER_LAUNCHES}): {:?}",
            long.len(),
            names(&long)
        );
        assert_eq!(count(&per_step, "CellForward"), 32);
        assert_eq!(count(&per_step, "CellBackward"), 32);
        assert!(per_step.len() > 4 * 32, "{:?}", names(&per_step));
    }
    // Past 256 units a stream's threads take several units each, and an LSTM's backward state
    // (2·4·H + 2·H floats, 12 KB here) still fits a cube's shared memory: still whole-sequence
    // (tests/fused_layer.rs checks its values at this size).
    let wide = launches(CellKind::Lstm, GpuLayer::WholeSequence, (8, 300), &device);
    assert_eq!(count(&wide, "SequenceForward"), 1, "{:?}", names(&wide));
    assert_eq!(count(&wide, "SequenceBackward"), 1, "{:?}", names(&wide));
    assert!(wide.len() <= LAYER_LAUNCHES, "{:?}", names(&wide));
}

/// One layer's forward and backward in the test's window, measured on lavapipe: 5 for the
/// recurrence (its two kernels, the `W_hhᵀ` copy, the `W_hh` product and the `b_hh` sum), 5 for
/// the input side (product and bias forward; three gradients), 5 for the loss's sum and its seed.
const LAYER_LAUNCHES: usize = 15;

/// By default (`GpuLayer::Auto`) the whole-sequence layer runs up to
/// `AUTO_WHOLE_SEQUENCE_MAX_HIDDEN` units and the per-step layer above.
#[test]
fn the_default_runs_whole_sequence_where_it_was_measured_faster() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let Some(device) = gpu() else { return };
    let small = launches(
        CellKind::Gru,
        GpuLayer::Auto,
        (8, AUTO_WHOLE_SEQUENCE_MAX_HIDDEN),
        &device,
    );
    assert_eq!(count(&small, "SequenceForward"), 1, "{:?}", names(&small));
    let large = AUTO_WHOLE_SEQUENCE_MAX_HIDDEN + 1;
    let large = launches(CellKind::Gru, GpuLayer::Auto, (8, large), &device);
    assert_eq!(count(&large, "SequenceForward"), 0, "{:?}", names(&large));
    assert_eq!(count(&large, "CellForward"), 8, "{:?}", names(&large));
}
