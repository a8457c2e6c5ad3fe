//! The postcard payload exactly as it is encoded. Fields are written in declaration order;
//! `FORMAT.md` gives the wire encoding of each.

use serde::{Deserialize, Serialize};

#[cfg(feature = "alloc")]
use crate::arch::{Architecture, MAX_TENSORS};

/// Element type of a tensor's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DType {
    /// IEEE-754 binary32, little-endian, 4 bytes per element.
    F32,
    /// Signed 8-bit, one f32 scale per row: `w[r][c] = scale[r] * q[r][c]`.
    Int8,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct RawTensor<'a> {
    pub dtype: DType,
    pub rows: u32,
    pub cols: u32,
    /// Zero bytes so that `data` starts at a multiple of 64 from the start of the file
    /// (aligned SIMD loads, whole cache lines). Readers ignore the content.
    #[serde(borrow)]
    pub pad: &'a [u8],
    /// Row-major elements (`rows * cols * size_of(dtype)` bytes).
    #[serde(borrow)]
    pub data: &'a [u8],
    /// `rows` f32 little-endian scales for int8; empty for f32.
    #[serde(borrow)]
    pub scales: &'a [u8],
}

#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct RawMetadata<'a> {
    #[serde(borrow)]
    pub name: &'a str,
    #[serde(borrow)]
    pub corpus: &'a str,
    pub val_loss: Option<f32>,
    #[serde(borrow)]
    pub producer: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct RawSelfTest<'a> {
    /// Fed to a freshly reset predictor, one char at a time.
    #[serde(borrow)]
    pub prime: &'a str,
    /// After each prime char: the index of the most likely next token (u32 LE each).
    #[serde(borrow)]
    pub expected_top1: &'a [u8],
    /// The logits after the last prime char (`vocab` f32 LE).
    #[serde(borrow)]
    pub expected_logits: &'a [u8],
    /// Largest allowed absolute logit difference.
    pub tolerance: f32,
}

/// The whole payload, as the writer encodes it. The reader decodes the same fields one by one
/// (`Model::from_bytes`), never this struct: its list of every tensor would sit on the stack.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Payload<'a> {
    pub arch: Architecture,
    /// Characters of indices 1..vocab as u32 LE scalar values, strictly ascending.
    #[serde(borrow)]
    pub vocab: &'a [u8],
    #[serde(borrow)]
    pub tensors: heapless::Vec<RawTensor<'a>, MAX_TENSORS>,
    #[serde(borrow)]
    pub metadata: RawMetadata<'a>,
    #[serde(borrow)]
    pub self_test: Option<RawSelfTest<'a>>,
}
