//! A kernel's plan for one model, built once with the predictor: the kernel, every int8 weight
//! row's sum where the kernel takes them (x86's `maddubs` and wasm's relaxed dot product work
//! on offset activations and subtract `64 · Σ row`; every other kernel needs none, and the plan
//! holds none), and the first layer's per-token input table when the predictor has one. A step
//! asks it for three products by layer — input side, hidden side, output layer — and never sees
//! the sums.

use format::{Layer, Model, Vector};

use super::Kernel;

/// See the module docs.
pub(crate) struct Plan<'b> {
    kernel: Kernel,
    /// Every layer's `W_ih` sums then `W_hh` sums (`gates` each), then the output layer's
    /// (`vocab`); empty where the kernel needs none.
    row_sums: &'b [i32],
    /// Layer 0's input side per token (`vocab` rows of `gates`), or empty.
    table: &'b [f32],
    /// One layer's pre-activation width (`gates × hidden`).
    gates: usize,
}

/// What a layer reads: the token (layer 0) or the layer below's `h`.
pub(crate) enum Input<'a> {
    Token(usize),
    Below(&'a [f32]),
}

impl<'b> Plan<'b> {
    /// The plan for `model` on `kernel`: computes the row sums into `row_sums` (when the kernel
    /// takes them; the buffer is then `layers × 2 × gates + vocab` long) and the input table
    /// into `table` (when not empty: `vocab × gates`), with `x` and `quant` as scratch.
    pub(crate) fn new(
        kernel: Kernel,
        model: &Model<'_>,
        row_sums: &'b mut [i32],
        table: &'b mut [f32],
        gates: usize,
        x: &mut [f32],
        quant: &mut [u8],
    ) -> Self {
        if Kernel::NEEDS_ROW_SUMS {
            let mut rest: &mut [i32] = row_sums;
            for layer in model.layers() {
                for m in [&layer.weight_ih, &layer.weight_hh] {
                    let (out, next) = core::mem::take(&mut rest)
                        .split_at_mut_checked(gates)
                        .unwrap_or_default();
                    kernel.row_sums(m, out);
                    rest = next;
                }
            }
            kernel.row_sums(model.output_weight(), rest);
        }
        let sums_only = Plan {
            kernel,
            row_sums,
            table: &[],
            gates,
        };
        if let Some(layer) = model.layers().first() {
            for (token, row) in table.chunks_exact_mut(gates.max(1)).enumerate() {
                model.embedding().row_into(token, x);
                sums_only.product_ih(layer, 0, x, row, quant);
            }
        }
        Plan { table, ..sums_only }
    }

    pub(crate) fn kernel(&self) -> Kernel {
        self.kernel
    }

    pub(crate) fn has_table(&self) -> bool {
        !self.table.is_empty()
    }

    /// Layer `l`'s input side `W_ih·x + b_ih`: a row of the table for layer 0 when the plan
    /// has one (read in place), otherwise computed into `gi` from the token's embedding (layer
    /// 0, through the scratch `x`) or the layer below.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn input_side<'a>(
        &'a self,
        model: &Model<'_>,
        layer: &Layer<'_>,
        l: usize,
        input: Input<'_>,
        x: &mut [f32],
        gi: &'a mut [f32],
        quant: &mut [u8],
    ) -> &'a [f32] {
        let below: &[f32] = match input {
            Input::Token(token) => {
                let start = token.checked_mul(self.gates);
                let row = start.and_then(|s| self.table.get(s..s.checked_add(self.gates)?));
                if let Some(row) = row {
                    return row;
                }
                model.embedding().row_into(token, x);
                x
            }
            Input::Below(h) => h,
        };
        self.product_ih(layer, l, below, gi, quant);
        gi
    }

    /// Layer `l`'s hidden side `W_hh·h + b_hh` into `gh`.
    pub(crate) fn hidden_side(
        &self,
        layer: &Layer<'_>,
        l: usize,
        h: &[f32],
        gh: &mut [f32],
        quant: &mut [u8],
    ) {
        load(gh, &layer.bias_hh);
        let sums = self.sums(l.saturating_mul(2).saturating_add(1));
        self.kernel.matvec_add(&layer.weight_hh, sums, h, gh, quant);
    }

    /// The output layer `W_out·h + b_out` into `logits`.
    pub(crate) fn output(
        &self,
        model: &Model<'_>,
        h: &[f32],
        logits: &mut [f32],
        quant: &mut [u8],
    ) {
        load(logits, model.output_bias());
        let layers = model.layers().len();
        let start = layers.saturating_mul(2).saturating_mul(self.gates);
        let sums = self.row_sums.get(start..).unwrap_or_default();
        self.kernel
            .matvec_add(model.output_weight(), sums, h, logits, quant);
    }

    fn product_ih(&self, layer: &Layer<'_>, l: usize, x: &[f32], gi: &mut [f32], quant: &mut [u8]) {
        load(gi, &layer.bias_ih);
        let sums = self.sums(l.saturating_mul(2));
        self.kernel.matvec_add(&layer.weight_ih, sums, x, gi, quant);
    }

    /// The sums of matrix `i` (layer `i / 2`'s `W_ih`, or `W_hh` for odd `i`); empty where the
    /// kernel needs none.
    fn sums(&self, i: usize) -> &[i32] {
        let start = i.saturating_mul(self.gates);
        self.row_sums
            .get(start..start.saturating_add(self.gates))
            .unwrap_or_default()
    }
}

fn load(dst: &mut [f32], bias: &Vector<'_>) {
    #[cfg(quill_arm_dsp)]
    super::arm_dsp::copy_le_f32(bias.le_bytes(), dst);
    #[cfg(not(quill_arm_dsp))]
    for (o, b) in dst.iter_mut().zip(bias.iter()) {
        *o = b;
    }
}
