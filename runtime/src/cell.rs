//! The cell equations, exactly as PyTorch writes them (`torch.nn.RNN`, `GRU`, `LSTM`):
//!
//! ```text
//! RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh)                     act = tanh or relu
//! GRU:  r  = σ(W_ir x + b_ir + W_hr h + b_hr)
//!       z  = σ(W_iz x + b_iz + W_hz h + b_hz)
//!       n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//!       h' = (1 − z) ⊙ n + z ⊙ h
//! LSTM: i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh)  (gate order i, f, g, o)
//!       c' = f ⊙ c + i ⊙ g
//!       h' = o ⊙ tanh(c')
//! ```
//! Gate blocks are stacked along the rows of `W_ih`/`W_hh` in the order given.

use format::{CellKind, Layer, Vector};

use crate::kernels::Kernel;
use crate::math::{relu, sigmoid, tanh};

/// Scratch for one step: gate pre-activations from the input (`gi`) and hidden (`gh`) sides,
/// each `gates × hidden`.
pub(crate) struct Gates<'s> {
    pub gi: &'s mut [f32],
    pub gh: &'s mut [f32],
}

/// Advances one layer by one step. `h` (and `c` for an LSTM) are updated in place.
pub(crate) fn step(
    kernel: Kernel,
    cell: CellKind,
    layer: &Layer<'_>,
    x: &[f32],
    h: &mut [f32],
    c: &mut [f32],
    g: &mut Gates<'_>,
) {
    load_bias(g.gi, &layer.bias_ih);
    kernel.matvec_add(&layer.weight_ih, x, g.gi);
    load_bias(g.gh, &layer.bias_hh);
    kernel.matvec_add(&layer.weight_hh, h, g.gh);
    match cell {
        CellKind::RnnTanh => rnn(h, g, tanh),
        CellKind::RnnRelu => rnn(h, g, relu),
        CellKind::Gru => gru(h, g),
        CellKind::Lstm => lstm(h, c, g),
    }
}

fn load_bias(dst: &mut [f32], bias: &Vector<'_>) {
    for (d, b) in dst.iter_mut().zip(bias.iter()) {
        *d = b;
    }
}

fn rnn(h: &mut [f32], g: &Gates<'_>, act: fn(f32) -> f32) {
    for ((h, a), b) in h.iter_mut().zip(g.gi.iter()).zip(g.gh.iter()) {
        *h = act(a + b);
    }
}

fn gru(h: &mut [f32], g: &Gates<'_>) {
    let n = h.len();
    let (ir, iz, inn) = split3(g.gi, n);
    let (hr, hz, hn) = split3(g.gh, n);
    let gates = ir.iter().zip(hr).zip(iz.iter().zip(hz)).zip(inn.iter().zip(hn));
    for (h, (((ir, hr), (iz, hz)), (inn, hn))) in h.iter_mut().zip(gates) {
        let r = sigmoid(ir + hr);
        let z = sigmoid(iz + hz);
        let nn = tanh(inn + r * hn);
        *h = (1.0 - z) * nn + z * *h;
    }
}

fn lstm(h: &mut [f32], c: &mut [f32], g: &Gates<'_>) {
    let n = h.len();
    let (ii, rest) = g.gi.split_at_checked(n).unwrap_or_default();
    let (if_, rest) = rest.split_at_checked(n).unwrap_or_default();
    let (ig, io) = rest.split_at_checked(n).unwrap_or_default();
    let (hi, rest) = g.gh.split_at_checked(n).unwrap_or_default();
    let (hf, rest) = rest.split_at_checked(n).unwrap_or_default();
    let (hg, ho) = rest.split_at_checked(n).unwrap_or_default();
    let pre = ii.iter().zip(hi).zip(if_.iter().zip(hf)).zip(ig.iter().zip(hg).zip(io.iter().zip(ho)));
    for ((h, c), (((ii, hi), (if_, hf)), ((ig, hg), (io, ho)))) in h.iter_mut().zip(c.iter_mut()).zip(pre) {
        let i = sigmoid(ii + hi);
        let f = sigmoid(if_ + hf);
        let gg = tanh(ig + hg);
        let o = sigmoid(io + ho);
        *c = f * *c + i * gg;
        *h = o * tanh(*c);
    }
}

fn split3(v: &[f32], n: usize) -> (&[f32], &[f32], &[f32]) {
    let (a, rest) = v.split_at_checked(n).unwrap_or_default();
    let (b, c) = rest.split_at_checked(n).unwrap_or_default();
    (a, b, c)
}
