//! `train eval`: a model file measured on a text through the runtime, as a keyboard would use
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
//! Scores count from the second character (the first has no context), as training does; a
//! character outside the vocabulary is the unknown token.

use runtime::{Completion, Model, Predictor, complete_words, completion_buffer_len, is_word_char};
use serde::Serialize;

const BEAM: usize = 4;
/// Longest completion looked for; longer words are typed out.
const MAX_WORD: usize = 24;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TextEval {
    pub chars: usize,
    pub nats_per_char: f64,
    pub bits_per_char: f64,
    pub top1_accuracy: f64,
    pub top3_accuracy: f64,
    pub words: usize,
    pub words_completed: usize,
    pub keystrokes: usize,
    pub keystroke_savings_rate: f64,
}

pub fn evaluate(model_bytes: &[u8], text: &str) -> Result<TextEval, String> {
    let aligned = format::AlignedBytes::new(model_bytes);
    let m = Model::from_bytes(&aligned).map_err(|e| e.to_string())?;
    let mut buf = vec![
        0f32;
        Predictor::buffer_len_for(&m, runtime::InputSide::Table)
            .map_err(|e| e.to_string())?
    ];
    let mut p = Predictor::with_table(&m, &mut buf).map_err(|e| e.to_string())?;
    let mut scratch = vec![0f32; completion_buffer_len(&p, BEAM).map_err(|e| e.to_string())?];
    let mut probs = vec![0f32; m.arch().vocab()];
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 2 {
        return Err("the text needs at least 2 characters".into());
    }
    let (mut loss, mut top1, mut top3) = (0f64, 0usize, 0usize);
    let (mut words, mut completed, mut keystrokes) = (0usize, 0usize, 0usize);
    // Within a word: whether it was accepted, so its remaining characters cost nothing.
    let mut accepted = false;
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 {
            let target = m.vocab().index_of(c) as usize;
            p.probabilities(&mut probs).map_err(|e| e.to_string())?;
            loss -= f64::from(probs[target]).max(1e-12).ln();
            let better = probs.iter().filter(|&&q| q > probs[target]).count();
            top1 += usize::from(better == 0);
            top3 += usize::from(better < 3);
        }
        if !is_word_char(c) {
            keystrokes += 1;
            accepted = false;
        } else if !accepted {
            let at_word_start = i == 0 || !is_word_char(chars[i - 1]);
            words += usize::from(at_word_start);
            let rest: String = chars[i..]
                .iter()
                .take_while(|&&w| is_word_char(w))
                .collect();
            let mut out: [Completion<MAX_WORD>; 3] = Default::default();
            let n = complete_words::<BEAM, MAX_WORD>(&mut p, &mut scratch, None, &mut out)
                .map_err(|e| e.to_string())?;
            keystrokes += 1;
            if out[..n]
                .iter()
                .any(|w| w.suffix.iter().copied().eq(rest.chars()))
            {
                accepted = true;
                completed += 1;
            }
        }
        p.feed_char(c);
    }
    let n = (chars.len() - 1) as f64;
    Ok(TextEval {
        chars: chars.len(),
        nats_per_char: loss / n,
        bits_per_char: loss / n / std::f64::consts::LN_2,
        top1_accuracy: top1 as f64 / n,
        top3_accuracy: top3 as f64 / n,
        words,
        words_completed: completed,
        keystrokes,
        keystroke_savings_rate: 1.0 - keystrokes as f64 / chars.len() as f64,
    })
}

impl TextEval {
    pub fn table(&self) -> String {
        format!(
            "chars {}  bits/char {:.4} ({:.4} nats)  next-char top-1 {:.2}%  top-3 {:.2}%\n\
             words {}  completed from the top-3 {} ({:.1}%)  keystrokes {}  keystroke savings {:.2}%",
            self.chars,
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
