//! A whole recurrent layer over a sequence, forward and backward, on plain slices — the way
//! cuDNN runs an RNN: per step only `h·W_hh` and the cell's element-wise math; in the backward
//! pass the weight gradient is one product over all steps instead of one per step.
//!
//! The batch's rows are independent, so each core runs a slice of them through all the steps
//! (one synchronisation per layer instead of one per matrix product).
//!
//! Layouts (row-major): `gi` and its gradient `[batch, time, G·H]` (as the input projection
//! comes out of one matmul), `hs` `[batch, time, H]`, states `[batch, H]`; what the backward
//! pass keeps is time-major `[time, rows, …]` per slice, so one step is one contiguous block.

use std::ops::Range;

use format::CellKind;
use rayon::prelude::*;

use super::gemm::{Mat, Parallelism, matmul};
use runtime::CellShape;

use crate::model::cells::row;

/// Sizes of one layer's sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub time: usize,
    pub hidden: usize,
    /// Gate blocks: 1 (RNN), 3 (GRU), 4 (LSTM).
    pub gates: usize,
}

impl Dims {
    fn width(&self) -> usize {
        self.gates * self.hidden
    }
}

/// What the forward pass keeps for the backward pass, per slice of the batch.
pub struct Saved {
    slices: Vec<(Range<usize>, SavedRows)>,
}

struct SavedRows {
    /// `h·W_hh + b_hh` of every step, `[time, rows, G·H]`.
    gh: Vec<f32>,
    /// The state each step started from, `[time, rows, H]` (`c_prev` only for an LSTM).
    h_prev: Vec<f32>,
    c_prev: Vec<f32>,
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let floats: usize = self
            .slices
            .iter()
            .map(|(_, p)| p.gh.len() + p.h_prev.len() + p.c_prev.len())
            .sum();
        write!(f, "Saved({floats} floats)")
    }
}

/// The layer's outputs: every step's `h` `[batch, time, H]` and the final state `[batch, H]`
/// (`c` empty unless LSTM).
pub struct Forward {
    pub hs: Vec<f32>,
    pub h: Vec<f32>,
    pub c: Vec<f32>,
    pub saved: Option<Saved>,
}

/// Gradients of the layer's tracked inputs.
pub struct Grads {
    pub gi: Vec<f32>,
    pub w_hh: Vec<f32>,
    pub b_hh: Vec<f32>,
}

/// One slice of rows per worker thread.
fn slices(batch: usize) -> Vec<Range<usize>> {
    let parts = rayon::current_num_threads().clamp(1, batch.max(1));
    (0..parts)
        .map(|i| batch * i / parts..batch * (i + 1) / parts)
        .collect()
}

/// Cuts `buf` (rows of `row_len` elements) into the disjoint pieces `slices` name.
fn cut<'a>(mut buf: &'a mut [f32], slices: &[Range<usize>], row_len: usize) -> Vec<&'a mut [f32]> {
    slices
        .iter()
        .map(|r| {
            let (head, tail) = std::mem::take(&mut buf).split_at_mut(r.len() * row_len);
            buf = tail;
            head
        })
        .collect()
}

/// Runs the layer from `h0`/`c0` (`c0` empty unless LSTM); with `save`, keeps what
/// [`backward`] needs. `w_hh` is `[H, G·H]` (`h·W` form), `b_hh` `[G·H]`.
#[allow(clippy::too_many_arguments)]
pub fn forward(
    cell: CellKind,
    d: Dims,
    gi: &[f32],
    w_hh: &[f32],
    b_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
    save: bool,
) -> Forward {
    let (t, h, w) = (d.time, d.hidden, d.width());
    assert_eq!(gi.len(), d.batch * t * w, "gi has the wrong size");
    assert_eq!(h0.len(), d.batch * h, "h0 has the wrong size");
    let lstm = cell == CellKind::Lstm;
    let mut out = Forward {
        hs: vec![0.0; d.batch * t * h],
        h: h0.to_vec(),
        c: if lstm { c0.to_vec() } else { Vec::new() },
        saved: None,
    };
    let parts = slices(d.batch);
    let c_len = if lstm { h } else { 0 };
    let saved: Vec<(Range<usize>, Option<SavedRows>)> = parts
        .clone()
        .into_par_iter()
        .zip(cut(&mut out.hs, &parts, t * h))
        .zip(cut(&mut out.h, &parts, h))
        .zip(cut(&mut out.c, &parts, c_len))
        .map(|(((rows, hs), state_h), state_c)| {
            let d = Dims {
                batch: rows.len(),
                ..d
            };
            let gi = &gi[rows.start * t * w..rows.end * t * w];
            let saved = forward_rows(cell, d, gi, w_hh, b_hh, state_h, state_c, hs, save);
            (rows, saved)
        })
        .collect();
    out.saved = save.then(|| Saved {
        slices: saved
            .into_iter()
            .filter_map(|(r, s)| Some((r, s?)))
            .collect(),
    });
    out
}

