//! Shared set-up for the benchmarks: the model matrix they measure.

use format::{CellKind, OwnedModel};

/// Embedding and vocabulary of the benchmark models (the lesson's char models).
pub const EMBED: u32 = 42;
pub const VOCAB: u32 = 85;

/// One benchmark model: a name like `gru-1x256-int8` and its file bytes.
pub struct BenchModel {
    pub name: String,
    /// 64-byte aligned, as a device keeps a model in flash or an app reads it.
    pub bytes: format::AlignedBytes,
    /// The weights as written (for the burn comparison).
    pub owned: OwnedModel,
}

pub fn model(cell: CellKind, layers: u8, hidden: u32, int8: bool) -> BenchModel {
    let mut m: OwnedModel = quill_tests::random_model(cell, layers, EMBED, hidden, VOCAB, 1);
    if int8 {
        m = m.quantized_int8();
    }
    let kind = match cell {
        CellKind::RnnTanh | CellKind::RnnRelu => "rnn",
        CellKind::Gru => "gru",
        CellKind::Lstm => "lstm",
    };
    let dtype = if int8 { "int8" } else { "f32" };
    BenchModel {
        name: format!("{kind}-{layers}x{hidden}-{dtype}"),
        bytes: format::AlignedBytes::new(&m.to_bytes().expect("valid model")),
        owned: m,
    }
}

/// The latency matrix: rnn/gru/lstm × hidden {64, 128, 256, 512} × layers {1, 2} × {f32, int8}.
pub fn latency_matrix() -> Vec<BenchModel> {
    let mut v = Vec::new();
    for cell in [CellKind::RnnTanh, CellKind::Gru, CellKind::Lstm] {
        for layers in [1, 2] {
            for hidden in [64, 128, 256, 512] {
                for int8 in [false, true] {
                    v.push(model(cell, layers, hidden, int8));
                }
            }
        }
    }
    v
}

/// `name bytes ram_per_step ram_with_table` per model, one per line, for `report.py`: file size
/// and the `f32` buffer each input side needs, in bytes.
pub fn sizes(models: &[BenchModel]) -> String {
    use runtime::{InputSide, Model, Predictor};
    let mut out = String::new();
    for m in models {
        let model = Model::from_bytes(&m.bytes).expect("valid model");
        let ram = |side| 4 * Predictor::buffer_len_for(&model, side).expect("fits");
        out += &format!(
            "{} {} {} {}\n",
            m.name,
            m.bytes.len(),
            ram(InputSide::PerStep),
            ram(InputSide::Table)
        );
    }
    out
}
