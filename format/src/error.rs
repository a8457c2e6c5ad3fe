//! Everything that can be wrong with a model file, each with a message a person can act on.

use core::fmt;

use crate::header::SUPPORTED_VERSIONS;
use crate::tensor::TensorName;

#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Shorter than the 12-byte header plus the 4-byte checksum.
    TooShort {
        len: usize,
    },
    /// The first four bytes are not `QUIL`.
    BadMagic {
        found: [u8; 4],
    },
    /// A trainer checkpoint (`QUILLCKP`), not a model file.
    TrainerCheckpoint,
    /// A format version this build cannot read.
    UnsupportedVersion {
        found: u16,
    },
    /// Header bytes 6..8 are not zero.
    ReservedNotZero,
    /// The header's payload length does not match the file's length.
    LengthMismatch {
        declared_payload: u32,
        file_len: usize,
    },
    /// The CRC-32 over header and payload does not match the trailer.
    ChecksumMismatch {
        stored: u32,
        computed: u32,
    },
    /// The payload is not a valid postcard encoding of the schema.
    Decode(postcard::Error),
    /// The payload decoded but bytes were left over.
    TrailingPayload {
        unused: usize,
    },
    /// A size in the architecture is out of range.
    InvalidArchitecture {
        reason: &'static str,
    },
    /// A size computation overflowed.
    TooLarge {
        what: &'static str,
    },
    VocabLength {
        expected_bytes: usize,
        found_bytes: usize,
    },
    InvalidChar {
        index: usize,
        value: u32,
    },
    VocabNotSorted {
        index: usize,
    },
    TensorCount {
        expected: usize,
        found: usize,
    },
    TensorShape {
        tensor: TensorName,
        expected: (usize, usize),
        found: (u32, u32),
    },
    /// Biases must be f32.
    TensorDType {
        tensor: TensorName,
    },
    TensorDataLength {
        tensor: TensorName,
        expected: usize,
        found: usize,
    },
    ScaleLength {
        tensor: TensorName,
        expected: usize,
        found: usize,
    },
    /// A NaN or infinite weight (`index` counts elements, or rows for a scale).
    NonFinite {
        tensor: TensorName,
        index: usize,
    },
    InvalidScale {
        tensor: TensorName,
        row: usize,
    },
    /// An int8 weight of −128: quantisation is symmetric, so weights lie in −127…127 (and the
    /// SIMD kernels rely on it).
    Int8OutOfRange {
        tensor: TensorName,
        index: usize,
    },
    InvalidMetadata {
        reason: &'static str,
    },
    InvalidSelfTest {
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
