//! `quill eval`: a model file measured on a text through the runtime, as a keyboard would use
//! it — bits/char, next-char top-1/top-3 accuracy and the keystroke savings rate.
//!
//! Keystroke savings (KSR) is defined for a simulated typist who writes the text exactly:
//! - characters that are not word characters (`runtime::is_word_char`: space, punctuation,
//!   newline) are typed, one keystroke each;
//! - for each word, before each of its characters, the typist looks at the top-3 word
//!   completions (`complete_words`, beam 4); if the rest of the intended word is among them,
//!   one keystroke (Tab) accepts it and the word is done; otherwise the typist types the next
//!   character (one keystroke) and looks again;
//! - KSR = 1 − keystrokes / characters. 0 means no help; a word accepted after typing its
//!   first letter saves (length − 2) keystrokes.
//!
//! Loss and accuracy are `scoring::Tally`'s, the definition `export` and training reports use.

use std::collections::VecDeque;

use runtime::{
    Completion, InputSide, Kernel, Model, Predictor, complete_words, completion_buffer_len,
    is_word_char,
};
use serde::Serialize;

use crate::scoring::Tally;

const BEAM: usize = 4;
/// Longest completion looked for; longer words are typed out.
const MAX_WORD: usize = 24;
/// Progress is reported every this many characters.
const PROGRESS_EVERY: usize = 1 << 14;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TextEval {
    pub chars: usize,
    /// Characters outside the model's vocabulary (scored as its unknown token).
    pub unknown_chars: usize,
    pub nats_per_char: f64,
    pub bits_per_char: f64,
    pub top1_accuracy: f64,
    pub top3_accuracy: f64,
    pub words: usize,
    pub words_completed: usize,
    pub keystrokes: usize,
    pub keystroke_savings_rate: f64,
}

/// Evaluates the model on `text`, streamed: memory stays flat whatever its length (a word's
/// lookahead is at most `MAX_WORD + 1` characters). `progress` is called with the characters
/// done so far every few thousand characters.
pub fn evaluate(
    model_bytes: &[u8],
    text: impl Iterator<Item = Result<char, String>>,
    mut progress: impl FnMut(usize),
) -> Result<TextEval, String> {
    let aligned = format::AlignedBytes::new(model_bytes);
    let m = Model::from_bytes(&aligned).map_err(|e| e.to_string())?;
    let mut buf = vec![
        0f32;
        Predictor::buffer_len_for(&m, runtime::InputSide::Table)
            .map_err(|e| e.to_string())?
    ];
    let mut p = Predictor::with_options(&m, &mut buf, Kernel::detect(), InputSide::Table)
        .map_err(|e| e.to_string())?;
    let mut scratch = vec![0f32; completion_buffer_len(&p, BEAM).map_err(|e| e.to_string())?];
    let mut probs = vec![0f32; m.arch().vocab()];
    let mut text = text.fuse();
    let mut ahead: VecDeque<char> = VecDeque::with_capacity(MAX_WORD + 2);
    let mut tally = Tally::default();
    let (mut chars, mut words, mut completed, mut keystrokes) = (0usize, 0usize, 0usize, 0usize);
    let mut prev: Option<char> = None;
    // Within a word: whether it was accepted, so its remaining characters cost nothing.
    let mut accepted = false;
    loop {
        while ahead.len() < MAX_WORD + 2 {
            match text.next() {
                Some(c) => ahead.push_back(c?),
                None => break,
            }
        }
        let Some(c) = ahead.pop_front() else { break };
        if prev.is_some() {
            tally.add(&p, c, &mut probs)?;
        }
        if !is_word_char(c) {
            keystrokes += 1;
            accepted = false;
        } else if !accepted {
            words += usize::from(prev.is_none_or(|q| !is_word_char(q)));
            // The rest of the intended word, from the lookahead (no allocation per character).
            let rest =
                || std::iter::once(c).chain(ahead.iter().copied().take_while(|&w| is_word_char(w)));
            keystrokes += 1;
            // A completion is at most MAX_WORD characters: a longer rest cannot be one.
            if rest().nth(MAX_WORD).is_none() {
                let mut out: [Completion<MAX_WORD>; 3] = Default::default();
                let n = complete_words::<BEAM, MAX_WORD>(&mut p, &mut scratch, None, &mut out)
                    .map_err(|e| e.to_string())?;
                if out[..n].iter().any(|w| w.suffix.iter().copied().eq(rest())) {
                    accepted = true;
                    completed += 1;
                }
            }
        }
        p.feed_char(c);
        prev = Some(c);
        chars += 1;
        if chars % PROGRESS_EVERY == 0 {
            progress(chars);
        }
    }
    if chars < 2 {
        return Err("the text needs at least 2 characters".into());
    }
    Ok(TextEval {
        chars,
        unknown_chars: tally.unknown,
        nats_per_char: tally.nats_per_char(),
        bits_per_char: tally.nats_per_char() / std::f64::consts::LN_2,
        top1_accuracy: tally.top1_accuracy(),
        top3_accuracy: tally.top3_accuracy(),
        words,
        words_completed: completed,
        keystrokes,
        keystroke_savings_rate: 1.0 - keystrokes as f64 / chars as f64,
    })
}

impl TextEval {
    /// A warning when too many characters are outside the vocabulary (see
    /// [`Tally::unknown_warning`]).
    pub fn unknown_warning(&self) -> Option<String> {
        Tally {
            scored: self.chars.saturating_sub(1),
            unknown: self.unknown_chars,
            ..Tally::default()
        }
        .unknown_warning()
    }

    pub fn table(&self) -> String {
        format!(
            "chars {} ({} outside the vocabulary)  bits/char {:.4} ({:.4} nats)  next-char top-1 {:.2}%  top-3 {:.2}%\n\
             words {}  completed from the top-3 {} ({:.1}%)  keystrokes {}  keystroke savings {:.2}%",
            self.chars,
            self.unknown_chars,
            self.bits_per_char,
            self.nats_per_char,
            self.top1_accuracy * 100.0,
            self.top3_accuracy * 100.0,
            self.words,
            self.words_completed,
            self.words_completed as f64 * 100.0 / self.words.max(1) as f64,
            self.keystrokes,
            self.keystroke_savings_rate * 100.0
        )
    }
}