/// Runs one slice of rows through every step: `h` and `c` start as the initial state and end
/// as the final one; each step's `h` goes to `hs`.
#[allow(clippy::too_many_arguments)]
fn forward_rows(
    cell: CellKind,
    d: Dims,
    gi: &[f32],
    w_hh: &[f32],
    b_hh: &[f32],
    state_h: &mut [f32],
    state_c: &mut [f32],
    hs: &mut [f32],
    save: bool,
) -> Option<SavedRows> {
    let (b, t, h, w) = (d.batch, d.time, d.hidden, d.width());
    let lstm = cell == CellKind::Lstm;
    let mut saved = save.then(|| SavedRows {
        gh: vec![0.0; t * b * w],
        h_prev: vec![0.0; t * b * h],
        c_prev: if lstm {
            vec![0.0; t * b * h]
        } else {
            Vec::new()
        },
    });
    let mut scratch = if save { Vec::new() } else { vec![0.0; b * w] };
    let mut row_scratch = vec![0.0; w];
    // The cell's shape, proven here once for every row of every step.
    let shape = CellShape::new(cell, h).expect("gates × hidden of an existing layer fits");
    assert_eq!(
        shape.width(),
        w,
        "Dims and the cell disagree on the gate count"
    );
    for step in 0..t {
        let gh: &mut [f32] = match saved.as_mut() {
            Some(s) => {
                s.h_prev[step * b * h..][..b * h].copy_from_slice(state_h);
                if lstm {
                    s.c_prev[step * b * h..][..b * h].copy_from_slice(state_c);
                }
                &mut s.gh[step * b * w..][..b * w]
            }
            None => &mut scratch,
        };
        gh.chunks_exact_mut(w).for_each(|r| r.copy_from_slice(b_hh));
        matmul(
            gh,
            Mat::new(state_h, b, h),
            Mat::new(w_hh, h, w),
            true,
            Parallelism::None,
        );
        for r in 0..b {
            let c_row: &mut [f32] = if lstm {
                &mut state_c[r * h..][..h]
            } else {
                &mut []
            };
            let h_row = &mut state_h[r * h..][..h];
            row::forward(
                shape,
                &gi[(r * t + step) * w..][..w],
                &gh[r * w..][..w],
                h_row,
                c_row,
                &mut row_scratch,
            );
            hs[(r * t + step) * h..][..h].copy_from_slice(h_row);
        }
    }
    saved
}

