//! How each backend runs a recurrent layer over a sequence.
//!
//! burn records every tensor op of every step for autodiff; for a GRU that is ~15 small ops per
//! step forward and twice that backward, each a pass over memory plus graph bookkeeping, and on
//! the CPU those cost more than the matrix products. So on burn-flex (the CPU trainer) a layer
//! is one custom autodiff op ([`node`]) whose forward and backward run on plain slices
//! ([`host`]: one `h·W_hh` product and one fused element-wise pass per step, the weight gradient
//! as one product over all steps). On burn's GPU backends (CUDA, wgpu) a layer is the same kind
//! of op ([`gpu`]): by default the whole sequence in one CubeCL kernel launch each way
//! (`gpu_sequence`), or per step one product on the GPU and one CubeCL kernel for the cell's
//! math ([`GpuLayer`]).
//! ndarray composes burn tensor ops step by step ([`composed_layer`]): the reference.
//!
//! All follow `cells.rs`; `train/tests/fused_layer.rs` checks that the fused layers give the
//! composed layer's outputs and gradients.

pub mod gemm;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu_cell;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu_kernels;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu_sequence;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu_sequence_kernels;
pub mod host;
mod node;

use std::cell::Cell;

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use format::CellKind;

use super::cells::{self, LayerState};
use super::layer::{RecurrentLayer, Sequence};

/// How burn's GPU backends run a recurrent layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpuLayer {
    /// Whole-sequence up to [`AUTO_WHOLE_SEQUENCE_MAX_HIDDEN`] units, per step above: the
    /// faster of the two where it has been measured.
    Auto,
    /// One launch for the whole sequence forward and one (with the weight-gradient product)
    /// backward, wherever the device's shared memory holds a stream's state; per step elsewhere.
    WholeSequence,
    /// Per step, a product `h·W_hh` and a kernel for the cell's math, each way.
    PerStep,
}

/// The largest hidden size [`GpuLayer::Auto`] runs whole-sequence. Measured on lavapipe (`train
/// bench --backend wgpu --bs 16 --bptt 32`, docs/training.md): whole-sequence is 1.5x per step
/// at 32 units, 1.3x at 64, 0.9x at 128, where its per-unit dot products (a thread's loop over
/// `W_hh`) cost more than burn's tiled products. Not yet measured on an NVIDIA GPU:
/// `scripts/gpu-check.sh` measures both layers there.
pub const AUTO_WHOLE_SEQUENCE_MAX_HIDDEN: usize = 64;

thread_local! {
    static GPU_LAYER: Cell<GpuLayer> = const { Cell::new(GpuLayer::Auto) };
}

/// Chooses how this thread's GPU layers run from now on (for measuring one against the other;
/// [`GpuLayer::Auto`] is the default).
pub fn set_gpu_layer(layer: GpuLayer) {
    GPU_LAYER.with(|l| l.set(layer));
}

/// How this thread's GPU layers run.
pub fn gpu_layer() -> GpuLayer {
    GPU_LAYER.with(Cell::get)
}

/// A backend's way of running one recurrent layer.
pub trait RecurrentBackend: Backend {
    /// Whether [`recurrent_layer`](Self::recurrent_layer) wants its input as one
    /// `[batch, time, features]` tensor (fused) rather than a tensor per step.
    const WHOLE_SEQUENCE: bool = false;

    /// Runs `layer` over `input` from state `s`; returns every step's `h` and the final state.
    fn recurrent_layer(
        cell: CellKind,
        layer: &RecurrentLayer<Self>,
        input: Sequence<Self>,
        s: LayerState<Self>,
    ) -> (Sequence<Self>, LayerState<Self>) {
        composed_layer(cell, layer, input, s)
    }
}

/// The layer as burn tensor ops, step by step (autodiff records each op).
///
/// Per step: `x_t·W_ih` and `h·W_hh`. Nothing large is sliced per step: burn's slice backward
/// zero-fills a tensor the size of its input, so slicing one `[batch, time, G·H]` projection per
/// step cost more than the matmuls.
pub fn composed_layer<B: Backend>(
    cell: CellKind,
    layer: &RecurrentLayer<B>,
    input: Sequence<B>,
    s: LayerState<B>,
) -> (Sequence<B>, LayerState<B>) {
    let (w_ih, w_hh) = (layer.weight_ih.val(), layer.weight_hh.val());
    let b_ih = layer.bias_ih.val().unsqueeze_dim::<2>(0);
    let b_hh = layer.bias_hh.val().unsqueeze_dim::<2>(0);
    let mut s = s;
    let xs = input.into_steps();
    let mut hs = Vec::with_capacity(xs.len());
    for x in xs {
        let gi = x.matmul(w_ih.clone()) + b_ih.clone();
        let gh = s.h.clone().matmul(w_hh.clone()) + b_hh.clone();
        s = cells::step(cell, gi, gh, s);
        hs.push(s.h.clone());
    }
    (Sequence::Steps(hs), s)
}

