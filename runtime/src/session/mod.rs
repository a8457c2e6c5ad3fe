//! [`Session`]: one keyboard, for every front end. It owns what a keyboard keeps between key
//! presses — the predictor, the exact Backspace history, the end of the text, the word cache —
//! and decides, once, what a key does and what is shown after it. The firmware example,
//! `quill keyboard`, the C ABI (`quill_session_*`) and the web page all drive this one type.
//!
//! After every key the [`Panel`] holds the three most likely next characters and up to
//! [`MAX_WORDS`] word completions (exact best-first search, see [`WordCache`]); Tab
//! ([`Key::Accept`]) types exactly a completion that was shown, and nothing else.
//!
//! All memory is the caller's `f32` buffer, sized by the `const fn`
//! [`SessionConfig::buffer_len`]; nothing is allocated.

mod text;

use format::Architecture;

use crate::complete::{Completion, is_word_char};
use crate::layout::Layout;
use crate::search::{SearchLimits, SearchOutcome, WordCache, Words};
use crate::user_words::UserWords;
use crate::words::{Learned, TypedWord, WordLists, WordState};
use crate::{Error, History, InputSide, Kernel, Model, Predictor};

use text::TextTail;

/// Most word completions a panel holds.
pub const MAX_WORDS: usize = 4;
/// Longest completion, in characters.
pub const MAX_SUFFIX: usize = 24;
/// Next characters a panel holds.
pub const NEXT_CHARS: usize = 3;

/// How a session is laid out in memory and what it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionConfig {
    /// The kernel (`None`: the fastest this CPU has, [`Kernel::detect`]).
    pub kernel: Option<Kernel>,
    /// The first layer's input side (see [`InputSide`]).
    pub input: InputSide,
    /// Characters Backspace undoes exactly (one model state each).
    pub history: usize,
    /// Characters of text kept to re-prime from when Backspace goes past the history.
    pub text: usize,
    /// Prefixes the word cache holds (one model state each); the search stops, not exact,
    /// when it needs more.
    pub cache: usize,
    /// Word completions shown (at most [`MAX_WORDS`]).
    pub words: usize,
    /// Longest completion, in characters (at most [`MAX_SUFFIX`]).
    pub max_suffix: usize,
    /// A completion is shown only at or above this probability.
    pub floor: f32,
    /// Model steps one key's word search may take (`None`: as many as exactness needs).
    pub max_steps: Option<u32>,
    /// Sets of hidden-side products the word search keeps so that the children of one prefix
    /// compute them once (see [`WordCache::new`]; each `layers × gates × hidden` `f32`, 3 KB
    /// for a GRU 1×256; 0: none). Results are the same with any number; only time and memory
    /// change.
    pub sibling_sets: usize,
    /// Words the session learns from the text typed (0: none; 64 take 2 KB).
    pub user_words: usize,
    /// The weight of the learned words' own frequency against the model's probability when a
    /// learned word is offered (0: the model alone; 1: the learned words alone).
    pub user_weight: f32,
}

impl SessionConfig {
    /// The settings every front end uses unless it has a reason not to: 64 characters of
    /// exact Backspace and of re-prime context, 64 cached prefixes, three completions of up to
    /// 24 characters shown from 5 % probability, no step budget, four sets of shared hidden
    /// sides, 64 learned words lifted by a weight of 0.1 (chosen by measurement on held-out
    /// English: see `docs/words.md` and `docs/keyboard.md`).
    pub const DEFAULT: SessionConfig = SessionConfig {
        kernel: None,
        input: InputSide::PerStep,
        history: 64,
        text: 64,
        cache: 64,
        words: 3,
        max_suffix: MAX_SUFFIX,
        floor: 0.05,
        max_steps: None,
        sibling_sets: 4,
        user_words: 64,
        user_weight: 0.1,
    };

    /// `f32`s of buffer a session for `arch` needs with this config, on this build's target
    /// (usable in a `const` to size a static array); `None` on overflow.
    pub const fn buffer_len(&self, arch: &Architecture) -> Option<usize> {
        match self.parts(arch) {
            Some(p) => Some(p.total),
            None => None,
        }
    }

