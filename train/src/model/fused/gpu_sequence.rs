//! The whole-sequence GPU layer: forward is one kernel launch for all steps, backward one launch
//! for the recurrence plus the weight gradient as one product over all steps
//! (`gpu_sequence_kernels`). The per-step layer of `gpu` launches a product and a kernel per step
//! each way; on a GPU each launch costs microseconds, which for the trainer's sizes is more than
//! the step's arithmetic.
//!
//! It needs its per-cube state in shared memory (`shared_bytes`); where that does not fit the
//! device, `gpu` runs the per-step layer instead.

use burn::tensor::Shape;
use burn_cubecl::cubecl::{CubeCount, CubeDim};
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{BoolElement, CubeRuntime};
use format::CellKind;

use super::gpu::{Forward, Gpu, Saved, cell_id, dims, prim, tensor, weight_grads};
use super::gpu_sequence_kernels::{sequence_backward, sequence_forward};
use burn::tensor::Tensor;

/// Shared memory one cube needs, forward and backward, in bytes (f32).
fn shared_bytes(cell: CellKind, hidden: usize) -> usize {
    let forward = 3 * hidden;
    let backward = 2 * cell.gates() * hidden + 2 * hidden;
    forward.max(backward) * size_of::<f32>()
}

/// Whether the device can run this layer whole-sequence: its state fits one cube's shared
/// memory and its batch the grid's first dimension.
pub fn fits<R: CubeRuntime>(
    t: &CubeTensor<R>,
    cell: CellKind,
    hidden: usize,
    batch: usize,
) -> bool {
    let hw = &t.client.properties().hardware;
    shared_bytes(cell, hidden) <= hw.max_shared_memory_size && batch <= hw.max_cube_count.0 as usize
}

/// One cube per stream (batch row), its threads striding over the hidden units.
fn grid<R: CubeRuntime>(t: &CubeTensor<R>, hidden: usize, batch: usize) -> (CubeCount, CubeDim) {
    let hw = &t.client.properties().hardware;
    let units = hidden
        .min(256)
        .min(hw.max_cube_dim.0 as usize)
        .min(hw.max_units_per_cube as usize)
        .max(1);
    (
        CubeCount::Static(batch as u32, 1, 1),
        CubeDim::new_1d(units as u32),
    )
}

fn empty<R: CubeRuntime>(like: &CubeTensor<R>, shape: &[usize]) -> CubeTensor<R> {
    empty_device_dtype::<R>(
        like.client.clone(),
        like.device.clone(),
        Shape::from(shape.to_vec()),
        like.dtype,
    )
}

/// Runs the layer over `gi` (`[batch, time, G·H]`) from `h0`/`c0`, keeping what the backward
/// pass needs with `save`.
pub fn forward<R: CubeRuntime, BT: BoolElement>(
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
    let lstm = cell == CellKind::Lstm;
    let gi = prim::<R, BT, 3>(gi);
    let (w, b_hh, h0) = (prim::<R, BT, 2>(w_hh), prim::<R, BT, 1>(b_hh), prim(h0));
    let c0 = match c0 {
        Some(c0) if lstm => prim::<R, BT, 2>(c0),
        _ => h0.clone(),
    };
    let one = [1];
    let hs = empty(&gi, &[batch, time, hidden]);
    let h = empty(&gi, &[batch, hidden]);
    let state_shape = [batch, hidden];
    let c = empty(&gi, if lstm { &state_shape } else { &one });
    let keep = |shape: &[usize], wanted: bool| empty(&gi, if wanted { shape } else { &one });
    let saved_gh = keep(&[time, batch, width], save);
    let saved_h = keep(&[time, batch, hidden], save);
    let saved_c = keep(&[time, batch, hidden], save && lstm);
    let (count, dim) = grid(&gi, hidden, batch);
    // SAFETY: every index the kernel computes is inside its tensors, whose shapes are made
    // here from the same dimensions (a stream's rows, units below `hidden`, steps below `time`),
    // so the bounds checks CubeCL would add to every access are left out.
    unsafe {
        sequence_forward::launch_unchecked::<R>(
            &gi.client,
            count,
            dim,
            gi.clone().into_tensor_arg(),
            w.clone().into_tensor_arg(),
            b_hh.into_tensor_arg(),
            h0.into_tensor_arg(),
            c0.into_tensor_arg(),
            hs.clone().into_tensor_arg(),
            h.clone().into_tensor_arg(),
            c.clone().into_tensor_arg(),
            saved_gh.clone().into_tensor_arg(),
            saved_h.clone().into_tensor_arg(),
            saved_c.clone().into_tensor_arg(),
            cell_id(cell),
            hidden as u32,
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

/// Gradients of `gi`, `W_hh` and `b_hh` from ∂L/∂hs.
pub fn backward<R: CubeRuntime, BT: BoolElement>(
    cell: CellKind,
    s: &Saved<R>,
    dhs: CubeTensor<R>,
) -> [CubeTensor<R>; 3] {
    let dhs = into_contiguous(dhs);
    let [batch, time, width] = dims::<3>(&s.gi);
    let hidden = dhs.meta.shape()[2];
    let w_t = prim::<R, BT, 2>(tensor::<R, BT, 2>(s.w_hh.clone()).transpose());
    let dgi = empty(&s.gi, &[batch, time, width]);
    let dgh = empty(&s.gi, &[time, batch, width]);
    let (count, dim) = grid(&s.gi, hidden, batch);
    // SAFETY: every index the kernel computes is inside its tensors, whose shapes are made
    // here from the same dimensions (a stream's rows, units below `hidden`, steps below `time`),
    // so the bounds checks CubeCL would add to every access are left out.
    unsafe {
        sequence_backward::launch_unchecked::<R>(
            &s.gi.client,
            count,
            dim,
            s.gi.clone().into_tensor_arg(),
            w_t.into_tensor_arg(),
            s.gh.clone().into_tensor_arg(),
            s.h.clone().into_tensor_arg(),
            s.c.clone().into_tensor_arg(),
            dhs.into_tensor_arg(),
            dgi.clone().into_tensor_arg(),
            dgh.clone().into_tensor_arg(),
            cell_id(cell),
            hidden as u32,
            cell.gates() as u32,
            dgi.dtype.into(),
        );
    }
    let [dw_hh, db_hh] = weight_grads::<R, BT>(s, dgh);
    [dgi, dw_hh, db_hh]
}
