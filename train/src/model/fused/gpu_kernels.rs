//! The cell's element-wise math for one step, forward and backward, as CubeCL kernels (so one
//! source runs on CUDA and on wgpu): one thread per (batch row, hidden unit) computes every gate
//! of that unit. PyTorch's equations, as in `cells.rs`; the derivatives are `cells::row`'s.

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

/// One step forward. `gh` is this step's `h·W_hh` (without its bias, added here); `h` and `c`
/// advance in place; the new `h` also goes to `hs[:, step, :]`. With `save`, the step's
/// `gh + b_hh`, `h` and `c` as they were on entry are kept (time-major) for the backward pass.
#[cube(launch)]
#[allow(clippy::too_many_arguments, unused_assignments)] // h_new: CubeCL wants it initialised
pub fn cell_forward<F: Float>(
    gi: &Tensor<F>,           // [B, T, G·H]
    gh: &Tensor<F>,           // [B, G·H]
    b_hh: &Tensor<F>,         // [G·H]
    h: &mut Tensor<F>,        // [B, H]
    c: &mut Tensor<F>,        // [B, H] (LSTM)
    hs: &mut Tensor<F>,       // [B, T, H]
    saved_gh: &mut Tensor<F>, // [T, B, G·H] (save)
    saved_h: &mut Tensor<F>,  // [T, B, H] (save)
    saved_c: &mut Tensor<F>,  // [T, B, H] (save, LSTM)
    step: u32,
    #[comptime] cell: u32,
    #[comptime] save: bool,
    #[define(F)] _dtype: StorageType,
) {
    let batch = h.shape(0);
    let n = h.shape(1);
    let pos = ABSOLUTE_POS;
    if pos >= batch * n {
        terminate!();
    }
    let b = pos / n;
    let j = pos % n;
    let t = step as usize;
    let time = hs.shape(1);
    let w = gh.shape(1);
    let gi_at = (b * time + t) * w + j;
    let gh_at = b * w + j;
    let saved_at = (t * batch + b) * w + j;
    let h_prev = h[pos];
    let mut h_new = F::new(0.0);
    if comptime!(cell == RNN_TANH || cell == RNN_RELU) {
        let a_h = gh[gh_at] + b_hh[j];
        if save {
            saved_gh[saved_at] = a_h;
        }
        let a = gi[gi_at] + a_h;
        if comptime!(cell == RNN_TANH) {
            h_new = a.tanh();
        } else {
            h_new = F::max(a, F::new(0.0));
        }
    } else if comptime!(cell == GRU) {
        let hr = gh[gh_at] + b_hh[j];
        let hz = gh[gh_at + n] + b_hh[j + n];
        let hn = gh[gh_at + 2 * n] + b_hh[j + 2 * n];
        if save {
            saved_gh[saved_at] = hr;
            saved_gh[saved_at + n] = hz;
            saved_gh[saved_at + 2 * n] = hn;
        }
        let r = sigmoid::<F>(gi[gi_at] + hr);
        let z = sigmoid::<F>(gi[gi_at + n] + hz);
        let nn = (gi[gi_at + 2 * n] + r * hn).tanh();
        h_new = (F::new(1.0) - z) * nn + z * h_prev;
    } else {
        let ai = gh[gh_at] + b_hh[j];
        let af = gh[gh_at + n] + b_hh[j + n];
        let ag = gh[gh_at + 2 * n] + b_hh[j + 2 * n];
        let ao = gh[gh_at + 3 * n] + b_hh[j + 3 * n];
        let c_prev = c[pos];
        if save {
            saved_gh[saved_at] = ai;
            saved_gh[saved_at + n] = af;
            saved_gh[saved_at + 2 * n] = ag;
            saved_gh[saved_at + 3 * n] = ao;
            saved_c[t * batch * n + pos] = c_prev;
        }
        let i = sigmoid::<F>(gi[gi_at] + ai);
        let f = sigmoid::<F>(gi[gi_at + n] + af);
        let g = (gi[gi_at + 2 * n] + ag).tanh();
        let o = sigmoid::<F>(gi[gi_at + 3 * n] + ao);
        let c_new = f * c_prev + i * g;
        c[pos] = c_new;
        h_new = o * c_new.tanh();
    }
    if save {
        saved_h[t * batch * n + pos] = h_prev;
    }
    h[pos] = h_new;
    hs[(b * time + t) * n + j] = h_new;
}

