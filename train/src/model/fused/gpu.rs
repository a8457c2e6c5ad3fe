//! The fused layer on burn's GPU backends (CubeCL: CUDA and wgpu), the way cuDNN runs an RNN.
//! The input side of all steps is one matrix product before this layer (`input_projection`);
//! per step there is one product `h·W_hh` and one kernel for the whole cell's element-wise
//! math (`gpu_kernels`), instead of a dozen burn ops each recorded for autodiff. Backward, per
//! step, one kernel and one product `dgh·W_hhᵀ`; the weight gradient is one product over all
//! steps. As one custom autodiff op its parents are `gi`, `W_hh` and `b_hh`; the carried state
//! is a constant (truncated BPTT), as on the CPU (`node`).
//!
//! That is the per-step layer. Where the device's shared memory holds a stream's state, the
//! whole-sequence layer (`gpu_sequence`) runs instead, as [`super::GpuLayer`] chooses; both
//! save the same things, so either backward follows either forward.

use std::sync::Arc;

use burn::backend::Autodiff;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorPrimitive};
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::CheckpointStrategy;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_cubecl::cubecl::{CubeDim, calculate_cube_count_elemwise};
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime};
use format::CellKind;

use super::gpu_cell;
use super::gpu_kernels::{cell_backward, cell_forward};
use super::gpu_sequence;
use super::{AUTO_WHOLE_SEQUENCE_MAX_HIDDEN, GpuLayer, gpu_layer};
use crate::model::cells::LayerState;
use crate::model::layer::RecurrentLayer;

/// The GPU backends the trainer builds: f32 floats, i32 ints.
pub type Gpu<R, BT> = CubeBackend<R, f32, i32, BT>;

/// A layer's outputs: every step's `h`, and the final state.
type LayerOut<B> = (Tensor<B, 3>, LayerState<B>);

pub(super) fn prim<R: CubeRuntime, BT: BoolElement, const D: usize>(
    t: Tensor<Gpu<R, BT>, D>,
) -> CubeTensor<R> {
    into_contiguous(t.into_primitive().tensor())
}

pub(super) fn tensor<R: CubeRuntime, BT: BoolElement, const D: usize>(
    p: CubeTensor<R>,
) -> Tensor<Gpu<R, BT>, D> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

pub(super) fn cell_id(cell: CellKind) -> u32 {
    match cell {
        CellKind::RnnTanh => gpu_cell::RNN_TANH,
        CellKind::RnnRelu => gpu_cell::RNN_RELU,
        CellKind::Gru => gpu_cell::GRU,
        CellKind::Lstm => gpu_cell::LSTM,
    }
}

/// Launch geometry for one thread per (row, unit).
fn grid<R: CubeRuntime>(
    t: &CubeTensor<R>,
    units: usize,
) -> (burn_cubecl::cubecl::CubeCount, CubeDim) {
    let dim = CubeDim::new(&t.client, units);
    (calculate_cube_count_elemwise(&t.client, units, dim), dim)
}

/// What the backward pass needs: every step's `gh + b_hh`, and the state it started from
/// (time-major), with `gi` and `W_hh`.
#[derive(Debug)]
pub(super) struct Saved<R: CubeRuntime> {
    pub gi: CubeTensor<R>,
    pub w_hh: CubeTensor<R>,
    pub gh: CubeTensor<R>,
    pub h: CubeTensor<R>,
    pub c: CubeTensor<R>,
}

pub(super) struct Forward<R: CubeRuntime> {
    pub hs: CubeTensor<R>,
    pub h: CubeTensor<R>,
    pub c: Option<CubeTensor<R>>,
    pub saved: Option<Saved<R>>,
}

