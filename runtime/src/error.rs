//! The runtime's errors: the model file's, plus misuse of buffers, tokens and snapshots.

use core::fmt;

/// Why a runtime call was refused; `Display` says what was wrong and what to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The model file is invalid.
    Format(format::Error),
    /// A lexicon (or block list) file is invalid.
    Lexicon(format::LexiconError),
    /// The caller's buffer is smaller than the model needs.
    BufferTooSmall {
        /// `f32`s the model needs.
        needed: usize,
        /// `f32`s given.
        provided: usize,
    },
    /// The model's buffers would not fit in this target's address space.
    ModelTooLarge,
    /// A token index at or past the vocabulary size.
    TokenOutOfRange {
        /// The token given.
        token: u32,
        /// The model's vocabulary size.
        vocab: usize,
    },
    /// A snapshot slice whose length is not [`crate::Predictor::snapshot_len`].
    SnapshotLength {
        /// `Predictor::snapshot_len`.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// A snapshot whose contents no predictor state has: the value at `index` is not finite,
    /// or (at the last two words) the UTF-8 decoder's state is corrupt.
    InvalidSnapshot {
        /// The first value at fault.
        index: usize,
    },
    /// An output slice shorter than needed.
    OutputTooSmall {
        /// Entries needed.
        needed: usize,
        /// Entries given.
        provided: usize,
    },
    /// Temperature is negative, NaN or infinite.
    InvalidTemperature,
    /// [`crate::WordLists::others`] outside [0, 1] (or NaN).
    InvalidWordWeight {
        /// The weight given.
        found: f32,
    },
    /// The model has no finite logit for any character.
    NoPrediction,
    /// `self_test()` on a model file that has no self-test section.
    NoSelfTest,
    /// A bias slice whose length is not the vocabulary size, or with a NaN or +∞ entry.
    InvalidBias {
        /// The vocabulary size.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// Backspace past the oldest state a [`crate::History`] holds.
    HistoryEmpty,
    /// Bytes handed to restore the learned words are not a save of this store: `what`.
    InvalidUserWords {
        /// What is wrong with them.
        what: &'static str,
    },
    /// After prime char `step`, the most likely token differs from the one recorded at export.
    SelfTestTop1 {
        /// The prime character after which they differ.
        step: usize,
        /// The token recorded at export.
        expected: u32,
        /// The token this build computes.
        found: u32,
    },
    /// A logit after the prime differs by more than the recorded tolerance.
    SelfTestLogit {
        /// The logit's token.
        index: usize,
        /// The value recorded at export.
        expected: f32,
        /// The value this build computes.
        found: f32,
    },
    /// The model needs code this build of the runtime leaves out (a cell or f32 weights; see
    /// the runtime's Cargo features).
    NotBuilt {
        /// What the model needs ("LSTM cells", "f32 weight matrices").
        part: &'static str,
        /// The runtime feature that builds it in.
        feature: &'static str,
    },
}

impl From<format::LexiconError> for Error {
    fn from(e: format::LexiconError) -> Self {
        Error::Lexicon(e)
    }
}

impl From<format::Error> for Error {
    fn from(e: format::Error) -> Self {
        Error::Format(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Format(e) => e.fmt(f),
            Error::Lexicon(e) => e.fmt(f),
            Error::BufferTooSmall { needed, provided } => write!(
                f,
                "predictor buffer holds {provided} f32 but this model needs {needed} \
                 ({} bytes); pass a larger buffer (see Predictor::buffer_len)",
                needed.saturating_mul(4)
            ),
            Error::ModelTooLarge => {
                write!(
                    f,
                    "the model's state does not fit in this target's address space"
                )
            }
            Error::TokenOutOfRange { token, vocab } => write!(
                f,
                "token {token} is outside the model's vocabulary of {vocab}; token ids run 0..{vocab}"
            ),
            Error::SnapshotLength { expected, found } => write!(
                f,
                "snapshot slice holds {found} f32, this predictor's snapshots hold {expected}; \
                 size it with Predictor::snapshot_len for the same model"
            ),
            Error::InvalidSnapshot { index } => write!(
                f,
                "snapshot value {index} is not a state this predictor can be in (not finite, or \
                 a corrupt UTF-8 decoder state); restore only what Predictor::snapshot wrote"
            ),
            Error::OutputTooSmall { needed, provided } => {
                write!(
                    f,
                    "output slice holds {provided} entries, {needed} are needed"
                )
            }
            Error::InvalidTemperature => {
                write!(
                    f,
                    "temperature must be a finite number ≥ 0 (0 picks the most likely char)"
                )
            }
            Error::InvalidWordWeight { found } => write!(
                f,
                "the weight of words the lexicon lacks must be in [0, 1] (0 restricts completion to the lexicon), got {found}"
            ),
            Error::NoPrediction => write!(
                f,
                "the model produced no finite score for any character (its weights overflow); retrain it"
            ),
            Error::NoSelfTest => write!(
                f,
                "this model file has no self-test section; export it with a self-test to check it on device"
            ),
            Error::InvalidBias { expected, found } => write!(
                f,
                "bias has {found} entries, the vocabulary has {expected} tokens (token 0 included); \
                 entries must be finite or -inf (to exclude a character)"
            ),
            Error::HistoryEmpty => write!(
                f,
                "no saved state left to undo; re-prime from the text before the cursor \
                 (History::reprime or History::backspace_or_reprime)"
            ),
            Error::InvalidUserWords { what } => write!(
                f,
                "the saved user words were refused: {what}; restore only what the same store's \
                 save wrote (the learned words are kept as they were)"
            ),
            Error::SelfTestTop1 {
                step,
                expected,
                found,
            } => write!(
                f,
                "self-test failed after prime char {step}: most likely token is {found}, export recorded \
                 {expected}; the model bytes or this build's arithmetic differ from the exporter's"
            ),
            Error::SelfTestLogit {
                index,
                expected,
                found,
            } => write!(
                f,
                "self-test failed: logit {index} is {found}, export recorded {expected}; the model \
                 bytes or this build's arithmetic differ from the exporter's"
            ),
            Error::NotBuilt { part, feature } => write!(
                f,
                "the model needs {part}, which this build of the runtime leaves out: build the \
                 runtime with its `{feature}` feature"
            ),
        }
    }
}

impl core::error::Error for Error {}
