//! The `quill` command line's parts: the flags, the terminal keyboard demo, the streamed
//! evaluation with keystroke savings and per-key cost, the PyTorch importer and `inspect`. The
//! file handling, encoding, scoring and sampling they use are `toolkit`'s, which the trainer
//! shares.

pub mod cli;
pub mod import_torch;
pub mod inspect;
pub mod keyboard;
pub mod text_eval;
