//! The cell's element-wise math for one unit, forward and backward, as CubeCL functions: written
//! once here and called by both GPU layers (per step, `gpu_kernels`; whole sequence,
//! `gpu_sequence_kernels`). PyTorch's equations, as in `cells.rs`; the derivatives are
//! `cells::row`'s. `x*` are the input side (`x·W_ih + b_ih`), `h*` the hidden side
//! (`h·W_hh + b_hh`) of a gate.

use burn_cubecl::cubecl;
use cubecl::prelude::*;

/// Which cell a kernel computes (a compile-time constant of the kernel).
pub const RNN_TANH: u32 = 0;
pub const RNN_RELU: u32 = 1;
pub const GRU: u32 = 2;
pub const LSTM: u32 = 3;

#[cube]
fn sigmoid<F: Float>(x: F) -> F {
    F::new(1.0) / (F::new(1.0) + (F::new(0.0) - x).exp())
}

/// A plain RNN's new `h` from its pre-activation.
#[cube]
#[allow(unused_assignments)] // h: CubeCL wants it initialised
pub fn rnn_forward<F: Float>(a: F, #[comptime] cell: u32) -> F {
    let mut h = F::new(0.0);
    if comptime!(cell == RNN_TANH) {
        h = a.tanh();
    } else {
        h = F::max(a, F::new(0.0));
    }
    h
}

/// A GRU unit's new `h` (reset gate applied after the hidden product).
#[cube]
#[allow(clippy::too_many_arguments)]
pub fn gru_forward<F: Float>(xr: F, xz: F, xn: F, hr: F, hz: F, hn: F, h_prev: F) -> F {
    let r = sigmoid::<F>(xr + hr);
    let z = sigmoid::<F>(xz + hz);
    let nn = (xn + r * hn).tanh();
    (F::new(1.0) - z) * nn + z * h_prev
}

/// An LSTM unit's new `c` and `h`.
#[derive(CubeType)]
pub struct LstmStep<F: Float> {
    pub c: F,
    pub h: F,
}

/// An LSTM unit's step (gates i, f, g, o).
#[cube]
#[allow(clippy::too_many_arguments)]
pub fn lstm_forward<F: Float>(
    xi: F,
    xf: F,
    xg: F,
    xo: F,
    hi: F,
    hf: F,
    hg: F,
    ho: F,
    c_prev: F,
) -> LstmStep<F> {
    let i = sigmoid::<F>(xi + hi);
    let f = sigmoid::<F>(xf + hf);
    let g = (xg + hg).tanh();
    let o = sigmoid::<F>(xo + ho);
    let c = f * c_prev + i * g;
    LstmStep::<F> { c, h: o * c.tanh() }
}

/// ∂h/∂a of a plain RNN at pre-activation `a`.
#[cube]
#[allow(unused_assignments)] // slope: CubeCL wants it initialised
pub fn rnn_slope<F: Float>(a: F, #[comptime] cell: u32) -> F {
    let mut slope = F::new(0.0);
    if comptime!(cell == RNN_TANH) {
        let y = a.tanh();
        slope = F::new(1.0) - y * y;
    } else if a > F::new(0.0) {
        slope = F::new(1.0);
    }
    slope
}

/// A GRU unit's gradients from ∂L/∂h: of the gates' pre-activations (`r`, `z`, and `n`'s input
/// side; its hidden side's is `n_hidden`), and the element-wise part of ∂L/∂h_{t−1}.
#[derive(CubeType)]
pub struct GruGrads<F: Float> {
    pub r: F,
    pub z: F,
    pub n: F,
    pub n_hidden: F,
    pub h_prev: F,
}

#[cube]
#[allow(clippy::too_many_arguments)]
pub fn gru_backward<F: Float>(
    xr: F,
    xz: F,
    xn: F,
    hr: F,
    hz: F,
    hn: F,
    h_prev: F,
    dh: F,
) -> GruGrads<F> {
    let one = F::new(1.0);
    let r = sigmoid::<F>(xr + hr);
    let z = sigmoid::<F>(xz + hz);
    let nn = (xn + r * hn).tanh();
    let dan = dh * (one - z) * (one - nn * nn);
    GruGrads::<F> {
        r: dan * hn * r * (one - r),
        z: dh * (h_prev - nn) * z * (one - z),
        n: dan,
        n_hidden: dan * r,
        h_prev: dh * z,
    }
}

/// An LSTM unit's gradients: of the gates' pre-activations, and ∂L/∂c_{t−1}.
#[derive(CubeType)]
pub struct LstmGrads<F: Float> {
    pub i: F,
    pub f: F,
    pub g: F,
    pub o: F,
    pub c_prev: F,
}

/// From ∂L/∂h and the ∂L/∂c flowing back from the next step.
#[cube]
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward<F: Float>(
    xi: F,
    xf: F,
    xg: F,
    xo: F,
    hi: F,
    hf: F,
    hg: F,
    ho: F,
    c_prev: F,
    dh: F,
    dc: F,
) -> LstmGrads<F> {
    let one = F::new(1.0);
    let i = sigmoid::<F>(xi + hi);
    let f = sigmoid::<F>(xf + hf);
    let g = (xg + hg).tanh();
    let o = sigmoid::<F>(xo + ho);
    let tc = (f * c_prev + i * g).tanh();
    let dcj = dc + dh * o * (one - tc * tc);
    LstmGrads::<F> {
        i: dcj * g * i * (one - i),
        f: dcj * c_prev * f * (one - f),
        g: dcj * i * (one - g * g),
        o: dh * tc * o * (one - o),
        c_prev: dcj * f,
    }
}
