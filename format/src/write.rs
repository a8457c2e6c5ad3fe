//! Writing model files from owned tensors, and the int8 quantiser (feature `alloc`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::arch::{Architecture, MAX_TENSORS};
use crate::error::Error;
use crate::header::frame;
use crate::model::Model;
use crate::schema::{DType, Payload, RawMetadata, RawSelfTest, RawTensor};
use crate::tensor::{Matrix, TensorKind, Vector, Weights, le_f32};

/// An owned tensor. Vectors (biases) are `rows = len, cols = 1`.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedTensor {
    /// f32 elements.
    F32 {
        /// Output rows.
        rows: usize,
        /// Input columns (1 for a vector).
        cols: usize,
        /// `rows × cols` elements, row-major.
        data: Vec<f32>,
    },
    /// int8 elements with one f32 scale per row (symmetric: −127…127).
    Int8 {
        /// Output rows.
        rows: usize,
        /// Input columns.
        cols: usize,
        /// `rows × cols` elements, row-major.
        data: Vec<i8>,
        /// One scale per row: a weight is `data × scale`.
        scales: Vec<f32>,
    },
}

impl OwnedTensor {
    /// A row-major `rows × cols` f32 matrix.
    pub fn matrix(rows: usize, cols: usize, data: Vec<f32>) -> Self {
        OwnedTensor::F32 { rows, cols, data }
    }
    /// An f32 vector (a bias).
    pub fn vector(data: Vec<f32>) -> Self {
        OwnedTensor::F32 {
            rows: data.len(),
            cols: 1,
            data,
        }
    }
    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            OwnedTensor::F32 { rows, cols, .. } | OwnedTensor::Int8 { rows, cols, .. } => {
                (*rows, *cols)
            }
        }
    }

    /// Per-row symmetric int8: `scale = max|w| / 127`, `q = round(w / scale)`. An all-zero row
    /// gets scale 0. Already-int8 tensors are returned unchanged.
    pub fn quantize_int8(&self) -> Self {
        match self {
            OwnedTensor::Int8 { .. } => self.clone(),
            OwnedTensor::F32 { rows, cols, data } => {
                let mut q = Vec::with_capacity(data.len());
                let mut scales = Vec::with_capacity(*rows);
                for row in data.chunks((*cols).max(1)) {
                    let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
                    let scale = max / 127.0;
                    scales.push(scale);
                    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
                    // `as` saturates, and |w * inv| ≤ 127 by construction.
                    q.extend(
                        row.iter()
                            .map(|w| round_half_away(w * inv).clamp(-127.0, 127.0) as i8),
                    );
                }
                OwnedTensor::Int8 {
                    rows: *rows,
                    cols: *cols,
                    data: q,
                    scales,
                }
            }
        }
    }

    /// The values as f32 (dequantised for int8).
    pub fn to_f32(&self) -> Vec<f32> {
        match self {
            OwnedTensor::F32 { data, .. } => data.clone(),
            OwnedTensor::Int8 {
                cols, data, scales, ..
            } => data
                .chunks((*cols).max(1))
                .zip(scales)
                .flat_map(|(row, s)| row.iter().map(move |&q| f32::from(q) * s))
                .collect(),
        }
    }

    fn encode(&self) -> Encoded {
        let (rows, cols) = self.shape();
        let (r, c) = (
            u32::try_from(rows).unwrap_or(u32::MAX),
            u32::try_from(cols).unwrap_or(u32::MAX),
        );
        match self {
            OwnedTensor::F32 { data, .. } => (
                DType::F32,
                r,
                c,
                data.iter().flat_map(|v| v.to_le_bytes()).collect(),
                Vec::new(),
            ),
            OwnedTensor::Int8 { data, scales, .. } => (
                DType::Int8,
                r,
                c,
                data.iter().map(|&q| q as u8).collect(),
                scales.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
        }
    }

    fn from_matrix(m: &Matrix<'_>) -> Self {
        let (rows, cols) = (m.rows(), m.cols());
        match m.weights() {
            Weights::F32(d) => OwnedTensor::F32 {
                rows,
                cols,
                data: d.chunks_exact(4).map(le_f32).collect(),
            },
            Weights::Int8 { data, scales } => OwnedTensor::Int8 {
                rows,
                cols,
                data: data.iter().map(|&b| b as i8).collect(),
                scales: scales.chunks_exact(4).map(le_f32).collect(),
            },
        }
    }

    fn from_vector(v: &Vector<'_>) -> Self {
        OwnedTensor::vector(v.iter().collect())
    }
}

/// A tensor as written: dtype, rows, cols, data bytes, scale bytes.
type Encoded = (DType, u32, u32, Vec<u8>, Vec<u8>);