/// One step backward, from what [`cell_forward`] saved. ∂L/∂h_t is `dhs[:, step, :]` plus
/// what flows back from step t+1: its element-wise part `dh_elem` and `dh_mat` (that step's
/// `dgh·W_hhᵀ`, zero at the last step). Writes ∂L/∂gi at `step` and ∂L/∂gh (time-major), and
/// leaves in `dh_elem` the element-wise part of ∂L/∂h_{t−1} and in `dc` ∂L/∂c_{t−1} (LSTM).
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn cell_backward<F: Float>(
    gi: &Tensor<F>,          // [B, T, G·H]
    saved_gh: &Tensor<F>,    // [T, B, G·H]
    saved_h: &Tensor<F>,     // [T, B, H]
    saved_c: &Tensor<F>,     // [T, B, H] (LSTM)
    dhs: &Tensor<F>,         // [B, T, H]
    dh_mat: &Tensor<F>,      // [B, H]
    dh_elem: &mut Tensor<F>, // [B, H]
    dc: &mut Tensor<F>,      // [B, H] (LSTM)
    dgi: &mut Tensor<F>,     // [B, T, G·H]
    dgh: &mut Tensor<F>,     // [T, B, G·H]
    step: u32,
    #[comptime] cell: u32,
    #[define(F)] _dtype: StorageType,
) {
    let batch = dh_elem.shape(0);
    let n = dh_elem.shape(1);
    let pos = ABSOLUTE_POS;
    if pos >= batch * n {
        terminate!();
    }
    let b = pos / n;
    let j = pos % n;
    let t = step as usize;
    let time = dhs.shape(1);
    let w = gi.shape(2);
    let gi_at = (b * time + t) * w + j;
    let saved_at = (t * batch + b) * w + j;
    let dh = dhs[(b * time + t) * n + j] + dh_elem[pos] + dh_mat[pos];
    let one = F::new(1.0);
    if comptime!(cell == RNN_TANH || cell == RNN_RELU) {
        let a = gi[gi_at] + saved_gh[saved_at];
        let mut slope = F::new(0.0);
        if comptime!(cell == RNN_TANH) {
            let y = a.tanh();
            slope = one - y * y;
        } else if a > F::new(0.0) {
            slope = one;
        }
        let da = dh * slope;
        dgi[gi_at] = da;
        dgh[saved_at] = da;
        dh_elem[pos] = F::new(0.0);
    } else if comptime!(cell == GRU) {
        let hn = saved_gh[saved_at + 2 * n];
        let r = sigmoid::<F>(gi[gi_at] + saved_gh[saved_at]);
        let z = sigmoid::<F>(gi[gi_at + n] + saved_gh[saved_at + n]);
        let nn = (gi[gi_at + 2 * n] + r * hn).tanh();
        let h_prev = saved_h[t * batch * n + pos];
        let dn = dh * (one - z);
        let dz = dh * (h_prev - nn);
        let dan = dn * (one - nn * nn);
        let dar = dan * hn * r * (one - r);
        let daz = dz * z * (one - z);
        dgi[gi_at] = dar;
        dgh[saved_at] = dar;
        dgi[gi_at + n] = daz;
        dgh[saved_at + n] = daz;
        dgi[gi_at + 2 * n] = dan;
        dgh[saved_at + 2 * n] = dan * r;
        dh_elem[pos] = dh * z;
    } else {
        let i = sigmoid::<F>(gi[gi_at] + saved_gh[saved_at]);
        let f = sigmoid::<F>(gi[gi_at + n] + saved_gh[saved_at + n]);
        let g = (gi[gi_at + 2 * n] + saved_gh[saved_at + 2 * n]).tanh();
        let o = sigmoid::<F>(gi[gi_at + 3 * n] + saved_gh[saved_at + 3 * n]);
        let c_prev = saved_c[t * batch * n + pos];
        let tc = (f * c_prev + i * g).tanh();
        let dcj = dc[pos] + dh * o * (one - tc * tc);
        let da_i = dcj * g * i * (one - i);
        let da_f = dcj * c_prev * f * (one - f);
        let da_g = dcj * i * (one - g * g);
        let da_o = dh * tc * o * (one - o);
        dgi[gi_at] = da_i;
        dgh[saved_at] = da_i;
        dgi[gi_at + n] = da_f;
        dgh[saved_at + n] = da_f;
        dgi[gi_at + 2 * n] = da_g;
        dgh[saved_at + 2 * n] = da_g;
        dgi[gi_at + 3 * n] = da_o;
        dgh[saved_at + 3 * n] = da_o;
        dc[pos] = dcj * f;
        dh_elem[pos] = F::new(0.0);
    }
}
