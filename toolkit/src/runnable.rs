//! Refusing, before it is written, a model that cannot run: finite weights so large that a
//! matrix product overflows f32 (an imported state dict with 3e38 output weights passes the
//! format's checks, then no character has a finite score).
//!
//! For the bounded cells (tanh RNN, GRU, LSTM: |h| ≤ 1 from a zero state) every layer's
//! input is bounded, so each row's |w|·max|input| + |b| bounds its output for any text. A ReLU
//! RNN's state is unbounded; its self-test run (every exported model has one when primed)
//! checks the outputs stay finite.

use format::{CellKind, OwnedModel, OwnedTensor, TensorKind, TensorName};

use crate::Error;

/// Largest pre-activation bound accepted: two of them (input and hidden side) still add up to
/// a finite f32 with room to spare.
const MAX_BOUND: f64 = (f32::MAX / 16.0) as f64;

pub fn check(m: &OwnedModel) -> Result<(), Error> {
    let max_embedding = m
        .embedding
        .to_f32()
        .iter()
        .fold(0f64, |a, &v| a.max(f64::from(v.abs())));
    // |h| ≤ 1 for the bounded cells; a ReLU RNN is left to its self-test run.
    if m.arch.cell == CellKind::RnnRelu {
        return Ok(());
    }
    let hidden_bound = 1.0;
    for (l, layer) in (0u8..).zip(&m.layers) {
        let input_bound = if l == 0 { max_embedding } else { hidden_bound };
        let named = |kind| TensorName { kind, layer: l };
        bounded(
            &layer.weight_ih,
            &layer.bias_ih,
            input_bound,
            named(TensorKind::WeightIh),
        )?;
        bounded(
            &layer.weight_hh,
            &layer.bias_hh,
            hidden_bound,
            named(TensorKind::WeightHh),
        )?;
    }
    let out = TensorName {
        kind: TensorKind::OutputWeight,
        layer: 0,
    };
    bounded(&m.output_weight, &m.output_bias, hidden_bound, out)
}

/// Checks every row of `w · x + b` for |x| ≤ `input_bound`.
fn bounded(
    w: &OwnedTensor,
    b: &OwnedTensor,
    input_bound: f64,
    name: TensorName,
) -> Result<(), Error> {
    let (rows, cols) = w.shape();
    let (w, b) = (w.to_f32(), b.to_f32());
    for r in 0..rows {
        let row = w.get(r * cols..(r + 1) * cols).unwrap_or_default();
        let sum: f64 = row.iter().map(|&v| f64::from(v.abs())).sum();
        let bound = sum * input_bound + b.get(r).map_or(0.0, |&v| f64::from(v.abs()));
        if bound.is_nan() || bound > MAX_BOUND {
            return Err(Error::NotRunnable(format!(
                "the model cannot run: row {r} of {name} can reach {bound:.3e}, beyond f32 \
                 arithmetic (weights this large are a conversion error; check the scale of the \
                 state dict)"
            )));
        }
    }
    Ok(())
}
