//! The whole-sequence GPU layer's kernels: one launch runs a layer over every step of the
//! sequence, forward or backward. Each cube owns one stream (batch row) and loops over the
//! steps with that row's state in shared memory; its threads stride over the hidden units and
//! read `W_hh` from global memory (L2 on a GPU). Streams are independent, so no grid-wide
//! synchronisation is needed, only one cube barrier per step. The cell math is `gpu_cell`'s.
//!
//! Shared memory per cube: forward `3·H` floats (`h` double-buffered, `c`), backward
//! `2·G·H + 2·H` (the step's ∂L/∂gh double-buffered, the carried ∂L/∂h and ∂L/∂c); the host
//! side (`gpu_sequence`) uses these kernels only where that fits the device.

use burn_cubecl::cubecl;
use cubecl::prelude::*;

use super::gpu_cell::{
    GRU, LSTM, RNN_RELU, RNN_TANH, gru_backward, gru_forward, lstm_backward, lstm_forward,
    rnn_forward, rnn_slope,
};

/// The layer forward over all `T` steps from `h0`/`c0`: every step's `h` to `hs`, the final
/// state to `h_out`/`c_out`. With `save`, each step's `h·W_hh + b_hh` and the state it started
/// from go to `saved_*` (time-major) for [`sequence_backward`].
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments, unused_assignments)] // h_new: CubeCL wants it initialised
pub fn sequence_forward<F: Float>(
    gi: &Tensor<F>,           // [B, T, G·H]
    w_hh: &Tensor<F>,         // [H, G·H]
    b_hh: &Tensor<F>,         // [G·H]
    h0: &Tensor<F>,           // [B, H]
    c0: &Tensor<F>,           // [B, H] (LSTM)
    hs: &mut Tensor<F>,       // [B, T, H]
    h_out: &mut Tensor<F>,    // [B, H]
    c_out: &mut Tensor<F>,    // [B, H] (LSTM)
    saved_gh: &mut Tensor<F>, // [T, B, G·H] (save)
    saved_h: &mut Tensor<F>,  // [T, B, H] (save)
    saved_c: &mut Tensor<F>,  // [T, B, H] (save, LSTM)
    #[comptime] cell: u32,
    #[comptime] hidden: u32,
    #[comptime] save: bool,
    #[define(F)] _dtype: StorageType,
) {
    let b = CUBE_POS_X as usize;
    let n = hidden as usize;
    let stride = CUBE_DIM_X as usize;
    let batch = hs.shape(0);
    let time = hs.shape(1);
    let w = w_hh.shape(1);
    // h: this step's in one half, the next step's in the other; c: updated in place (each
    // unit's c is read and written by its own thread only).
    let mut h_sh = SharedMemory::<F>::new(2 * n);
    let mut c_sh = SharedMemory::<F>::new(n);
    let mut j = UNIT_POS_X as usize;
    while j < n {
        h_sh[j] = h0[b * n + j];
        if comptime!(cell == LSTM) {
            c_sh[j] = c0[b * n + j];
        }
        j += stride;
    }
    sync_cube();
    for t in 0..time {
        let cur = (t % 2) * n;
        let next = n - cur;
        let gi_row = (b * time + t) * w;
        let saved_row = (t * batch + b) * w;
        let mut j = UNIT_POS_X as usize;
        while j < n {
            let h_prev = h_sh[cur + j];
            let mut h_new = F::new(0.0);
            if comptime!(cell == RNN_TANH || cell == RNN_RELU) {
                let mut a = b_hh[j];
                for k in 0..n {
                    a += h_sh[cur + k] * w_hh[k * w + j];
                }
                if save {
                    saved_gh[saved_row + j] = a;
                }
                h_new = rnn_forward::<F>(gi[gi_row + j] + a, cell);
            } else if comptime!(cell == GRU) {
                let mut hr = b_hh[j];
                let mut hz = b_hh[n + j];
                let mut hn = b_hh[2 * n + j];
                for k in 0..n {
                    let hk = h_sh[cur + k];
                    let row = k * w + j;
                    hr += hk * w_hh[row];
                    hz += hk * w_hh[row + n];
                    hn += hk * w_hh[row + 2 * n];
                }
                if save {
                    saved_gh[saved_row + j] = hr;
                    saved_gh[saved_row + n + j] = hz;
                    saved_gh[saved_row + 2 * n + j] = hn;
                }
                h_new = gru_forward::<F>(
                    gi[gi_row + j],
                    gi[gi_row + n + j],
                    gi[gi_row + 2 * n + j],
                    hr,
                    hz,
                    hn,
                    h_prev,
                );
            } else {
                let mut hi = b_hh[j];
                let mut hf = b_hh[n + j];
                let mut hg = b_hh[2 * n + j];
                let mut ho = b_hh[3 * n + j];
                for k in 0..n {
                    let hk = h_sh[cur + k];
                    let row = k * w + j;
                    hi += hk * w_hh[row];
                    hf += hk * w_hh[row + n];
                    hg += hk * w_hh[row + 2 * n];
                    ho += hk * w_hh[row + 3 * n];
                }
                let c_prev = c_sh[j];
                if save {
                    saved_gh[saved_row + j] = hi;
                    saved_gh[saved_row + n + j] = hf;
                    saved_gh[saved_row + 2 * n + j] = hg;
                    saved_gh[saved_row + 3 * n + j] = ho;
                    saved_c[(t * batch + b) * n + j] = c_prev;
                }
                let s = lstm_forward::<F>(
                    gi[gi_row + j],
                    gi[gi_row + n + j],
                    gi[gi_row + 2 * n + j],
                    gi[gi_row + 3 * n + j],
                    hi,
                    hf,
                    hg,
                    ho,
                    c_prev,
                );
                c_sh[j] = s.c;
                h_new = s.h;
            }
            if save {
                saved_h[(t * batch + b) * n + j] = h_prev;
            }
            h_sh[next + j] = h_new;
            hs[(b * time + t) * n + j] = h_new;
            j += stride;
        }
        // Every thread has read this step's h before any writes the step after's.
        sync_cube();
    }
    let last = (time % 2) * n;
    let mut j = UNIT_POS_X as usize;
    while j < n {
        h_out[b * n + j] = h_sh[last + j];
        if comptime!(cell == LSTM) {
            c_out[b * n + j] = c_sh[j];
        }
        j += stride;
    }
}

