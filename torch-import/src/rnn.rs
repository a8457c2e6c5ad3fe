//! Reads the `nn.RNN`/`nn.GRU`/`nn.LSTM` stack under one key prefix: number of layers, cell kind
//! (from the gate blocks stacked in `weight_hh_l0`), and every layer's four tensors, with the
//! shapes PyTorch gives them.

use format::{CellKind, MAX_LAYERS, OwnedLayer, OwnedTensor};

use crate::ImportError;
use crate::state_dict::{StateDict, Tensor};

const FLAG: &str = "--rnn-prefix";

/// A recurrent layer's tensors, as PyTorch names them (suffixed `_l{layer}`).
const PARTS: [&str; 4] = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];

/// The recurrent stack.
pub struct Stack {
    pub cell: CellKind,
    pub hidden: usize,
    pub layers: Vec<OwnedLayer>,
    /// True when the file has no recurrent biases (`bias=False`); zeros were used.
    pub no_bias: bool,
}

/// Reads the stack whose input size is `embed`; `relu` picks `nn.RNN(nonlinearity="relu")`
/// for a one-gate cell (the state dict does not record the nonlinearity).
pub fn read_stack(
    sd: &mut StateDict<'_>,
    prefix: &str,
    embed: usize,
    relu: bool,
) -> Result<Stack, ImportError> {
    let key = |name: &str, l: usize| format!("{prefix}{name}_l{l}");
    // A layer is there when any of its tensors is: one with some missing is refused by name,
    // never counted as absent (that would drop it, and every layer above it).
    let has = |l: usize| PARTS.iter().filter(|n| sd.contains(&key(n, l))).count();
    let layers = (0..=MAX_LAYERS).take_while(|&l| has(l) > 0).count();
    for l in 0..layers.min(MAX_LAYERS) {
        // Biases go together: both absent is `bias=False`, checked below for the whole stack.
        let needed: Vec<String> = ["weight_ih", "weight_hh"]
            .iter()
            .chain(
                if sd.contains(&key("bias_ih", l)) || sd.contains(&key("bias_hh", l)) {
                    &["bias_ih", "bias_hh"][..]
                } else {
                    &[][..]
                },
            )
            .map(|n| key(n, l))
            .collect();
        let (present, missing): (Vec<String>, Vec<String>) =
            needed.into_iter().partition(|k| sd.contains(k));
        if !missing.is_empty() {
            return Err(ImportError::IncompleteLayer {
                layer: l,
                missing,
                present,
            });
        }
    }
    // A gap (layers 0 and 2, no 1) leaves the upper layers unconnected.
    if let Some(above) = (layers.saturating_add(1)..=MAX_LAYERS).find(|&l| has(l) > 0) {
        return Err(ImportError::IncompleteLayer {
            layer: layers,
            missing: PARTS.iter().map(|n| key(n, layers)).collect(),
            present: PARTS
                .iter()
                .map(|n| key(n, above))
                .filter(|k| sd.contains(k))
                .collect(),
        });
    }
    if layers == 0 {
        return Err(ImportError::Missing {
            key: key("weight_ih", 0),
            flag: FLAG,
            available: sd.listing(),
        });
    }
    if layers > MAX_LAYERS {
        return Err(ImportError::Mismatch(format!(
            "the RNN has more than {MAX_LAYERS} layers, the most a Quill model holds"
        )));
    }
    let whh0 = sd.take(&key("weight_hh", 0), 2, FLAG)?;
    let (rows, hidden) = (whh0.shape[0], whh0.shape[1]);
    let gates = rows.checked_div(hidden).unwrap_or(0);
    let cell = match (gates, rows % hidden.max(1)) {
        (1, 0) if relu => CellKind::RnnRelu,
        (1, 0) => CellKind::RnnTanh,
        (3, 0) => CellKind::Gru,
        (4, 0) => CellKind::Lstm,
        _ => {
            return Err(ImportError::Shape {
                key: key("weight_hh", 0),
                expected: "[G·H, H] with G = 1 (RNN), 3 (GRU) or 4 (LSTM)".into(),
                found: whh0.shape,
                why: "its rows are the stacked gates of a hidden state of size H".into(),
            });
        }
    };
    let gate_rows = rows;
    let bias_keys: Vec<String> = (0..layers)
        .flat_map(|l| [key("bias_ih", l), key("bias_hh", l)])
        .collect();
    let no_bias = bias_keys.iter().all(|k| !sd.contains(k));
    let name = cell_name(cell);
    let mut stack = Vec::with_capacity(layers);
    let mut whh0 = Some(whh0);
    for l in 0..layers {
        let input = if l == 0 { embed } else { hidden };
        let why_in = if l == 0 {
            format!("layer 0 reads the embedding, of size {embed}")
        } else {
            format!(
                "layer {l} reads layer {}'s hidden state, of size {hidden}",
                l - 1
            )
        };
        let wih = sd.take(&key("weight_ih", l), 2, FLAG)?;
        expect(
            &key("weight_ih", l),
            &wih,
            &[gate_rows, input],
            &format!("a {name}: {why_in}"),
        )?;
        let whh = match whh0.take() {
            Some(t) => t,
            None => sd.take(&key("weight_hh", l), 2, FLAG)?,
        };
        expect(
            &key("weight_hh", l),
            &whh,
            &[gate_rows, hidden],
            &format!("a {name} of hidden size {hidden}"),
        )?;
        let mut bias = |b: &str| -> Result<OwnedTensor, ImportError> {
            if no_bias {
                return Ok(OwnedTensor::vector(vec![0.0; gate_rows]));
            }
            let k = key(b, l);
            let t = sd.take(&k, 1, FLAG)?;
            expect(
                &k,
                &t,
                &[gate_rows],
                &format!("a {name} of hidden size {hidden}"),
            )?;
            Ok(OwnedTensor::vector(t.data))
        };
        let (bih, bhh) = (bias("bias_ih")?, bias("bias_hh")?);
        stack.push(OwnedLayer {
            weight_ih: OwnedTensor::matrix(gate_rows, input, wih.data),
            weight_hh: OwnedTensor::matrix(gate_rows, hidden, whh.data),
            bias_ih: bih,
            bias_hh: bhh,
        });
    }
    Ok(Stack {
        cell,
        hidden,
        layers: stack,
        no_bias,
    })
}

fn cell_name(cell: CellKind) -> &'static str {
    match cell {
        CellKind::RnnTanh | CellKind::RnnRelu => "RNN",
        CellKind::Gru => "GRU (3 gate blocks)",
        CellKind::Lstm => "LSTM (4 gate blocks)",
    }
}

/// Refuses `t` unless its shape is `shape`.
pub fn expect(key: &str, t: &Tensor, shape: &[usize], why: &str) -> Result<(), ImportError> {
    if t.shape == shape {
        return Ok(());
    }
    Err(ImportError::Shape {
        key: key.into(),
        expected: format!("{shape:?}"),
        found: t.shape.clone(),
        why: why.into(),
    })
}
