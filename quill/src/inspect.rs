//! `quill inspect`: what a model file holds and what a device needs to run it.

use format::{Model, Weights};
use runtime::{InputSide, Layout, Predictor, Target};
use serde::Serialize;

/// The description `inspect` prints (`--json` prints this struct).
#[derive(Clone, Debug, Serialize)]
pub struct Description {
    pub file_bytes: usize,
    pub cell: &'static str,
    pub layers: usize,
    pub embed: usize,
    pub hidden: usize,
    /// Tokens, the unknown token 0 included.
    pub vocab: usize,
    /// The characters of tokens 1.., in order.
    pub characters: String,
    pub parameters: usize,
    /// `f32` or `int8` (the weight matrices; biases are always f32).
    pub weights: &'static str,
    pub name: String,
    pub corpus: String,
    pub val_loss: Option<f32>,
    pub producer: String,
    /// `None` when the file has no self-test section.
    pub self_test: Option<SelfTestResult>,
    /// Bytes of the predictor's buffer per target family, input side per step and with the
    /// per-token table.
    pub ram: Vec<TargetRam>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SelfTestResult {
    pub prime: String,
    pub passed: bool,
    /// The runtime's message when it failed.
    pub failure: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetRam {
    pub target: &'static str,
    pub per_step_bytes: usize,
    pub table_bytes: usize,
}

const TARGETS: [(Target, &str); 4] = [
    (Target::RowSums, "x86_64, wasm32 relaxed SIMD"),
    (Target::CortexMDsp, "Cortex-M4/M7"),
    (Target::Neon, "aarch64"),
    (Target::Plain, "Cortex-M0, wasm32"),
];

pub fn describe(bytes: &[u8]) -> Result<Description, String> {
    let aligned = format::AlignedBytes::new(bytes);
    let m = Model::from_bytes(&aligned).map_err(|e| e.to_string())?;
    let arch = *m.arch();
    let self_test = m.self_test().map(|st| {
        let failure = run_self_test(&m).err();
        SelfTestResult {
            prime: st.prime().into(),
            passed: failure.is_none(),
            failure,
        }
    });
    let ram = TARGETS
        .iter()
        .map(|&(target, name)| {
            let bytes = |side| {
                Layout::for_target(target, &arch, side)
                    .map_or(usize::MAX, |l| l.total().saturating_mul(4))
            };
            TargetRam {
                target: name,
                per_step_bytes: bytes(InputSide::PerStep),
                table_bytes: bytes(InputSide::Table),
            }
        })
        .collect();
    let md = m.metadata();
    Ok(Description {
        file_bytes: bytes.len(),
        cell: arch.cell.name(),
        layers: arch.layers(),
        embed: arch.embed(),
        hidden: arch.hidden(),
        vocab: arch.vocab(),
        characters: m.vocab().chars().collect(),
        parameters: m.parameter_count(),
        weights: match m.output_weight().weights() {
            Weights::F32(_) => "f32",
            Weights::Int8 { .. } => "int8",
        },
        name: md.name.into(),
        corpus: md.corpus.into(),
        val_loss: md.val_loss,
        producer: md.producer.into(),
        self_test,
        ram,
    })
}

fn run_self_test(m: &Model<'_>) -> Result<(), String> {
    let mut buf = vec![0f32; Predictor::buffer_len(m).map_err(|e| e.to_string())?];
    let mut p = Predictor::new(m, &mut buf).map_err(|e| e.to_string())?;
    p.self_test().map_err(|e| e.to_string())
}

impl Description {
    pub fn table(&self) -> String {
        let shown: String = self
            .characters
            .chars()
            .map(|c| match c {
                '\n' => "⏎".into(),
                ' ' => "␠".into(),
                c if c.is_control() => format!("\\u{{{:x}}}", u32::from(c)),
                c => c.to_string(),
            })
            .collect();
        let mut out = format!(
            "{} {}x{}, embedding {}, {} tokens ({} characters + unknown), {} weights\n\
             {} parameters, {} bytes\n\
             characters: {shown}\n\
             name {:?}, corpus {:?}, producer {:?}, validation loss {}\n",
            self.cell,
            self.layers,
            self.hidden,
            self.embed,
            self.vocab,
            self.vocab - 1,
            self.weights,
            self.parameters,
            self.file_bytes,
            self.name,
            self.corpus,
            self.producer,
            self.val_loss
                .map_or("not recorded".into(), |l| format!("{l:.4} nats/char")),
        );
        out += &match &self.self_test {
            None => "self-test: none in this file\n".into(),
            Some(st) if st.passed => format!("self-test: passed ({:?})\n", st.prime),
            Some(st) => format!(
                "self-test: FAILED: {}\n",
                st.failure.as_deref().unwrap_or("")
            ),
        };
        out += "predictor RAM (the caller's buffer; the model itself stays in flash):\n";
        for r in &self.ram {
            out += &format!(
                "  {:<30} {:>9} bytes per step, {:>9} with the input table\n",
                r.target, r.per_step_bytes, r.table_bytes
            );
        }
        out
    }
}
