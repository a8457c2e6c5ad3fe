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
