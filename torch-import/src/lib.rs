//! PyTorch (and fastai) character models into Quill model files.
//!
//! The input is a state dict saved with safetensors — `nn.Embedding` → `nn.RNN`/`nn.GRU`/
//! `nn.LSTM(num_layers=N)` → `nn.Linear`, key names as in the lesson's models (`e.weight`,
//! `rnn.weight_ih_l0`, …, `l_out.weight`) or renamed by [`Keys`] — and the model's
//! index-to-token list as JSON. Quill's cells are PyTorch's equations with PyTorch's weight
//! layout, so weights copy across unchanged; only the vocabulary order differs (Quill sorts the
//! characters and keeps token 0 for unknown), so embedding and output rows are permuted to match.
//! Every tensor in the file must be used, or the import stops: a dropped tensor would make the
//! deployed model compute something other than the trained one.

mod error;
mod rnn;
mod state_dict;
mod vocab;

pub use error::ImportError;
pub use vocab::{VocabMap, map_vocab};

use format::{Architecture, OwnedMetadata, OwnedModel, OwnedTensor};

use state_dict::StateDict;

/// The output logit given to token 0 when the source vocabulary has no unknown token: its
/// probability is then exactly 0 in f32, as in the source model, which cannot predict it.
pub const ABSENT_UNKNOWN_LOGIT: f32 = -1.0e4;

/// Where the three parts of the model live in the state dict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The embedding matrix, `[vocab, embed]` (default `e.weight`).
    pub embedding: String,
    /// Prefix of the recurrent module's tensors (default `rnn.`: `rnn.weight_ih_l0`, …).
    pub rnn_prefix: String,
    /// Prefix of the output layer's `weight` `[vocab, hidden]` and `bias` (default `l_out.`).
    pub output_prefix: String,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            embedding: "e.weight".into(),
            rnn_prefix: "rnn.".into(),
            output_prefix: "l_out.".into(),
        }
    }
}

/// How to read the inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub keys: Keys,
    /// The source used `nn.RNN(nonlinearity="relu")` (the state dict cannot tell).
    pub relu: bool,
    /// The vocabulary entry that becomes Quill's token 0 (default: `"\0"`, else `xxunk`).
    pub unknown: Option<String>,
    /// Vocabulary entries to leave out (e.g. fastai's `xxbos`).
    pub drop: Vec<String>,
    /// Import even if the file holds tensors the model does not use.
    pub allow_unused: bool,
    /// The model file's metadata.
    pub name: String,
    pub corpus: String,
}

/// A converted model and what the conversion decided, in words.
#[derive(Debug, Clone)]
pub struct Imported {
    pub model: OwnedModel,
    pub notes: Vec<String>,
}

