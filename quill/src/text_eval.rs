//! `quill eval`: a model file measured on a text through the runtime, as a keyboard would use
//! it — bits/char, next-char top-1/top-3 accuracy, the keystroke savings rate, and what each
//! key costs in the keyboard session (time, model steps, step-equivalents).
//!
//! Keystroke savings (KSR) is defined for a simulated typist who writes the text exactly
//! through a `runtime::Session` (the keyboard every front end runs):
//! - characters that are not word characters (`runtime::is_word_char`: space, punctuation,
//!   newline) are typed, one keystroke each;
//! - for each word, before each of its characters, the typist looks at the completions the
//!   session shows; if the rest of the intended word is among them, one keystroke accepts it
//!   and the word is done; otherwise the typist types the next character (one keystroke) and
//!   looks again;
//! - KSR = 1 − keystrokes / characters. 0 means no help; a word accepted after typing its
//!   first letter saves (length − 2) keystrokes.
//!
//! Loss and accuracy are `scoring::Tally`'s, the definition `export` and training reports use,
//! on a predictor of their own.

use std::collections::VecDeque;
use std::time::Instant;

use runtime::{
    InputSide, Kernel, Key, Model, Predictor, Session, SessionConfig, WordLists, is_word_char,
};
use serde::Serialize;

use toolkit::scoring::Tally;

/// The session `eval` types through unless told otherwise: the runtime's defaults, with the
/// input table (as the desktop and web front ends run).
pub const CONFIG: SessionConfig = SessionConfig {
    input: InputSide::Table,
    ..SessionConfig::DEFAULT
};
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
    /// Completions shown, over all keys, and how many keys showed at least one.
    pub completions_shown: usize,
    /// Of those, the ones whose whole word (typed part and completion) is in the check lexicon
    /// or among the learned words (`None` without a check lexicon).
    pub completions_known: Option<usize>,
    pub keys_with_completions: usize,
    /// Mean time per keystroke in the session: the key, the state, every suggestion.
    pub us_per_key: f64,
    /// Mean and largest model steps per keystroke (typed characters not in the word cache, the
    /// word search's steps).
    pub steps_per_key: f64,
    pub worst_key_steps: u32,
    /// Prefixes the word search expanded per keystroke (stepped, or reused from the cache).
    pub expanded_per_key: f64,
    /// Keystrokes whose word search stopped at the step budget or the cache's size.
    pub inexact_keys: usize,
    /// One plain model step on the same machine and input side (the scoring predictor's).
    pub us_per_step: f64,
    /// `us_per_key / us_per_step`: a key's cost in plain steps.
    pub step_equivalents_per_key: f64,
}

