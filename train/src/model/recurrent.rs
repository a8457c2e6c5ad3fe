//! The exportable model: `Embedding` → `layers` × RNN/GRU/LSTM (dropout between layers) →
//! `Linear`, stateful across batches.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Embedding, Linear};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use format::CellKind;

use super::cells::LayerState;
use super::fused::RecurrentBackend;
use super::layer::{RecurrentLayer, Sequence};
use crate::rng::Rng;

/// Sizes and options of a [`CharRnn`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RnnConfig {
    pub cell: CellKind,
    pub layers: usize,
    pub embed: usize,
    pub hidden: usize,
    pub vocab: usize,
    /// Dropout on the outputs of every layer but the last (PyTorch's `dropout=`).
    pub dropout: f64,
    /// W_hh = I for each gate block (the lesson's trick for ReLU RNNs).
    pub identity_init: bool,
}

#[derive(Module, Debug)]
pub struct CharRnn<B: Backend> {
    pub embedding: Embedding<B>,
    pub layers: Vec<RecurrentLayer<B>>,
    pub output: Linear<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub cell: CellKind,
    pub hidden: usize,
}

impl RnnConfig {
    /// PyTorch's initialisation: recurrent weights and biases U(±1/√H), embedding N(0, 1),
    /// output layer U(±1/√H). Drawn on the host from `seed` (the trainer's own RNG), in a fixed
    /// order, so every backend (CPU, CUDA, wgpu) starts from the same weights bit for bit.
    pub fn init<B: Backend>(&self, seed: u64, device: &B::Device) -> CharRnn<B> {
        let (h, g) = (self.hidden, self.cell.gates());
        let k = 1.0 / (h as f64).sqrt();
        let mut rng = Rng::new(seed);
        let mut draw = |shape: [usize; 2], value: &mut dyn FnMut(&mut Rng) -> f64| {
            let data: Vec<f32> = (0..shape[0] * shape[1])
                .map(|_| value(&mut rng) as f32)
                .collect();
            Tensor::<B, 2>::from_data(TensorData::new(data, shape), device)
        };
        let mut uniform = |shape: [usize; 2]| draw(shape, &mut |r| (r.uniform() * 2.0 - 1.0) * k);
        let layers = (0..self.layers)
            .map(|l| {
                let input = if l == 0 { self.embed } else { h };
                let weight_ih = uniform([input, g * h]);
                let w_hh = uniform([h, g * h]);
                let w_hh = if self.identity_init {
                    let eye = Tensor::<B, 2>::eye(h, device);
                    Tensor::cat(vec![eye; g], 1)
                } else {
                    w_hh
                };
                RecurrentLayer {
                    weight_ih: Param::from_tensor(weight_ih),
                    weight_hh: Param::from_tensor(w_hh),
                    bias_ih: Param::from_tensor(uniform([1, g * h]).reshape([g * h])),
                    bias_hh: Param::from_tensor(uniform([1, g * h]).reshape([g * h])),
                }
            })
            .collect();
        let output = Linear {
            weight: Param::from_tensor(uniform([h, self.vocab])),
            bias: Some(Param::from_tensor(
                uniform([1, self.vocab]).reshape([self.vocab]),
            )),
        };
        let embedding = Embedding {
            weight: Param::from_tensor(draw([self.vocab, self.embed], &mut |r| r.normal())),
        };
        CharRnn {
            embedding,
            layers,
            output,
            dropout: DropoutConfig::new(self.dropout).init(),
            cell: self.cell,
            hidden: h,
        }
    }
}

impl<B: Backend> CharRnn<B> {
    pub fn zero_state(&self, batch: usize, device: &B::Device) -> Vec<LayerState<B>> {
        (0..self.layers.len())
            .map(|_| LayerState::zeros(self.cell, batch, self.hidden, device))
            .collect()
    }
}

impl<B: RecurrentBackend> CharRnn<B> {
    /// Runs `tokens` (`[batch, time]`) from `state`; returns logits `[batch, time, vocab]` and
    /// the state after the last step. Each layer runs as its backend prefers
    /// ([`RecurrentBackend`]): one fused op over the sequence, or burn ops step by step.
    pub fn forward(
        &self,
        tokens: Tensor<B, 2, Int>,
        state: Vec<LayerState<B>>,
    ) -> (Tensor<B, 3>, Vec<LayerState<B>>) {
        let [batch, time] = tokens.dims();
        let embed = self.embedding.weight.dims()[1];
        let mut xs = if B::WHOLE_SEQUENCE {
            Sequence::Whole(self.embedding.forward(tokens))
        } else {
            // Token slices are untracked integers: cheap to cut per step.
            Sequence::Steps(
                (0..time)
                    .map(|t| {
                        self.embedding
                            .forward(tokens.clone().narrow(1, t, 1))
                            .reshape([batch, embed])
                    })
                    .collect(),
            )
        };
        let mut out_state = Vec::with_capacity(self.layers.len());
        let last = self.layers.len().saturating_sub(1);
        for (l, (layer, s)) in self.layers.iter().zip(state).enumerate() {
            let (hs, s) = B::recurrent_layer(self.cell, layer, xs, s);
            xs = if l != last && self.dropout.prob > 0.0 {
                // One mask draw for the whole layer output.
                match hs {
                    Sequence::Whole(t) => Sequence::Whole(self.dropout.forward(t)),
                    Sequence::Steps(steps) => {
                        let stacked = self.dropout.forward(Tensor::stack::<3>(steps, 1));
                        Sequence::Whole(stacked)
                    }
                }
            } else {
                hs
            };
            out_state.push(s);
        }
        (self.output.forward(xs.into_whole()), out_state)
    }
}
