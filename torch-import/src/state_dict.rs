//! The safetensors file as a set of named f32 tensors, keeping track of which ones the
//! converted model used so that nothing is dropped silently.

use std::collections::BTreeSet;

use half::{bf16, f16};
use safetensors::{Dtype, SafeTensors};

use crate::ImportError;

/// A tensor converted to f32, row-major, with its PyTorch shape.
#[derive(Debug, Clone)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

pub struct StateDict<'a> {
    file: SafeTensors<'a>,
    used: BTreeSet<String>,
}

impl<'a> StateDict<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ImportError> {
        let file =
            SafeTensors::deserialize(bytes).map_err(|e| ImportError::Safetensors(e.to_string()))?;
        Ok(StateDict {
            file,
            used: BTreeSet::new(),
        })
    }

    pub fn contains(&self, key: &str) -> bool {
        self.file.names().contains(&key)
    }

    /// Every key with its shape, sorted, for error messages.
    pub fn listing(&self) -> String {
        let mut keys: Vec<String> = self
            .file
            .iter()
            .map(|(k, t)| format!("{k} {:?}", t.shape()))
            .collect();
        keys.sort();
        if keys.is_empty() {
            "none".into()
        } else {
            keys.join(", ")
        }
    }

    /// Keys the caller has not taken.
    pub fn unused(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .file
            .names()
            .into_iter()
            .filter(|k| !self.used.contains(*k))
            .map(String::from)
            .collect();
        keys.sort();
        keys
    }

    /// The tensor `key` as f32 with exactly `dims` dimensions; `flag` is the command-line flag
    /// that renames it, for the error message.
    pub fn take(
        &mut self,
        key: &str,
        dims: usize,
        flag: &'static str,
    ) -> Result<Tensor, ImportError> {
        let view = self.file.tensor(key).map_err(|_| ImportError::Missing {
            key: key.into(),
            flag,
            available: self.listing(),
        })?;
        self.used.insert(key.into());
        let shape = view.shape().to_vec();
        if shape.len() != dims {
            return Err(ImportError::Shape {
                key: key.into(),
                expected: format!("{dims} dimensions"),
                found: shape,
                why: if dims == 1 {
                    "a bias is a vector".into()
                } else {
                    "a weight is a matrix".into()
                },
            });
        }
        let data = to_f32(key, view.dtype(), view.data())?;
        let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if elements != Some(data.len()) {
            return Err(ImportError::Safetensors(format!(
                "tensor `{key}` has {} values for shape {shape:?}",
                data.len()
            )));
        }
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(ImportError::NonFinite {
                key: key.into(),
                index,
            });
        }
        Ok(Tensor { shape, data })
    }
}

/// Little-endian float data of any common width as f32 (f64 values too large become infinite,
/// which the caller refuses).
fn to_f32(key: &str, dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>, ImportError> {
    Ok(match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                f64::from_le_bytes(a) as f32
            })
            .collect(),
        Dtype::F16 => bytes
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => bytes
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        other => {
            return Err(ImportError::DType {
                key: key.into(),
                dtype: other.to_string(),
            });
        }
    })
}
