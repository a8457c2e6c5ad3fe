//! The models the trainer builds.

pub mod cells;
pub mod fused;
pub mod layer;
pub mod lesson;
pub mod recurrent;

pub use cells::LayerState;
pub use fused::{
    AUTO_WHOLE_SEQUENCE_MAX_HIDDEN, GpuLayer, RecurrentBackend, TrainBackend, gpu_layer,
    set_gpu_layer,
};
pub use layer::{RecurrentLayer, Sequence};
pub use recurrent::{CharRnn, RnnConfig};
