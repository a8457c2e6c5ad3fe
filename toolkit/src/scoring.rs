//! How a model file is scored on a text, written once for `export`, `eval` and the trainer's
//! end-of-run report: the predictor runs from a reset state; from the second character on,
//! each character adds −ln p(character) to the loss and counts as a top-k hit when the
//! keyboard would show it among its first k suggestions (`Predictor::rank_of`: ties in
//! vocabulary order, the unknown token never a hit). A character outside the vocabulary is
//! scored as the unknown token: its probability counts in the loss, and it is always a miss.

use runtime::{Model, Predictor};

use crate::Error;

/// Probability floor for the loss, so one impossible character cannot make it infinite.
const MIN_PROB: f64 = 1e-12;

/// Running totals of the scores.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Characters scored (the text's length minus the first).
    pub scored: usize,
    pub loss: f64,
    pub top1: usize,
    pub top3: usize,
    /// Scored characters outside the vocabulary (fed and scored as the unknown token).
    pub unknown: usize,
}

impl Tally {
    /// Scores `next` against the predictor's current prediction; `probs` is scratch of the
    /// vocabulary's size.
    pub fn add(&mut self, p: &Predictor, next: char, probs: &mut [f32]) -> Result<(), Error> {
        let target = p.model().vocab().index_of(next);
        self.unknown += usize::from(target == 0);
        p.probabilities(probs)?;
        let pt = probs.get(target as usize).copied().unwrap_or(0.0);
        self.loss -= f64::from(pt).max(MIN_PROB).ln();
        let rank = p.rank_of(target);
        self.top1 += usize::from(rank.is_some_and(|r| r < 1));
        self.top3 += usize::from(rank.is_some_and(|r| r < 3));
        self.scored += 1;
        Ok(())
    }

    pub fn nats_per_char(&self) -> f64 {
        self.loss / self.scored.max(1) as f64
    }
    pub fn top1_accuracy(&self) -> f64 {
        self.top1 as f64 / self.scored.max(1) as f64
    }
    pub fn top3_accuracy(&self) -> f64 {
        self.top3 as f64 / self.scored.max(1) as f64
    }

    /// A warning when more than [`UNKNOWN_WARN_SHARE`] of the scored characters are outside
    /// the vocabulary: the figures then describe another text than the one given.
    pub fn unknown_warning(&self) -> Option<String> {
        let share = self.unknown as f64 / self.scored.max(1) as f64;
        (share > UNKNOWN_WARN_SHARE).then(|| {
            format!(
                "{} of {} scored characters ({:.1}%) are not in the model's vocabulary; they are \
                 fed and scored as its unknown token, so these figures say little about this \
                 text (was the model trained on another script or alphabet?)",
                self.unknown,
                self.scored,
                share * 100.0
            )
        })
    }
}

/// Share of unknown characters above which scores are flagged (1 %).
pub const UNKNOWN_WARN_SHARE: f64 = 0.01;

impl Tally {}

/// Mean loss (nats/char) and next-char (top-1) accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub loss: f64,
    pub accuracy: f64,
}

impl Scores {
    pub fn bits_per_char(&self) -> f64 {
        self.loss / std::f64::consts::LN_2
    }
}

/// Loss (nats/char) and next-char accuracy of a model file on `text`, streamed through the
/// runtime from a reset state, exactly as a device would run it (`scoring::Tally`).
pub fn score_with_runtime(
    bytes: &[u8],
    text: impl IntoIterator<Item = Result<char, Error>>,
) -> Result<Scores, Error> {
    let aligned = format::AlignedBytes::new(bytes);
    let m = Model::from_bytes(&aligned)?;
    let mut buf = vec![0f32; Predictor::buffer_len(&m)?];
    let mut p = Predictor::new(&m, &mut buf)?;
    let mut probs = vec![0f32; m.arch().vocab()];
    let mut tally = Tally::default();
    let mut chars = text.into_iter();
    let Some(first) = chars.next() else {
        return Err(Error::Refused("the scoring text is empty".into()));
    };
    p.feed_char(first?);
    for c in chars {
        let c = c?;
        tally.add(&p, c, &mut probs)?;
        p.feed_char(c);
    }
    Ok(Scores {
        loss: tally.nats_per_char(),
        accuracy: tally.top1_accuracy(),
    })
}
