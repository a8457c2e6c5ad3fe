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
/// each `gates × hidden`, and room for a quantised activation vector (int8 models).
pub(crate) struct Gates<'s> {
    pub gi: &'s mut [f32],
    pub gh: &'s mut [f32],
    pub quant: &'s mut [u8],
}

/// The input side `W_ih·x + b_ih` into `gi`.
pub(crate) fn input_side(
    kernel: Kernel,
    layer: &Layer<'_>,
    x: &[f32],
    gi: &mut [f32],
    quant: &mut [u8],
) {
    load_bias(gi, &layer.bias_ih);
    kernel.matvec_add(&layer.weight_ih, x, gi, quant);
}

/// Advances one layer by one step from input `x`, or, with `None`, from the input side
/// already in `g.gi`. `h` (and `c` for an LSTM) are updated in place.
pub(crate) fn step(
    kernel: Kernel,
    cell: CellKind,
    layer: &Layer<'_>,
    x: Option<&[f32]>,
    h: &mut [f32],
    c: &mut [f32],
    g: &mut Gates<'_>,
) {
    if let Some(x) = x {
        input_side(kernel, layer, x, g.gi, g.quant);
    }
    load_bias(g.gh, &layer.bias_hh);
    kernel.matvec_add(&layer.weight_hh, h, g.gh, g.quant);
    let mut activate = || match cell {
        CellKind::RnnTanh => rnn(h, g, tanh),
        CellKind::RnnRelu => rnn(h, g, relu),
        CellKind::Gru => gru(h, g),
        CellKind::Lstm => lstm(h, c, g),
    };
    // The gate math compiled for the kernel's instruction set (8-wide on AVX2).
    match kernel {
        Kernel::Portable => activate(),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2Fma(t) => t.vectorized(activate),
    }
}

fn load_bias(dst: &mut [f32], bias: &Vector<'_>) {
    for (d, b) in dst.iter_mut().zip(bias.iter()) {
        *d = b;
    }
}

// Each pass below walks one or two equal-length slices, so LLVM vectorises the nonlinearities
// (one fused loop over seven slices did not vectorise and cost more than the matmuls).

#[inline(always)]
fn rnn(h: &mut [f32], g: &mut Gates<'_>, act: fn(f32) -> f32) {
    for ((h, a), b) in h.iter_mut().zip(g.gi.iter()).zip(g.gh.iter()) {
        *h = act(a + b);
    }
}

#[inline(always)]
fn gru(h: &mut [f32], g: &mut Gates<'_>) {
    let n = h.len();
    let two_n = n.saturating_mul(2);
    let (rz, inn) = g.gi.split_at_mut_checked(two_n).unwrap_or_default();
    let (hrz, hn) = g.gh.split_at_checked(two_n).unwrap_or_default();
    // r and z together: σ(input side + hidden side).
    for (a, b) in rz.iter_mut().zip(hrz) {
        *a = sigmoid(*a + b);
    }
    let (r, z) = rz.split_at_checked(n).unwrap_or_default();
    // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    for ((a, r), hn) in inn.iter_mut().zip(r).zip(hn) {
        *a = tanh(*a + r * hn);
    }
    // h' = (1 − z) ⊙ n + z ⊙ h
    for ((h, z), nn) in h.iter_mut().zip(z).zip(inn.iter()) {
        *h = (1.0 - z) * nn + z * *h;
    }
}

#[inline(always)]
fn lstm(h: &mut [f32], c: &mut [f32], g: &mut Gates<'_>) {
    let n = h.len();
    // Sum both sides, then i, f, o through σ and g through tanh.
    for (a, b) in g.gi.iter_mut().zip(g.gh.iter()) {
        *a += b;
    }
    let (i, rest) = g.gi.split_at_mut_checked(n).unwrap_or_default();
    let (f, rest) = rest.split_at_mut_checked(n).unwrap_or_default();
    let (gg, o) = rest.split_at_mut_checked(n).unwrap_or_default();
    for v in i.iter_mut().chain(f.iter_mut()) {
        *v = sigmoid(*v);
    }
    for v in o.iter_mut() {
        *v = sigmoid(*v);
    }
    for v in gg.iter_mut() {
        *v = tanh(*v);
    }
    // c' = f ⊙ c + i ⊙ g
    for (((c, f), i), gg) in c.iter_mut().zip(f.iter()).zip(i.iter()).zip(gg.iter()) {
        *c = f * *c + i * gg;
    }
    // h' = o ⊙ tanh(c')
    for ((h, o), c) in h.iter_mut().zip(o.iter()).zip(c.iter()) {
        *h = o * tanh(*c);
    }
}
