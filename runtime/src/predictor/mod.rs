//! [`Predictor`]: the streaming "what comes next" API over caller-owned memory — building a
//! predictor and stepping it. Reading its output is `outputs.rs` (over [`crate::scores`]),
//! saving and restoring its state `snapshot.rs`, checking the model on the device
//! `self_test.rs`.

mod outputs;
mod self_test;
mod snapshot;

use format::Model;

use crate::Error;
use crate::cell::CellShape;
use crate::kernels::{Input, Kernel, Plan};
use crate::layout::{InputSide, Layout};
use crate::utf8::{Decoded, Utf8Decoder};

/// A model's running state: feed it characters, read what comes next.
///
/// All memory is the caller's `f32` buffer (see [`Predictor::buffer_len`]); the predictor
/// itself is a handful of slices and never allocates. After construction and after
/// [`reset`](Self::reset) it predicts the first character of a text.
pub struct Predictor<'m, 'b> {
    model: &'m Model<'m>,
    /// The kernel and what it needs for this model (row sums, the input table).
    plan: Plan<'b>,
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
        let plan = Plan::new(kernel, model, row_sums, table, layout.gates, x, quant);
        let mut p = Predictor {
            model,
            plan,
            layout,
            shape,
            h,
            c,
            gi,
            gh,
            x,
            logits,
            quant,
            utf8: Utf8Decoder::new(),
        };
        p.reset();
        Ok(p)
    }

    /// How the first layer's input side is computed.
    pub fn input_side(&self) -> InputSide {
        if self.plan.has_table() {
            InputSide::Table
        } else {
            InputSide::PerStep
        }
    }

    /// The model it runs.
    pub fn model(&self) -> &'m Model<'m> {
        self.model
    }
    /// The kernel its products run on.
    pub fn kernel(&self) -> Kernel {
        self.plan.kernel()
    }
    /// Where each part of its state lies in the buffer.
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

    /// Feeds every character of `s` (see [`feed_char`](Self::feed_char)).
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

    /// One step of the network on a token known to be in range: for each layer the input
    /// side, the hidden side and the cell's update; then the output layer.
    fn advance(&mut self, token: usize) {
        let (model, plan, shape) = (self.model, &self.plan, self.shape);
        // Whole layers cut from buffers of `layers × hidden` (c: LSTM only, else empty).
        let mut hs = self.h.chunks_exact_mut(shape.hidden().max(1));
        let mut cs = self.c.chunks_exact_mut(shape.hidden().max(1));
        let mut input = Input::Token(token);
        for (l, layer) in model.layers().iter().enumerate() {
            let (Some(h), c) = (hs.next(), cs.next().unwrap_or_default()) else {
                break; // the layout holds every layer's h
            };
            let gi = plan.input_side(model, layer, l, input, self.x, self.gi, self.quant);
            plan.hidden_side(layer, l, h, self.gh, self.quant);
            shape
                .step_proven(gi, self.gh, &mut *h, c)
                .update(plan.kernel());
            input = Input::Below(h);
        }
        let top: &[f32] = match input {
            Input::Below(h) => h,
            Input::Token(_) => &[],
        };
        plan.output(model, top, self.logits, self.quant);
    }
}
