//! Validation through the burn model: stateful over the validation stream, like training.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};

use crate::batches::{Batch, StreamBatches};
use crate::model::CharRnn;
use crate::model::RecurrentBackend;

/// Mean loss (nats/char) and next-char accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub loss: f64,
    pub accuracy: f64,
}

impl Scores {
    pub fn bits_per_char(&self) -> f64 {
        self.loss / std::f64::consts::LN_2
    }
}

pub fn batch_tensors<B: Backend>(
    b: &Batch,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 1, Int>) {
    let to_i64 = |v: &[u32]| v.iter().map(|&t| i64::from(t)).collect::<Vec<_>>();
    let inputs = Tensor::from_data(TensorData::new(to_i64(&b.inputs), [b.bs, b.len]), device);
    let targets = Tensor::from_data(TensorData::new(to_i64(&b.targets), [b.bs * b.len]), device);
    (inputs, targets)
}

/// Scores `model` on `data` in chunks of `bptt` steps, carrying state across chunks.
pub fn evaluate<B: RecurrentBackend>(
    model: &CharRnn<B>,
    data: &StreamBatches,
    bptt: usize,
    device: &B::Device,
) -> Scores {
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut state = model.zero_state(data.bs(), device);
    let (mut loss_sum, mut correct, mut n) = (0.0, 0.0, 0usize);
    let mut pos = 0;
    while pos < data.steps_per_epoch() {
        let b = data.batch(pos, bptt);
        pos += b.len;
        let (inputs, targets) = batch_tensors::<B>(&b, device);
        let (logits, s) = model.forward(inputs, state);
        state = s;
        let vocab = logits.dims()[2];
        let logits = logits.reshape([b.bs * b.len, vocab]);
        let count = b.bs * b.len;
        let loss: f64 = loss_fn
            .forward(logits.clone(), targets.clone())
            .into_scalar()
            .elem();
        let hits: f64 = logits
            .argmax(1)
            .reshape([count])
            .equal(targets)
            .int()
            .sum()
            .into_scalar()
            .elem();
        loss_sum += loss * count as f64;
        correct += hits;
        n += count;
    }
    Scores {
        loss: loss_sum / n.max(1) as f64,
        accuracy: correct / n.max(1) as f64,
    }
}