/// The layer backward over all steps, last to first, from what [`sequence_forward`] saved and
/// ∂L/∂hs: writes ∂L/∂gi and ∂L/∂gh (time-major; the weight gradients are one product over
/// it). ∂L/∂h_t is `dhs[:, t, :]` plus what flows back from step t+1: its element-wise part
/// and `dgh_{t+1}·W_hhᵀ`, read from `w_hh_t` (`W_hhᵀ`, so neighbouring threads read
/// neighbouring weights, as forward).
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
pub fn sequence_backward<F: Float>(
    gi: &Tensor<F>,       // [B, T, G·H]
    w_hh_t: &Tensor<F>,   // [G·H, H]
    saved_gh: &Tensor<F>, // [T, B, G·H]
    saved_h: &Tensor<F>,  // [T, B, H]
    saved_c: &Tensor<F>,  // [T, B, H] (LSTM)
    dhs: &Tensor<F>,      // [B, T, H]
    dgi: &mut Tensor<F>,  // [B, T, G·H]
    dgh: &mut Tensor<F>,  // [T, B, G·H]
    #[comptime] cell: u32,
    #[comptime] hidden: u32,
    #[comptime] gates: u32,
    #[define(F)] _dtype: StorageType,
) {
    let b = CUBE_POS_X as usize;
    let n = hidden as usize;
    let w = (gates * hidden) as usize;
    let stride = CUBE_DIM_X as usize;
    let batch = dhs.shape(0);
    let time = dhs.shape(1);
    // This step's ∂L/∂gh in one half, the step after's in the other; the carried element-wise
    // ∂L/∂h (first n) and ∂L/∂c (next n), each unit's touched by its own thread only.
    let mut dgh_sh = SharedMemory::<F>::new(2 * w);
    let mut carry = SharedMemory::<F>::new(2 * n);
    let mut j = UNIT_POS_X as usize;
    while j < n {
        carry[j] = F::new(0.0);
        carry[n + j] = F::new(0.0);
        j += stride;
    }
    for s in 0..time {
        let t = time - 1 - s;
        let cur = (s % 2) * w;
        let after = w - cur;
        let gi_row = (b * time + t) * w;
        let saved_row = (t * batch + b) * w;
        let state_at = (t * batch + b) * n;
        let mut j = UNIT_POS_X as usize;
        while j < n {
            let mut dh = dhs[(b * time + t) * n + j] + carry[j];
            if s > 0 {
                for m in 0..w {
                    dh += dgh_sh[after + m] * w_hh_t[m * n + j];
                }
            }
            if comptime!(cell == RNN_TANH || cell == RNN_RELU) {
                let da = dh * rnn_slope::<F>(gi[gi_row + j] + saved_gh[saved_row + j], cell);
                dgi[gi_row + j] = da;
                dgh[saved_row + j] = da;
                dgh_sh[cur + j] = da;
            } else if comptime!(cell == GRU) {
                let g = gru_backward::<F>(
                    gi[gi_row + j],
                    gi[gi_row + n + j],
                    gi[gi_row + 2 * n + j],
                    saved_gh[saved_row + j],
                    saved_gh[saved_row + n + j],
                    saved_gh[saved_row + 2 * n + j],
                    saved_h[state_at + j],
                    dh,
                );
                dgi[gi_row + j] = g.r;
                dgi[gi_row + n + j] = g.z;
                dgi[gi_row + 2 * n + j] = g.n;
                dgh[saved_row + j] = g.r;
                dgh[saved_row + n + j] = g.z;
                dgh[saved_row + 2 * n + j] = g.n_hidden;
                dgh_sh[cur + j] = g.r;
                dgh_sh[cur + n + j] = g.z;
                dgh_sh[cur + 2 * n + j] = g.n_hidden;
                carry[j] = g.h_prev;
            } else {
                let g = lstm_backward::<F>(
                    gi[gi_row + j],
                    gi[gi_row + n + j],
                    gi[gi_row + 2 * n + j],
                    gi[gi_row + 3 * n + j],
                    saved_gh[saved_row + j],
                    saved_gh[saved_row + n + j],
                    saved_gh[saved_row + 2 * n + j],
                    saved_gh[saved_row + 3 * n + j],
                    saved_c[state_at + j],
                    dh,
                    carry[n + j],
                );
                dgi[gi_row + j] = g.i;
                dgi[gi_row + n + j] = g.f;
                dgi[gi_row + 2 * n + j] = g.g;
                dgi[gi_row + 3 * n + j] = g.o;
                dgh[saved_row + j] = g.i;
                dgh[saved_row + n + j] = g.f;
                dgh[saved_row + 2 * n + j] = g.g;
                dgh[saved_row + 3 * n + j] = g.o;
                dgh_sh[cur + j] = g.i;
                dgh_sh[cur + n + j] = g.f;
                dgh_sh[cur + 2 * n + j] = g.g;
                dgh_sh[cur + 3 * n + j] = g.o;
                carry[n + j] = g.c_prev;
            }
            j += stride;
        }
        // This step's ∂L/∂gh is complete before any thread reads it, and every thread has read
        // the step after's before any overwrites it.
        sync_cube();
    }
}
