//! [`Model`]: a model file, validated and borrowed.

use crate::arch::{Architecture, CellKind, MAX_LAYERS};
use crate::error::Error;
use crate::header::unframe;
use crate::schema::{DType, RawMetadata, RawSelfTest, RawTensor};
use crate::tensor::{Matrix, TensorKind, TensorName, Vector, Weights, le_f32, le_u32};
use crate::vocab::Vocab;

/// The weights of one recurrent layer (PyTorch's `weight_ih_l{k}`, `weight_hh_l{k}`,
/// `bias_ih_l{k}`, `bias_hh_l{k}`; gates stacked in PyTorch's order).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layer<'a> {
    /// Input-to-hidden weights, `[gates × hidden, input]`.
    pub weight_ih: Matrix<'a>,
    /// Hidden-to-hidden weights, `[gates × hidden, hidden]`.
    pub weight_hh: Matrix<'a>,
    /// Input-side bias, `[gates × hidden]`.
    pub bias_ih: Vector<'a>,
    /// Hidden-side bias, `[gates × hidden]`.
    pub bias_hh: Vector<'a>,
}

/// Free-form facts about where a model came from.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Metadata<'a> {
    /// The model's name, as the producer gave it.
    pub name: &'a str,
    /// The corpus it was trained on (a file name or a description).
    pub corpus: &'a str,
    /// Validation loss in nats per char, if the producer measured it.
    pub val_loss: Option<f32>,
    /// What wrote the file (e.g. `quill-train 0.1.0`).
    pub producer: &'a str,
}

/// Expected outputs recorded at export, so a device can check a model after an update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SelfTest<'a> {
    prime: &'a str,
    expected_top1: &'a [u8],
    expected_logits: &'a [u8],
    tolerance: f32,
}

impl<'a> SelfTest<'a> {
    /// The text fed, char by char, to a freshly reset predictor.
    pub fn prime(&self) -> &'a str {
        self.prime
    }
    /// After each prime char, the index of the most likely next token.
    pub fn expected_top1(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        self.expected_top1.chunks_exact(4).map(le_u32)
    }
    /// The full logit vector after the last prime char.
    pub fn expected_logits(&self) -> impl ExactSizeIterator<Item = f32> + 'a {
        self.expected_logits.chunks_exact(4).map(le_f32)
    }
    /// Largest allowed absolute difference of a logit.
    pub fn tolerance(&self) -> f32 {
        self.tolerance
    }
}

/// A validated model file. Every accessor hands out views into the original bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Model<'a> {
    arch: Architecture,
    vocab: Vocab<'a>,
    embedding: Matrix<'a>,
    layers: heapless::Vec<Layer<'a>, MAX_LAYERS>,
    output_weight: Matrix<'a>,
    output_bias: Vector<'a>,
    metadata: Metadata<'a>,
    self_test: Option<SelfTest<'a>>,
    file_len: usize,
}

