//! The per-step GPU layer's kernels, as CubeCL kernels (so one source runs on CUDA and on wgpu):
//! one thread per (batch row, hidden unit) computes every gate of that unit for one step, with
//! the cell math of `gpu_cell`.

use burn_cubecl::cubecl;
use cubecl::prelude::*;

use super::gpu_cell::{
    GRU, RNN_RELU, RNN_TANH, gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_forward,
    rnn_slope,
};

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
        h_new = rnn_forward::<F>(gi[gi_at] + a_h, cell);
    } else if comptime!(cell == GRU) {
        let hr = gh[gh_at] + b_hh[j];
        let hz = gh[gh_at + n] + b_hh[j + n];
        let hn = gh[gh_at + 2 * n] + b_hh[j + 2 * n];
        if save {
            saved_gh[saved_at] = hr;
            saved_gh[saved_at + n] = hz;
            saved_gh[saved_at + 2 * n] = hn;
        }
        h_new = gru_forward::<F>(
            gi[gi_at],
            gi[gi_at + n],
            gi[gi_at + 2 * n],
            hr,
            hz,
            hn,
            h_prev,
        );
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
        let s = lstm_forward::<F>(
            gi[gi_at],
            gi[gi_at + n],
            gi[gi_at + 2 * n],
            gi[gi_at + 3 * n],
            ai,
            af,
            ag,
            ao,
            c_prev,
        );
        c[pos] = s.c;
        h_new = s.h;
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
    if comptime!(cell == RNN_TANH || cell == RNN_RELU) {
        let da = dh * rnn_slope::<F>(gi[gi_at] + saved_gh[saved_at], cell);
        dgi[gi_at] = da;
        dgh[saved_at] = da;
        dh_elem[pos] = F::new(0.0);
    } else if comptime!(cell == GRU) {
        let g = gru_backward::<F>(
            gi[gi_at],
            gi[gi_at + n],
            gi[gi_at + 2 * n],
            saved_gh[saved_at],
            saved_gh[saved_at + n],
            saved_gh[saved_at + 2 * n],
            saved_h[t * batch * n + pos],
            dh,
        );
        dgi[gi_at] = g.r;
        dgh[saved_at] = g.r;
        dgi[gi_at + n] = g.z;
        dgh[saved_at + n] = g.z;
        dgi[gi_at + 2 * n] = g.n;
        dgh[saved_at + 2 * n] = g.n_hidden;
        dh_elem[pos] = g.h_prev;
    } else {
        let g = lstm_backward::<F>(
            gi[gi_at],
            gi[gi_at + n],
            gi[gi_at + 2 * n],
            gi[gi_at + 3 * n],
            saved_gh[saved_at],
            saved_gh[saved_at + n],
            saved_gh[saved_at + 2 * n],
            saved_gh[saved_at + 3 * n],
            saved_c[t * batch * n + pos],
            dh,
            dc[pos],
        );
        dgi[gi_at] = g.i;
        dgh[saved_at] = g.i;
        dgi[gi_at + n] = g.f;
        dgh[saved_at + n] = g.f;
        dgi[gi_at + 2 * n] = g.g;
        dgh[saved_at + 2 * n] = g.g;
        dgi[gi_at + 3 * n] = g.o;
        dgh[saved_at + 3 * n] = g.o;
        dc[pos] = g.c_prev;
        dh_elem[pos] = F::new(0.0);
    }
}
