//! Quill's tools for model files, as a library (the `quill` binary is their command line; the
//! trainer writes and scores its exports with the same code): reading a file header first,
//! writing without losing anything, encoding with a self-test, scoring with one definition of
//! accuracy, streamed evaluation with keystroke savings, sampling, the keyboard demo, the
//! PyTorch importer and `inspect`.

pub mod cli;
pub mod corpus;
pub mod encode;
pub mod files;
pub mod import_torch;
pub mod inspect;
pub mod keyboard;
pub mod lexicon;
pub mod model_file;
pub mod runnable;
pub mod sample;
pub mod scoring;
pub mod stdout;
pub mod text_eval;
pub mod text_stream;
