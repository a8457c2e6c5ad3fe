//! How a predictor's caller-provided `f32` buffer is carved up.
//!
//! ```text
//! [ h: layers×hidden | c: layers×hidden (LSTM only) | gi: gates×hidden | gh: gates×hidden
//!   | x: embed | logits: vocab | quant: ⌈max(embed, hidden) / 4⌉
//!   | row_sums: layers×2×gates×hidden + vocab (x86_64, wasm32 relaxed SIMD)
//!   | table: vocab×gates×hidden (only with [`InputSide::Table`]) ]
//! ```
//! `h`, `c` and `logits` are the state a snapshot saves; the rest is scratch (`quant` holds the
//! int8 kernels' quantised activations, four bytes per `f32`; on Cortex-M4/M7 three times as
//! much and a word, for the DSP kernel's 16-bit activation pairs; on aarch64 twice as much, for
//! the NEON kernels' signed copy). `row_sums` holds one `i32` per
//! weight row (every layer's `W_ih` then `W_hh`, then the output layer), filled when the
//! predictor is made: the AVX2 int8 kernel multiplies offset (unsigned) activations and takes
//! `64 · Σ row` back off. Other targets' kernels need no such term, so there it is empty.

use format::{Architecture, CellKind};

/// How the first layer's input side, `W_ih·emb[c] + b_ih`, is computed.
///
/// For a char model that input is one of `vocab` embedding rows, so the whole product can be a
/// per-token table: computed once when the predictor is made, into the caller's buffer, then
/// each step copies a row instead of multiplying. Both give bit-identical results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputSide {
    /// Multiply every step: the least memory. [`Predictor::new`](crate::Predictor::new) uses it.
    #[default]
    PerStep,
    /// Look it up in a `vocab × gates × hidden` table (GRU-256, 85 chars: 261 KB more): the
    /// fastest. [`Predictor::with_options`](crate::Predictor::with_options) takes it.
    Table,
}

/// The families of targets whose kernels need different scratch in the buffer; [`Layout`]
/// describes the buffer for any of them, so a host tool can size a device's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// x86_64 (the AVX2 int8 kernel) and wasm32 with relaxed SIMD: one `i32` row sum per weight
    /// row.
    RowSums,
    /// Cortex-M4/M7 (the DSP kernel): activations also kept as 16-bit pairs.
    CortexMDsp,
    /// aarch64 (the NEON kernels): activations also kept signed (`q − 64`), once per product.
    Neon,
    /// Every other target: Cortex-M0, wasm32, the portable kernel.
    Plain,
}

impl Target {
    /// The target this build runs on.
    pub const HOST: Target = if cfg!(quill_row_sums) {
        Target::RowSums
    } else if cfg!(quill_arm_dsp) {
        Target::CortexMDsp
    } else if cfg!(target_arch = "aarch64") {
        Target::Neon
    } else {
        Target::Plain
    };
}

/// Sizes, in `f32`, of each part of the buffer (read them with the methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `h` of every layer (layers × hidden).
    pub(crate) hidden_state: usize,
    /// Recurrent state (`h` of every layer, then `c` for an LSTM).
    pub(crate) state: usize,
    /// One gate pre-activation vector (gates × hidden).
    pub(crate) gates: usize,
    /// Every layer's hidden side `W_hh·h + b_hh` (layers × gates × hidden): what a word cache
    /// keeps to step several children of one prefix with one set of hidden-side products.
    pub(crate) hidden_sides: usize,
    pub(crate) embed: usize,
    pub(crate) vocab: usize,
    /// `f32`s whose bytes hold one quantised activation vector.
    pub(crate) quant: usize,
    /// `f32`s whose bits hold each weight row's `i32` sum (x86_64), else 0.
    pub(crate) row_sums: usize,
    /// The first layer's per-token input table (0 unless [`InputSide::Table`]).
    pub(crate) table: usize,
    /// Everything together.
    pub(crate) total: usize,
}

impl Layout {
    /// The layout for `arch` with the input side per step; `None` if it overflows `usize`.
    pub const fn of(arch: &Architecture) -> Option<Layout> {
        Self::with_input(arch, InputSide::PerStep)
    }

    /// The layout for `arch` and an input side; `None` if it overflows `usize`.
    pub const fn with_input(arch: &Architecture, input: InputSide) -> Option<Layout> {
        Self::for_target(Target::HOST, arch, input)
    }