impl<'a> Model<'a> {
    /// Parses and validates a model file: framing, checksum, schema, every shape against the
    /// architecture, every length, and that every weight and scale is finite.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(bytes, Depth::Everything)
    }

    /// Parses bytes that [`from_bytes`](Self::from_bytes) has already accepted — in another
    /// thread (a web page's worker), or earlier in this process — without reading them all
    /// again: the framing, schema, every shape and every length are checked as `from_bytes`
    /// checks them (what reading the model safely needs), but not the checksum nor the
    /// weights' values (the passes over every byte, which take a third of a second for a 50 MB
    /// model in a browser). Bytes that were never verified, or changed since, are read
    /// without undefined behaviour, but their predictions may be wrong or NaN: pass only
    /// what `from_bytes` accepted.
    pub fn from_verified_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(bytes, Depth::Structure)
    }

    fn parse(bytes: &'a [u8], depth: Depth) -> Result<Self, Error> {
        let payload = unframe(bytes, depth == Depth::Everything)?;
        // The payload is decoded field by field (postcard writes a struct's fields in order, a
        // list as its length then its items), and each tensor is checked as it is taken: the
        // loader runs on 16 KB microcontrollers, and the list of every tensor at once (with
        // the copies a by-value decode makes of it) took most of 5 KB of stack.
        let (arch, rest): (Architecture, &[u8]) = postcard::take_from_bytes(payload)?;
        arch.validate()?;
        let (raw_vocab, rest): (&[u8], &[u8]) = postcard::take_from_bytes(rest)?;
        let vocab = Vocab::parse(raw_vocab, arch.vocab())?;
        let (count, mut rest): (u32, &[u8]) = postcard::take_from_bytes(rest)?;
        let expected = arch.tensor_count();
        if count as usize != expected {
            return Err(Error::TensorCount {
                expected,
                found: count as usize,
            });
        }
        let mut index = 0;
        let mut next = || -> Result<Matrix<'a>, Error> {
            let (raw, after): (RawTensor<'a>, &'a [u8]) = postcard::take_from_bytes(rest)?;
            rest = after;
            let name = arch.tensor_name(index).ok_or(Error::TooLarge {
                what: "tensor list",
            })?;
            index = index.saturating_add(1);
            check_tensor(&arch, name, &raw, depth)
        };
        let embedding = next()?;
        let mut layers = heapless::Vec::new();
        for _ in 0..arch.layers() {
            let layer = Layer {
                weight_ih: next()?,
                weight_hh: next()?,
                bias_ih: as_vector(next()?),
                bias_hh: as_vector(next()?),
            };
            layers
                .push(layer)
                .map_err(|_| Error::TooLarge { what: "layer list" })?;
        }
        let output_weight = next()?;
        let output_bias = as_vector(next()?);

        let (raw_metadata, rest): (RawMetadata<'a>, &[u8]) = postcard::take_from_bytes(rest)?;
        let (raw_self_test, rest): (Option<RawSelfTest<'a>>, &[u8]) =
            postcard::take_from_bytes(rest)?;
        if !rest.is_empty() {
            return Err(Error::TrailingPayload { unused: rest.len() });
        }
        let metadata = check_metadata(raw_metadata)?;
        let self_test = match raw_self_test {
            Some(st) => Some(check_self_test(&arch, &vocab, st)?),
            None => None,
        };
        Ok(Model {
            arch,
            vocab,
            embedding,
            layers,
            output_weight,
            output_bias,
            metadata,
            self_test,
            file_len: bytes.len(),
        })
    }

    /// The network's sizes.
    pub fn arch(&self) -> &Architecture {
        &self.arch
    }
    /// The recurrent cell.
    pub fn cell(&self) -> CellKind {
        self.arch.cell
    }
    /// The characters of token indices 1.., in order.
    pub fn vocab(&self) -> &Vocab<'a> {
        &self.vocab
    }
    /// `vocab × embed`.
    pub fn embedding(&self) -> &Matrix<'a> {
        &self.embedding
    }
    /// The recurrent layers, bottom first.
    pub fn layers(&self) -> &[Layer<'a>] {
        &self.layers
    }
    /// `vocab × hidden`.
    pub fn output_weight(&self) -> &Matrix<'a> {
        &self.output_weight
    }
    /// The output layer's bias, `[vocab]`.
    pub fn output_bias(&self) -> &Vector<'a> {
        &self.output_bias
    }
    /// Where the model came from.
    pub fn metadata(&self) -> &Metadata<'a> {
        &self.metadata
    }
    /// The outputs recorded at export for a self-test, if any.
    pub fn self_test(&self) -> Option<&SelfTest<'a>> {
        self.self_test.as_ref()
    }
    /// Size of the file this model was read from.
    pub fn file_len(&self) -> usize {
        self.file_len
    }
    /// The element type of the weight matrices (`Int8` if any matrix is int8).
    pub fn weight_dtype(&self) -> DType {
        let all = core::iter::once(&self.embedding)
            .chain(
                self.layers
                    .iter()
                    .flat_map(|l| [&l.weight_ih, &l.weight_hh]),
            )
            .chain(core::iter::once(&self.output_weight));
        for m in all {
            if matches!(m.weights(), Weights::Int8 { .. }) {
                return DType::Int8;
            }
        }
        DType::F32
    }
    /// Number of weights (parameters) in the network.
    pub fn parameter_count(&self) -> usize {
        let mut n = self.embedding.rows().saturating_mul(self.embedding.cols());
        for l in &self.layers {
            for m in [&l.weight_ih, &l.weight_hh] {
                n = n.saturating_add(m.rows().saturating_mul(m.cols()));
            }
            n = n
                .saturating_add(l.bias_ih.len())
                .saturating_add(l.bias_hh.len());
        }
        n.saturating_add(
            self.output_weight
                .rows()
                .saturating_mul(self.output_weight.cols()),
        )
        .saturating_add(self.output_bias.len())
    }
}

fn as_vector(m: Matrix<'_>) -> Vector<'_> {
    match m.weights() {
        Weights::F32(d) => Vector::new_unchecked(d),
        // check_tensor rejects int8 biases.
        Weights::Int8 { .. } => Vector::new_unchecked(&[]),
    }
}

/// How much of a model file a parse reads (see [`Model::from_verified_bytes`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// Everything: the checksum and every weight's value too.
    Everything,
    /// The structure: every length and shape, not the checksum nor the weights' values.
    Structure,
}

