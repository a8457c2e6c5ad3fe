//! Which completions are words worth showing: a lexicon (completions restricted to its words
//! and the person's learned ones), a block list (words never completed), and the walk of both
//! beside the model, one character at a time, case-insensitively (lexicons hold lower case).

use format::{LexState, Lexicon};

use crate::user_words::{UserWords, fold};

/// The word lists a search consults; both optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct WordLists<'a> {
    /// The words completion offers (with the learned ones).
    pub lexicon: Option<Lexicon<'a>>,
    /// Words never completed and never learned.
    pub blocked: Option<Lexicon<'a>>,
    /// What a word the lexicon lacks is worth, as a factor on its probability: 0 restricts
    /// completion to the lexicon (and only its prefixes are explored: the search does less
    /// work); a value in (0, 1] prefers the lexicon's words, keeping the others at that
    /// weight (they show when no real word competes); 1 ignores the lexicon.
    pub others: f32,
}

/// Where a prefix stands in the word lists, kept per cached prefix as plain numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct WordState {
    /// Lexicon state bits; `DEAD` when no lexicon word continues (or there is no lexicon).
    pub lex: u64,
    /// Block-list state bits; `DEAD` when no blocked word continues.
    pub blocked: u64,
    /// Characters since the word's start.
    pub len: u32,
}

const DEAD: u64 = u64::MAX;

impl WordState {
    /// The lexicon's state, if a lexicon word still continues.
    pub fn lexicon_state(&self) -> Option<LexState> {
        (self.lex != DEAD).then(|| LexState::from_bits(self.lex))
    }
}

impl<'a> WordLists<'a> {
    /// The state at a word's start.
    pub(crate) fn start(&self) -> WordState {
        WordState {
            lex: self.lexicon.map_or(DEAD, |l| l.root().to_bits()),
            blocked: self.blocked.map_or(DEAD, |l| l.root().to_bits()),
            len: 0,
        }
    }

    /// The state after `c` (case-insensitive).
    pub(crate) fn step(&self, s: WordState, c: char) -> WordState {
        let c = fold(c);
        let walk = |list: Option<Lexicon<'a>>, bits: u64| {
            if bits == DEAD {
                return DEAD;
            }
            list.and_then(|l| l.step(LexState::from_bits(bits), c))
                .map_or(DEAD, LexState::to_bits)
        };
        WordState {
            lex: walk(self.lexicon, s.lex),
            blocked: walk(self.blocked, s.blocked),
            len: s.len.saturating_add(1),
        }
    }

    /// Whether the search explores only lexicon prefixes (a lexicon, and no weight for the
    /// words it lacks).
    pub(crate) fn restricts(&self) -> bool {
        self.lexicon.is_some() && (self.others.is_nan() || self.others <= 0.0)
    }

    /// What the word ending at `s` is worth as a factor on its probability: 0 when it is
    /// blocked, or (restricting) neither a lexicon word nor a learned one; `others` for such a
    /// word when preferring; 1 otherwise.
    pub(crate) fn weight(&self, s: &WordState, learned: &Learned<'_, '_>, suffix: &[char]) -> f32 {
        if s.blocked != DEAD && LexState::from_bits(s.blocked).is_word() {
            return 0.0;
        }
        if self.lexicon.is_none()
            || (s.lex != DEAD && LexState::from_bits(s.lex).is_word())
            || learned.ends(suffix)
        {
            return 1.0;
        }
        self.others.clamp(0.0, 1.0)
    }

    /// Whether `word` (as typed) is blocked.
    pub fn is_blocked(&self, word: &str) -> bool {
        self.blocked
            .is_some_and(|b| b.walk(word.chars().map(fold)).is_some_and(|s| s.is_word()))
    }

    /// Whether `word` (as typed) is in the lexicon.
    pub fn knows(&self, word: &str) -> bool {
        self.lexicon
            .is_some_and(|l| l.walk(word.chars().map(fold)).is_some_and(|s| s.is_word()))
    }
}

/// The learned words that continue the word typed before the search's root: the only ones a
/// search looks at.
#[derive(Clone, Copy)]
pub(crate) struct Learned<'s, 'b> {
    pub users: Option<&'s UserWords<'b>>,
    pub indices: &'s [u8],
    /// Characters typed before the root.
    pub typed_len: usize,
}

impl Learned<'_, '_> {
    pub const NONE: Learned<'static, 'static> = Learned {
        users: None,
        indices: &[],
        typed_len: 0,
    };

    pub fn is_empty(&self) -> bool {
        self.users.is_none() || self.indices.is_empty()
    }

    /// The next letters (lower case) of the learned words continuing `suffix`.
    pub fn next_letters<'a>(&'a self, suffix: &'a [char]) -> impl Iterator<Item = char> + 'a {
        self.users
            .into_iter()
            .flat_map(move |u| u.next_letters_in(self.indices, self.typed_len, suffix))
    }

    /// Whether a learned word ends with `suffix`.
    pub fn ends(&self, suffix: &[char]) -> bool {
        self.users
            .is_some_and(|u| u.ends_in(self.indices, self.typed_len, suffix))
    }
}

/// The part of the word already typed before the search's root, as the session holds it (at
/// most [`TYPED_MAX`] characters: longer words are not completed from the word lists).
#[derive(Clone, Debug, Default)]
pub(crate) struct TypedWord {
    chars: heapless::Vec<char, TYPED_MAX>,
    /// The typed part was longer than the buffer.
    pub too_long: bool,
}

pub(crate) const TYPED_MAX: usize = 32;

impl TypedWord {
    pub fn from_chars(chars: impl Iterator<Item = char>) -> Self {
        let mut t = TypedWord::default();
        for c in chars {
            if t.chars.push(c).is_err() {
                t.too_long = true;
            }
        }
        t
    }

    pub fn chars(&self) -> impl Iterator<Item = char> + Clone + '_ {
        self.chars.iter().copied()
    }
}
