//! The architecture record and the shape rules every file is checked against.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::tensor::{TensorKind, TensorName};

/// Most recurrent layers a file may declare.
pub const MAX_LAYERS: usize = 8;
/// Largest embedding or hidden size a file may declare (keeps all size arithmetic far from
/// overflow even on 32-bit targets).
pub const MAX_DIM: usize = 1 << 14;
/// Tensors in a file of [`MAX_LAYERS`] layers: embedding, four per layer, output weight and bias.
pub const MAX_TENSORS: usize = 4 * MAX_LAYERS + 3;

/// The recurrent cell, with PyTorch's equations (see `FORMAT.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CellKind {
    /// `nn.RNN(nonlinearity="tanh")`
    RnnTanh,
    /// `nn.RNN(nonlinearity="relu")`
    RnnRelu,
    /// `nn.GRU`: gates r, z, n; the reset gate multiplies `W_hn h + b_hn`.
    Gru,
    /// `nn.LSTM`: gates i, f, g, o.
    Lstm,
}

impl CellKind {
    /// Gate blocks stacked in `weight_ih`/`weight_hh` (PyTorch's layout).
    pub const fn gates(self) -> usize {
        match self {
            CellKind::RnnTanh | CellKind::RnnRelu => 1,
            CellKind::Gru => 3,
            CellKind::Lstm => 4,
        }
    }

    /// Hidden-sized state vectors carried between steps (`h`, plus `c` for an LSTM).
    pub const fn state_vectors(self) -> usize {
        match self {
            CellKind::Lstm => 2,
            _ => 1,
        }
    }

    /// A short lowercase name (`rnn-tanh`, `rnn-relu`, `gru`, `lstm`).
    pub const fn name(self) -> &'static str {
        match self {
            CellKind::RnnTanh => "rnn-tanh",
            CellKind::RnnRelu => "rnn-relu",
            CellKind::Gru => "gru",
            CellKind::Lstm => "lstm",
        }
    }
}

/// What the network looks like: `Embedding(vocab, embed)` → `layers` × cell(`hidden`) →
/// `Linear(hidden, vocab)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    /// The recurrent cell: RNN (tanh), GRU or LSTM.
    pub cell: CellKind,
    /// Stacked recurrent layers (1–8).
    pub layers: u8,
    /// Embedding width (1–16384).
    pub embed: u32,
    /// Hidden units per layer (1–16384).
    pub hidden: u32,
    /// Vocabulary size including index 0 (unknown/padding).
    pub vocab: u32,
}

impl Architecture {
    /// Checks the sizes against the format's limits.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason| Err(Error::InvalidArchitecture { reason });
        if self.layers == 0 || usize::from(self.layers) > MAX_LAYERS {
            return bad("layers must be between 1 and 8");
        }
        if self.embed == 0 || self.embed as usize > MAX_DIM {
            return bad("embedding size must be between 1 and 16384");
        }
        if self.hidden == 0 || self.hidden as usize > MAX_DIM {
            return bad("hidden size must be between 1 and 16384");
        }
        if self.vocab < 2 || self.vocab > char::MAX as u32 {
            return bad("vocabulary size must be at least 2 (index 0 plus one character)");
        }
        Ok(())
    }

    /// Stacked recurrent layers, as a `usize`.
    pub fn layers(&self) -> usize {
        usize::from(self.layers)
    }
    /// Embedding width, as a `usize`.
    pub fn embed(&self) -> usize {
        self.embed as usize
    }
    /// Hidden units per layer, as a `usize`.
    pub fn hidden(&self) -> usize {
        self.hidden as usize
    }
    /// Vocabulary size including index 0, as a `usize`.
    pub fn vocab(&self) -> usize {
        self.vocab as usize
    }

    /// Number of tensors a file of this architecture holds.
    pub fn tensor_count(&self) -> usize {
        // layers ≤ MAX_LAYERS, so this cannot overflow.
        self.layers().saturating_mul(4).saturating_add(3)
    }

    /// The name of the `index`-th tensor in file order (see `FORMAT.md`).
    pub fn tensor_name(&self, index: usize) -> Option<TensorName> {
        let last_layer_tensor = self.layers().checked_mul(4)?;
        let kind_layer = match index {
            0 => (TensorKind::Embedding, 0),
            i if i <= last_layer_tensor => {
                let j = i.checked_sub(1)?;
                let kind = match j % 4 {
                    0 => TensorKind::WeightIh,
                    1 => TensorKind::WeightHh,
                    2 => TensorKind::BiasIh,
                    _ => TensorKind::BiasHh,
                };
                (kind, j / 4)
            }
            i if i == last_layer_tensor.checked_add(1)? => (TensorKind::OutputWeight, 0),
            i if i == last_layer_tensor.checked_add(2)? => (TensorKind::OutputBias, 0),
            _ => return None,
        };
        Some(TensorName {
            kind: kind_layer.0,
            layer: u8::try_from(kind_layer.1).ok()?,
        })
    }

    /// `(rows, cols)` a tensor must have; vectors are `(n, 1)`. `None` on overflow.
    pub fn expected_shape(&self, name: TensorName) -> Option<(usize, usize)> {
        let gates_h = self.cell.gates().checked_mul(self.hidden())?;
        let layer_input = if name.layer == 0 {
            self.embed()
        } else {
            self.hidden()
        };
        Some(match name.kind {
            TensorKind::Embedding => (self.vocab(), self.embed()),
            TensorKind::WeightIh => (gates_h, layer_input),
            TensorKind::WeightHh => (gates_h, self.hidden()),
            TensorKind::BiasIh | TensorKind::BiasHh => (gates_h, 1),
            TensorKind::OutputWeight => (self.vocab(), self.hidden()),
            TensorKind::OutputBias => (self.vocab(), 1),
        })
    }
}