fn check_tensor<'a>(
    arch: &Architecture,
    name: TensorName,
    raw: &RawTensor<'a>,
    depth: Depth,
) -> Result<Matrix<'a>, Error> {
    let (rows, cols) = arch.expected_shape(name).ok_or(Error::TooLarge {
        what: "tensor shape",
    })?;
    if (raw.rows as usize, raw.cols as usize) != (rows, cols) {
        return Err(Error::TensorShape {
            tensor: name,
            expected: (rows, cols),
            found: (raw.rows, raw.cols),
        });
    }
    let is_bias = matches!(
        name.kind,
        TensorKind::BiasIh | TensorKind::BiasHh | TensorKind::OutputBias
    );
    let elems = rows
        .checked_mul(cols)
        .ok_or(Error::TooLarge { what: "tensor" })?;
    let elem_size = match raw.dtype {
        DType::F32 => 4,
        DType::Int8 if is_bias => return Err(Error::TensorDType { tensor: name }),
        DType::Int8 => 1,
    };
    let expected = elems
        .checked_mul(elem_size)
        .ok_or(Error::TooLarge { what: "tensor" })?;
    if raw.data.len() != expected {
        return Err(Error::TensorDataLength {
            tensor: name,
            expected,
            found: raw.data.len(),
        });
    }
    let scale_bytes = match raw.dtype {
        DType::F32 => 0,
        DType::Int8 => rows
            .checked_mul(4)
            .ok_or(Error::TooLarge { what: "tensor" })?,
    };
    if raw.scales.len() != scale_bytes {
        return Err(Error::ScaleLength {
            tensor: name,
            expected: scale_bytes,
            found: raw.scales.len(),
        });
    }
    let weights = match raw.dtype {
        DType::F32 => {
            let scan = depth == Depth::Everything;
            if let Some(index) = scan.then(|| first_non_finite(raw.data)).flatten() {
                return Err(Error::NonFinite {
                    tensor: name,
                    index,
                });
            }
            Weights::F32(raw.data)
        }
        DType::Int8 => {
            if let Some(row) = raw
                .scales
                .chunks_exact(4)
                .map(le_f32)
                .position(|s| !(s.is_finite() && s >= 0.0))
            {
                return Err(Error::InvalidScale { tensor: name, row });
            }
            // Branch-free per 64-byte chunk so the scan vectorises; find the index only on error.
            let has_min = |c: &[u8]| c.iter().fold(false, |seen, &b| seen | (b == 0x80));
            let any_min = depth == Depth::Everything && raw.data.chunks(64).any(has_min);
            if let Some(index) = any_min
                .then(|| raw.data.iter().position(|&b| b == 0x80))
                .flatten()
            {
                return Err(Error::Int8OutOfRange {
                    tensor: name,
                    index,
                });
            }
            Weights::Int8 {
                data: raw.data,
                scales: raw.scales,
            }
        }
    };
    Ok(Matrix::new_unchecked(rows, cols, weights))
}

fn check_metadata(m: RawMetadata<'_>) -> Result<Metadata<'_>, Error> {
    if m.val_loss.is_some_and(|v| !v.is_finite() || v < 0.0) {
        return Err(Error::InvalidMetadata {
            reason: "validation loss must be a finite, non-negative number",
        });
    }
    Ok(Metadata {
        name: m.name,
        corpus: m.corpus,
        val_loss: m.val_loss,
        producer: m.producer,
    })
}

/// Longest self-test prime, in chars (keeps a device's check short and bounded).
pub(crate) const MAX_SELF_TEST_CHARS: usize = 1024;

fn check_self_test<'a>(
    arch: &Architecture,
    vocab: &Vocab<'_>,
    st: RawSelfTest<'a>,
) -> Result<SelfTest<'a>, Error> {
    let bad = |reason| Err(Error::InvalidSelfTest { reason });
    let n = st.prime.chars().count();
    if n == 0 || n > MAX_SELF_TEST_CHARS {
        return bad("the prime must hold 1 to 1024 characters");
    }
    if st.expected_top1.len() != n.saturating_mul(4) {
        return bad("expected_top1 must hold one u32 per prime character");
    }
    if st
        .expected_top1
        .chunks_exact(4)
        .map(le_u32)
        .any(|t| t as usize >= vocab.len())
    {
        return bad("an expected top-1 token is outside the vocabulary");
    }
    if st.expected_logits.len() != arch.vocab().saturating_mul(4) {
        return bad("expected_logits must hold one f32 per vocabulary entry");
    }
    if st
        .expected_logits
        .chunks_exact(4)
        .any(|b| !le_f32(b).is_finite())
    {
        return bad("an expected logit is NaN or infinite");
    }
    if !(st.tolerance.is_finite() && st.tolerance > 0.0) {
        return bad("the tolerance must be a positive finite number");
    }
    Ok(SelfTest {
        prime: st.prime,
        expected_top1: st.expected_top1,
        expected_logits: st.expected_logits,
        tolerance: st.tolerance,
    })
}

/// Index of the first NaN or infinite f32 in `data`. A branch-free pass (it vectorises) checks
/// for any at all; only a bad tensor pays for locating it.
fn first_non_finite(data: &[u8]) -> Option<usize> {
    const EXP: u32 = 0x7F80_0000;
    let (words, _) = data.as_chunks::<4>();
    let any = words
        .iter()
        .fold(false, |acc, w| acc | (u32::from_le_bytes(*w) & EXP == EXP));
    if !any {
        return None;
    }
    words
        .iter()
        .position(|w| u32::from_le_bytes(*w) & EXP == EXP)
}
