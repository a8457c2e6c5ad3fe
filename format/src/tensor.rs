//! Validated, borrowed views of the tensors.

use core::fmt;

/// Which tensor of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorKind {
    /// The character embedding, `[vocab, embed]`.
    Embedding,
    /// A layer's input-to-hidden weights.
    WeightIh,
    /// A layer's hidden-to-hidden weights.
    WeightHh,
    /// A layer's input-side bias.
    BiasIh,
    /// A layer's hidden-side bias.
    BiasHh,
    /// The output layer's weights, `[vocab, hidden]`.
    OutputWeight,
    /// The output layer's bias, `[vocab]`.
    OutputBias,
}

/// A tensor's place in the network; displays as its PyTorch state-dict name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorName {
    /// Which tensor.
    pub kind: TensorKind,
    /// Recurrent layer for the per-layer tensors, 0 otherwise.
    pub layer: u8,
}

impl fmt::Display for TensorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.layer;
        match self.kind {
            TensorKind::Embedding => f.write_str("embedding.weight"),
            TensorKind::WeightIh => write!(f, "rnn.weight_ih_l{l}"),
            TensorKind::WeightHh => write!(f, "rnn.weight_hh_l{l}"),
            TensorKind::BiasIh => write!(f, "rnn.bias_ih_l{l}"),
            TensorKind::BiasHh => write!(f, "rnn.bias_hh_l{l}"),
            TensorKind::OutputWeight => f.write_str("output.weight"),
            TensorKind::OutputBias => f.write_str("output.bias"),
        }
    }
}

/// The element data of a validated matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weights<'a> {
    /// `rows * cols` f32, little-endian, row-major.
    F32(&'a [u8]),
    /// `rows * cols` i8 row-major, and `rows` f32 LE scales.
    Int8 {
        /// `rows * cols` i8, row-major.
        data: &'a [u8],
        /// `rows` f32 little-endian scales: a weight is `data × scale`.
        scales: &'a [u8],
    },
}

/// A validated `rows × cols` matrix borrowed from the model bytes. Its data length always
/// matches its shape, and every f32 in it (values or scales) is finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Matrix<'a> {
    rows: usize,
    cols: usize,
    weights: Weights<'a>,
}

impl<'a> Matrix<'a> {
    /// Only the validator builds matrices, after checking lengths.
    pub(crate) const fn new_unchecked(rows: usize, cols: usize, weights: Weights<'a>) -> Self {
        Matrix {
            rows,
            cols,
            weights,
        }
    }
    /// Output rows.
    pub const fn rows(&self) -> usize {
        self.rows
    }
    /// Input columns.
    pub const fn cols(&self) -> usize {
        self.cols
    }
    /// The element data, f32 or int8 with row scales.
    pub const fn weights(&self) -> Weights<'a> {
        self.weights
    }
    /// Bytes the matrix occupies in the file (data and scales).
    pub const fn byte_len(&self) -> usize {
        match self.weights {
            Weights::F32(d) => d.len(),
            Weights::Int8 { data, scales } => data.len().saturating_add(scales.len()),
        }
    }

    /// Writes row `r`, dequantised, into `out`. Returns `false` (writing nothing) if `r` is out
    /// of range or `out.len() != cols`.
    pub fn row_into(&self, r: usize, out: &mut [f32]) -> bool {
        if r >= self.rows || out.len() != self.cols {
            return false;
        }
        match self.weights {
            Weights::F32(data) => {
                let Some(row) = data.chunks_exact(self.cols.saturating_mul(4)).nth(r) else {
                    return false;
                };
                for (o, b) in out.iter_mut().zip(row.chunks_exact(4)) {
                    *o = le_f32(b);
                }
            }
            Weights::Int8 { data, scales } => {
                let (Some(row), Some(s)) = (
                    data.chunks_exact(self.cols).nth(r),
                    scales.chunks_exact(4).nth(r),
                ) else {
                    return false;
                };
                let s = le_f32(s);
                for (o, &q) in out.iter_mut().zip(row) {
                    *o = f32::from(q as i8) * s;
                }
            }
        }
        true
    }
}

/// A validated f32 vector (a bias) borrowed from the model bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vector<'a> {
    data: &'a [u8],
}

impl<'a> Vector<'a> {
    pub(crate) const fn new_unchecked(data: &'a [u8]) -> Self {
        Vector { data }
    }
    /// Elements (f32).
    pub const fn len(&self) -> usize {
        self.data.len() / 4
    }
    /// Whether it has no elements.
    pub const fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The elements as stored: 4 little-endian bytes each, at any alignment.
    pub const fn le_bytes(&self) -> &'a [u8] {
        self.data
    }
    /// The elements in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = f32> + 'a {
        // Whole 4-byte arrays (no per-element length check), so copies vectorise.
        self.data
            .as_chunks::<4>()
            .0
            .iter()
            .map(|b| f32::from_le_bytes(*b))
    }
}

/// Decodes 4 little-endian bytes; callers pass `chunks_exact(4)` items.
#[inline(always)]
pub(crate) fn le_f32(b: &[u8]) -> f32 {
    match b.first_chunk::<4>() {
        Some(c) => f32::from_le_bytes(*c),
        None => 0.0,
    }
}

/// Decodes 4 little-endian bytes as a u32.
#[inline(always)]
pub(crate) fn le_u32(b: &[u8]) -> u32 {
    match b.first_chunk::<4>() {
        Some(c) => u32::from_le_bytes(*c),
        None => u32::MAX,
    }
}
