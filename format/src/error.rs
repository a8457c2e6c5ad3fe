//! Everything that can be wrong with a model file, each with a message a person can act on.

use core::fmt;

use crate::header::SUPPORTED_VERSIONS;
use crate::tensor::TensorName;

/// Why a model file was refused; `Display` says what was wrong, where, and what to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Shorter than the 12-byte header plus the 4-byte checksum.
    TooShort {
        /// The file's length in bytes.
        len: usize,
    },
    /// The first four bytes are not `QUIL`.
    BadMagic {
        /// The first four bytes found.
        found: [u8; 4],
    },
    /// A trainer checkpoint (`QUILLCKP`), not a model file.
    TrainerCheckpoint,
    /// A format version this build cannot read.
    UnsupportedVersion {
        /// The version the header names.
        found: u16,
    },
    /// Header bytes 6..8 are not zero.
    ReservedNotZero,
    /// The header's payload length does not match the file's length.
    LengthMismatch {
        /// The payload length the header declares.
        declared_payload: u32,
        /// The file's actual length.
        file_len: usize,
    },
    /// The CRC-32 over header and payload does not match the trailer.
    ChecksumMismatch {
        /// The CRC-32 in the trailer.
        stored: u32,
        /// The CRC-32 of the bytes read.
        computed: u32,
    },
    /// The payload is not a valid postcard encoding of the schema.
    Decode(postcard::Error),
    /// The payload decoded but bytes were left over.
    TrailingPayload {
        /// Bytes left after the decoded payload.
        unused: usize,
    },
    /// A size in the architecture is out of range.
    InvalidArchitecture {
        /// Which size, and the range it must lie in.
        reason: &'static str,
    },
    /// A size computation overflowed.
    TooLarge {
        /// The size that overflowed.
        what: &'static str,
    },
    /// The vocabulary's bytes are not 4 per character of the architecture's vocabulary.
    VocabLength {
        /// 4 × (vocabulary size − 1).
        expected_bytes: usize,
        /// The bytes stored.
        found_bytes: usize,
    },
    /// A vocabulary entry that is not a Unicode scalar value.
    InvalidChar {
        /// Its position in the vocabulary.
        index: usize,
        /// The value stored.
        value: u32,
    },
    /// The vocabulary is not in strictly increasing order (it is searched by bisection).
    VocabNotSorted {
        /// The first entry out of order.
        index: usize,
    },
    /// Not as many tensors as the architecture needs.
    TensorCount {
        /// The tensors the architecture needs.
        expected: usize,
        /// The tensors stored.
        found: usize,
    },
    /// A tensor whose rows × columns differ from the architecture's.
    TensorShape {
        /// Which tensor.
        tensor: TensorName,
        /// The architecture's shape.
        expected: (usize, usize),
        /// The shape stored.
        found: (u32, u32),
    },
    /// Biases must be f32.
    TensorDType {
        /// Which tensor.
        tensor: TensorName,
    },
    /// A tensor's data is not rows × columns elements of its type.
    TensorDataLength {
        /// Which tensor.
        tensor: TensorName,
        /// The bytes its shape and type need.
        expected: usize,
        /// The bytes stored.
        found: usize,
    },
    /// An int8 tensor's scales are not one per row.
    ScaleLength {
        /// Which tensor.
        tensor: TensorName,
        /// Its rows.
        expected: usize,
        /// The scales stored.
        found: usize,
    },
    /// A NaN or infinite weight (`index` counts elements, or rows for a scale).
    NonFinite {
        /// Which tensor.
        tensor: TensorName,
        /// The element (or row) at fault.
        index: usize,
    },
    /// An int8 row scale that is negative, NaN or infinite.
    InvalidScale {
        /// Which tensor.
        tensor: TensorName,
        /// The row at fault.
        row: usize,
    },
    /// An int8 weight of −128: quantisation is symmetric, so weights lie in −127…127 (and the
    /// SIMD kernels rely on it).
    Int8OutOfRange {
        /// Which tensor.
        tensor: TensorName,
        /// The element at fault.
        index: usize,
    },
    /// The metadata section (name, corpus, producer, validation loss) is malformed.
    InvalidMetadata {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The self-test section (prime text, expected logits, tolerance) is malformed.
    InvalidSelfTest {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl From<postcard::Error> for Error {
    fn from(e: postcard::Error) -> Self {
        Error::Decode(e)
    }
}

const REEXPORT: &str = "re-export the model with the trainer";
const CORRUPT: &str = "the file is damaged or was cut short in transfer; copy or download it again";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooShort { len } => write!(
                f,
                "model file is {len} bytes, shorter than the 16-byte minimum (header + checksum): {CORRUPT}"
            ),
            Error::BadMagic { found } => {
                // Hex by hand: `{:02x?}` would link core's Debug machinery into every firmware.
                let [a, b, c, d] = *found;
                write!(
                    f,
                    "not a Quill model file: it starts with [{a:02x}, {b:02x}, {c:02x}, {d:02x}], expected \"QUIL\"; pass a .quill file written by the trainer or `quill export`"
                )
            }
            Error::TrainerCheckpoint => f.write_str(
                "this is a trainer checkpoint (checkpoint.bin), not a model file: the model files \
                 are model.quill and model-int8.quill in the same run directory (continue \
                 training with `train --resume DIR`)",
            ),
            Error::UnsupportedVersion { found } => write!(
                f,
                "model file format version {found} is not supported by this build (supported: {}); \
                 export it again with a matching trainer or upgrade the runtime",
                Versions(SUPPORTED_VERSIONS)
            ),
            Error::ReservedNotZero => {
                write!(
                    f,
                    "model file header has non-zero reserved bytes 6..8: {CORRUPT}"
                )
            }
            Error::LengthMismatch {
                declared_payload,
                file_len,
            } => {
                let expected = u64::from(*declared_payload).saturating_add(16);
                if *file_len as u64 > expected {
                    // Longer than declared: bytes appended, or a buffer larger than the model
                    // (a whole flash page, a padded download) handed over as the model.
                    write!(
                        f,
                        "model data is {file_len} bytes but its header declares a {expected}-byte \
                         model: it continues past its end; pass exactly the model's bytes (its \
                         header's length), or copy the file again if bytes were appended"
                    )
                } else {
                    write!(
                        f,
                        "model file is {file_len} bytes but its header declares a \
                         {declared_payload}-byte payload (file should be {expected} bytes): {CORRUPT}"
                    )
                }
            }
            Error::ChecksumMismatch { stored, computed } => write!(
                f,
                "model file checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): {CORRUPT}"
            ),
            Error::Decode(e) => {
                write!(
                    f,
                    "model payload does not decode as format v1 ({e}); {REEXPORT}"
                )
            }
            Error::TrailingPayload { unused } => {
                write!(
                    f,
                    "model payload has {unused} unused bytes after its last field; {REEXPORT}"
                )
            }
            Error::InvalidArchitecture { reason } => {
                write!(
                    f,
                    "invalid architecture in model file: {reason}; {REEXPORT}"
                )
            }
            Error::TooLarge { what } => {
                write!(f, "the {what} is too large to address on this target")
            }
            Error::VocabLength {
                expected_bytes,
                found_bytes,
            } => write!(
                f,
                "vocabulary holds {found_bytes} bytes but the architecture's vocabulary size needs {expected_bytes}; {REEXPORT}"
            ),
            Error::InvalidChar { index, value } => write!(
                f,
                "vocabulary entry {index} is {value:#x}, not a Unicode scalar value; {REEXPORT}"
            ),
            Error::VocabNotSorted { index } => write!(
                f,
                "vocabulary entry {index} is not greater than the one before it (entries must be strictly \
                 ascending code points); {REEXPORT}"
            ),
            Error::TensorCount { expected, found } => write!(
                f,
                "model file has {found} tensors, its architecture needs {expected}; {REEXPORT}"
            ),
            Error::TensorShape {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor {tensor} is {}x{}, the architecture needs {}x{}; {REEXPORT}",
                found.0, found.1, expected.0, expected.1
            ),
            Error::TensorDType { tensor } => {
                write!(
                    f,
                    "tensor {tensor} is a bias and must be stored as f32; {REEXPORT}"
                )
            }
            Error::TensorDataLength {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor {tensor} has {found} data bytes, its shape and type need {expected}; {REEXPORT}"
            ),
            Error::ScaleLength {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor {tensor} has {found} scale bytes, need {expected} (one f32 per row for int8, none for f32); {REEXPORT}"
            ),
            Error::NonFinite { tensor, index } => write!(
                f,
                "tensor {tensor} element {index} is NaN or infinite (the training run diverged?); \
                 retrain or export an earlier checkpoint"
            ),
            Error::InvalidScale { tensor, row } => write!(
                f,
                "tensor {tensor} row {row} has a negative, NaN or infinite int8 scale; {REEXPORT}"
            ),
            Error::Int8OutOfRange { tensor, index } => write!(
                f,
                "tensor {tensor} element {index} is -128, outside the symmetric int8 range -127..=127 \
                 that Quill's quantiser writes; {REEXPORT}"
            ),
            Error::InvalidMetadata { reason } => write!(f, "invalid model metadata: {reason}"),
            Error::InvalidSelfTest { reason } => {
                write!(f, "invalid self-test section: {reason}; {REEXPORT}")
            }
        }
    }
}

impl core::error::Error for Error {}

/// The supported versions as "1, 2" (without `{:?}`, for the reason above).
struct Versions(&'static [u16]);

impl fmt::Display for Versions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}
