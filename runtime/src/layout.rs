//! How a predictor's caller-provided `f32` buffer is carved up.
//!
//! ```text
//! [ h: layers×hidden | c: layers×hidden (LSTM only) | gi: gates×hidden | gh: gates×hidden
//!   | x: embed | logits: vocab ]
//! ```
//! `h`, `c` and `logits` are the state a snapshot saves; the rest is scratch.

use format::{Architecture, CellKind};

/// Sizes, in `f32`, of each part of the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `h` of every layer (layers × hidden).
    pub hidden_state: usize,
    /// Recurrent state (`h` of every layer, then `c` for an LSTM).
    pub state: usize,
    /// One gate pre-activation vector (gates × hidden).
    pub gates: usize,
    pub embed: usize,
    pub vocab: usize,
    /// Everything together.
    pub total: usize,
}

impl Layout {
    /// The layout for `arch`; `None` if it overflows `usize`.
    pub const fn of(arch: &Architecture) -> Option<Layout> {
        Self::new(
            arch.cell,
            arch.layers as usize,
            arch.embed as usize,
            arch.hidden as usize,
            arch.vocab as usize,
        )
    }

    /// The layout for the given sizes; `None` if it overflows `usize`.
    pub const fn new(
        cell: CellKind,
        layers: usize,
        embed: usize,
        hidden: usize,
        vocab: usize,
    ) -> Option<Layout> {
        let Some(lh) = layers.checked_mul(hidden) else {
            return None;
        };
        let Some(state) = lh.checked_mul(cell.state_vectors()) else {
            return None;
        };
        let Some(gates) = hidden.checked_mul(cell.gates()) else {
            return None;
        };
        let Some(g2) = gates.checked_mul(2) else {
            return None;
        };
        let Some(t) = state.checked_add(g2) else {
            return None;
        };
        let Some(t) = t.checked_add(embed) else {
            return None;
        };
        let Some(total) = t.checked_add(vocab) else {
            return None;
        };
        Some(Layout {
            hidden_state: lh,
            state,
            gates,
            embed,
            vocab,
            total,
        })
    }

    /// `f32`s in a snapshot: the recurrent state and the current logits.
    pub const fn snapshot(&self) -> usize {
        self.state.saturating_add(self.vocab)
    }
}

/// `f32`s a predictor needs for a model of these sizes, usable in a `const` to size a static
/// buffer at compile time; `None` on overflow.
pub const fn buffer_len(
    cell: CellKind,
    layers: usize,
    embed: usize,
    hidden: usize,
    vocab: usize,
) -> Option<usize> {
    match Layout::new(cell, layers, embed, hidden, vocab) {
        Some(l) => Some(l.total),
        None => None,
    }
}