/// Runs the layer over `gi` (`[batch, time, G·H]`) from `h0`/`c0`, step by step.
fn per_step_forward<R: CubeRuntime, BT: BoolElement>(
    cell: CellKind,
    gi: Tensor<Gpu<R, BT>, 3>,
    w_hh: Tensor<Gpu<R, BT>, 2>,
    b_hh: Tensor<Gpu<R, BT>, 1>,
    h0: Tensor<Gpu<R, BT>, 2>,
    c0: Option<Tensor<Gpu<R, BT>, 2>>,
    save: bool,
) -> Forward<R> {
    let [batch, time, width] = gi.dims();
    let hidden = h0.dims()[1];
    let device = gi.device();
    let zeros = |shape: &[usize]| {
        prim::<R, BT, 1>(Tensor::zeros([shape.iter().product::<usize>()], &device))
    };
    // Own copies of the state: the kernel advances them in place.
    let h = zeros(&[batch * hidden]);
    let h = prim::<R, BT, 2>(tensor::<R, BT, 1>(h).reshape([batch, hidden]) + h0);
    let lstm = cell == CellKind::Lstm;
    let c = match c0 {
        Some(c0) if lstm => prim::<R, BT, 2>(Tensor::zeros([batch, hidden], &device) + c0),
        _ => zeros(&[1]),
    };
    let hs = prim::<R, BT, 3>(Tensor::zeros([batch, time, hidden], &device));
    let keep = |shape: [usize; 3], wanted: bool| {
        if wanted {
            prim::<R, BT, 3>(Tensor::zeros(shape, &device))
        } else {
            zeros(&[1])
        }
    };
    let (saved_gh, saved_h) = (
        keep([time, batch, width], save),
        keep([time, batch, hidden], save),
    );
    let saved_c = keep([time, batch, hidden], save && lstm);
    let gi = prim::<R, BT, 3>(gi);
    let b_hh = prim::<R, BT, 1>(b_hh);
    let w = prim::<R, BT, 2>(w_hh);
    let (count, dim) = grid(&h, batch * hidden);
    for step in 0..time {
        let gh = prim::<R, BT, 2>(tensor::<R, BT, 2>(h.clone()).matmul(tensor(w.clone())));
        cell_forward::launch::<R>(
            &h.client,
            count.clone(),
            dim,
            gi.clone().into_tensor_arg(),
            gh.into_tensor_arg(),
            b_hh.clone().into_tensor_arg(),
            h.clone().into_tensor_arg(),
            c.clone().into_tensor_arg(),
            hs.clone().into_tensor_arg(),
            saved_gh.clone().into_tensor_arg(),
            saved_h.clone().into_tensor_arg(),
            saved_c.clone().into_tensor_arg(),
            step as u32,
            cell_id(cell),
            save,
            gi.dtype.into(),
        );
    }
    Forward {
        hs,
        h,
        c: lstm.then_some(c),
        saved: save.then_some(Saved {
            gi,
            w_hh: w,
            gh: saved_gh,
            h: saved_h,
            c: saved_c,
        }),
    }
}

/// Gradients of `gi`, `W_hh` and `b_hh` from ∂L/∂hs, step by step.
fn per_step_backward<R: CubeRuntime, BT: BoolElement>(
    cell: CellKind,
    s: &Saved<R>,
    dhs: CubeTensor<R>,
) -> [CubeTensor<R>; 3] {
    let dhs = into_contiguous(dhs);
    let [batch, time, width] = dims::<3>(&s.gi);
    let hidden = dhs.meta.shape()[2];
    let device = s.gi.device.clone();
    let zeros = |shape: [usize; 2]| prim::<R, BT, 2>(Tensor::zeros(shape, &device));
    let lstm = cell == CellKind::Lstm;
    let dh_elem = zeros([batch, hidden]);
    let dc = if lstm {
        zeros([batch, hidden])
    } else {
        zeros([1, 1])
    };
    let mut dh_mat = zeros([batch, hidden]);
    let dgi = prim::<R, BT, 3>(Tensor::zeros([batch, time, width], &device));
    let dgh = prim::<R, BT, 3>(Tensor::zeros([time, batch, width], &device));
    let w_t = tensor::<R, BT, 2>(s.w_hh.clone()).transpose();
    let (count, dim) = grid(&dh_elem, batch * hidden);
    for step in (0..time).rev() {
        cell_backward::launch::<R>(
            &dh_elem.client,
            count.clone(),
            dim,
            s.gi.clone().into_tensor_arg(),
            s.gh.clone().into_tensor_arg(),
            s.h.clone().into_tensor_arg(),
            s.c.clone().into_tensor_arg(),
            dhs.clone().into_tensor_arg(),
            dh_mat.clone().into_tensor_arg(),
            dh_elem.clone().into_tensor_arg(),
            dc.clone().into_tensor_arg(),
            dgi.clone().into_tensor_arg(),
            dgh.clone().into_tensor_arg(),
            step as u32,
            cell_id(cell),
            dgi.dtype.into(),
        );
        if step > 0 {
            let dgh_t = tensor::<R, BT, 3>(dgh.clone())
                .narrow(0, step, 1)
                .reshape([batch, width]);
            dh_mat = prim::<R, BT, 2>(dgh_t.matmul(w_t.clone()));
        }
    }
    let [dw_hh, db_hh] = weight_grads::<R, BT>(s, dgh);
    [dgi, dw_hh, db_hh]
}

