//! Quill's inference runtime: a `no_std`, allocation-free predictor for char RNN/GRU/LSTM
//! models, fed one character (or UTF-8 byte) at a time.
//!
//! ```no_run
//! # fn demo(model_bytes: &[u8]) -> Result<(), runtime::Error> {
//! let model = runtime::Model::from_bytes(model_bytes)?;        // validates, borrows weights
//! let mut buf = [0f32; 8192];                                  // caller-owned memory
//! let mut p = runtime::Predictor::new(&model, &mut buf)?;      // BufferTooSmall if it won't fit
//! p.feed_str("the quick brown fo");
//! for (c, prob) in p.top_k::<3>() {
//!     // ('x', 0.93), …
//! #   let _ = (c, prob);
//! }
//! # Ok(()) }
//! ```
//!
//! Memory: [`Predictor::buffer_len`] (or the `const fn` [`buffer_len`]) states exactly how many
//! `f32` the caller must provide; nothing else is allocated. The cell equations are PyTorch's
//! and live in one module, `cell`.
#![no_std]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod cell;
mod complete;
mod error;
mod history;
mod kernels;
mod layout;
pub mod math;
mod predictor;
mod rng;
mod utf8;

#[cfg(feature = "capi")]
pub mod capi;

pub use complete::{Completion, complete_words, completion_buffer_len, is_word_char};
pub use error::Error;
pub use format::{Architecture, CellKind, DType};
pub use history::History;
pub use kernels::{Kernel, Mismatch};
pub use layout::{InputSide, Layout, buffer_len};
pub use predictor::Predictor;
pub use rng::SmallRng;
pub use utf8::Utf8Decoder;

/// A validated model (re-exported from the `format` crate).
pub type Model<'a> = format::Model<'a>;
