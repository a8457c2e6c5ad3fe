//! Snapshots: a predictor's whole state (hidden state, logits, a half-typed UTF-8 sequence) as
//! a row of `f32`, saved and restored bit for bit — what `History` and word completion keep.

use crate::layout::SNAPSHOT_DECODER_WORDS;
use crate::utf8::Utf8Decoder;
use crate::{Error, Predictor};

impl Predictor<'_, '_> {
    /// `f32`s in a snapshot of this predictor.
    pub fn snapshot_len(&self) -> usize {
        self.layout.snapshot()
    }

    /// Copies the state (hidden state, current logits and any partial UTF-8 sequence) into
    /// `out`, which must hold exactly [`snapshot_len`](Self::snapshot_len) `f32`.
    pub fn snapshot(&self, out: &mut [f32]) -> Result<(), Error> {
        self.check_snapshot(out.len())?;
        // Copied part by part (memcpy each). The decoder's words travel as f32 bit patterns:
        // plain copies, never arithmetic, so every bit survives.
        let decoder = self.utf8.to_words().map(f32::from_bits);
        let mut rest = out;
        for part in [&*self.h, &*self.c, &*self.logits, &decoder[..]] {
            let (dst, tail) = rest.split_at_mut(part.len().min(rest.len()));
            dst.copy_from_slice(part.get(..dst.len()).unwrap_or_default());
            rest = tail;
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
    /// borrowed since (`History`'s ring, word completion's cache): nothing else can have
    /// changed it, so the per-restore check of every value is skipped on these hot paths.
    pub(crate) fn restore_own(&mut self, snap: &[f32]) -> Result<(), Error> {
        self.check_snapshot(snap.len())?;
        let (state, decoder) = snap.split_at(snap.len().saturating_sub(SNAPSHOT_DECODER_WORDS));
        let mut rest = state;
        for part in [&mut *self.h, &mut *self.c, &mut *self.logits] {
            let (src, tail) = rest.split_at(part.len().min(rest.len()));
            part.get_mut(..src.len())
                .unwrap_or_default()
                .copy_from_slice(src);
            rest = tail;
        }
        self.utf8 = Utf8Decoder::from_words(decoder_words(decoder));
        Ok(())
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
}

/// The decoder's state stored as the bits of a snapshot's last floats.
fn decoder_words(decoder: &[f32]) -> [u32; SNAPSHOT_DECODER_WORDS] {
    let mut words = [0u32; SNAPSHOT_DECODER_WORDS];
    for (w, v) in words.iter_mut().zip(decoder) {
        *w = v.to_bits();
    }
    words
}
