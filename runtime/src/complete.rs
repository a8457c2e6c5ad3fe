//! Word completion: a beam search over characters from the predictor's current state until a
//! word boundary, in caller memory, deterministic.

use crate::math::exp;
use crate::{Error, Predictor, scores};

/// One suggested completion: the characters that follow what was typed, up to (not including)
/// the word boundary, and the model's probability of exactly that continuation followed by a
/// boundary.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion<const L: usize> {
    /// The characters that finish the word (the boundary not included).
    pub suffix: heapless::Vec<char, L>,
    /// The model's probability of exactly this suffix followed by a boundary.
    pub probability: f32,
}

impl<const L: usize> Default for Completion<L> {
    fn default() -> Self {
        Completion {
            suffix: heapless::Vec::new(),
            probability: 0.0,
        }
    }
}

/// Characters that continue a word: letters, digits and the apostrophe ("don't"). Anything
/// else (space, punctuation, newline) ends it.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// `f32`s of scratch memory [`complete_words`] needs with beam width `beam`: the starting
/// state plus two generations of beam states.
pub fn completion_buffer_len(p: &Predictor<'_, '_>, beam: usize) -> Result<usize, Error> {
    beam.checked_mul(2)
        .and_then(|b| b.checked_add(1))
        .and_then(|n| n.checked_mul(p.snapshot_len()))
        .ok_or(Error::ModelTooLarge)
}

#[derive(Clone)]
struct Beam<const L: usize> {
    /// Probability of the characters so far (f64: products of many small factors).
    prob: f64,
    suffix: heapless::Vec<char, L>,
}

/// A candidate for the next generation: parent beam, character, probability.
#[derive(Clone, Copy)]
struct Step {
    parent: usize,
    c: char,
    prob: f64,
}

/// The `out.len()` most likely word completions from `p`'s current state, most likely first;
/// returns how many were written. Beam width `B` and maximum suffix length `L` are fixed at
/// compile time; `scratch` needs [`completion_buffer_len`]`(p, B)` floats; `bias` (one entry per
/// token, see [`Predictor::top_k_biased`]) steers the characters. `p` is left exactly as it was.
///
/// Each generation keeps the `B` most likely unfinished suffixes; a suffix becomes a completion
/// with probability P(suffix) · P(boundary | suffix), the boundary being every non-word char.
/// The search stops at length `L`, or when no unfinished suffix can beat the worst completion
/// kept (probabilities only shrink as a suffix grows). Cost: at most `L · B` steps.
pub fn complete_words<const B: usize, const L: usize>(
    p: &mut Predictor<'_, '_>,
    scratch: &mut [f32],
    bias: Option<&[f32]>,
    out: &mut [Completion<L>],
) -> Result<usize, Error> {
    complete_words_up_to::<B, L>(p, B, scratch, bias, out)
}

