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

use format::CellKind;

use crate::kernels::Kernel;
#[cfg(feature = "rnn")]
use crate::math::relu;

/// A cell's sizes, proven once where a layer is built (the predictor when it is made, the
/// trainer's fused layer when it sizes its buffers): `hidden` units, and `gates × hidden`
/// pre-activations on each side. Every step's vectors are then cut to these sizes
/// ([`CellShape::step`]), so the cell's math below never meets a length it must guess about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellShape {
    cell: CellKind,
    hidden: usize,
    width: usize,
}

/// A step's vector whose length is not its [`CellShape`]'s.
#[cfg(feature = "trainer")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeMismatch {
    /// `"gi"`, `"gh"`, `"h"` or `"c"`.
    pub vector: &'static str,
    /// The length the shape needs.
    pub expected: usize,
    /// The length given.
    pub found: usize,
}

#[cfg(feature = "trainer")]
impl core::fmt::Display for ShapeMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "cell step: `{}` holds {} values, the cell's shape needs {}",
            self.vector, self.found, self.expected
        )
    }
}

impl CellShape {
    /// The shape of a `cell` with `hidden` units; `None` if `gates × hidden` overflows.
    pub const fn new(cell: CellKind, hidden: usize) -> Option<CellShape> {
        match hidden.checked_mul(cell.gates()) {
            Some(width) => Some(CellShape {
                cell,
                hidden,
                width,
            }),
            None => None,
        }
    }

    /// The cell the shape is of.
    #[cfg(feature = "trainer")]
    pub const fn cell(&self) -> CellKind {
        self.cell
    }

    /// Units: the length of `h` and `c`.
    pub const fn hidden(&self) -> usize {
        self.hidden
    }

    /// `gates × hidden`: the length of each side's pre-activations.
    #[cfg(feature = "trainer")]
    pub const fn width(&self) -> usize {
        self.width
    }

    /// One step's vectors, proven to have this shape (feature `trainer`): `gi` (the input side
    /// `W_ih·x + b_ih`) and `gh` (the hidden side `W_hh·h + b_hh`, overwritten as scratch)
    /// [`width`](Self::width) long, `h` [`hidden`](Self::hidden) long, and `c` too for an
    /// LSTM (ignored, and may be empty, otherwise).
    #[cfg(feature = "trainer")]
    pub fn step<'s>(
        self,
        gi: &'s [f32],
        gh: &'s mut [f32],
        h: &'s mut [f32],
        c: &'s mut [f32],
    ) -> Result<CellStep<'s>, ShapeMismatch> {
        let c_len = if self.cell == CellKind::Lstm {
            self.hidden
        } else {
            c.len()
        };
        let checks = [
            ("gi", gi.len(), self.width),
            ("gh", gh.len(), self.width),
            ("h", h.len(), self.hidden),
            ("c", c.len(), c_len),
        ];
        for (vector, found, expected) in checks {
            if found != expected {
                return Err(ShapeMismatch {
                    vector,
                    expected,
                    found,
                });
            }
        }
        Ok(CellStep {
            cell: self.cell,
            gi,
            gh,
            h,
            c,
        })
    }

    /// [`step`](Self::step) for vectors the caller cut to this shape itself (the predictor:
    /// `h` and `c` from `chunks_exact_mut(hidden)` over `layers × hidden`, `gi` and `gh` cut to
    /// `width` when it was made). Debug builds still check.
    pub(crate) fn step_proven<'s>(
        self,
        gi: &'s [f32],
        gh: &'s mut [f32],
        h: &'s mut [f32],
        c: &'s mut [f32],
    ) -> CellStep<'s> {
        debug_assert!(
            gi.len() == self.width
                && gh.len() == self.width
                && h.len() == self.hidden
                && (self.cell != CellKind::Lstm || c.len() == self.hidden),
            "cell step vectors cut to another shape"
        );
        CellStep {
            cell: self.cell,
            gi,
            gh,
            h,
            c,
        }
    }
}

/// One step's vectors, cut to a [`CellShape`].
pub struct CellStep<'s> {
    cell: CellKind,
    gi: &'s [f32],
    gh: &'s mut [f32],
    h: &'s mut [f32],
    c: &'s mut [f32],
}

