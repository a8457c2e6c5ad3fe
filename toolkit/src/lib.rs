//! Quill's tools as a library, without a command line: the corpus a run reads, model files
//! read header first and written without losing anything, encoding with a self-test recorded
//! by the runtime, the one definition of scoring, sampling, lexicon building, and printing that
//! survives a closed pipe. The trainer (`train`), the `quill` tools and the tests all use these;
//! every error is a typed [`Error`] whose message says what to do.

pub mod corpus;
pub mod encode;
mod error;
pub mod files;
pub mod lexicon;
pub mod model_file;
pub mod runnable;
pub mod sample;
pub mod scoring;
pub mod stdout;
pub mod text_stream;

pub use error::Error;
