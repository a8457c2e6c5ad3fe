//! The cell equations on burn tensors, exactly PyTorch's (`nn.RNN`, `nn.GRU` with the reset
//! gate applied after the hidden matmul, `nn.LSTM` with gates i, f, g, o) — the same equations
//! as `runtime/src/cell.rs`, on a batch.
//!
//! `gi` is the input side `x·W_ih + b_ih` (computed for all time steps at once by the caller),
//! `gh` the hidden side `h·W_hh + b_hh`; both `[batch, gates·hidden]` with gate blocks in
//! PyTorch's order.

use burn::tensor::Tensor;
use burn::tensor::activation::{relu, sigmoid, tanh};
use burn::tensor::backend::Backend;
use format::CellKind;

/// The state a layer carries between steps: `h`, and `c` for an LSTM.
#[derive(Clone, Debug)]
pub struct LayerState<B: Backend> {
    pub h: Tensor<B, 2>,
    pub c: Option<Tensor<B, 2>>,
}

impl<B: Backend> LayerState<B> {
    pub fn zeros(cell: CellKind, batch: usize, hidden: usize, device: &B::Device) -> Self {
        let c = (cell == CellKind::Lstm).then(|| Tensor::zeros([batch, hidden], device));
        LayerState {
            h: Tensor::zeros([batch, hidden], device),
            c,
        }
    }

    /// Cuts the autodiff graph (truncated BPTT: state carries over, gradients do not).
    pub fn detach(self) -> Self {
        LayerState {
            h: self.h.detach(),
            c: self.c.map(Tensor::detach),
        }
    }
}

/// One step of one layer.
pub fn step<B: Backend>(
    cell: CellKind,
    gi: Tensor<B, 2>,
    gh: Tensor<B, 2>,
    s: LayerState<B>,
) -> LayerState<B> {
    let hidden = s.h.dims()[1];
    let gate = |t: &Tensor<B, 2>, k: usize| t.clone().narrow(1, k * hidden, hidden);
    match cell {
        CellKind::RnnTanh => LayerState {
            h: tanh(gi + gh),
            c: None,
        },
        CellKind::RnnRelu => LayerState {
            h: relu(gi + gh),
            c: None,
        },
        CellKind::Gru => {
            let r = sigmoid(gate(&gi, 0) + gate(&gh, 0));
            let z = sigmoid(gate(&gi, 1) + gate(&gh, 1));
            let n = tanh(gate(&gi, 2) + r * gate(&gh, 2));
            // h' = (1 − z) ⊙ n + z ⊙ h  ==  n + z ⊙ (h − n)
            let h = n.clone() + z * (s.h - n);
            LayerState { h, c: None }
        }
        CellKind::Lstm => {
            let g = gi + gh;
            let i = sigmoid(gate(&g, 0));
            let f = sigmoid(gate(&g, 1));
            let gg = tanh(gate(&g, 2));
            let o = sigmoid(gate(&g, 3));
            let c_prev = s.c.unwrap_or_else(|| s.h.zeros_like());
            let c = f * c_prev + i * gg;
            let h = o * tanh(c.clone());
            LayerState { h, c: Some(c) }
        }
    }
}

/// The same equations on one batch row of plain slices, with their derivatives: the fused CPU
/// layer (`super::fused`) runs these instead of a graph of tensor ops. The forward step is the
/// runtime's own code (`runtime::CellStep::update`), so it is written once for trainer and device;
/// the derivatives, which only the trainer needs, are written here with the runtime's
/// nonlinearities (`runtime::math`).
///
/// Slices hold one row: `gi`, `gh` are `G·H` wide (gate blocks in PyTorch's order), `h`, `c`
/// and their gradients `H` wide. `c` is unused (and may be empty) for RNN and GRU.
pub mod row {
    use format::CellKind;
    use runtime::CellShape;
    use runtime::math::{sigmoid, tanh};

    /// The `G` gate blocks of a row, each exactly `n` long: with every slice's length equal to
    /// the loop bound, the compiler drops the bounds checks and vectorises the loops.
    fn gates<const G: usize>(v: &[f32], n: usize) -> [&[f32]; G] {
        core::array::from_fn(|k| &v[k * n..(k + 1) * n])
    }

    fn gates_mut<const G: usize>(v: &mut [f32], n: usize) -> [&mut [f32]; G] {
        let mut rest = &mut v[..G * n];
        core::array::from_fn(|_| {
            let (head, tail) = core::mem::take(&mut rest).split_at_mut(n);
            rest = tail;
            head
        })
    }

