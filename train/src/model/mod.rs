//! The models the trainer builds.

pub mod cells;
pub mod fused;
pub mod lesson;
pub mod recurrent;

pub use cells::LayerState;
pub use fused::{RecurrentBackend, TrainBackend};
pub use recurrent::{CharRnn, RnnConfig, Sequence};