/// Tensor data starts at a multiple of this many bytes from the start of the file.
const ALIGN: usize = 64;
const ALIGN_MASK: usize = ALIGN - 1;

/// Byte offset, from the start of `file`, of tensor `i`'s data in the parsed `model`; `None`
/// for biases (small vectors, left unaligned).
fn data_offset(model: &Model<'_>, i: usize, file: &[u8]) -> Option<usize> {
    let name = model.arch().tensor_name(i)?;
    let layer = model.layers().get(usize::from(name.layer));
    let m = match name.kind {
        TensorKind::Embedding => model.embedding(),
        TensorKind::WeightIh => &layer?.weight_ih,
        TensorKind::WeightHh => &layer?.weight_hh,
        TensorKind::OutputWeight => model.output_weight(),
        TensorKind::BiasIh | TensorKind::BiasHh | TensorKind::OutputBias => return None,
    };
    let ptr = match m.weights() {
        Weights::F32(d) => d.as_ptr(),
        Weights::Int8 { data, .. } => data.as_ptr(),
    };
    (ptr as usize).checked_sub(file.as_ptr() as usize)
}

/// `f32::round` needs std; this is the same rounding (half away from zero) in core.
fn round_half_away(x: f32) -> f32 {
    let t = x as i32 as f32; // truncation toward zero; |x| ≤ 127 here
    let frac = x - t;
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Free-form facts about where a model came from (written as [`crate::Metadata`] is read).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OwnedMetadata {
    /// The model's name.
    pub name: String,
    /// The corpus it was trained on.
    pub corpus: String,
    /// Validation loss in nats per character, if measured.
    pub val_loss: Option<f32>,
    /// What wrote the file.
    pub producer: String,
}

/// Expected outputs recorded at export, so a device can check the model (see [`crate::SelfTest`]).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedSelfTest {
    /// The text fed before the check.
    pub prime: String,
    /// The most likely token after each prime character.
    pub expected_top1: Vec<u32>,
    /// The logits after the whole prime.
    pub expected_logits: Vec<f32>,
    /// The largest difference a logit may show.
    pub tolerance: f32,
}

/// One recurrent layer's tensors, named as in PyTorch's `nn.RNN`/`GRU`/`LSTM` (`[out, in]`
/// matrices, gates stacked in PyTorch's order).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedLayer {
    /// Input-to-hidden weights, `[gates × hidden, input]`.
    pub weight_ih: OwnedTensor,
    /// Hidden-to-hidden weights, `[gates × hidden, hidden]`.
    pub weight_hh: OwnedTensor,
    /// Input-side bias.
    pub bias_ih: OwnedTensor,
    /// Hidden-side bias.
    pub bias_hh: OwnedTensor,
}

impl OwnedLayer {
    /// The four tensors in file order.
    pub fn tensors(&self) -> [&OwnedTensor; 4] {
        [
            &self.weight_ih,
            &self.weight_hh,
            &self.bias_ih,
            &self.bias_hh,
        ]
    }
    /// The four tensors in file order, to change in place (quantisation).
    pub fn tensors_mut(&mut self) -> [&mut OwnedTensor; 4] {
        [
            &mut self.weight_ih,
            &mut self.weight_hh,
            &mut self.bias_ih,
            &mut self.bias_hh,
        ]
    }
}

/// A model held in memory, ready to be written: the same named parts as the borrowed
/// [`Model`]. Only serialisation flattens them, in the order of [`Architecture::tensor_name`].
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedModel {
    /// The network's sizes.
    pub arch: Architecture,
    /// Characters of token indices 1.. in order; must be strictly ascending.
    pub vocab: Vec<char>,
    /// `[vocab, embed]`.
    pub embedding: OwnedTensor,
    /// The recurrent layers, bottom first.
    pub layers: Vec<OwnedLayer>,
    /// `[vocab, hidden]`.
    pub output_weight: OwnedTensor,
    /// `[vocab]`.
    pub output_bias: OwnedTensor,
    /// Where the model came from.
    pub metadata: OwnedMetadata,
    /// The self-test to record, if any.
    pub self_test: Option<OwnedSelfTest>,
}

impl OwnedModel {
    /// Every tensor in file order: embedding, each layer's `weight_ih, weight_hh, bias_ih,
    /// bias_hh`, output weight, output bias.
    pub fn tensors(&self) -> impl Iterator<Item = &OwnedTensor> {
        core::iter::once(&self.embedding)
            .chain(self.layers.iter().flat_map(OwnedLayer::tensors))
            .chain([&self.output_weight, &self.output_bias])
    }

    /// As [`tensors`](Self::tensors), mutable (to transform every weight alike).
    pub fn tensors_mut(&mut self) -> impl Iterator<Item = &mut OwnedTensor> {
        core::iter::once(&mut self.embedding)
            .chain(self.layers.iter_mut().flat_map(OwnedLayer::tensors_mut))
            .chain([&mut self.output_weight, &mut self.output_bias])
    }