    /// The buffer's parts: predictor, history, text, cache.
    const fn parts(&self, arch: &Architecture) -> Option<Parts> {
        let Some(layout) = Layout::with_input(arch, self.input) else {
            return None;
        };
        let snap = layout.snapshot();
        let Some(history) = snap.checked_mul(self.history) else {
            return None;
        };
        let Some(cache) = WordCache::buffer_len(&layout, self.cache, self.sibling_sets) else {
            return None;
        };
        let Some(total) = layout.total.checked_add(history) else {
            return None;
        };
        let Some(total) = total.checked_add(self.text) else {
            return None;
        };
        let Some(total) = total.checked_add(cache) else {
            return None;
        };
        let Some(users) = UserWords::buffer_len(self.user_words) else {
            return None;
        };
        let Some(total) = total.checked_add(users) else {
            return None;
        };
        Some(Parts {
            predictor: layout.total,
            history,
            text: self.text,
            cache,
            users,
            total,
        })
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(Clone, Copy)]
struct Parts {
    predictor: usize,
    history: usize,
    text: usize,
    cache: usize,
    users: usize,
    total: usize,
}

/// A key the person pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A character typed (a space, a newline and punctuation included).
    Char(char),
    /// Delete the character before the cursor.
    Backspace,
    /// Accept shown completion `n` (Tab is `Accept(0)`): type its characters. Nothing happens
    /// when fewer completions are shown.
    Accept(usize),
}

/// One word completion as shown: the characters that finish the word being typed.
pub type Word = Completion<MAX_SUFFIX>;

/// What is shown after a key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Panel {
    /// The most likely next characters with their probabilities, most likely first.
    pub next: heapless::Vec<(char, f32), NEXT_CHARS>,
    /// Word completions at or above the floor, most probable first.
    pub words: heapless::Vec<Word, MAX_WORDS>,
}

/// What the last key cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyCost {
    /// Model steps: the typed characters not found in the word cache, any re-prime, and the
    /// word search's.
    pub steps: u32,
    /// Whether the word search finished exactly (see [`SearchOutcome::exact`]).
    pub exact: bool,
    /// Prefixes the word search expanded, stepped or found in the cache.
    pub expanded: u32,
    /// Of the word search's steps, those that reused a sibling's hidden-side products (see
    /// [`SearchOutcome::shared`]).
    pub shared: u32,
}

/// A keyboard session over caller memory; see the module docs.
pub struct Session<'m, 'b> {
    p: Predictor<'m, 'b>,
    history: History<'b>,
    text: TextTail<'b>,
    cache: WordCache<'b>,
    users: Option<UserWords<'b>>,
    lists: WordLists<'m>,
    config: SessionConfig,
    panel: Panel,
    cost: KeyCost,
}

impl<'m, 'b> Session<'m, 'b> {
    /// A session for `model` in `buffer` (at least [`SessionConfig::buffer_len`] `f32`),
    /// showing the suggestions for the start of a text.
    pub fn new(
        model: &'m Model<'m>,
        buffer: &'b mut [f32],
        config: SessionConfig,
    ) -> Result<Self, Error> {
        let mut config = config;
        config.words = config.words.min(MAX_WORDS);
        config.max_suffix = config.max_suffix.min(MAX_SUFFIX);
        let parts = config.parts(model.arch()).ok_or(Error::ModelTooLarge)?;
        let provided = buffer.len();
        let buffer = buffer.get_mut(..parts.total).ok_or(Error::BufferTooSmall {
            needed: parts.total,
            provided,
        })?;
        let (predictor, rest) = buffer.split_at_mut(parts.predictor);
        let (history, rest) = rest.split_at_mut(parts.history);
        let (text, rest) = rest.split_at_mut(parts.text);
        let (cache, users) = rest.split_at_mut(parts.cache);
        let kernel = config.kernel.unwrap_or_else(Kernel::detect);
        let p = Predictor::with_options(model, predictor, kernel, config.input)?;
        let history = History::new(&p, history)?;
        let cache = WordCache::new(&p, cache, config.sibling_sets)?;
        let mut s = Session {
            p,
            history,
            text: TextTail::new(bytemuck::cast_slice_mut(text)),
            cache,
            users: (config.user_words > 0)
                .then(|| UserWords::new(users.get_mut(..parts.users).unwrap_or_default())),
            lists: WordLists::default(),
            config,
            panel: Panel::default(),
            cost: KeyCost::default(),
        };
        s.start_over()?;
        Ok(s)
    }

