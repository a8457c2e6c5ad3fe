//! Validation through the burn model: stateful over the validation stream, like training.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};

pub use toolkit::scoring::Scores;

use crate::batches::{Batch, StreamBatches};
use crate::model::CharRnn;
use crate::model::RecurrentBackend;

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
        let hits = top1_hits(logits, targets);
        loss_sum += loss * count as f64;
        correct += hits;
        n += count;
    }
    Scores {
        loss: loss_sum / n.max(1) as f64,
        accuracy: correct / n.max(1) as f64,
    }
}

/// Top-1 hits among `logits` `[n, vocab]` for `targets` `[n]`, as `toolkit::scoring::Tally` and
/// the keyboard count them: the unknown token (0) is never predicted, so it is never a hit; ties go
/// to the lower token.
pub fn top1_hits<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> f64 {
    let [n, vocab] = logits.dims();
    logits
        .slice([0..n, 1..vocab])
        .argmax(1)
        .add_scalar(1)
        .reshape([n])
        .equal(targets)
        .int()
        .sum()
        .into_scalar()
        .elem()
}