    /// Encodes the model and reads the result back through the validator, so nothing invalid
    /// is ever written.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let encoded: Vec<_> = self.tensors().map(OwnedTensor::encode).collect();
        // Pad each tensor so its data lands on a 64-byte boundary, one tensor at a time, with
        // the reader as the oracle for where the data ended up. A pad below 128 bytes is a
        // one-byte varint, so fixing tensor i shifts the later ones by a known amount only.
        let mut pads = alloc::vec![0usize; encoded.len()];
        for i in 0..encoded.len() {
            let bytes = self.encode_with(&encoded, &pads)?;
            let model = Model::from_bytes(&bytes)?;
            let Some(offset) = data_offset(&model, i, &bytes) else {
                continue;
            };
            if let Some(p) = pads.get_mut(i) {
                *p = offset.wrapping_neg() & ALIGN_MASK;
            }
        }
        let bytes = self.encode_with(&encoded, &pads)?;
        Model::from_bytes(&bytes)?;
        Ok(bytes)
    }

    fn encode_with(&self, encoded: &[Encoded], pads: &[usize]) -> Result<Vec<u8>, Error> {
        let zeros = [0u8; ALIGN];
        let mut tensors = heapless::Vec::<RawTensor<'_>, MAX_TENSORS>::new();
        for ((dtype, rows, cols, data, scales), &pad) in encoded.iter().zip(pads) {
            let pad = zeros.get(..pad).unwrap_or_default();
            let t = RawTensor {
                dtype: *dtype,
                rows: *rows,
                cols: *cols,
                pad,
                data,
                scales,
            };
            tensors.push(t).map_err(|_| Error::TensorCount {
                expected: self.arch.tensor_count(),
                found: encoded.len(),
            })?;
        }
        let vocab: Vec<u8> = self
            .vocab
            .iter()
            .flat_map(|&c| u32::from(c).to_le_bytes())
            .collect();
        let st_bytes = self.self_test.as_ref().map(|st| {
            let top1: Vec<u8> = st
                .expected_top1
                .iter()
                .flat_map(|t| t.to_le_bytes())
                .collect();
            let logits: Vec<u8> = st
                .expected_logits
                .iter()
                .flat_map(|t| t.to_le_bytes())
                .collect();
            (top1, logits)
        });
        let self_test = match (&self.self_test, &st_bytes) {
            (Some(st), Some((top1, logits))) => Some(RawSelfTest {
                prime: &st.prime,
                expected_top1: top1,
                expected_logits: logits,
                tolerance: st.tolerance,
            }),
            _ => None,
        };
        let payload = Payload {
            arch: self.arch,
            vocab: &vocab,
            tensors,
            metadata: RawMetadata {
                name: &self.metadata.name,
                corpus: &self.metadata.corpus,
                val_loss: self.metadata.val_loss,
                producer: &self.metadata.producer,
            },
            self_test,
        };
        frame(&postcard::to_allocvec(&payload)?)
    }

    /// A copy with every weight matrix quantised to int8 (biases stay f32).
    pub fn quantized_int8(&self) -> Self {
        let mut out = self.clone();
        for t in out.tensors_mut() {
            if t.shape().1 > 1 {
                *t = t.quantize_int8();
            }
        }
        out
    }

    /// An owned copy of a validated model.
    pub fn from_model(m: &Model<'_>) -> Self {
        let layers = m
            .layers()
            .iter()
            .map(|l| OwnedLayer {
                weight_ih: OwnedTensor::from_matrix(&l.weight_ih),
                weight_hh: OwnedTensor::from_matrix(&l.weight_hh),
                bias_ih: OwnedTensor::from_vector(&l.bias_ih),
                bias_hh: OwnedTensor::from_vector(&l.bias_hh),
            })
            .collect();
        let md = m.metadata();
        OwnedModel {
            arch: *m.arch(),
            vocab: m.vocab().chars().collect(),
            embedding: OwnedTensor::from_matrix(m.embedding()),
            layers,
            output_weight: OwnedTensor::from_matrix(m.output_weight()),
            output_bias: OwnedTensor::from_vector(m.output_bias()),
            metadata: OwnedMetadata {
                name: md.name.into(),
                corpus: md.corpus.into(),
                val_loss: md.val_loss,
                producer: md.producer.into(),
            },
            self_test: m.self_test().map(|st| OwnedSelfTest {
                prime: st.prime().into(),
                expected_top1: st.expected_top1().collect(),
                expected_logits: st.expected_logits().collect(),
                tolerance: st.tolerance(),
            }),
        }
    }
}
