//! What this build of the runtime can run. Each cell and f32 weight matrices are Cargo
//! features (all on by default): a firmware that ships one int8 GRU leaves the rest out and
//! saves their flash (`docs/devices.md`, the size probes). A model that needs a part left out
//! is refused when its predictor is made, saying which feature builds it in.

use format::{CellKind, Model, Weights};

use crate::Error;

/// `Ok` when this build has the model's cell and, for f32 weight matrices, the f32 products.
pub(crate) fn check(model: &Model<'_>) -> Result<(), Error> {
    let missing = match model.cell() {
        CellKind::RnnTanh | CellKind::RnnRelu if !cfg!(feature = "rnn") => {
            Some(("RNN cells", "rnn"))
        }
        CellKind::Gru if !cfg!(feature = "gru") => Some(("GRU cells", "gru")),
        CellKind::Lstm if !cfg!(feature = "lstm") => Some(("LSTM cells", "lstm")),
        _ => None,
    };
    let missing = missing.or_else(|| {
        (!cfg!(feature = "f32-weights") && has_f32_products(model))
            .then_some(("f32 weight matrices", "f32-weights"))
    });
    match missing {
        Some((part, feature)) => Err(Error::NotBuilt { part, feature }),
        None => Ok(()),
    }
}

/// Whether a matrix that goes through the products (every layer's two, the output layer) is
/// f32. The embedding is read a row at a time, whatever its type.
fn has_f32_products(model: &Model<'_>) -> bool {
    let mut matrices = model
        .layers()
        .iter()
        .flat_map(|l| [&l.weight_ih, &l.weight_hh])
        .chain(core::iter::once(model.output_weight()));
    matrices.any(|m| matches!(m.weights(), Weights::F32(_)))
}
