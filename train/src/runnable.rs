//! Refusing, before it is written, a model that cannot run: finite weights so large that a
//! matrix product overflows f32 (an imported state dict with 3e38 output weights passes the
//! format's checks, then no character has a finite score).
//!
//! For the bounded cells (tanh RNN, GRU, LSTM: |h| ≤ 1 from a zero state) every layer's
//! input is bounded, so each row's |w|·max|input| + |b| bounds its output for any text. A ReLU
//! RNN's state is unbounded; its self-test run (every exported model has one when primed)
//! checks the outputs stay finite.

use format::{CellKind, OwnedModel, TensorKind};

/// Largest pre-activation bound accepted: two of them (input and hidden side) still add up to
/// a finite f32 with room to spare.
const MAX_BOUND: f64 = (f32::MAX / 16.0) as f64;

pub fn check(m: &OwnedModel) -> Result<(), String> {
    let arch = &m.arch;
    let Some(embedding) = m.tensors.first() else {
        return Err("the model has no tensors".into());
    };
    let max_embedding = embedding
        .to_f32()
        .iter()
        .fold(0f64, |a, &v| a.max(f64::from(v.abs())));
    let hidden_bound = match arch.cell {
        CellKind::RnnRelu => return Ok(()),
        _ => 1.0,
    };
    for (i, t) in m.tensors.iter().enumerate() {
        let Some(name) = arch.tensor_name(i) else {
            continue;
        };
        let (input_bound, bias) = match name.kind {
            TensorKind::WeightIh if name.layer == 0 => (max_embedding, m.tensors.get(i + 2)),
            TensorKind::WeightIh | TensorKind::WeightHh => (hidden_bound, m.tensors.get(i + 2)),
            TensorKind::OutputWeight => (hidden_bound, m.tensors.get(i + 1)),
            _ => continue,
        };
        let (rows, cols) = t.shape();
        let w = t.to_f32();
        let b = bias.map(|b| b.to_f32()).unwrap_or_default();
        for r in 0..rows {
            let row = w.get(r * cols..(r + 1) * cols).unwrap_or_default();
            let sum: f64 = row.iter().map(|&v| f64::from(v.abs())).sum();
            let bound = sum * input_bound + b.get(r).map_or(0.0, |&v| f64::from(v.abs()));
            if bound.is_nan() || bound > MAX_BOUND {
                return Err(format!(
                    "the model cannot run: row {r} of {} can reach {bound:.3e}, beyond f32 \
                     arithmetic (weights this large are a conversion error; check the scale of \
                     the state dict)",
                    name
                ));
            }
        }
    }
    Ok(())
}