/// Converts a safetensors state dict and its vocabulary (a JSON array of strings) into a
/// Quill model (f32; quantise with [`OwnedModel::quantized_int8`]).
pub fn import(weights: &[u8], vocab_json: &str, opts: &Options) -> Result<Imported, ImportError> {
    let mut sd = StateDict::parse(weights)?;
    let vocab = map_vocab(vocab_json, opts.unknown.as_deref(), &opts.drop)?;
    let keys = &opts.keys;

    let emb = sd.take(&keys.embedding, 2, "--embedding-key")?;
    let (source_vocab, embed) = (emb.shape[0], emb.shape[1]);
    if source_vocab != vocab.source_len {
        return Err(ImportError::Mismatch(format!(
            "the vocabulary file has {} entries but `{}` has {source_vocab} rows; the two must \
             come from the same model",
            vocab.source_len, keys.embedding
        )));
    }
    let stack = rnn::read_stack(&mut sd, &keys.rnn_prefix, embed, opts.relu)?;
    let hidden = stack.hidden;

    let out_w_key = format!("{}weight", keys.output_prefix);
    let out_b_key = format!("{}bias", keys.output_prefix);
    let out_w = sd.take(&out_w_key, 2, "--output-prefix")?;
    rnn::expect(
        &out_w_key,
        &out_w,
        &[source_vocab, hidden],
        "the output layer maps the last hidden state to one logit per vocabulary entry",
    )?;
    let out_b = if sd.contains(&out_b_key) {
        let b = sd.take(&out_b_key, 1, "--output-prefix")?;
        rnn::expect(
            &out_b_key,
            &b,
            &[source_vocab],
            "one bias per vocabulary entry",
        )?;
        Some(b.data)
    } else {
        None
    };

    let unused = sd.unused();
    if !unused.is_empty() && !opts.allow_unused {
        return Err(ImportError::Unused {
            hint: unused_hint(&unused),
            keys: unused,
        });
    }

    let arch = Architecture {
        cell: stack.cell,
        layers: u8::try_from(stack.layers.len()).unwrap_or(u8::MAX),
        embed: u32::try_from(embed).unwrap_or(u32::MAX),
        hidden: u32::try_from(hidden).unwrap_or(u32::MAX),
        vocab: u32::try_from(vocab.source_rows.len()).unwrap_or(u32::MAX),
    };
    arch.validate()
        .map_err(|e| ImportError::Mismatch(format!("the model is outside Quill's format: {e}")))?;

    // Rows in Quill's token order; token 0 without a source row is never fed and never predicted.
    let rows = |data: &[f32], width: usize, absent: f32| -> Vec<f32> {
        vocab
            .source_rows
            .iter()
            .flat_map(|r| match r {
                Some(r) => data[r * width..(r + 1) * width].to_vec(),
                None => vec![absent; width],
            })
            .collect()
    };
    let v = vocab.source_rows.len();
    let out_bias = match &out_b {
        Some(b) => rows(b, 1, ABSENT_UNKNOWN_LOGIT),
        None => vocab
            .source_rows
            .iter()
            .map(|r| {
                if r.is_some() {
                    0.0
                } else {
                    ABSENT_UNKNOWN_LOGIT
                }
            })
            .collect(),
    };
    let layers = stack.layers.len();

    let mut notes = vec![format!(
        "{} × {layers} layer(s), embedding {embed}, hidden {hidden}, {} characters",
        stack.cell.name(),
        vocab.chars.len()
    )];
    notes.push(match &vocab.unknown {
        Some(u) => format!("token 0 (unknown/padding) is the vocabulary's {u:?}"),
        None => "the vocabulary has no unknown token: token 0 was added with a zero embedding \
                 and logit −10⁴ (probability ≈ 0, as the source never predicts it)"
            .into(),
    });
    if !vocab.dropped.is_empty() {
        notes.push(format!(
            "left out {:?}: their probability is shared among the other tokens",
            vocab.dropped
        ));
    }
    if stack.cell.gates() == 1 && !opts.relu {
        notes.push(
            "RNN nonlinearity: tanh (PyTorch's default; the state dict does not record it — \
             pass --relu for nn.RNN(nonlinearity=\"relu\"))"
                .into(),
        );
    }
    if stack.no_bias {
        notes.push("the RNN has no biases (bias=False): zeros used".into());
    }
    if out_b.is_none() {
        notes.push(format!("no `{out_b_key}`: output bias zeros (bias=False)"));
    }
    if !unused.is_empty() {
        notes.push(format!("ignored (--allow-unused): {}", unused.join(", ")));
    }

    Ok(Imported {
        model: OwnedModel {
            arch,
            embedding: OwnedTensor::matrix(v, embed, rows(&emb.data, embed, 0.0)),
            layers: stack.layers,
            output_weight: OwnedTensor::matrix(v, hidden, rows(&out_w.data, hidden, 0.0)),
            output_bias: OwnedTensor::vector(out_bias),
            vocab: vocab.chars,
            metadata: OwnedMetadata {
                name: opts.name.clone(),
                corpus: opts.corpus.clone(),
                val_loss: None,
                producer: format!("quill torch-import {}", env!("CARGO_PKG_VERSION")),
            },
            self_test: None,
        },
        notes,
    })
}

/// Why tensors the model does not use stop the import, and what to do about the common ones.
fn unused_hint(keys: &[String]) -> String {
    if keys.iter().any(|k| k.contains("_reverse")) {
        return "They belong to a bidirectional RNN, which reads the text backwards too and so \
                cannot predict one keystroke at a time; train with bidirectional=False."
            .into();
    }
    if keys.iter().any(|k| k.contains("weight_hr_l")) {
        return "They are an LSTM's projection (proj_size > 0), which Quill's LSTM does not have; \
                train with proj_size=0."
            .into();
    }
    "Quill's model is Embedding → RNN/GRU/LSTM → Linear. If these tensors are not part of the \
     forward pass, pass --allow-unused; if they are (batch norm, an extra layer), the model cannot \
     be converted faithfully. If they hold the parts under other names, map them with \
     --embedding-key, --rnn-prefix and --output-prefix."
        .into()
}
