//! Training throughput: optimiser steps on a random batch, timed after warm-up.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};

use format::CellKind;

use crate::batches::Batch;
use crate::evaluate::batch_tensors;
use crate::model::TrainBackend;
use crate::model::{LayerState, RnnConfig};
use crate::rng::Rng;

/// What is measured: a stacked recurrent model (embedding 42, vocabulary 85, no dropout)
/// trained with Adam on random batches of `bs` sequences of `bptt` characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    pub cell: CellKind,
    pub layers: usize,
    pub hidden: usize,
    pub bs: usize,
    pub bptt: usize,
    /// Timed optimiser steps, after 3 warm-up steps.
    pub steps: usize,
}

/// Characters per second (bs × bptt per step) of full training steps: forward, backward,
/// global-norm clipping, Adam.
pub fn throughput<B: TrainBackend>(p: &Problem, device: &B::Device) -> f64 {
    let vocab = 85;
    let cfg = RnnConfig {
        cell: p.cell,
        layers: p.layers,
        embed: 42,
        hidden: p.hidden,
        vocab,
        dropout: 0.0,
        identity_init: false,
    };
    B::seed(device, 1);
    let mut model = cfg.init::<B>(1, device);
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut rng = Rng::new(1);
    let mut tokens = |n: usize| {
        (0..n)
            .map(|_| (rng.next_u64() % vocab as u64) as u32)
            .collect::<Vec<_>>()
    };
    let mut state = model.zero_state(p.bs, device);
    let mut timed = None;
    let mut last_loss = None;
    for i in 0..p.steps + 3 {
        if i == 3 {
            timed = Some(Instant::now());
        }
        let b = Batch {
            bs: p.bs,
            len: p.bptt,
            inputs: tokens(p.bs * p.bptt),
            targets: tokens(p.bs * p.bptt),
        };
        let (inputs, targets) = batch_tensors::<B>(&b, device);
        let (logits, s) = model.forward(inputs, state);
        let loss = loss_fn.forward(logits.reshape([p.bs * p.bptt, vocab]), targets);
        last_loss = Some(loss.clone());
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        crate::clip::clip_global_norm(&model, &mut grads, Some(1.0));
        model = optim.step(1e-3, model, grads);
        state = s.into_iter().map(LayerState::detach).collect();
    }
    // A GPU queues work: reading the last loss waits for every step to finish.
    if let Some(loss) = last_loss {
        let _ = loss.into_data();
    }
    let secs = timed.map_or(1.0, |t| t.elapsed().as_secs_f64());
    (p.bs * p.bptt * p.steps) as f64 / secs
}
