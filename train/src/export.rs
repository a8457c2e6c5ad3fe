//! From a trained burn model to a Quill model file, and scoring that file through the
//! runtime — so the figures reported are those of the model that will be deployed.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use format::{Architecture, OwnedLayer, OwnedMetadata, OwnedModel, OwnedSelfTest, OwnedTensor};
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

/// The model's weights as a model file's named parts (f32, PyTorch's `[out, in]` layout).
pub fn to_owned_model<B: Backend>(
    model: &CharRnn<B>,
    vocab: &Vocab,
    metadata: OwnedMetadata,
) -> OwnedModel {
    let emb = model.embedding.weight.val();
    let [v, e] = emb.dims();
    let layers = model
        .layers
        .iter()
        .map(|l| OwnedLayer {
            weight_ih: transposed(l.weight_ih.val()),
            weight_hh: transposed(l.weight_hh.val()),
            bias_ih: OwnedTensor::vector(values(l.bias_ih.val())),
            bias_hh: OwnedTensor::vector(values(l.bias_hh.val())),
        })
        .collect();
    let bias = model
        .output
        .bias
        .as_ref()
        .map(|b| values(b.val()))
        .unwrap_or_else(|| vec![0.0; v]);
    OwnedModel {
        arch: Architecture {
            cell: model.cell,
            layers: model.layers.len() as u8,
            embed: e as u32,
            hidden: model.hidden as u32,
            vocab: v as u32,
        },
        vocab: vocab.chars.clone(),
        embedding: OwnedTensor::matrix(v, e, values(emb)),
        layers,
        output_weight: transposed(model.output.weight.val()),
        output_bias: OwnedTensor::vector(bias),
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
    model.embedding.weight = Param::from_tensor(matrix(&m.embedding));
    for (layer, owned) in model.layers.iter_mut().zip(&m.layers) {
        layer.weight_ih = weight(&owned.weight_ih);
        layer.weight_hh = weight(&owned.weight_hh);
        layer.bias_ih = bias(&owned.bias_ih);
        layer.bias_hh = bias(&owned.bias_hh);
    }
    model.output.weight = weight(&m.output_weight);
    model.output.bias = Some(bias(&m.output_bias));
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
