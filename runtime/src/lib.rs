//! Quill's inference runtime: a `no_std`, allocation-free predictor for char RNN/GRU/LSTM
//! models, fed one character (or UTF-8 byte) at a time.
//!
//! A tour, on the English model in the repository (a GRU 1×256 trained on Shakespeare). The
//! model is kept in place, as firmware keeps it in flash: a static, 64-byte-aligned array.
//!
//! ```
//! use runtime::{Completion, History, Model, Predictor, complete_words, completion_buffer_len};
//!
//! #[repr(C, align(64))]
//! struct Aligned<T: ?Sized>(T);
//! static MODEL: &Aligned<[u8]> =
//!     &Aligned(*include_bytes!("../../models/english-gru-1x256-int8.quill"));
//!
//! # fn main() -> Result<(), runtime::Error> {
//! // Load: the file is validated and its weights borrowed, nothing copied.
//! let model = Model::from_bytes(&MODEL.0)?;
//! assert_eq!(model.arch().hidden(), 256);
//!
//! // Predict: the caller owns all memory; `buffer_len` says exactly how much.
//! let mut buf = vec![0f32; Predictor::buffer_len(&model)?];
//! let mut p = Predictor::new(&model, &mut buf)?;
//! p.feed_str("To be, or not to b");
//! let top = p.top_k::<3>(); // the three most likely next characters, most likely first
//! assert_eq!(top[0].0, 'e');
//! assert!(top[0].1 > top[1].1 && top[1].1 >= top[2].1);
//!
//! // Word completion: a beam search from the current state; `p` is left as it was.
//! p.feed_str("e, that is the qu");
//! let mut scratch = vec![0f32; completion_buffer_len(&p, 4)?];
//! let mut words: [Completion<24>; 3] = Default::default();
//! let n = complete_words::<4, 24>(&mut p, &mut scratch, None, &mut words)?;
//! let first: String = words[0].suffix.iter().collect();
//! assert!(n > 0 && first.chars().all(runtime::is_word_char), "{first}");
//!
//! // Backspace: `History` keeps the last states, so undoing a key is exact.
//! let mut ring = vec![0f32; History::buffer_len(&p, 16)?];
//! let mut history = History::new(&p, &mut ring)?;
//! let before = p.logits().to_vec();
//! history.type_char(&mut p, 'x')?;
//! history.backspace(&mut p)?;
//! assert_eq!(p.logits(), &before[..]);
//! # Ok(()) }
//! ```
//!
//! Memory: [`Predictor::buffer_len`] (or the `const fn` [`buffer_len`], to size a `static`
//! array) states exactly how many `f32` the caller must provide; nothing else is allocated. The
//! cell equations are PyTorch's and live in one module, `cell`. Every error is a typed
//! [`Error`] whose message says what to do.
//!
//! Features: every model runs by default. A firmware that ships one int8 GRU builds with
//! `default-features = false, features = ["gru"]` and leaves the other cells (`rnn`, `lstm`),
//! the f32 products (`f32-weights`) and the checksum's 1 KiB table (`crc-table`) out of flash;
//! a model needing a part left out is then refused with [`Error::NotBuilt`]. `capi` adds the C
//! ABI, `trainer` the cell step the trainer shares.
#![no_std]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::undocumented_unsafe_blocks
)]

mod built;
mod cell;
mod complete;
mod error;
mod history;
mod kernels;
mod layout;
/// The cell equations' nonlinearities, exactly as the runtime computes them (feature `trainer`:
/// the trainer's fused layer uses these very functions).
#[cfg(feature = "trainer")]
pub mod math;
#[cfg(not(feature = "trainer"))]
mod math;
mod predictor;
mod rng;
mod scores;
mod search;
mod session;
#[cfg(any(test, all(quill_soft_float, feature = "soft-float")))]
mod soft_float;
mod user_words;
mod utf8;
mod words;

#[cfg(feature = "capi")]
pub mod capi;

/// One cell step over plain slices, proven once (feature `trainer`: the trainer's forward pass
/// is this code).
#[cfg(feature = "trainer")]
pub use cell::{CellShape, CellStep, ShapeMismatch};
pub use complete::{Completion, complete_words, completion_buffer_len, is_word_char};
pub use error::Error;
pub use format::{Architecture, CellKind, DType, LexState, Lexicon, LexiconError};
pub use history::History;
pub use kernels::{Kernel, Mismatch};
pub use layout::{InputSide, Layout, Target, buffer_len};
pub use predictor::Predictor;
pub use rng::SmallRng;
pub use search::{SearchLimits, SearchOutcome, WordCache};
pub use session::{
    Key, KeyCost, MAX_SUFFIX, MAX_WORDS, NEXT_CHARS, Panel, Session, SessionConfig, Word,
};
pub use user_words::{DECAY_EVERY, LEARN_AFTER, MAX_WORD_BYTES, UserWords};
pub use utf8::{Decoded, Utf8Decoder};
pub use words::WordLists;

/// A validated model (re-exported from the `format` crate).
pub type Model<'a> = format::Model<'a>;