    /// The layout on `target` for `arch` and an input side; `None` if it overflows `usize`.
    pub const fn for_target(
        target: Target,
        arch: &Architecture,
        input: InputSide,
    ) -> Option<Layout> {
        let Some(l) = Self::new_for(
            target,
            arch.cell,
            arch.layers as usize,
            arch.embed as usize,
            arch.hidden as usize,
            arch.vocab as usize,
        ) else {
            return None;
        };
        match input {
            InputSide::PerStep => Some(l),
            InputSide::Table => {
                let Some(table) = l.gates.checked_mul(l.vocab) else {
                    return None;
                };
                let Some(total) = l.total.checked_add(table) else {
                    return None;
                };
                Some(Layout { table, total, ..l })
            }
        }
    }

    /// The layout for the given sizes on this build's target; `None` if it overflows `usize`.
    pub const fn new(
        cell: CellKind,
        layers: usize,
        embed: usize,
        hidden: usize,
        vocab: usize,
    ) -> Option<Layout> {
        Self::new_for(Target::HOST, cell, layers, embed, hidden, vocab)
    }

    /// The layout for the given sizes on `target`; `None` if it overflows `usize`.
    pub const fn new_for(
        target: Target,
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
        let Some(hidden_sides) = gates.checked_mul(layers) else {
            return None;
        };
        let Some(t) = state.checked_add(g2) else {
            return None;
        };
        let Some(t) = t.checked_add(embed) else {
            return None;
        };
        let Some(t) = t.checked_add(vocab) else {
            return None;
        };
        let widest = if embed > hidden { embed } else { hidden };
        // The Cortex-M DSP kernel also keeps the activations as pairs of 16-bit lanes (two
        // bytes each, after the bytes) and a word that ends them: three times the room, and
        // one.
        let quant = if matches!(target, Target::CortexMDsp) {
            let Some(q) = widest.div_ceil(4).checked_mul(3) else {
                return None;
            };
            let Some(q) = q.checked_add(1) else {
                return None;
            };
            q
        } else if matches!(target, Target::Neon) {
            // The NEON kernels keep a signed copy after the bytes: twice the room.
            let Some(q) = widest.div_ceil(4).checked_mul(2) else {
                return None;
            };
            q
        } else {
            widest.div_ceil(4)
        };
        let Some(t) = t.checked_add(quant) else {
            return None;
        };
        let row_sums = if matches!(target, Target::RowSums) {
            let Some(per_layer) = layers.checked_mul(g2) else {
                return None;
            };
            let Some(rows) = per_layer.checked_add(vocab) else {
                return None;
            };
            rows
        } else {
            0
        };
        let Some(total) = t.checked_add(row_sums) else {
            return None;
        };
        Some(Layout {
            hidden_state: lh,
            state,
            gates,
            hidden_sides,
            embed,
            vocab,
            quant,
            row_sums,
            table: 0,
            total,
        })
    }

    /// `f32`s of the whole buffer: what [`Predictor::buffer_len`](crate::Predictor::buffer_len)
    /// reports (usable in a `const`).
    pub const fn total(&self) -> usize {
        self.total
    }

    /// `f32`s of the recurrent state (every layer's `h`, then `c` for an LSTM).
    pub const fn state(&self) -> usize {
        self.state
    }

    /// `f32`s of the row sums the x86 and relaxed-SIMD int8 kernels keep (0 elsewhere).
    pub const fn row_sums(&self) -> usize {
        self.row_sums
    }

    /// `f32`s of the first layer's per-token input table (0 unless [`InputSide::Table`]).
    pub const fn table(&self) -> usize {
        self.table
    }

    /// `f32`s of every layer's hidden side `W_hh·h + b_hh` (layers × gates × hidden), what a
    /// [`WordCache`](crate::WordCache) keeps beside its prefixes.
    pub const fn hidden_sides(&self) -> usize {
        self.hidden_sides
    }

    /// `f32`s in a snapshot: the recurrent state, the current logits and the UTF-8 decoder's
    /// partial sequence (two words, stored as `f32` bit patterns).
    pub const fn snapshot(&self) -> usize {
        self.state
            .saturating_add(self.vocab)
            .saturating_add(SNAPSHOT_DECODER_WORDS)
    }
}

/// Words of UTF-8 decoder state at the end of a snapshot.
pub(crate) const SNAPSHOT_DECODER_WORDS: usize = 2;

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
