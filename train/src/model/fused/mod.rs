//! How each backend runs a recurrent layer over a sequence.
//!
//! burn records every tensor op of every step for autodiff; for a GRU that is ~15 small ops per
//! step forward and twice that backward, each a pass over memory plus graph bookkeeping, and on
//! the CPU those cost more than the matrix products. So on burn-flex (the CPU trainer) a layer
//! is one custom autodiff op ([`node`]) whose forward and backward run on plain slices
//! ([`host`]: one `h·W_hh` product and one fused element-wise pass per step, the weight gradient
//! as one product over all steps). On burn's GPU backends (CUDA, wgpu) a layer is the same kind
//! of op ([`gpu`]): per step one product on the GPU and one CubeCL kernel for the cell's math.
//! ndarray composes burn tensor ops step by step ([`composed_layer`]): the reference.
//!
//! All follow `cells.rs`; `train/tests/fused_layer.rs` checks that the fused layers give the
//! composed layer's outputs and gradients.

pub mod gemm;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu;
#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod gpu_kernels;
pub mod host;
mod node;

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use format::CellKind;

use super::cells::{self, LayerState};
use super::layer::{RecurrentLayer, Sequence};

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
