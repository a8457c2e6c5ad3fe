//! From a trained burn model to a Quill model file, and scoring that file through the
//! runtime — so the figures reported are those of the model that will be deployed.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use format::{Architecture, OwnedMetadata, OwnedModel, OwnedSelfTest, OwnedTensor};
use runtime::{Model, Predictor};

use crate::evaluate::Scores;
use crate::model::{CharRnn, RnnConfig};
use crate::scoring::Tally;
use crate::vocab::Vocab;

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default()
}

/// PyTorch layout `[out, in]` from burn's `[in, out]`.
fn transposed<B: Backend>(t: Tensor<B, 2>) -> OwnedTensor {
    let [rows, cols] = t.dims();
    OwnedTensor::matrix(cols, rows, values(t.transpose()))
}

/// The model's weights in the file's tensor order (f32).
pub fn to_owned_model<B: Backend>(
    model: &CharRnn<B>,
    vocab: &Vocab,
    metadata: OwnedMetadata,
) -> OwnedModel {
    let emb = model.embedding.weight.val();
    let [v, e] = emb.dims();
    let mut tensors = vec![OwnedTensor::matrix(v, e, values(emb))];
    for l in &model.layers {
        tensors.push(transposed(l.weight_ih.val()));
        tensors.push(transposed(l.weight_hh.val()));
        tensors.push(OwnedTensor::vector(values(l.bias_ih.val())));
        tensors.push(OwnedTensor::vector(values(l.bias_hh.val())));
    }
    tensors.push(transposed(model.output.weight.val()));
    let bias = model
        .output
        .bias
        .as_ref()
        .map(|b| values(b.val()))
        .unwrap_or_else(|| vec![0.0; v]);
    tensors.push(OwnedTensor::vector(bias));
    OwnedModel {
        arch: Architecture {
            cell: model.cell,
            layers: model.layers.len() as u8,
            embed: e as u32,
            hidden: model.hidden as u32,
            vocab: v as u32,
        },
        vocab: vocab.chars.clone(),
        tensors,
        metadata,
        self_test: None,
    }
}

/// The burn model a model file describes (int8 weights dequantised), on `device`: the inverse of
/// [`to_owned_model`]. Used to run a file's exact weights through burn (the benchmarks compare).
pub fn from_owned_model<B: Backend>(m: &OwnedModel, device: &B::Device) -> CharRnn<B> {
    use burn::module::Param;
    use burn::tensor::TensorData;
    let cfg = RnnConfig {
        cell: m.arch.cell,
        layers: usize::from(m.arch.layers),
        embed: m.arch.embed as usize,
        hidden: m.arch.hidden as usize,
        vocab: m.arch.vocab as usize,
        dropout: 0.0,
        identity_init: false,
    };
    let matrix = |t: &OwnedTensor| {
        let (rows, cols) = t.shape();
        Tensor::<B, 2>::from_data(TensorData::new(t.to_f32(), [rows, cols]), device)
    };
    // The file holds PyTorch's `[out, in]`; burn's `x·W` wants `[in, out]`.
    let weight = |t: &OwnedTensor| Param::from_tensor(matrix(t).transpose());
    let bias = |t: &OwnedTensor| {
        let v = t.to_f32();
        let n = v.len();
        Param::from_tensor(Tensor::<B, 1>::from_data(TensorData::new(v, [n]), device))
    };
    let mut model = cfg.init::<B>(device);
    let t = &m.tensors;
    model.embedding.weight = Param::from_tensor(matrix(&t[0]));
    for (l, layer) in model.layers.iter_mut().enumerate() {
        let k = 1 + 4 * l;
        layer.weight_ih = weight(&t[k]);
        layer.weight_hh = weight(&t[k + 1]);
        layer.bias_ih = bias(&t[k + 2]);
        layer.bias_hh = bias(&t[k + 3]);
    }
    let k = 1 + 4 * model.layers.len();
    model.output.weight = weight(&t[k]);
    model.output.bias = Some(bias(&t[k + 1]));
    model
}

/// Records the self-test section: the runtime's outputs for `prime` on this very model.
pub fn record_self_test(
    model: &OwnedModel,
    prime: &str,
    tolerance: f32,
) -> Result<OwnedSelfTest, String> {
    let bytes = model.to_bytes().map_err(|e| e.to_string())?;
    let m = Model::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let mut buf = vec![0f32; Predictor::buffer_len(&m).map_err(|e| e.to_string())?];
    let mut p = Predictor::new(&m, &mut buf).map_err(|e| e.to_string())?;
    let mut expected_top1 = Vec::new();
    for c in prime.chars() {
        p.feed_char(c);
        if let Some(bad) = p.logits().iter().position(|l| !l.is_finite()) {
            return Err(format!(
                "the model cannot run: after {c:?} of its self-test text the score of token {bad} \
                 is {} (its weights are too large for f32 arithmetic)",
                p.logits()[bad]
            ));
        }
        expected_top1.push(p.argmax());
    }
    Ok(OwnedSelfTest {
        prime: prime.into(),
        expected_top1,
        expected_logits: p.logits().to_vec(),
        tolerance,
    })
}

/// Encodes `model` (int8-quantised if asked) with a self-test primed on `prime`.
pub fn encode(model: &OwnedModel, int8: bool, prime: &str) -> Result<Vec<u8>, String> {
    let mut m = if int8 {
        model.quantized_int8()
    } else {
        model.clone()
    };
    m.self_test = None;
    crate::runnable::check(&m)?;
    let prime: String = prime.chars().take(64).collect();
    if !prime.is_empty() {
        m.self_test = Some(record_self_test(&m, &prime, 2e-3)?);
    }
    m.to_bytes().map_err(|e| e.to_string())
}

/// Loss (nats/char) and next-char accuracy of a model file on `text`, streamed through the
/// runtime from a reset state, exactly as a device would run it (`scoring::Tally`).
pub fn score_with_runtime(
    bytes: &[u8],
    text: impl IntoIterator<Item = Result<char, String>>,
) -> Result<Scores, String> {
    let aligned = format::AlignedBytes::new(bytes);
    let m = Model::from_bytes(&aligned).map_err(|e| e.to_string())?;
    let mut buf = vec![0f32; Predictor::buffer_len(&m).map_err(|e| e.to_string())?];
    let mut p = Predictor::new(&m, &mut buf).map_err(|e| e.to_string())?;
    let mut probs = vec![0f32; m.arch().vocab()];
    let mut tally = Tally::default();
    let mut chars = text.into_iter();
    let Some(first) = chars.next() else {
        return Err("the scoring text is empty".into());
    };
    p.feed_char(first?);
    for c in chars {
        let c = c?;
        tally.add(&p, c, &mut probs)?;
        p.feed_char(c);
    }
    Ok(Scores {
        loss: tally.nats_per_char(),
        accuracy: tally.top1_accuracy(),
    })
}
