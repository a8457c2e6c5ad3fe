//! Everything that can be wrong with a state dict or a vocabulary, said so a person can fix it.

use std::fmt;

/// Why an import failed. Each message names the tensor or vocabulary entry, what was expected,
/// and what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    /// The weights file is not a readable safetensors file.
    Safetensors(String),
    /// A tensor the architecture needs is not in the file.
    Missing {
        key: String,
        flag: &'static str,
        available: String,
    },
    /// A tensor has the wrong number of dimensions or the wrong sizes.
    Shape {
        key: String,
        expected: String,
        found: Vec<usize>,
        why: String,
    },
    /// A tensor is not a floating-point tensor.
    DType { key: String, dtype: String },
    /// A tensor holds NaN or an infinity.
    NonFinite { key: String, index: usize },
    /// A recurrent layer with some of its tensors but not all: converting it would drop it.
    IncompleteLayer {
        layer: usize,
        missing: Vec<String>,
        present: Vec<String>,
    },
    /// Tensors in the file that the converted model would not use.
    Unused { keys: Vec<String>, hint: String },
    /// The vocabulary file is not what the importer reads.
    Vocab(String),
    /// The weights and the vocabulary disagree, or the architecture is outside the format.
    Mismatch(String),
    /// The format refused the converted model (should not happen after the checks above).
    Format(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Safetensors(e) => write!(
                f,
                "the weights file is not a valid safetensors file ({e}); save it with \
                 safetensors.torch.save_file(model.state_dict(), PATH)"
            ),
            ImportError::Missing {
                key,
                flag,
                available,
            } => write!(
                f,
                "the weights have no tensor `{key}`; tensors in the file: {available}. \
                 If the model names it differently, pass {flag}"
            ),
            ImportError::Shape {
                key,
                expected,
                found,
                why,
            } => write!(
                f,
                "tensor `{key}` has shape {found:?}, expected {expected} ({why})"
            ),
            ImportError::DType { key, dtype } => write!(
                f,
                "tensor `{key}` has dtype {dtype}; only floating-point weights (F32, F16, BF16, \
                 F64) can be imported"
            ),
            ImportError::NonFinite { key, index } => write!(
                f,
                "tensor `{key}` holds NaN or infinity at element {index}; the model cannot be \
                 run — check the training run that produced it"
            ),
            ImportError::IncompleteLayer {
                layer,
                missing,
                present,
            } => write!(
                f,
                "recurrent layer {layer} is incomplete: the weights have {} but not {}. A layer \
                 is imported whole or not at all (dropping it would change what the model \
                 computes); save the full state dict of the trained model",
                present.join(", "),
                missing.join(", ")
            ),
            ImportError::Unused { keys, hint } => write!(
                f,
                "the weights hold tensors the converted model would not use: {}. {hint}",
                keys.join(", ")
            ),
            ImportError::Vocab(e) | ImportError::Mismatch(e) => f.write_str(e),
            ImportError::Format(e) => write!(f, "the converted model is not valid: {e}"),
        }
    }
}

impl std::error::Error for ImportError {}
