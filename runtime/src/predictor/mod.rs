//! [`Predictor`]: the streaming "what comes next" API over caller-owned memory — building a
//! predictor and stepping it. Reading its output is `outputs.rs` (over [`crate::scores`]),
//! saving and restoring its state `snapshot.rs`, checking the model on the device
//! `self_test.rs`.

mod outputs;
mod self_test;
mod snapshot;

use format::Model;

use crate::Error;
use crate::cell::{self, CellShape};
use crate::kernels::Kernel;
use crate::layout::{InputSide, Layout};
use crate::utf8::{Decoded, Utf8Decoder};

/// A model's running state: feed it characters, read what comes next.
///
/// All memory is the caller's `f32` buffer (see [`Predictor::buffer_len`]); the predictor
/// itself is a handful of slices and never allocates. After construction and after
/// [`reset`](Self::reset) it predicts the first character of a text.
pub struct Predictor<'m, 'b> {
    model: &'m Model<'m>,
    kernel: Kernel,
    layout: Layout,
    /// Every layer's cell shape, proven with the layout when the predictor was made.
    shape: CellShape,
    /// `h` of every layer, bottom first.
    h: &'b mut [f32],
    /// `c` of every layer (LSTM), else empty.
    c: &'b mut [f32],
    gi: &'b mut [f32],
    gh: &'b mut [f32],
    x: &'b mut [f32],
    logits: &'b mut [f32],
    quant: &'b mut [u8],
    /// Each int8 weight row's sum, for the x86 kernel: every layer's `W_ih` then `W_hh`
    /// (`gates` rows each), then the output layer; empty where the kernel needs none.
    row_sums: &'b mut [i32],
    /// Layer 0's input side per token (`vocab` rows of `gates`), or empty.
    table: &'b mut [f32],
    utf8: Utf8Decoder,
}

impl<'m, 'b> Predictor<'m, 'b> {
    /// `f32`s of buffer [`new`](Self::new) needs for `model`.
    pub fn buffer_len(model: &Model<'_>) -> Result<usize, Error> {
        Self::buffer_len_for(model, InputSide::PerStep)
    }

    /// `f32`s of buffer a predictor for `model` needs with the given input side.
    pub fn buffer_len_for(model: &Model<'_>, input: InputSide) -> Result<usize, Error> {
        Ok(Layout::with_input(model.arch(), input)
            .ok_or(Error::ModelTooLarge)?
            .total)
    }

    /// A predictor using the fastest kernel this CPU supports and the least memory
    /// ([`InputSide::PerStep`]).
    pub fn new(model: &'m Model<'m>, buffer: &'b mut [f32]) -> Result<Self, Error> {
        Self::with_options(model, buffer, Kernel::detect(), InputSide::PerStep)
    }

    /// A predictor with every choice explicit: the kernel (e.g. [`Kernel::Portable`] to
    /// compare against; [`Kernel::detect`] for the fastest) and the input side
    /// ([`InputSide::Table`] trades memory for time: the first layer's input side comes from a
    /// per-token table computed here; size the buffer with
    /// [`buffer_len_for`](Self::buffer_len_for). Outputs are bit-identical either way).
    pub fn with_options(
        model: &'m Model<'m>,
        buffer: &'b mut [f32],
        kernel: Kernel,
        input: InputSide,
    ) -> Result<Self, Error> {
        // The proof of every length below: `model` exists, so its tensors have its
        // architecture's shapes (format checks them at load); the buffer is cut here by the
        // layout of that same architecture, once. Steps then only cut whole layers out of it.
        let layout = Layout::with_input(model.arch(), input).ok_or(Error::ModelTooLarge)?;
        let shape =
            CellShape::new(model.arch().cell, model.arch().hidden()).ok_or(Error::ModelTooLarge)?;
        let too_small = Error::BufferTooSmall {
            needed: layout.total,
            provided: buffer.len(),
        };
        let buffer = buffer.get_mut(..layout.total).ok_or(too_small)?;
        let (h, rest) = buffer.split_at_mut(layout.hidden_state);
        let (c, rest) = rest.split_at_mut(layout.state.saturating_sub(layout.hidden_state));
        let (gi, rest) = rest.split_at_mut(layout.gates);
        let (gh, rest) = rest.split_at_mut(layout.gates);
        let (x, rest) = rest.split_at_mut(layout.embed);
        let (logits, rest) = rest.split_at_mut(layout.vocab);
        let (quant, rest) = rest.split_at_mut(layout.quant);
        let quant: &mut [u8] = bytemuck::cast_slice_mut(quant);
        let (row_sums, table) = rest.split_at_mut(layout.row_sums);
        let row_sums: &mut [i32] = bytemuck::cast_slice_mut(row_sums);
        let mut p = Predictor {
            model,
            kernel,
            layout,
            shape,
            h,
            c,
            gi,
            gh,
            x,
            logits,
            quant,
            row_sums,
            table,
            utf8: Utf8Decoder::new(),
        };
        p.fill_row_sums();
        p.fill_table();
        p.reset();
        Ok(p)
    }

    /// Sums every int8 weight row into `row_sums` (if the layout has room for them).
    fn fill_row_sums(&mut self) {
        if !Kernel::NEEDS_ROW_SUMS {
            return;
        }
        let gates = self.layout.gates;
        let mut rest: &mut [i32] = self.row_sums;
        for layer in self.model.layers() {
            for m in [&layer.weight_ih, &layer.weight_hh] {
                let (out, next) = core::mem::take(&mut rest)
                    .split_at_mut_checked(gates)
                    .unwrap_or_default();
                self.kernel.row_sums(m, out);
                rest = next;
            }
        }
        self.kernel.row_sums(self.model.output_weight(), rest);
    }

