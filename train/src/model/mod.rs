//! The models the trainer builds.

pub mod cells;
pub mod lesson;
pub mod recurrent;

pub use cells::LayerState;
pub use recurrent::{CharRnn, RnnConfig};