/// Back-propagates `dhs` (∂L/∂hs, `[batch, time, H]`) through the steps [`forward`] saved.
/// No gradient flows into `h0`/`c0`: the carried state of truncated BPTT is a constant.
pub fn backward(
    cell: CellKind,
    d: Dims,
    gi: &[f32],
    w_hh: &[f32],
    saved: &Saved,
    dhs: &[f32],
) -> Grads {
    let (t, h, w) = (d.time, d.hidden, d.width());
    assert_eq!(dhs.len(), d.batch * t * h, "dhs has the wrong size");
    let parts: Vec<Range<usize>> = saved.slices.iter().map(|(r, _)| r.clone()).collect();
    let mut dgi = vec![0.0; d.batch * t * w];
    // W_hhᵀ laid out row-major once per batch: as a strided view, gemm would repack all of
    // W_hh on every step's product (15 % of an LSTM-256 training step).
    let mut w_hh_t = vec![0.0; w * h];
    for (k, row) in w_hh.chunks_exact(w).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            w_hh_t[i * h + k] = v;
        }
    }
    let weights: Vec<(Vec<f32>, Vec<f32>)> = saved
        .slices
        .par_iter()
        .zip(cut(&mut dgi, &parts, t * w))
        .map(|((rows, saved), dgi)| {
            let d = Dims {
                batch: rows.len(),
                ..d
            };
            let gi = &gi[rows.start * t * w..rows.end * t * w];
            let dhs = &dhs[rows.start * t * h..rows.end * t * h];
            backward_rows(cell, d, gi, &w_hh_t, saved, dhs, dgi)
        })
        .collect();
    let mut total = Grads {
        gi: dgi,
        w_hh: vec![0.0; h * w],
        b_hh: vec![0.0; w],
    };
    for (dw, db) in weights {
        total.w_hh.iter_mut().zip(&dw).for_each(|(a, g)| *a += g);
        total.b_hh.iter_mut().zip(&db).for_each(|(a, g)| *a += g);
    }
    total
}

/// Back-propagates one slice of rows; writes ∂L/∂gi into `dgi` and returns this slice's
/// share of ∂L/∂W_hh and ∂L/∂b_hh. `w_hh_t` is W_hhᵀ, row-major `[G·H, H]`.
fn backward_rows(
    cell: CellKind,
    d: Dims,
    gi: &[f32],
    w_hh_t: &[f32],
    saved: &SavedRows,
    dhs: &[f32],
    dgi: &mut [f32],
) -> (Vec<f32>, Vec<f32>) {
    let (b, t, h, w) = (d.batch, d.time, d.hidden, d.width());
    let lstm = cell == CellKind::Lstm;
    let mut dgh = vec![0.0; t * b * w];
    // ∂L/∂h and ∂L/∂c flowing from step t+1 into step t.
    let mut dh_next = vec![0.0; b * h];
    let mut dc = vec![0.0; if lstm { b * h } else { 0 }];
    let mut dh = vec![0.0; h];
    for step in (0..t).rev() {
        let dgh_t = &mut dgh[step * b * w..][..b * w];
        for r in 0..b {
            let at = |n: usize| (step * b + r) * n;
            dh.iter_mut()
                .zip(&dh_next[r * h..][..h])
                .zip(&dhs[(r * t + step) * h..][..h])
                .for_each(|((o, a), c)| *o = a + c);
            let c_prev: &[f32] = if lstm {
                &saved.c_prev[at(h)..][..h]
            } else {
                &[]
            };
            let dc_row: &mut [f32] = if lstm { &mut dc[r * h..][..h] } else { &mut [] };
            row::backward(
                cell,
                &gi[(r * t + step) * w..][..w],
                &saved.gh[at(w)..][..w],
                &saved.h_prev[at(h)..][..h],
                c_prev,
                &dh,
                dc_row,
                &mut dgi[(r * t + step) * w..][..w],
                &mut dgh_t[r * w..][..w],
                &mut dh_next[r * h..][..h],
            );
        }
        // ∂L/∂h_{t−1} += ∂L/∂gh_t · W_hhᵀ
        matmul(
            &mut dh_next,
            Mat::new(dgh_t, b, w),
            Mat::new(w_hh_t, w, h),
            true,
            Parallelism::None,
        );
    }
    // Over all steps at once: ∂L/∂W_hh = Σ_t h_{t−1}ᵀ·∂L/∂gh_t, ∂L/∂b_hh = Σ ∂L/∂gh_t.
    let mut dw = vec![0.0; h * w];
    let rows = t * b;
    let h_prev = Mat::new(&saved.h_prev, rows, h).t();
    matmul(
        &mut dw,
        h_prev,
        Mat::new(&dgh, rows, w),
        false,
        Parallelism::None,
    );
    let mut db = vec![0.0; w];
    for r in dgh.chunks_exact(w) {
        db.iter_mut().zip(r).for_each(|(a, g)| *a += g);
    }
    (dw, db)
}