/// [`complete_words`] with the beam width `width` chosen at run time, up to `CAP` (one copy
/// of the search serves every width: the C ABI's `quill_complete_words`). The same results as
/// `complete_words::<width, L>`.
pub(crate) fn complete_words_up_to<const CAP: usize, const L: usize>(
    p: &mut Predictor<'_, '_>,
    width: usize,
    scratch: &mut [f32],
    bias: Option<&[f32]>,
    out: &mut [Completion<L>],
) -> Result<usize, Error> {
    let width = width.min(CAP);
    if let Some(b) = bias {
        scores::check_bias(p.logits().len(), b)?;
    }
    let snap = p.snapshot_len();
    let needed = completion_buffer_len(p, width)?;
    let provided = scratch.len();
    let scratch = scratch
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, provided })?;
    if width == 0 || out.is_empty() {
        return Ok(0);
    }
    let (origin, rest) = scratch.split_at_mut(snap);
    let (mut cur, mut next) = rest.split_at_mut(snap.saturating_mul(width));
    p.snapshot(origin)?;
    slot(cur, snap, 0)?.copy_from_slice(origin);
    let mut beams: heapless::Vec<Beam<L>, CAP> = heapless::Vec::new();
    let _ = beams.push(Beam {
        prob: 1.0,
        suffix: heapless::Vec::new(),
    });
    let mut found = 0usize;
    let result = (|| {
        for depth in 0..=L {
            let mut steps: heapless::Vec<Step, CAP> = heapless::Vec::new();
            for (bi, beam) in beams.iter().enumerate() {
                p.restore_own(slot(cur, snap, bi)?)?;
                let (max, sum) = scores::softmax_stats(p.logits(), bias);
                let vocab = p.model().vocab();
                let mut p_end = 0f64;
                for t in 1..p.logits().len() {
                    let Some(c) = u32::try_from(t).ok().and_then(|t| vocab.char_at(t)) else {
                        continue;
                    };
                    let pr = f64::from(exp(scores::score(p.logits(), bias, t) - max) / sum);
                    if pr.is_nan() || pr <= 0.0 {
                        continue;
                    }
                    if !is_word_char(c) {
                        p_end += pr;
                    } else if depth < L {
                        insert_step(
                            &mut steps,
                            width,
                            Step {
                                parent: bi,
                                c,
                                prob: beam.prob * pr,
                            },
                        );
                    }
                }
                if depth > 0 {
                    found = insert_completion(out, found, &beam.suffix, beam.prob * p_end);
                }
            }
            // Nothing unfinished can beat the worst completion kept: done.
            let worst = out
                .get(found.wrapping_sub(1))
                .map(|c| f64::from(c.probability));
            let best_open = steps.first().map_or(0.0, |s| s.prob);
            if steps.is_empty() || (found == out.len() && worst.is_some_and(|w| best_open <= w)) {
                break;
            }
            let mut grown: heapless::Vec<Beam<L>, CAP> = heapless::Vec::new();
            for (i, s) in steps.iter().enumerate() {
                let parent = beams.get(s.parent).ok_or(Error::NoPrediction)?;
                p.restore_own(slot(cur, snap, s.parent)?)?;
                p.feed_char(s.c);
                p.snapshot(slot(next, snap, i)?)?;
                let mut suffix = parent.suffix.clone();
                if suffix.push(s.c).is_err() {
                    continue;
                }
                let _ = grown.push(Beam {
                    prob: s.prob,
                    suffix,
                });
            }
            beams = grown;
            core::mem::swap(&mut cur, &mut next);
        }
        Ok(found)
    })();
    // Leave the predictor as the caller had it, whatever happened.
    p.restore_own(origin)?;
    result
}

fn slot(buf: &mut [f32], snap: usize, i: usize) -> Result<&mut [f32], Error> {
    let start = i.checked_mul(snap).ok_or(Error::ModelTooLarge)?;
    let end = start.checked_add(snap).ok_or(Error::ModelTooLarge)?;
    buf.get_mut(start..end).ok_or(Error::ModelTooLarge)
}

/// Keeps the `width` (≤ `CAP`) most likely steps, sorted, earlier ones first on ties
/// (deterministic).
fn insert_step<const CAP: usize>(steps: &mut heapless::Vec<Step, CAP>, width: usize, s: Step) {
    let pos = steps.iter().take_while(|e| e.prob >= s.prob).count();
    if pos >= width {
        return;
    }
    if steps.len() >= width || steps.is_full() {
        steps.pop();
    }
    let _ = steps.insert(pos, s);
}

fn insert_completion<const L: usize>(
    out: &mut [Completion<L>],
    len: usize,
    suffix: &heapless::Vec<char, L>,
    prob: f64,
) -> usize {
    if prob.is_nan() || prob <= 0.0 {
        return len;
    }
    let item = Completion {
        suffix: suffix.clone(),
        probability: prob as f32,
    };
    let pos = out
        .iter()
        .take(len)
        .take_while(|e| f64::from(e.probability) >= prob)
        .count();
    if pos >= out.len() {
        return len;
    }
    let new_len = len.saturating_add(1).min(out.len());
    if let Some(tail) = out.get_mut(pos..new_len) {
        tail.rotate_right(1);
        if let Some(first) = tail.first_mut() {
            *first = item;
        }
    }
    new_len
}
