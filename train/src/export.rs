//! Between a trained burn model and a model file's tensors (`toolkit::encode` writes the file and
//! `toolkit::scoring` scores it through the runtime).

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use format::{Architecture, OwnedLayer, OwnedMetadata, OwnedModel, OwnedTensor};

use crate::model::{CharRnn, RnnConfig};
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
    let mut model = cfg.init::<B>(0, device);
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
