//! Reading a step's output: the logits (plus an optional per-token bias) over the model's
//! vocabulary, turned into probabilities, ranked suggestions, a rank, or a drawn character.
//! Functions over plain slices, so the predictor's methods, word completion and the keyboard
//! session all read scores the same way.

use format::Vocab;

use crate::Error;
use crate::math::exp;
use crate::rng::SmallRng;

/// Logit `i` plus its bias, if any (−∞ past the end).
pub(crate) fn score(logits: &[f32], bias: Option<&[f32]>, i: usize) -> f32 {
    let l = logits.get(i).copied().unwrap_or(f32::NEG_INFINITY);
    l + bias.and_then(|b| b.get(i)).copied().unwrap_or(0.0)
}

/// Max and sum of `exp(score − max)` over all tokens: a softmax of the (biased) logits is
/// `exp(score − max) / sum`.
pub(crate) fn softmax_stats(logits: &[f32], bias: Option<&[f32]>) -> (f32, f32) {
    let scores = (0..logits.len()).map(|i| score(logits, bias, i));
    let max = scores.clone().fold(f32::NEG_INFINITY, f32::max);
    let sum = scores.map(|l| exp(l - max)).sum();
    (max, sum)
}

/// Refuses a bias of the wrong length, or with a NaN or +∞ entry.
pub(crate) fn check_bias(vocab: usize, bias: &[f32]) -> Result<(), Error> {
    if bias.len() != vocab || bias.iter().any(|b| b.is_nan() || *b == f32::INFINITY) {
        return Err(Error::InvalidBias {
            expected: vocab,
            found: bias.len(),
        });
    }
    Ok(())
}

/// The most likely token (never 0, unknown; 0 when nothing is finite).
pub(crate) fn argmax(logits: &[f32]) -> u32 {
    let mut best = (0usize, f32::NEG_INFINITY);
    for (i, &l) in logits.iter().enumerate().skip(1) {
        if l > best.1 {
            best = (i, l);
        }
    }
    u32::try_from(best.0).unwrap_or(0)
}

/// Softmax of the logits into `out` (length ≥ the logits').
pub(crate) fn probabilities(logits: &[f32], out: &mut [f32]) -> Result<(), Error> {
    let (needed, provided) = (logits.len(), out.len());
    let out = out
        .get_mut(..needed)
        .ok_or(Error::OutputTooSmall { needed, provided })?;
    let (max, sum) = softmax_stats(logits, None);
    for (o, &l) in out.iter_mut().zip(logits.iter()) {
        *o = exp(l - max) / sum;
    }
    Ok(())
}

/// Token `i` as a suggestion: its character and score, or `None` when it is never suggested
/// (token 0, a token without a character, a NaN or −∞ score).
fn suggestion(
    logits: &[f32],
    vocab: &Vocab<'_>,
    bias: Option<&[f32]>,
    i: usize,
) -> Option<(char, f32)> {
    if i == 0 {
        return None;
    }
    let ch = vocab.char_at(u32::try_from(i).ok()?)?;
    let l = score(logits, bias, i);
    (!(l.is_nan() || l == f32::NEG_INFINITY)).then_some((ch, l))
}

/// The `out.len()` most likely characters with their probabilities, most likely first;
/// returns how many were written. Ties keep vocabulary order; token 0 is never listed but
/// counts in the normalisation.
pub(crate) fn ranked(
    logits: &[f32],
    vocab: &Vocab<'_>,
    bias: Option<&[f32]>,
    out: &mut [(char, f32)],
) -> usize {
    let mut n = 0;
    for i in 1..logits.len() {
        if let Some(entry) = suggestion(logits, vocab, bias, i) {
            n = insert_sorted(out, n, entry);
        }
    }
    let (max, sum) = softmax_stats(logits, bias);
    for e in out.iter_mut().take(n) {
        e.1 = exp(e.1 - max) / sum;
    }
    n
}

/// Where `token` stands in [`ranked`]'s order (unbiased): 0 for the first suggestion; `None`
/// when it is never suggested.
pub(crate) fn rank_of(logits: &[f32], vocab: &Vocab<'_>, token: u32) -> Option<usize> {
    let t = usize::try_from(token).ok()?;
    let (_, lt) = suggestion(logits, vocab, None, t)?;
    let ahead = (1..logits.len())
        .filter(|&i| i != t)
        .filter_map(|i| Some((i, suggestion(logits, vocab, None, i)?.1)))
        .filter(|&(i, l)| l > lt || (l == lt && i < t))
        .count();
    Some(ahead)
}

/// Draws a character at `temperature` (0: the most likely). Token 0 is never drawn.
pub(crate) fn sample(
    logits: &[f32],
    vocab: &Vocab<'_>,
    temperature: f32,
    rng: &mut SmallRng,
) -> Result<char, Error> {
    if !(temperature.is_finite() && temperature >= 0.0) {
        return Err(Error::InvalidTemperature);
    }
    let greedy = vocab.char_at(argmax(logits)).ok_or(Error::NoPrediction);
    if temperature == 0.0 {
        return greedy;
    }
    let chars = logits.iter().copied().skip(1);
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

/// Inserts `item` into the descending-by-score prefix `best[..len]`, dropping the last entry
/// if full; returns the new length. Equal scores keep insertion order.
pub(crate) fn insert_sorted(best: &mut [(char, f32)], len: usize, item: (char, f32)) -> usize {
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