    /// Checks the model against the outputs recorded in its file at export (see
    /// [`Predictor::self_test`]), then starts over from an empty text.
    pub fn self_test(&mut self) -> Result<(), Error> {
        let result = self.p.self_test();
        self.start_over()?;
        result
    }

    /// Completes only the words of `lexicon` (and the learned ones) — or prefers them, with
    /// `others` above 0 — and never the words of `blocked`, from now on (both optional;
    /// `WordLists::default()` for neither). The panel is computed again. A weight `others`
    /// outside [0, 1] is refused, the lists unchanged.
    pub fn set_word_lists(&mut self, lists: WordLists<'m>) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&lists.others) {
            return Err(Error::InvalidWordWeight {
                found: lists.others,
            });
        }
        self.lists = lists;
        let at = self.typed_state();
        self.cache.reset_to(&self.p, at)?;
        self.cost = KeyCost::default();
        self.refresh()
    }

    /// The word lists in use.
    pub fn word_lists(&self) -> &WordLists<'m> {
        &self.lists
    }

    /// The learned words (`None` when the config learns none).
    pub fn user_words(&self) -> Option<&UserWords<'b>> {
        self.users.as_ref()
    }

    /// The learned words, to forget some, clear them, or restore a save; the panel is
    /// computed again by the next key (or [`refresh_panel`](Self::refresh_panel)).
    pub fn user_words_mut(&mut self) -> Option<&mut UserWords<'b>> {
        self.users.as_mut()
    }

    /// Computes the panel again (after the learned words changed).
    pub fn refresh_panel(&mut self) -> Result<(), Error> {
        self.cost = KeyCost::default();
        self.refresh()
    }

    /// What to show now.
    pub fn panel(&self) -> &Panel {
        &self.panel
    }

    /// What the last key (or re-prime) cost.
    pub fn cost(&self) -> KeyCost {
        self.cost
    }

    /// The predictor, in the state after the text typed so far.
    pub fn predictor(&self) -> &Predictor<'m, 'b> {
        &self.p
    }

    /// The settings the session was made with.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The end of the text before the cursor (the last [`SessionConfig::text`] characters).
    pub fn text(&self) -> impl DoubleEndedIterator<Item = char> + '_ {
        self.text.chars()
    }

    /// The part of the word being typed that is already typed (what a completion finishes).
    pub fn typed_word(&self) -> impl Iterator<Item = char> + '_ {
        let n = self
            .text
            .chars()
            .rev()
            .take_while(|&c| is_word_char(c))
            .count();
        self.text.chars().skip(self.text.len().saturating_sub(n))
    }

    /// Applies one key and updates the panel.
    pub fn press(&mut self, key: Key) -> Result<(), Error> {
        self.cost = KeyCost::default();
        match key {
            Key::Char(c) => self.type_char(c)?,
            Key::Backspace => self.backspace()?,
            Key::Accept(n) => {
                let Some(word) = self.panel.words.get(n).cloned() else {
                    return Ok(());
                };
                for &c in &word.suffix {
                    self.type_char(c)?;
                }
            }
        }
        self.refresh()
    }

    /// Deletes the `n` characters before the cursor (a selection deleted, a long press of
    /// Backspace) and updates the panel once: the same state and panel as `n` Backspaces.
    pub fn delete(&mut self, n: usize) -> Result<(), Error> {
        self.cost = KeyCost::default();
        for _ in 0..n.min(self.text.len()) {
            self.backspace()?;
        }
        self.refresh()
    }

    /// Types every character of `text` (a paste, a word inserted by the app) and updates the
    /// panel once, at the end.
    pub fn type_text(&mut self, text: impl IntoIterator<Item = char>) -> Result<(), Error> {
        self.cost = KeyCost::default();
        for c in text {
            self.type_char(c)?;
        }
        self.refresh()
    }

    /// Starts over from `context`, the text before the cursor (a new field: empty; a cursor
    /// jump, a paste, a deletion past what Backspace undoes): its last
    /// [`SessionConfig::text`] characters are typed afresh, so Backspace works over them too.
    pub fn reprime(&mut self, context: &str) -> Result<(), Error> {
        self.cost = KeyCost::default();
        let skip = context.chars().count().saturating_sub(self.config.text);
        self.p.reset();
        self.history.clear();
        self.text.clear();
        for c in context.chars().skip(skip) {
            self.history.type_char(&mut self.p, c)?;
            self.text.push(c);
            self.cost.steps = self.cost.steps.saturating_add(1);
        }
        let at = self.typed_state();
        self.cache.reset_to(&self.p, at)?;
        self.refresh()
    }

    /// The word lists' state after the word typed so far.
    fn typed_state(&self) -> WordState {
        self.typed_word()
            .fold(self.lists.start(), |s, c| self.lists.step(s, c))
    }

    /// Back to an empty text.
    fn start_over(&mut self) -> Result<(), Error> {
        self.reprime("")
    }

    fn type_char(&mut self, c: char) -> Result<(), Error> {
        self.history.save(&self.p)?;
        if is_word_char(c) {
            self.text.push(c);
            if !self.cache.descend(&mut self.p, c)? {
                self.feed(c)?;
                self.cache.grow(&self.p, c, &self.lists)?;
            }
        } else {
            // A word ends: it is learned, and nothing cached continues the next one.
            self.learn_typed_word();
            self.text.push(c);
            self.feed(c)?;
            self.cache.reset_to(&self.p, self.lists.start())?;
        }
        Ok(())
    }

    /// A typed character's step (through the cache: the root's children may have left its
    /// hidden sides).
    fn feed(&mut self, c: char) -> Result<(), Error> {
        let shared = self.cache.feed(&mut self.p, c)?;
        self.cost.steps = self.cost.steps.saturating_add(1);
        self.cost.shared = self.cost.shared.saturating_add(shared.into());
        Ok(())
    }

    /// One use of the word just finished, unless the lexicon knows it or it is blocked.
    fn learn_typed_word(&mut self) {
        let Some(users) = self.users.as_mut() else {
            return;
        };
        let mut word: heapless::String<{ crate::user_words::MAX_WORD_BYTES }> =
            heapless::String::new();
        let n = self
            .text
            .chars()
            .rev()
            .take_while(|&c| is_word_char(c))
            .count();
        for c in self.text.chars().skip(self.text.len().saturating_sub(n)) {
            if word.push(c).is_err() {
                return; // longer than a learned word can be
            }
        }
        // A word without a letter (a number, a year) is not worth learning.
        let has_letter = word.chars().any(char::is_alphabetic);
        if !has_letter || self.lists.knows(&word) || self.lists.is_blocked(&word) {
            return;
        }
        users.learn(&word);
    }

    fn backspace(&mut self) -> Result<(), Error> {
        if self.text.pop().is_none() {
            return Ok(()); // nothing typed that this session knows of
        }
        match self.history.backspace(&mut self.p) {
            Ok(()) => {
                if !self.cache.ascend() {
                    let at = self.typed_state();
                    self.cache.reset_to(&self.p, at)?;
                }
                Ok(())
            }
            Err(Error::HistoryEmpty) => {
                // Past the exact history: re-prime from the text this session still holds.
                self.p.reset();
                self.history.clear();
                let mut steps = 0u32;
                for c in self.text.chars() {
                    self.history.type_char(&mut self.p, c)?;
                    steps = steps.saturating_add(1);
                }
                self.cost.steps = self.cost.steps.saturating_add(steps);
                let at = self.typed_state();
                self.cache.reset_to(&self.p, at)
            }
            Err(e) => Err(e),
        }
    }

    /// The panel for the current state.
    fn refresh(&mut self) -> Result<(), Error> {
        let mut next = [('\0', 0f32); NEXT_CHARS];
        let n = self.p.top_k_into(&mut next);
        self.panel.next = next.iter().take(n).copied().collect();
        let limits = SearchLimits {
            max_len: self.config.max_suffix,
            floor: self.config.floor,
            max_steps: self.config.max_steps,
        };
        let typed = TypedWord::from_chars(self.typed_word());
        let typed_str: heapless::String<{ crate::words::TYPED_MAX * 4 }> = typed.chars().collect();
        // Learned words are offered once a word is begun (at a word's start every one would
        // match, and they are few against the model's whole vocabulary).
        let indices = match (&self.users, typed.too_long, typed_str.is_empty()) {
            (Some(u), false, false) => u.continuing_indices(&typed_str),
            _ => heapless::Vec::new(),
        };
        let ctx = Words {
            lists: &self.lists,
            learned: Learned {
                users: self.users.as_ref(),
                indices: &indices,
                typed_len: typed.chars().count(),
            },
            typed: &typed,
        };
        // The search writes straight into the panel (no second array of words on the stack).
        let panel_words = &mut self.panel.words;
        panel_words.clear();
        for _ in 0..self.config.words {
            let _ = panel_words.push(Word::default());
        }
        let shown: &mut [Word] = panel_words;
        let outcome: SearchOutcome =
            match self
                .cache
                .search_words(&mut self.p, None, ctx, limits, shown)
            {
                Ok(o) => o,
                Err(e) => {
                    self.panel.words.clear(); // no half-written words on show
                    return Err(e);
                }
            };
        let mut found = outcome.found;
        if let Some(users) = &self.users
            && !indices.is_empty()
        {
            found = mix_learned(users, &typed_str, &self.config, shown, found);
        }
        self.panel.words.truncate(found);
        self.cost.steps = self.cost.steps.saturating_add(outcome.steps);
        self.cost.exact = outcome.exact;
        self.cost.expanded = outcome.expanded;
        self.cost.shared = self.cost.shared.saturating_add(outcome.shared);
        Ok(())
    }
}

