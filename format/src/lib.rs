//! The Quill model file.
//!
//! A model file is a small fixed header, a [postcard] payload and a CRC-32 trailer; the byte
//! layout is specified in `FORMAT.md` next to this crate. Reading ([`Model::from_bytes`]) needs
//! no allocator and borrows every weight straight out of the input slice, so a model can be used
//! in place from flash. Everything in the file is validated before a single weight is handed
//! out: a malformed file yields a typed [`Error`], never a panic.
//!
//! Writing ([`OwnedModel`], feature `alloc`) builds a file from owned `f32` tensors and offers
//! the per-row symmetric int8 quantiser.
//!
//! The tensors follow PyTorch's `nn.Embedding` → `nn.RNN`/`nn.GRU`/`nn.LSTM` → `nn.Linear`
//! state dict one for one, so a PyTorch model maps onto a Quill file without reshuffling gates.
#![no_std]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
mod aligned;
mod arch;
mod error;
mod header;
mod model;
mod schema;
mod tensor;
mod vocab;
#[cfg(feature = "alloc")]
mod write;

#[cfg(feature = "alloc")]
pub use aligned::AlignedBytes;
pub use arch::{Architecture, CellKind, MAX_DIM, MAX_LAYERS, MAX_TENSORS};
pub use error::Error;
pub use header::{
    HEADER_LEN, MAGIC, SUPPORTED_VERSIONS, TRAILER_LEN, VERSION, declared_payload_len,
};
pub use model::{Layer, Metadata, Model, SelfTest};
pub use schema::DType;
pub use tensor::{Matrix, TensorKind, TensorName, Vector, Weights};
pub use vocab::Vocab;
#[cfg(feature = "alloc")]
pub use write::{OwnedMetadata, OwnedModel, OwnedSelfTest, OwnedTensor};
