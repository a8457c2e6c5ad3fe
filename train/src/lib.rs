//! Quill's trainer: char RNN/GRU/LSTM language models on burn, trained the fastai lesson-6
//! way (stateful truncated BPTT, SGDR, dropout) and exported to the Quill model format.

pub mod backend;
pub mod batches;
pub mod bench;
pub mod checkpoint;
pub mod cli;
pub mod clip;
pub mod config;
pub mod data;
pub mod evaluate;
pub mod export;
pub mod interrupt;
pub mod lesson;
pub mod malloc;
pub mod memory;
pub mod model;
pub mod plot;
pub mod report;
pub mod resume_flags;
pub mod rng;
pub mod run;
pub mod run_dir;
pub mod run_record;
pub mod schedule;
pub mod train_loop;
pub mod vocab;
