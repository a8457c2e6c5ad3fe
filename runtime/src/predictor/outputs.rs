//! What a predictor says about the next character, read from its logits (see [`crate::scores`]).

use crate::rng::SmallRng;
use crate::{Error, Predictor, scores};

impl Predictor<'_, '_> {
    /// The output layer's scores for the next token (index = token id).
    pub fn logits(&self) -> &[f32] {
        self.logits
    }

    /// The most likely next character's token (never 0, unknown).
    pub fn argmax(&self) -> u32 {
        scores::argmax(self.logits)
    }

    /// Softmax of the logits into `out` (length ≥ vocabulary size).
    pub fn probabilities(&self, out: &mut [f32]) -> Result<(), Error> {
        scores::probabilities(self.logits, out)
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
        scores::ranked(self.logits, self.model.vocab(), None, out)
    }

    /// As [`top_k_into`](Self::top_k_into), with `bias[token]` added to each logit first:
    /// `f32::NEG_INFINITY` removes a character (a layout that cannot type it), a positive
    /// value boosts one (the user's own words). Probabilities are renormalised over the biased
    /// scores. `bias` holds one entry per token (the vocabulary size, token 0 included).
    pub fn top_k_biased(&self, bias: &[f32], out: &mut [(char, f32)]) -> Result<usize, Error> {
        scores::check_bias(self.logits.len(), bias)?;
        Ok(scores::ranked(
            self.logits,
            self.model.vocab(),
            Some(bias),
            out,
        ))
    }

    /// Where token `token` stands in [`top_k_into`](Self::top_k_into)'s ranking: 0 when it is
    /// the first suggestion. `None` when it is never suggested (token 0, unknown; a NaN score).
    ///
    /// This is Quill's one definition of next-character accuracy: a character counts as a
    /// top-k hit when `rank_of(its token) < k`, i.e. when the keyboard shows it among its first
    /// `k` suggestions. Ties rank in vocabulary order, as the suggestions do; the unknown token
    /// is never a hit.
    pub fn rank_of(&self, token: u32) -> Option<usize> {
        scores::rank_of(self.logits, self.model.vocab(), token)
    }

    /// Draws the next character: `temperature` 0 is greedy (the most likely), 1 samples the
    /// model's distribution, higher flattens it. Token 0 (unknown) is never drawn.
    pub fn sample(&self, temperature: f32, rng: &mut SmallRng) -> Result<char, Error> {
        scores::sample(self.logits, self.model.vocab(), temperature, rng)
    }
}
