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
//!
//! Writing a model and reading it back:
//!
//! ```
//! use format::{
//!     AlignedBytes, Architecture, CellKind, Model, OwnedLayer, OwnedMetadata, OwnedModel,
//!     OwnedTensor,
//! };
//!
//! // A GRU over "ab" (token 0 is the unknown character): embedding 2, hidden 3.
//! let (vocab, embed, hidden) = (3, 2, 3);
//! let gates = 3 * hidden; // r, z, n stacked as in torch.nn.GRU
//! let filled = |rows: usize, cols: usize| OwnedTensor::matrix(rows, cols, vec![0.1; rows * cols]);
//! let owned = OwnedModel {
//!     arch: Architecture { cell: CellKind::Gru, layers: 1, embed: 2, hidden: 3, vocab: 3 },
//!     vocab: vec!['a', 'b'],
//!     embedding: filled(vocab, embed),
//!     layers: vec![OwnedLayer {
//!         weight_ih: filled(gates, embed),
//!         weight_hh: filled(gates, hidden),
//!         bias_ih: OwnedTensor::vector(vec![0.0; gates]),
//!         bias_hh: OwnedTensor::vector(vec![0.0; gates]),
//!     }],
//!     output_weight: filled(vocab, hidden),
//!     output_bias: OwnedTensor::vector(vec![0.0; vocab]),
//!     metadata: OwnedMetadata { name: "tiny".into(), ..Default::default() },
//!     self_test: None,
//! };
//! // Encoding validates (shapes, finite values, sorted vocabulary), so nothing invalid is written.
//! let bytes = owned.quantized_int8().to_bytes()?;
//!
//! // Reading allocates nothing: the weights are borrowed. A 64-byte-aligned start (a static
//! // array, or `AlignedBytes` for bytes read at run time) puts every tensor's data on the
//! // 64-byte boundaries the file lays out, which the SIMD kernels read fastest.
//! let aligned = AlignedBytes::new(&bytes);
//! let model = Model::from_bytes(&aligned)?;
//! assert_eq!(model.arch().cell, CellKind::Gru);
//! assert_eq!(model.vocab().index_of('b'), 2);
//! assert_eq!(model.metadata().name, "tiny");
//! assert_eq!(OwnedModel::from_model(&model).tensors().count(), 7);
//! # Ok::<(), format::Error>(())
//! ```
#![no_std]
#![deny(missing_docs)]
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
mod lexicon;
#[cfg(feature = "alloc")]
mod lexicon_write;
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
    HEADER_LEN, MAGIC, SUPPORTED_VERSIONS, TRAILER_LEN, VERSION, crc32, declared_payload_len,
};
pub use lexicon::{LEXICON_MAGIC, LEXICON_VERSION, LexState, Lexicon, LexiconError};
#[cfg(feature = "alloc")]
pub use lexicon_write::{build_lexicon, frequency_class, lexicon_words};
pub use model::{Layer, Metadata, Model, SelfTest};
pub use schema::DType;
pub use tensor::{Matrix, TensorKind, TensorName, Vector, Weights};
pub use vocab::Vocab;
#[cfg(feature = "alloc")]
pub use write::{OwnedLayer, OwnedMetadata, OwnedModel, OwnedSelfTest, OwnedTensor};
