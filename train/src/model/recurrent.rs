//! The exportable model: `Embedding` → `layers` × RNN/GRU/LSTM (dropout between layers) →
//! `Linear`, stateful across batches. The input side of each layer is one matmul over all time
//! steps of a batch; per step only `h·W_hh` and the gate math remain.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Int, Tensor};
use format::CellKind;

use super::cells::{self, LayerState};

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

/// One recurrent layer. Weights are stored as `x·W` wants them: `weight_ih` is `[in, G·H]`, the
/// transpose of PyTorch's `weight_ih_l{k}`.
#[derive(Module, Debug)]
pub struct RecurrentLayer<B: Backend> {
    pub weight_ih: Param<Tensor<B, 2>>,
    pub weight_hh: Param<Tensor<B, 2>>,
    pub bias_ih: Param<Tensor<B, 1>>,
    pub bias_hh: Param<Tensor<B, 1>>,
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
    /// output layer U(±1/√H).
    pub fn init<B: Backend>(&self, device: &B::Device) -> CharRnn<B> {
        let (h, g) = (self.hidden, self.cell.gates());
        let k = 1.0 / (h as f64).sqrt();
        let u =
            |shape: [usize; 2]| Tensor::<B, 2>::random(shape, Distribution::Uniform(-k, k), device);
        let layers = (0..self.layers)
            .map(|l| {
                let input = if l == 0 { self.embed } else { h };
                let w_hh = if self.identity_init {
                    let eye = Tensor::<B, 2>::eye(h, device);
                    Tensor::cat(vec![eye; g], 1)
                } else {
                    u([h, g * h])
                };
                RecurrentLayer {
                    weight_ih: Param::from_tensor(u([input, g * h])),
                    weight_hh: Param::from_tensor(w_hh),
                    bias_ih: Param::from_tensor(u([1, g * h]).reshape([g * h])),
                    bias_hh: Param::from_tensor(u([1, g * h]).reshape([g * h])),
                }
            })
            .collect();
        let init = burn::nn::Initializer::Uniform { min: -k, max: k };
        CharRnn {
            embedding: EmbeddingConfig::new(self.vocab, self.embed).init(device),
            layers,
            output: LinearConfig::new(h, self.vocab)
                .with_initializer(init)
                .init(device),
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

    /// Runs `tokens` (`[batch, time]`) from `state`; returns logits `[batch, time, vocab]` and
    /// the state after the last step.
    ///
    /// Per step: `x_t·W_ih` and `h·W_hh`. Nothing large is sliced per step: burn's slice
    /// backward zero-fills a tensor the size of its input, so slicing one `[batch, time, G·H]`
    /// projection per step cost more than the matmuls. Token slices are untracked integers and
    /// layer outputs stay a list of per-step tensors until the output layer.
    pub fn forward(
        &self,
        tokens: Tensor<B, 2, Int>,
        state: Vec<LayerState<B>>,
    ) -> (Tensor<B, 3>, Vec<LayerState<B>>) {
        let [batch, time] = tokens.dims();
        let embed = self.embedding.weight.dims()[1];
        let mut xs: Vec<Tensor<B, 2>> = (0..time)
            .map(|t| {
                self.embedding
                    .forward(tokens.clone().narrow(1, t, 1))
                    .reshape([batch, embed])
            })
            .collect();
        let mut out_state = Vec::with_capacity(self.layers.len());
        let last = self.layers.len().saturating_sub(1);
        for (l, (layer, s)) in self.layers.iter().zip(state).enumerate() {
            let (w_ih, w_hh) = (layer.weight_ih.val(), layer.weight_hh.val());
            let b_ih = layer.bias_ih.val().unsqueeze_dim::<2>(0);
            let b_hh = layer.bias_hh.val().unsqueeze_dim::<2>(0);
            let mut s = s;
            let mut hs = Vec::with_capacity(time);
            for x in xs {
                let gi = x.matmul(w_ih.clone()) + b_ih.clone();
                let gh = s.h.clone().matmul(w_hh.clone()) + b_hh.clone();
                s = cells::step(self.cell, gi, gh, s);
                hs.push(s.h.clone());
            }
            xs = if l != last && self.dropout.prob > 0.0 {
                // One mask draw for the whole layer output.
                let stacked = self.dropout.forward(Tensor::stack::<3>(hs, 1));
                (0..time)
                    .map(|t| {
                        stacked
                            .clone()
                            .narrow(1, t, 1)
                            .reshape([batch, self.hidden])
                    })
                    .collect()
            } else {
                hs
            };
            out_state.push(s);
        }
        (self.output.forward(Tensor::stack(xs, 1)), out_state)
    }
}
