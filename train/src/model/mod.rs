//! The models the trainer builds.

pub mod cells;
pub mod fused;
pub mod layer;
pub mod lesson;
pub mod recurrent;

pub use cells::LayerState;
pub use fused::{RecurrentBackend, TrainBackend};
pub use layer::{RecurrentLayer, Sequence};
pub use recurrent::{CharRnn, RnnConfig};