/// Mixes the learned words that continue `typed` into the model's completions `shown[..found]`:
/// a learned word gets `P_model + w·P_learned·(1 − P_model)` (a word the search did not reach
/// has `P_model` 0), `P_learned` being its share of the uses among the learned words that
/// continue the same letters; the model's other words keep their probability. The list is
/// ranked again and cut at the floor; returns its new length. Never inlined: its list of
/// candidates is stack only while it runs, not in every refresh's frame (RAM on a 16 KB MCU).
#[inline(never)]
fn mix_learned(
    users: &UserWords<'_>,
    typed_str: &str,
    config: &SessionConfig,
    shown: &mut [Word],
    found: usize,
) -> usize {
    /// Where a candidate's characters are: the model's completion `shown[i]`, or a learned
    /// word's rest (borrowed, not copied: this runs on 16 KB microcontrollers).
    #[derive(Clone, Copy)]
    enum From<'w> {
        Shown(usize),
        Learned(&'w str),
    }
    let w = config.user_weight.clamp(0.0, 1.0);
    let mut all: heapless::Vec<(From<'_>, f32), { MAX_WORDS * 2 }> = heapless::Vec::new();
    for (i, word) in shown.iter().take(found).enumerate() {
        let _ = all.push((From::Shown(i), word.probability));
    }
    for (rest, share) in users.continuing(typed_str) {
        if rest.chars().count() > config.max_suffix {
            continue;
        }
        let boost = |p: f32| p + w * share * (1.0 - p);
        let same = |f: &From<'_>| match *f {
            From::Shown(i) => shown
                .get(i)
                .is_some_and(|c| c.suffix.iter().copied().eq(rest.chars())),
            From::Learned(r) => r == rest,
        };
        match all.iter_mut().find(|(f, _)| same(f)) {
            Some((_, p)) => *p = boost(*p),
            None => {
                if all.push((From::Learned(rest), boost(0.0))).is_err() {
                    break;
                }
            }
        }
    }
    // Stable sort by probability, most probable first (a handful of entries).
    let mut n = all.len();
    while n > 1 {
        for i in 1..n {
            let swap = match (all.get(i.saturating_sub(1)), all.get(i)) {
                (Some(a), Some(b)) => b.1 > a.1,
                _ => false,
            };
            if swap {
                all.swap(i.saturating_sub(1), i);
            }
        }
        n = n.saturating_sub(1);
    }
    // The model's completions move to their new places: from a copy of the few shown.
    let mut before: [Word; MAX_WORDS] = Default::default();
    for (b, s) in before.iter_mut().zip(shown.iter()) {
        b.clone_from(s);
    }
    let mut kept = 0usize;
    for (slot, (from, p)) in shown
        .iter_mut()
        .zip(all.into_iter().filter(|(_, p)| *p >= config.floor))
    {
        match from {
            From::Shown(i) => {
                slot.suffix = before.get(i).map(|b| b.suffix.clone()).unwrap_or_default()
            }
            From::Learned(rest) => slot.suffix = rest.chars().collect(),
        }
        slot.probability = p;
        kept = kept.saturating_add(1);
    }
    kept
}
