//! [`Predictor`]: the streaming "what comes next" API over caller-owned memory.

use format::Model;

use crate::Error;
use crate::cell::{self, CellShape};
use crate::kernels::Kernel;
use crate::layout::{InputSide, Layout, SNAPSHOT_DECODER_WORDS};
use crate::math::exp;
use crate::rng::SmallRng;
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

    /// A predictor that trades memory for time: the first layer's input side comes from a
    /// per-token table computed here ([`InputSide::Table`]; size the buffer with
    /// [`buffer_len_for`](Self::buffer_len_for)). Outputs are bit-identical to [`new`](Self::new)'s.
    pub fn with_table(model: &'m Model<'m>, buffer: &'b mut [f32]) -> Result<Self, Error> {
        Self::with_options(model, buffer, Kernel::detect(), InputSide::Table)
    }

    /// A predictor using a chosen kernel (e.g. [`Kernel::Portable`] to compare against).
    pub fn with_kernel(
        model: &'m Model<'m>,
        buffer: &'b mut [f32],
        kernel: Kernel,
    ) -> Result<Self, Error> {
        Self::with_options(model, buffer, kernel, InputSide::PerStep)
    }

    /// A predictor with every choice explicit.
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

    /// The output layer's scores for the next token (index = token id).
    pub fn logits(&self) -> &[f32] {
        self.logits
    }

    /// The most likely next character's token (never 0, unknown).
    pub fn argmax(&self) -> u32 {
        let mut best = (0usize, f32::NEG_INFINITY);
        for (i, &l) in self.logits.iter().enumerate().skip(1) {
            if l > best.1 {
                best = (i, l);
            }
        }
        u32::try_from(best.0).unwrap_or(0)
    }

    /// Softmax of the logits into `out` (length ≥ vocabulary size).
    pub fn probabilities(&self, out: &mut [f32]) -> Result<(), Error> {
        let (needed, provided) = (self.logits.len(), out.len());
        let out = out
            .get_mut(..needed)
            .ok_or(Error::OutputTooSmall { needed, provided })?;
        let (max, sum) = self.softmax_stats();
        for (o, &l) in out.iter_mut().zip(self.logits.iter()) {
            *o = exp(l - max) / sum;
        }
        Ok(())
    }

    /// The `K` most likely next characters with their probabilities, most likely first.
    /// Token 0 (unknown) is never listed; its probability still counts in the normalisation.
    pub fn top_k<const K: usize>(&self) -> heapless::Vec<(char, f32), K> {
        let mut buf = [('\0', 0.0f32); K];
        let n = self.top_k_into(&mut buf);
        buf.iter().take(n).copied().collect()
    }

    /// Fills `out` with the `out.len()` most likely next characters, most likely first; returns
    /// how many were written (fewer if the vocabulary is smaller). Ties keep vocabulary order.
    pub fn top_k_into(&self, out: &mut [(char, f32)]) -> usize {
        self.ranked(None, out)
    }

    /// As [`top_k_into`](Self::top_k_into), with `bias[token]` added to each logit first:
    /// `f32::NEG_INFINITY` removes a character (a layout that cannot type it), a positive
    /// value boosts one (the user's own words). Probabilities are renormalised over the biased
    /// scores. `bias` holds one entry per token (the vocabulary size, token 0 included).
    pub fn top_k_biased(&self, bias: &[f32], out: &mut [(char, f32)]) -> Result<usize, Error> {
        self.check_bias(bias)?;
        Ok(self.ranked(Some(bias), out))
    }

    pub(crate) fn check_bias(&self, bias: &[f32]) -> Result<(), Error> {
        if bias.len() != self.logits.len() || bias.iter().any(|b| b.is_nan() || *b == f32::INFINITY)
        {
            return Err(Error::InvalidBias {
                expected: self.logits.len(),
                found: bias.len(),
            });
        }
        Ok(())
    }

    /// Logit `i` plus its bias, if any.
    pub(crate) fn score(&self, i: usize, bias: Option<&[f32]>) -> f32 {
        let l = self.logits.get(i).copied().unwrap_or(f32::NEG_INFINITY);
        l + bias.and_then(|b| b.get(i)).copied().unwrap_or(0.0)
    }

    /// Token `i` as a suggestion: its character and score, or `None` when it is never suggested
    /// (token 0, a token without a character, a NaN or −∞ score).
    fn suggestion(&self, i: usize, bias: Option<&[f32]>) -> Option<(char, f32)> {
        if i == 0 {
            return None;
        }
        let ch = self.model.vocab().char_at(u32::try_from(i).ok()?)?;
        let l = self.score(i, bias);
        (!(l.is_nan() || l == f32::NEG_INFINITY)).then_some((ch, l))
    }

    /// Where token `token` stands in [`top_k_into`](Self::top_k_into)'s ranking: 0 when it is
    /// the first suggestion. `None` when it is never suggested (token 0, unknown; a NaN score).
    ///
    /// This is Quill's one definition of next-character accuracy: a character counts as a
    /// top-k hit when `rank_of(its token) < k`, i.e. when the keyboard shows it among its first
    /// `k` suggestions. Ties rank in vocabulary order, as the suggestions do; the unknown token
    /// is never a hit.
    pub fn rank_of(&self, token: u32) -> Option<usize> {
        let t = usize::try_from(token).ok()?;
        let (_, lt) = self.suggestion(t, None)?;
        let ahead = (1..self.logits.len())
            .filter(|&i| i != t)
            .filter_map(|i| Some((i, self.suggestion(i, None)?.1)))
            .filter(|&(i, l)| l > lt || (l == lt && i < t))
            .count();
        Some(ahead)
    }

    fn ranked(&self, bias: Option<&[f32]>, out: &mut [(char, f32)]) -> usize {
        let mut n = 0;
        for i in 1..self.logits.len() {
            if let Some(entry) = self.suggestion(i, bias) {
                n = insert_sorted(out, n, entry);
            }
        }
        let (max, sum) = self.softmax_stats_with(bias);
        for e in out.iter_mut().take(n) {
            e.1 = exp(e.1 - max) / sum;
        }
        n
    }

    /// Draws the next character: `temperature` 0 is greedy (the most likely), 1 samples the
    /// model's distribution, higher flattens it. Token 0 (unknown) is never drawn.
    pub fn sample(&self, temperature: f32, rng: &mut SmallRng) -> Result<char, Error> {
        if !(temperature.is_finite() && temperature >= 0.0) {
            return Err(Error::InvalidTemperature);
        }
        let vocab = self.model.vocab();
        let greedy = vocab.char_at(self.argmax()).ok_or(Error::NoPrediction);
        if temperature == 0.0 {
            return greedy;
        }
        let chars = self.logits.iter().copied().skip(1);
        let max = chars.clone().fold(f32::NEG_INFINITY, f32::max);
        let inv_t = 1.0 / temperature;
        let total: f32 = chars.clone().map(|l| exp((l - max) * inv_t)).sum();
        if !(total.is_finite() && total > 0.0) {
            return greedy;
        }
        let mut r = rng.next_f32() * total;
        let mut last = None;
        for (i, l) in chars.enumerate() {
            let w = exp((l - max) * inv_t);
            if w > 0.0 {
                last = Some(i);
            }
            r -= w;
            if r < 0.0 {
                break;
            }
        }
        // i counts from token 1; rounding can leave r ≥ 0 at the end: take the last live token.
        let token = last.and_then(|i| u32::try_from(i.saturating_add(1)).ok());
        token
            .and_then(|t| vocab.char_at(t))
            .ok_or(Error::NoPrediction)
    }

    /// `f32`s in a snapshot of this predictor.
    pub fn snapshot_len(&self) -> usize {
        self.layout.snapshot()
    }

    /// Copies the state (hidden state, current logits and any partial UTF-8 sequence) into
    /// `out`, which must hold exactly [`snapshot_len`](Self::snapshot_len) `f32`.
    pub fn snapshot(&self, out: &mut [f32]) -> Result<(), Error> {
        self.check_snapshot(out.len())?;
        // The decoder's words travel as f32 bit patterns: plain copies, never arithmetic,
        // so every bit survives.
        let decoder = self.utf8.to_words().map(f32::from_bits);
        let parts = self
            .h
            .iter()
            .chain(self.c.iter())
            .chain(self.logits.iter())
            .chain(decoder.iter());
        for (o, v) in out.iter_mut().zip(parts) {
            *o = *v;
        }
        Ok(())
    }

    /// Returns to a state saved by [`snapshot`](Self::snapshot): bit-identical to the moment
    /// it was taken, including a UTF-8 sequence that was half typed then. Contents no predictor
    /// can hold (a non-finite value, a corrupt decoder state) are refused with
    /// [`Error::InvalidSnapshot`] and leave the predictor as it was; a snapshot of another model
    /// of the same size cannot be told apart.
    pub fn restore(&mut self, snap: &[f32]) -> Result<(), Error> {
        self.check_snapshot(snap.len())?;
        let (state, decoder) = snap.split_at(snap.len().saturating_sub(SNAPSHOT_DECODER_WORDS));
        // Only what a predictor can hold: finite states and logits, a decoder state it writes.
        if let Some(index) = state.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidSnapshot { index });
        }
        if !Utf8Decoder::valid_words(decoder_words(decoder)) {
            return Err(Error::InvalidSnapshot { index: state.len() });
        }
        self.restore_own(snap)
    }

    /// [`restore`](Self::restore) of a snapshot the runtime wrote itself into memory it held
    /// borrowed since (`History`'s ring, word completion's scratch): nothing else can have
    /// changed it, so the per-restore check of every value is skipped on these hot paths.
    pub(crate) fn restore_own(&mut self, snap: &[f32]) -> Result<(), Error> {
        self.check_snapshot(snap.len())?;
        let (state, decoder) = snap.split_at(snap.len().saturating_sub(SNAPSHOT_DECODER_WORDS));
        let parts = self
            .h
            .iter_mut()
            .chain(self.c.iter_mut())
            .chain(self.logits.iter_mut());
        for (d, v) in parts.zip(state) {
            *d = *v;
        }
        self.utf8 = Utf8Decoder::from_words(decoder_words(decoder));
        Ok(())
    }

    /// Checks the model against the expected outputs recorded in its file at export; leaves
    /// the predictor reset.
    pub fn self_test(&mut self) -> Result<(), Error> {
        let st = *self.model.self_test().ok_or(Error::NoSelfTest)?;
        let tol = st.tolerance();
        self.reset();
        let result = (|| {
            for (step, (ch, expected)) in st.prime().chars().zip(st.expected_top1()).enumerate() {
                self.feed_char(ch);
                let found = self.argmax();
                if found != expected {
                    // Only a near-tie may flip between builds (summation order, FMA).
                    let logit = |t: u32| self.logits.get(t as usize).copied().unwrap_or(f32::NAN);
                    if !within(logit(found), logit(expected), tol) {
                        return Err(Error::SelfTestTop1 {
                            step,
                            expected,
                            found,
                        });
                    }
                }
            }
            for (index, (expected, &found)) in
                st.expected_logits().zip(self.logits.iter()).enumerate()
            {
                if !within(expected, found, tol) {
                    return Err(Error::SelfTestLogit {
                        index,
                        expected,
                        found,
                    });
                }
            }
            Ok(())
        })();
        self.reset();
        result
    }

    fn check_snapshot(&self, len: usize) -> Result<(), Error> {
        let expected = self.layout.snapshot();
        if len != expected {
            return Err(Error::SnapshotLength {
                expected,
                found: len,
            });
        }
        Ok(())
    }

    fn softmax_stats(&self) -> (f32, f32) {
        self.softmax_stats_with(None)
    }

    /// Max and sum of `exp(score − max)` over all tokens, for a softmax of the (biased) logits.
    pub(crate) fn softmax_stats_with(&self, bias: Option<&[f32]>) -> (f32, f32) {
        let scores = (0..self.logits.len()).map(|i| self.score(i, bias));
        let max = scores.clone().fold(f32::NEG_INFINITY, f32::max);
        let sum = scores.map(|l| exp(l - max)).sum();
        (max, sum)
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

/// Inserts `item` into the descending-by-score prefix `best[..len]`, dropping the last entry
/// if full; returns the new length. Equal scores keep insertion order.
fn insert_sorted(best: &mut [(char, f32)], len: usize, item: (char, f32)) -> usize {
    let pos = best.iter().take(len).take_while(|e| e.1 >= item.1).count();
    if pos >= best.len() {
        return len;
    }
    let new_len = len.saturating_add(1).min(best.len());
    // Shift the lower entries down one by one: `rotate_right` would link a general `memmove`
    // (1.5 KB of flash on a Cortex-M) for what is a handful of moves.
    let mut carry = item;
    for slot in best.iter_mut().take(new_len).skip(pos) {
        carry = core::mem::replace(slot, carry);
    }
    new_len
}

/// `|a − b| ≤ tol`, false if either is NaN.
fn within(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol
}

/// The decoder's state stored as the bits of a snapshot's last floats.
fn decoder_words(decoder: &[f32]) -> [u32; SNAPSHOT_DECODER_WORDS] {
    let mut words = [0u32; SNAPSHOT_DECODER_WORDS];
    for (w, v) in words.iter_mut().zip(decoder) {
        *w = v.to_bits();
    }
    words
}
