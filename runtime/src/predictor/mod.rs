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
        crate::built::check(model)?;
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
        self.check_token(token)?;
        self.advance(token as usize);
        Ok(())
    }

    fn check_token(&self, token: u32) -> Result<(), Error> {
        let vocab = self.model.arch().vocab();
        if token as usize >= vocab {
            return Err(Error::TokenOutOfRange { token, vocab });
        }
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
        self.advance_with(token, HiddenSides::Compute);
    }

    /// Feeds `token` (in range, the caller checked) from a state whose hidden sides are in
    /// `sides` (layers × gates): with `reuse`, they were computed from exactly this state and
    /// no product of the hidden side runs; otherwise they are computed and stored there. The
    /// result is bit for bit what [`feed_token`](Self::feed_token) gives: the same values,
    /// computed once.
    pub(crate) fn feed_token_sharing(
        &mut self,
        token: u32,
        sides: &mut [f32],
        reuse: bool,
    ) -> Result<(), Error> {
        self.check_token(token)?;
        let sides = if reuse {
            HiddenSides::Reuse(&*sides)
        } else {
            HiddenSides::Capture(sides)
        };
        self.advance_with(token as usize, sides);
        Ok(())
    }

    fn advance_with(&mut self, token: usize, mut sides: HiddenSides<'_>) {
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
            let width = self.gh.len();
            let range = l.saturating_mul(width)..l.saturating_add(1).saturating_mul(width);
            match &mut sides {
                HiddenSides::Reuse(s) => match s.get(range) {
                    Some(saved) => self.gh.copy_from_slice(saved),
                    None => plan.hidden_side(layer, l, h, self.gh, self.quant),
                },
                HiddenSides::Capture(s) => {
                    plan.hidden_side(layer, l, h, self.gh, self.quant);
                    if let Some(saved) = s.get_mut(range) {
                        saved.copy_from_slice(self.gh);
                    }
                }
                HiddenSides::Compute => plan.hidden_side(layer, l, h, self.gh, self.quant),
            }
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

/// Where a step's hidden-side products come from (see
/// [`Predictor::feed_token_sharing`]).
enum HiddenSides<'s> {
    Compute,
    /// Computed, and kept here for the next step from the same state.
    Capture(&'s mut [f32]),
    /// Kept here by a step from this same state.
    Reuse(&'s [f32]),
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use format::{
        CellKind, Model, OwnedLayer, OwnedMetadata, OwnedModel, OwnedTensor, TensorKind, TensorName,
    };

    use super::*;

    /// Siblings stepped from one state, the second reusing the first's hidden sides, end bit for
    /// bit where plain steps end: every cell, two layers, f32 and int8 weights, both input sides
    /// and every kernel this CPU has.
    #[test]
    fn a_step_reusing_a_siblings_hidden_sides_is_a_plain_step() {
        let mut kernels = vec![Kernel::Portable];
        if Kernel::detect() != Kernel::Portable {
            kernels.push(Kernel::detect());
        }
        let cells = [
            CellKind::Gru,
            CellKind::Lstm,
            CellKind::RnnTanh,
            CellKind::RnnRelu,
        ];
        for (i, cell) in cells.into_iter().enumerate() {
            let owned = random_model(cell, 40 + i as u32);
            for owned in [owned.clone(), owned.quantized_int8()] {
                let bytes = format::AlignedBytes::new(&owned.to_bytes().unwrap());
                let model = Model::from_bytes(&bytes).unwrap();
                for &kernel in &kernels {
                    for input in [InputSide::PerStep, InputSide::Table] {
                        check_siblings(&model, kernel, input);
                    }
                }
            }
        }
    }

    /// Two layers of 13 (odd: the kernels' row and column tails), embedding 5, vocabulary 9,
    /// weights uniform in ±0.5 from a fixed LCG (`quill_tests` cannot be linked into the
    /// crate's own unit tests).
    fn random_model(cell: CellKind, seed: u32) -> OwnedModel {
        let arch = format::Architecture {
            cell,
            layers: 2,
            embed: 5,
            hidden: 13,
            vocab: 9,
        };
        let mut s = seed;
        let mut tensor = |kind: TensorKind, layer: u8| {
            let (rows, cols) = arch.expected_shape(TensorName { kind, layer }).unwrap();
            let data: Vec<f32> = (0..rows * cols)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
                })
                .collect();
            if cols == 1 {
                OwnedTensor::vector(data)
            } else {
                OwnedTensor::matrix(rows, cols, data)
            }
        };
        let embedding = tensor(TensorKind::Embedding, 0);
        let layers = (0..2)
            .map(|l| OwnedLayer {
                weight_ih: tensor(TensorKind::WeightIh, l),
                weight_hh: tensor(TensorKind::WeightHh, l),
                bias_ih: tensor(TensorKind::BiasIh, l),
                bias_hh: tensor(TensorKind::BiasHh, l),
            })
            .collect();
        OwnedModel {
            arch,
            vocab: " abcdefg".chars().collect(),
            embedding,
            layers,
            output_weight: tensor(TensorKind::OutputWeight, 0),
            output_bias: tensor(TensorKind::OutputBias, 0),
            metadata: OwnedMetadata {
                name: "siblings".into(),
                corpus: "none".into(),
                val_loss: None,
                producer: "runtime tests".into(),
            },
            self_test: None,
        }
    }

    fn check_siblings(model: &Model<'_>, kernel: Kernel, input: InputSide) {
        let mut buf = vec![0f32; Predictor::buffer_len_for(model, input).unwrap()];
        let mut p = Predictor::with_options(model, &mut buf, kernel, input).unwrap();
        p.feed_str("ab");
        let mut parent = vec![0f32; p.snapshot_len()];
        p.snapshot(&mut parent).unwrap();
        let plain: Vec<Vec<u32>> = (0..9u32)
            .map(|t| {
                p.restore_own(&parent).unwrap();
                p.feed_token(t).unwrap();
                let mut s = vec![0f32; p.snapshot_len()];
                p.snapshot(&mut s).unwrap();
                s.iter().map(|v| v.to_bits()).collect()
            })
            .collect();
        let mut sides = vec![f32::NAN; p.layout().hidden_sides()];
        for t in 0..9u32 {
            p.restore_own(&parent).unwrap();
            p.feed_token_sharing(t, &mut sides, t > 0).unwrap();
            let mut s = vec![0f32; p.snapshot_len()];
            p.snapshot(&mut s).unwrap();
            let bits: Vec<u32> = s.iter().map(|v| v.to_bits()).collect();
            assert_eq!(
                bits,
                plain[t as usize],
                "{:?} {kernel:?} {input:?} token {t}",
                model.arch()
            );
        }
    }
}