/// The input side of a fused layer, `x·W_ih + b_ih` for all steps in one product:
/// `[batch, time, G·H]`.
fn input_projection<B: Backend>(layer: &RecurrentLayer<B>, input: Sequence<B>) -> Tensor<B, 3> {
    let x = input.into_whole();
    let [batch, time, features] = x.dims();
    let gi = x
        .reshape([batch * time, features])
        .matmul(layer.weight_ih.val())
        + layer.bias_ih.val().unsqueeze_dim::<2>(0);
    let width = gi.dims()[1];
    gi.reshape([batch, time, width])
}

/// A fused layer: the input side of all steps as one product, then `run` over the sequence.
fn fused<B: Backend>(
    layer: &RecurrentLayer<B>,
    input: Sequence<B>,
    run: impl FnOnce(Tensor<B, 3>) -> (Tensor<B, 3>, LayerState<B>),
) -> (Sequence<B>, LayerState<B>) {
    let (hs, s) = run(input_projection(layer, input));
    (Sequence::Whole(hs), s)
}

impl RecurrentBackend for burn::backend::Flex {
    const WHOLE_SEQUENCE: bool = true;

    fn recurrent_layer(
        cell: CellKind,
        layer: &RecurrentLayer<Self>,
        input: Sequence<Self>,
        s: LayerState<Self>,
    ) -> (Sequence<Self>, LayerState<Self>) {
        fused(layer, input, |gi| node::inference(cell, gi, layer, s))
    }
}

impl<C: burn_autodiff::checkpoint::strategy::CheckpointStrategy> RecurrentBackend
    for burn::backend::Autodiff<burn::backend::Flex, C>
{
    const WHOLE_SEQUENCE: bool = true;

    fn recurrent_layer(
        cell: CellKind,
        layer: &RecurrentLayer<Self>,
        input: Sequence<Self>,
        s: LayerState<Self>,
    ) -> (Sequence<Self>, LayerState<Self>) {
        fused(layer, input, |gi| node::tracked(cell, gi, layer, s))
    }
}

impl RecurrentBackend for burn::backend::NdArray<f32> {}
impl<C: burn_autodiff::checkpoint::strategy::CheckpointStrategy> RecurrentBackend
    for burn::backend::Autodiff<burn::backend::NdArray<f32>, C>
{
}

/// burn's GPU backends (CUDA, wgpu): the fused layer of [`gpu`].
#[cfg(any(feature = "cuda", feature = "wgpu"))]
impl<R: burn_cubecl::CubeRuntime, BT: burn_cubecl::BoolElement> RecurrentBackend
    for gpu::Gpu<R, BT>
{
    const WHOLE_SEQUENCE: bool = true;

    fn recurrent_layer(
        cell: CellKind,
        layer: &RecurrentLayer<Self>,
        input: Sequence<Self>,
        s: LayerState<Self>,
    ) -> (Sequence<Self>, LayerState<Self>) {
        fused(layer, input, |gi| gpu::inference(cell, gi, layer, s))
    }
}

#[cfg(any(feature = "cuda", feature = "wgpu"))]
impl<R, BT, C> RecurrentBackend for burn::backend::Autodiff<gpu::Gpu<R, BT>, C>
where
    R: burn_cubecl::CubeRuntime,
    BT: burn_cubecl::BoolElement,
    C: burn_autodiff::checkpoint::strategy::CheckpointStrategy,
{
    const WHOLE_SEQUENCE: bool = true;

    fn recurrent_layer(
        cell: CellKind,
        layer: &RecurrentLayer<Self>,
        input: Sequence<Self>,
        s: LayerState<Self>,
    ) -> (Sequence<Self>, LayerState<Self>) {
        fused(layer, input, |gi| gpu::tracked(cell, gi, layer, s))
    }
}

/// A backend the trainer can train on: autodiff over a backend it can also evaluate on.
pub trait TrainBackend:
    burn::tensor::backend::AutodiffBackend<InnerBackend: RecurrentBackend> + RecurrentBackend
{
}

impl<B> TrainBackend for B where
    B: burn::tensor::backend::AutodiffBackend<InnerBackend: RecurrentBackend> + RecurrentBackend
{
}