    /// Each layer's row sums, bottom first, then the output layer's. Where the kernel needs
    /// none (`row_sums` empty) the layers get none: take them with `next().unwrap_or_default()`.
    fn split_sums(
        row_sums: &[i32],
        gates: usize,
        layers: usize,
    ) -> (impl Iterator<Item = cell::RowSums<'_>>, &[i32]) {
        let pair = gates.saturating_mul(2);
        let (stack, output) = row_sums
            .split_at_checked(layers.saturating_mul(pair))
            .unwrap_or_default();
        let per_layer = stack.chunks_exact(pair.max(1)).map(move |sums| {
            let (ih, hh) = sums.split_at_checked(gates).unwrap_or_default();
            cell::RowSums { ih, hh }
        });
        (per_layer, output)
    }

    /// Computes layer 0's input side for every token, exactly as a step would.
    fn fill_table(&mut self) {
        let Some(layer) = self.model.layers().first() else {
            return;
        };
        let (mut sums, _) = Self::split_sums(self.row_sums, self.layout.gates, 1);
        let layer = cell::LayerRef {
            weights: layer,
            sums: sums.next().unwrap_or_default(),
        };
        let rows = self.table.chunks_exact_mut(self.layout.gates.max(1));
        for (token, row) in rows.enumerate() {
            self.model.embedding().row_into(token, self.x);
            cell::input_side(self.kernel, layer, self.x, row, self.quant);
        }
    }

    /// How the first layer's input side is computed.
    pub fn input_side(&self) -> InputSide {
        if self.table.is_empty() {
            InputSide::PerStep
        } else {
            InputSide::Table
        }
    }

    pub fn model(&self) -> &'m Model<'m> {
        self.model
    }
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Back to the start of a text: zero state, logits for the first character.
    pub fn reset(&mut self) {
        self.h.fill(0.0);
        self.c.fill(0.0);
        // With h = 0 the output layer is just its bias.
        for (l, b) in self.logits.iter_mut().zip(self.model.output_bias().iter()) {
            *l = b;
        }
        self.utf8.clear();
    }

    /// Feeds one token index (0 is unknown/padding).
    pub fn feed_token(&mut self, token: u32) -> Result<(), Error> {
        let vocab = self.model.arch().vocab();
        if token as usize >= vocab {
            return Err(Error::TokenOutOfRange { token, vocab });
        }
        self.advance(token as usize);
        Ok(())
    }

    /// Feeds one character; characters outside the vocabulary are fed as token 0.
    pub fn feed_char(&mut self, c: char) {
        let token = self.model.vocab().index_of(c);
        self.advance(token as usize);
    }

    pub fn feed_str(&mut self, s: &str) {
        for c in s.chars() {
            self.feed_char(c);
        }
    }

    /// Feeds one byte of UTF-8 input; returns the characters it completed (and fed). Invalid
    /// sequences are fed as U+FFFD (unknown unless the vocabulary has it), never an error.
    pub fn feed_byte(&mut self, b: u8) -> Decoded {
        let d = self.utf8.push(b);
        for c in d {
            self.feed_char(c);
        }
        d
    }

    /// Feeds UTF-8 bytes; returns how many characters were fed. A sequence cut at the end of
    /// `bytes` is completed by the next call.
    pub fn feed_bytes(&mut self, bytes: &[u8]) -> usize {
        bytes.iter().map(|&b| self.feed_byte(b).count()).sum()
    }

    /// One step of the network on a token known to be in range.
    fn advance(&mut self, token: usize) {
        let model = self.model;
        let shape = self.shape;
        let width = shape.width();
        // Layer 0's input side: the token's table row, read in place, or computed now.
        let table_row = token
            .checked_mul(width)
            .and_then(|start| self.table.get(start..start.checked_add(width)?));
        if table_row.is_none() {
            model.embedding().row_into(token, self.x);
        }
        // Whole layers cut from buffers of `layers × hidden` (c: LSTM only, else empty).
        let mut hs = self.h.chunks_exact_mut(shape.hidden().max(1));
        let mut cs = self.c.chunks_exact_mut(shape.hidden().max(1));
        let (mut sums, output_sums) = Self::split_sums(self.row_sums, width, model.layers().len());
        let mut below: &[f32] = self.x;
        for (i, weights) in model.layers().iter().enumerate() {
            let (Some(h), c) = (hs.next(), cs.next().unwrap_or_default()) else {
                break; // the layout holds every layer's h
            };
            let layer = cell::LayerRef {
                weights,
                sums: sums.next().unwrap_or_default(),
            };
            let gi: &[f32] = match table_row {
                Some(row) if i == 0 => row,
                _ => {
                    cell::input_side(self.kernel, layer, below, self.gi, self.quant);
                    self.gi
                }
            };
            let step = shape.step_proven(gi, self.gh, &mut *h, c);
            cell::step(self.kernel, layer, step, self.quant);
            below = h;
        }
        for (l, b) in self.logits.iter_mut().zip(model.output_bias().iter()) {
            *l = b;
        }
        self.kernel.matvec_add(
            model.output_weight(),
            output_sums,
            below,
            self.logits,
            self.quant,
        );
    }
}