/// The gradients of `W_hh` and `b_hh` from every step's ∂L/∂gh (`[time, batch, G·H]`): one
/// product and one sum over all steps.
pub(super) fn weight_grads<R: CubeRuntime, BT: BoolElement>(
    s: &Saved<R>,
    dgh: CubeTensor<R>,
) -> [CubeTensor<R>; 2] {
    let [time, batch, width] = dims::<3>(&dgh);
    let hidden = s.h.meta.shape()[2];
    let rows = time * batch;
    let dgh_all = tensor::<R, BT, 3>(dgh).reshape([rows, width]);
    let h_all = tensor::<R, BT, 3>(s.h.clone()).reshape([rows, hidden]);
    let dw_hh = h_all.transpose().matmul(dgh_all.clone());
    let db_hh = dgh_all.sum_dim(0).reshape([width]);
    [prim::<R, BT, 2>(dw_hh), prim::<R, BT, 1>(db_hh)]
}

/// Whether this layer runs whole-sequence: asked for (or small enough, by default) and fitting
/// the device.
fn whole_sequence<R: CubeRuntime>(t: &CubeTensor<R>, cell: CellKind, hidden: usize) -> bool {
    let batch = t.meta.shape()[0];
    let wanted = match gpu_layer() {
        GpuLayer::Auto => hidden <= AUTO_WHOLE_SEQUENCE_MAX_HIDDEN,
        GpuLayer::WholeSequence => true,
        GpuLayer::PerStep => false,
    };
    wanted && gpu_sequence::fits(t, cell, hidden, batch)
}

/// Runs the layer over `gi` (`[batch, time, G·H]`) from `h0`/`c0`, the way `sequence` says.
#[allow(clippy::too_many_arguments)]
fn forward<R: CubeRuntime, BT: BoolElement>(
    cell: CellKind,
    sequence: bool,
    gi: Tensor<Gpu<R, BT>, 3>,
    w_hh: Tensor<Gpu<R, BT>, 2>,
    b_hh: Tensor<Gpu<R, BT>, 1>,
    h0: Tensor<Gpu<R, BT>, 2>,
    c0: Option<Tensor<Gpu<R, BT>, 2>>,
    save: bool,
) -> Forward<R> {
    if sequence {
        gpu_sequence::forward(cell, gi, w_hh, b_hh, h0, c0, save)
    } else {
        per_step_forward(cell, gi, w_hh, b_hh, h0, c0, save)
    }
}

pub(super) fn dims<const D: usize>(t: &CubeTensor<impl CubeRuntime>) -> [usize; D] {
    core::array::from_fn(|i| t.meta.shape()[i])
}

/// The outputs as tensors: every step's `h`, and the final state.
fn state<B: burn::tensor::backend::Backend>(
    h: B::FloatTensorPrimitive,
    c: Option<B::FloatTensorPrimitive>,
) -> LayerState<B> {
    let t = |p| Tensor::from_primitive(TensorPrimitive::Float(p));
    LayerState {
        h: t(h),
        c: c.map(t),
    }
}

