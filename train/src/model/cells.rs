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
/// layer (`super::fused`) runs these instead of a graph of tensor ops. The nonlinearities are
/// the runtime's (`runtime::math`), so the trainer computes what the device will.
///
/// Slices hold one row: `gi`, `gh` are `G·H` wide (gate blocks in PyTorch's order), `h`, `c`
/// and their gradients `H` wide. `c` is unused (and may be empty) for RNN and GRU.
pub mod row {
    use format::CellKind;
    use runtime::math::{relu, sigmoid, tanh};

    /// One step: `h` and `c` hold the previous state on entry and the new one on return.
    pub fn forward(cell: CellKind, gi: &[f32], gh: &[f32], h: &mut [f32], c: &mut [f32]) {
        let n = h.len();
        match cell {
            CellKind::RnnTanh => (0..n).for_each(|j| h[j] = tanh(gi[j] + gh[j])),
            CellKind::RnnRelu => (0..n).for_each(|j| h[j] = relu(gi[j] + gh[j])),
            CellKind::Gru => {
                for j in 0..n {
                    let r = sigmoid(gi[j] + gh[j]);
                    let z = sigmoid(gi[n + j] + gh[n + j]);
                    let nn = tanh(gi[2 * n + j] + r * gh[2 * n + j]);
                    h[j] = nn + z * (h[j] - nn);
                }
            }
            CellKind::Lstm => {
                for j in 0..n {
                    let i = sigmoid(gi[j] + gh[j]);
                    let f = sigmoid(gi[n + j] + gh[n + j]);
                    let g = tanh(gi[2 * n + j] + gh[2 * n + j]);
                    let o = sigmoid(gi[3 * n + j] + gh[3 * n + j]);
                    c[j] = f * c[j] + i * g;
                    h[j] = o * tanh(c[j]);
                }
            }
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
        match cell {
            CellKind::RnnTanh | CellKind::RnnRelu => {
                for j in 0..n {
                    let a = gi[j] + gh[j];
                    let da = match cell {
                        CellKind::RnnTanh => {
                            let h = tanh(a);
                            dh[j] * (1.0 - h * h)
                        }
                        _ => dh[j] * f32::from(u8::from(a > 0.0)),
                    };
                    dgi[j] = da;
                    dgh[j] = da;
                    dh_prev[j] = 0.0;
                }
            }
            CellKind::Gru => {
                for j in 0..n {
                    let (ghn, hp) = (gh[2 * n + j], h_prev[j]);
                    let r = sigmoid(gi[j] + gh[j]);
                    let z = sigmoid(gi[n + j] + gh[n + j]);
                    let nn = tanh(gi[2 * n + j] + r * ghn);
                    // h = (1 − z)·n + z·h_prev
                    let dn = dh[j] * (1.0 - z);
                    let dz = dh[j] * (hp - nn);
                    dh_prev[j] = dh[j] * z;
                    let dan = dn * (1.0 - nn * nn);
                    let dar = dan * ghn * r * (1.0 - r);
                    let daz = dz * z * (1.0 - z);
                    dgi[j] = dar;
                    dgh[j] = dar;
                    dgi[n + j] = daz;
                    dgh[n + j] = daz;
                    dgi[2 * n + j] = dan;
                    dgh[2 * n + j] = dan * r;
                }
            }
            CellKind::Lstm => {
                for j in 0..n {
                    let i = sigmoid(gi[j] + gh[j]);
                    let f = sigmoid(gi[n + j] + gh[n + j]);
                    let g = tanh(gi[2 * n + j] + gh[2 * n + j]);
                    let o = sigmoid(gi[3 * n + j] + gh[3 * n + j]);
                    let tc = tanh(f * c_prev[j] + i * g);
                    let dcj = dc[j] + dh[j] * o * (1.0 - tc * tc);
                    let da = [
                        dcj * g * i * (1.0 - i),
                        dcj * c_prev[j] * f * (1.0 - f),
                        dcj * i * (1.0 - g * g),
                        dh[j] * tc * o * (1.0 - o),
                    ];
                    for (k, d) in da.into_iter().enumerate() {
                        dgi[k * n + j] = d;
                        dgh[k * n + j] = d;
                    }
                    dc[j] = dcj * f;
                    dh_prev[j] = 0.0;
                }
            }
        }
    }
}