impl CellStep<'_> {
    /// The cell's element-wise update from both sides' pre-activations: `h` (and `c`) advance
    /// one step; `gh` is overwritten. This is the predictor's own code, public so that the
    /// trainer's fused CPU layer computes exactly what a device computes (with
    /// [`Kernel::Portable`], bit for bit). The `trainer` feature builds every cell; without
    /// it a cell left out (`rnn`, `gru`, `lstm`) is never stepped: no predictor is made for it.
    pub fn update(self, kernel: Kernel) {
        let CellStep { cell, gi, gh, h, c } = self;
        #[allow(unreachable_patterns, clippy::match_same_arms)]
        let run = || match cell {
            #[cfg(feature = "rnn")]
            CellKind::RnnTanh => rnn_tanh(kernel, h, gi, gh),
            #[cfg(feature = "rnn")]
            CellKind::RnnRelu => rnn_relu(h, gi, gh),
            #[cfg(feature = "gru")]
            CellKind::Gru => gru(kernel, h, gi, gh),
            #[cfg(feature = "lstm")]
            CellKind::Lstm => lstm(kernel, h, c, gi, gh),
            _ => {
                let _ = (kernel, h, c, gi, gh); // not built (`built::check` refuses such models)
            }
        };
        // The element-wise passes compiled for the kernel's instruction set (8-wide on AVX2);
        // σ and tanh go through the kernel (explicit AVX2 + FMA code there).
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(t) => t.vectorized(run),
            _ => run(),
        }
    }
}

// Each pass below walks plain zipped slices (no `chain`, which LLVM leaves scalar), so it
// vectorises; the nonlinearities are whole-slice kernel calls in between. The passes re-read
// a few KB that sit in L1. Lengths are a `CellStep`'s: `h` (and `c`) `n`, `gi` and `gh` whole
// gate blocks of `n`, so the splits below are exact.

#[cfg(feature = "rnn")]
#[inline(always)]
fn rnn_tanh(kernel: Kernel, h: &mut [f32], gi: &[f32], gh: &mut [f32]) {
    for (b, a) in gh.iter_mut().zip(gi) {
        *b += a;
    }
    kernel.tanh(gh);
    for (h, v) in h.iter_mut().zip(gh.iter()) {
        *h = *v;
    }
}

#[cfg(feature = "rnn")]
#[inline(always)]
fn rnn_relu(h: &mut [f32], gi: &[f32], gh: &[f32]) {
    for ((h, a), b) in h.iter_mut().zip(gi).zip(gh) {
        *h = relu(a + b);
    }
}

#[cfg(feature = "gru")]
#[inline(always)]
fn gru(kernel: Kernel, h: &mut [f32], gi: &[f32], gh: &mut [f32]) {
    let n = h.len();
    let two_n = n.saturating_mul(2);
    let (rz, hn) = gh.split_at_mut_checked(two_n).unwrap_or_default();
    let (irz, inn) = gi.split_at_checked(two_n).unwrap_or_default();
    // r and z together: σ(input side + hidden side).
    for (b, a) in rz.iter_mut().zip(irz) {
        *b += a;
    }
    kernel.sigmoid(rz);
    let (r, z) = rz.split_at_checked(n).unwrap_or_default();
    // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), over the hidden side's slot
    for ((hn, r), a) in hn.iter_mut().zip(r).zip(inn) {
        *hn = a + r * *hn;
    }
    kernel.tanh(hn);
    // h' = (1 − z) ⊙ n + z ⊙ h
    for ((h, z), nn) in h.iter_mut().zip(z).zip(hn.iter()) {
        *h = (1.0 - z) * nn + z * *h;
    }
}

#[cfg(feature = "lstm")]
#[inline(always)]
fn lstm(kernel: Kernel, h: &mut [f32], c: &mut [f32], gi: &[f32], gh: &mut [f32]) {
    let n = h.len();
    // Sum both sides, then i, f (adjacent) and o through σ, g through tanh.
    for (b, a) in gh.iter_mut().zip(gi) {
        *b += a;
    }
    let (i_f, rest) = gh
        .split_at_mut_checked(n.saturating_mul(2))
        .unwrap_or_default();
    let (gg, o) = rest.split_at_mut_checked(n).unwrap_or_default();
    kernel.sigmoid(i_f);
    kernel.sigmoid(o);
    kernel.tanh(gg);
    let (i, f) = i_f.split_at_mut_checked(n).unwrap_or_default();
    // c' = f ⊙ c + i ⊙ g
    for (((c, f), i), gg) in c.iter_mut().zip(f.iter()).zip(i.iter()).zip(gg.iter()) {
        *c = f * *c + i * gg;
    }
    // h' = o ⊙ tanh(c'), tanh(c') computed in i's slot (i is spent).
    for (t, c) in i.iter_mut().zip(c.iter()) {
        *t = *c;
    }
    kernel.tanh(i);
    for ((h, o), t) in h.iter_mut().zip(o.iter()).zip(i.iter()) {
        *h = o * t;
    }
}