/// Runs the layer without autodiff (evaluation).
pub fn inference<R: CubeRuntime, BT: BoolElement>(
    cell: CellKind,
    gi: Tensor<Gpu<R, BT>, 3>,
    layer: &RecurrentLayer<Gpu<R, BT>>,
    s: LayerState<Gpu<R, BT>>,
) -> LayerOut<Gpu<R, BT>> {
    let sequence = whole_sequence(&prim::<R, BT, 2>(s.h.clone()), cell, s.h.dims()[1]);
    let f = forward(
        cell,
        sequence,
        gi,
        layer.weight_hh.val(),
        layer.bias_hh.val(),
        s.h,
        s.c,
        false,
    );
    (tensor(f.hs), state(f.h, f.c))
}

/// The backward step of the fused layer; its parents are `gi`, `W_hh`, `b_hh`.
#[derive(Debug)]
struct GpuLayerBackward;

#[derive(Clone, Debug)]
struct BackwardState<R: CubeRuntime> {
    cell: CellKind,
    /// Whether forward ran whole-sequence: backward runs the same way.
    sequence: bool,
    saved: Arc<Saved<R>>,
}

impl<R: CubeRuntime, BT: BoolElement> Backward<Gpu<R, BT>, 3> for GpuLayerBackward {
    type State = BackwardState<R>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let s = ops.state;
        let dhs = grads.consume::<Gpu<R, BT>>(&ops.node);
        let [dgi, dw_hh, db_hh] = if s.sequence {
            gpu_sequence::backward::<R, BT>(s.cell, &s.saved, dhs)
        } else {
            per_step_backward::<R, BT>(s.cell, &s.saved, dhs)
        };
        let [gi, w_hh, b_hh] = ops.parents;
        for (parent, grad) in [(gi, dgi), (w_hh, dw_hh), (b_hh, db_hh)] {
            if let Some(node) = parent {
                grads.register::<Gpu<R, BT>>(node.id, grad);
            }
        }
    }
}

/// Runs the layer as one op of the autodiff graph. The final state comes back untracked
/// (truncated BPTT detaches it anyway).
pub fn tracked<R: CubeRuntime, BT: BoolElement, C: CheckpointStrategy>(
    cell: CellKind,
    gi: Tensor<Autodiff<Gpu<R, BT>, C>, 3>,
    layer: &RecurrentLayer<Autodiff<Gpu<R, BT>, C>>,
    s: LayerState<Autodiff<Gpu<R, BT>, C>>,
) -> LayerOut<Autodiff<Gpu<R, BT>, C>> {
    let ad = |t: Tensor<Autodiff<Gpu<R, BT>, C>, 3>| t.into_primitive().tensor();
    let (gi_p, w_p, b_p) = (
        ad(gi),
        layer.weight_hh.val().into_primitive().tensor(),
        layer.bias_hh.val().into_primitive().tensor(),
    );
    let (gi_in, w_in, b_in) = (
        tensor::<R, BT, 3>(gi_p.primitive.clone()),
        tensor::<R, BT, 2>(w_p.primitive.clone()),
        tensor::<R, BT, 1>(b_p.primitive.clone()),
    );
    let (h0, c0) = (s.h.inner(), s.c.map(Tensor::inner));
    let sequence = whole_sequence(&prim::<R, BT, 2>(h0.clone()), cell, h0.dims()[1]);
    let prep = GpuLayerBackward
        .prepare::<C>([gi_p.node.clone(), w_p.node.clone(), b_p.node.clone()])
        .compute_bound()
        .stateful();
    let (hs, h, c) = match prep {
        OpsKind::Tracked(prep) => {
            let mut f = forward(cell, sequence, gi_in, w_in, b_in, h0, c0, true);
            let saved = Arc::new(f.saved.take().expect("forward ran with save"));
            let state = BackwardState {
                cell,
                sequence,
                saved,
            };
            (prep.finish(state, f.hs), f.h, f.c)
        }
        OpsKind::UnTracked(prep) => {
            let f = forward(cell, sequence, gi_in, w_in, b_in, h0, c0, false);
            (prep.finish(f.hs), f.h, f.c)
        }
    };
    let untracked = |t: CubeTensor<R>| <Autodiff<Gpu<R, BT>, C> as AutodiffBackend>::from_inner(t);
    (
        Tensor::from_primitive(TensorPrimitive::Float(hs)),
        state(untracked(h), c.map(untracked)),
    )
}