    /// One step: `h` and `c` hold the previous state on entry and the new one on return. This
    /// is the runtime's own cell code (`runtime::CellStep::update` on the portable kernel), so
    /// the trainer's forward pass is the device's, bit for bit; `scratch` (`G·H`) takes a copy
    /// of `gh`, which the backward pass still needs. `shape` is proven once, where the fused
    /// layer sizes its rows; a row cut to another size is a bug in that layer, and says so.
    pub fn forward(
        shape: CellShape,
        gi: &[f32],
        gh: &[f32],
        h: &mut [f32],
        c: &mut [f32],
        scratch: &mut [f32],
    ) {
        scratch.copy_from_slice(gh);
        match shape.step(gi, scratch, h, c) {
            Ok(step) => step.update(runtime::Kernel::Portable),
            Err(e) => panic!("fused layer cut a row to another shape: {e}"),
        }
    }

    /// The derivative of [`forward`] at the state (`h_prev`, `c_prev`) it started from.
    ///
    /// `dh` is ∂L/∂h_t; `dc` holds ∂L/∂c_t that flowed back from step t+1 on entry and
    /// ∂L/∂c_{t−1} on return (LSTM only). Writes ∂L/∂gi, ∂L/∂gh, and into `dh_prev` the
    /// element-wise part of ∂L/∂h_{t−1} (the caller adds `dgh·W_hhᵀ`). Gates are recomputed from
    /// `gi` and `gh` rather than stored: cheaper than the memory traffic.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        cell: CellKind,
        gi: &[f32],
        gh: &[f32],
        h_prev: &[f32],
        c_prev: &[f32],
        dh: &[f32],
        dc: &mut [f32],
        dgi: &mut [f32],
        dgh: &mut [f32],
        dh_prev: &mut [f32],
    ) {
        let n = dh.len();
        let dh_prev = &mut dh_prev[..n];
        match cell {
            CellKind::RnnTanh | CellKind::RnnRelu => {
                let ([i], [g]) = (gates::<1>(gi, n), gates::<1>(gh, n));
                let ([di], [dg]) = (gates_mut::<1>(dgi, n), gates_mut::<1>(dgh, n));
                let tanh_cell = cell == CellKind::RnnTanh;
                for j in 0..n {
                    let a = i[j] + g[j];
                    let h = tanh(a);
                    let slope = if tanh_cell {
                        1.0 - h * h
                    } else {
                        f32::from(u8::from(a > 0.0))
                    };
                    di[j] = dh[j] * slope;
                    dg[j] = di[j];
                    dh_prev[j] = 0.0;
                }
            }
            CellKind::Gru => {
                let ([ir, iz, inn], [hr, hz, hn]) = (gates::<3>(gi, n), gates::<3>(gh, n));
                let [dir, diz, din] = gates_mut::<3>(dgi, n);
                let [dhr, dhz, dhn] = gates_mut::<3>(dgh, n);
                let h_prev = &h_prev[..n];
                for j in 0..n {
                    let r = sigmoid(ir[j] + hr[j]);
                    let z = sigmoid(iz[j] + hz[j]);
                    let nn = tanh(inn[j] + r * hn[j]);
                    // h = (1 − z)·n + z·h_prev
                    let dn = dh[j] * (1.0 - z);
                    let dz = dh[j] * (h_prev[j] - nn);
                    dh_prev[j] = dh[j] * z;
                    let dan = dn * (1.0 - nn * nn);
                    let dar = dan * hn[j] * r * (1.0 - r);
                    let daz = dz * z * (1.0 - z);
                    (dir[j], dhr[j]) = (dar, dar);
                    (diz[j], dhz[j]) = (daz, daz);
                    (din[j], dhn[j]) = (dan, dan * r);
                }
            }
            CellKind::Lstm => {
                let ([ii, if_, ig, io], [hi, hf, hg, ho]) = (gates::<4>(gi, n), gates::<4>(gh, n));
                let [dii, dif, dig, dio] = gates_mut::<4>(dgi, n);
                let [dhi, dhf, dhg, dho] = gates_mut::<4>(dgh, n);
                let (c_prev, dc) = (&c_prev[..n], &mut dc[..n]);
                for j in 0..n {
                    let i = sigmoid(ii[j] + hi[j]);
                    let f = sigmoid(if_[j] + hf[j]);
                    let g = tanh(ig[j] + hg[j]);
                    let o = sigmoid(io[j] + ho[j]);
                    let tc = tanh(f * c_prev[j] + i * g);
                    let dcj = dc[j] + dh[j] * o * (1.0 - tc * tc);
                    let da_i = dcj * g * i * (1.0 - i);
                    let da_f = dcj * c_prev[j] * f * (1.0 - f);
                    let da_g = dcj * i * (1.0 - g * g);
                    let da_o = dh[j] * tc * o * (1.0 - o);
                    (dii[j], dhi[j]) = (da_i, da_i);
                    (dif[j], dhf[j]) = (da_f, da_f);
                    (dig[j], dhg[j]) = (da_g, da_g);
                    (dio[j], dho[j]) = (da_o, da_o);
                    dc[j] = dcj * f;
                    dh_prev[j] = 0.0;
                }
            }
        }
    }
}