/// Evaluates the model on `text`, streamed: memory stays flat whatever its length (a word's
/// lookahead is at most `MAX_SUFFIX + 1` characters). `progress` is called with the characters
/// done so far every few thousand characters.
pub fn evaluate(
    model_bytes: &[u8],
    text: impl Iterator<Item = Result<char, toolkit::Error>>,
    config: SessionConfig,
    lists: WordLists<'_>,
    check: Option<format::Lexicon<'_>>,
    mut progress: impl FnMut(usize),
) -> Result<TextEval, String> {
    let err = |e: runtime::Error| e.to_string();
    let aligned = format::AlignedBytes::new(model_bytes);
    let m = Model::from_bytes(&aligned).map_err(|e| e.to_string())?;
    let len = config
        .buffer_len(m.arch())
        .ok_or("the model's session does not fit in memory")?;
    let mut session_buf = vec![0f32; len];
    let mut session = Session::new(&m, &mut session_buf, config).map_err(err)?;
    session.set_word_lists(lists).map_err(err)?;
    let mut buf = vec![0f32; Predictor::buffer_len_for(&m, config.input).map_err(err)?];
    let mut p =
        Predictor::with_options(&m, &mut buf, Kernel::detect(), config.input).map_err(err)?;
    let max_word = config.max_suffix;
    let mut probs = vec![0f32; m.arch().vocab()];
    let mut text = text.fuse();
    let mut ahead: VecDeque<char> = VecDeque::with_capacity(max_word + 2);
    let mut tally = Tally::default();
    let mut r = Counts::default();
    let mut prev: Option<char> = None;
    // Characters of an accepted word still to come: the session has typed them already.
    let mut accepted = 0usize;
    loop {
        while ahead.len() < max_word + 2 {
            match text.next() {
                Some(c) => ahead.push_back(c?),
                None => break,
            }
        }
        let Some(c) = ahead.pop_front() else { break };
        if prev.is_some() {
            tally.add(&p, c, &mut probs)?;
        }
        let t = Instant::now();
        p.feed_char(c);
        r.step_secs += t.elapsed().as_secs_f64();
        prev = Some(c);
        r.chars += 1;
        if r.chars % PROGRESS_EVERY == 0 {
            progress(r.chars);
        }
        if accepted > 0 {
            accepted -= 1;
            continue;
        }
        let mut key = Key::Char(c);
        if is_word_char(c) {
            r.words += usize::from(r.chars == 1 || !r.last_was_word);
            // The rest of the intended word, from the lookahead (no allocation per character).
            let rest =
                || std::iter::once(c).chain(ahead.iter().copied().take_while(|&w| is_word_char(w)));
            let shown = &session.panel().words;
            if let Some(i) = shown
                .iter()
                .position(|w| w.suffix.iter().copied().eq(rest()))
            {
                key = Key::Accept(i);
                accepted = rest().count() - 1;
                r.completed += 1;
            }
        }
        r.last_was_word = is_word_char(c) || accepted > 0;
        let t = Instant::now();
        session.press(key).map_err(err)?;
        r.key_secs += t.elapsed().as_secs_f64();
        let cost = session.cost();
        r.keystrokes += 1;
        r.steps += u64::from(cost.steps);
        r.expanded += u64::from(cost.expanded);
        r.worst = r.worst.max(cost.steps);
        r.inexact += usize::from(!cost.exact);
        let shown = session.panel().words.len();
        r.shown += shown;
        r.keys_with_completions += usize::from(shown > 0);
        if let Some(check) = check {
            r.known += known_words(&session, check);
        }
    }
    if r.chars < 2 {
        return Err("the text needs at least 2 characters".into());
    }
    let keys = r.keystrokes.max(1) as f64;
    let us_per_key = r.key_secs * 1e6 / keys;
    let us_per_step = r.step_secs * 1e6 / r.chars as f64;
    Ok(TextEval {
        chars: r.chars,
        unknown_chars: tally.unknown,
        nats_per_char: tally.nats_per_char(),
        bits_per_char: tally.nats_per_char() / std::f64::consts::LN_2,
        top1_accuracy: tally.top1_accuracy(),
        top3_accuracy: tally.top3_accuracy(),
        words: r.words,
        words_completed: r.completed,
        keystrokes: r.keystrokes,
        keystroke_savings_rate: 1.0 - r.keystrokes as f64 / r.chars as f64,
        completions_shown: r.shown,
        completions_known: check.map(|_| r.known),
        keys_with_completions: r.keys_with_completions,
        us_per_key,
        steps_per_key: r.steps as f64 / keys,
        expanded_per_key: r.expanded as f64 / keys,
        worst_key_steps: r.worst,
        inexact_keys: r.inexact,
        us_per_step,
        step_equivalents_per_key: us_per_key / us_per_step.max(1e-9),
    })
}

/// Running totals of [`evaluate`].
#[derive(Default)]
struct Counts {
    chars: usize,
    words: usize,
    completed: usize,
    keystrokes: usize,
    shown: usize,
    keys_with_completions: usize,
    steps: u64,
    worst: u32,
    inexact: usize,
    known: usize,
    expanded: u64,
    key_secs: f64,
    step_secs: f64,
    /// Whether the last character typed or accepted continued a word.
    last_was_word: bool,
}

/// How many of the completions shown spell a word of `check` or a learned word.
fn known_words(session: &Session<'_, '_>, check: format::Lexicon<'_>) -> usize {
    let typed: String = session.typed_word().collect();
    session
        .panel()
        .words
        .iter()
        .filter(|w| {
            let word: String = typed.chars().chain(w.suffix.iter().copied()).collect();
            let folded = word.to_lowercase();
            check.class_of(&folded) > 0
                || session
                    .user_words()
                    .is_some_and(|u| u.learned().any(|(l, _)| l.to_lowercase() == folded))
        })
        .count()
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
             words {}  completed from the suggestions {} ({:.1}%)  keystrokes {}  keystroke savings {:.2}%\n\
             per key: {:.1} µs, {:.2} model steps (worst {}; {:.2} prefixes expanded), {:.2} step-equivalents (a plain step {:.2} µs); \
             completions on {:.1}% of keys, {:.2} per key{}; search exact on {:.2}% of keys",
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
            self.keystroke_savings_rate * 100.0,
            self.us_per_key,
            self.steps_per_key,
            self.worst_key_steps,
            self.expanded_per_key,
            self.step_equivalents_per_key,
            self.us_per_step,
            self.keys_with_completions as f64 * 100.0 / self.keystrokes.max(1) as f64,
            self.completions_shown as f64 / self.keystrokes.max(1) as f64,
            self.completions_known.map_or(String::new(), |k| format!(
                ", {:.1}% of them words of the lexicon or learned",
                k as f64 * 100.0 / self.completions_shown.max(1) as f64
            )),
            100.0 - self.inexact_keys as f64 * 100.0 / self.keystrokes.max(1) as f64,
        )
    }
}
