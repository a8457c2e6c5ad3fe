//! Training throughput: optimiser steps on a random batch, timed after warm-up.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};

use format::CellKind;

use crate::batches::Batch;
use crate::config::{OptimizerKind, ScheduleKind, TrainConfig};
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

impl Problem {
    /// The run config a training run of this shape would have (Adam, one epoch; embedding and
    /// vocabulary as measured), so the bench refuses exactly what the trainer refuses.
    fn config(&self) -> TrainConfig {
        TrainConfig {
            corpus: None,
            model: self.rnn(),
            min_freq: 1,
            valid_frac: toolkit::corpus::DEFAULT_VALID_FRAC,
            bs: self.bs,
            bptt: self.bptt,
            jitter: false,
            optimizer: OptimizerKind::Adam,
            lr: 1e-3,
            schedule: ScheduleKind::Constant,
            epochs: 1,
            clip: Some(1.0),
            seed: 1,
            checkpoint_every: 1,
            max_steps: None,
            lesson: None,
        }
    }

    fn rnn(&self) -> RnnConfig {
        RnnConfig {
            cell: self.cell,
            layers: self.layers,
            embed: EMBED,
            hidden: self.hidden,
            vocab: VOCAB,
            dropout: 0.0,
            identity_init: false,
        }
    }

    /// Refuses what the trainer refuses (sizes of 0, past the format's limits, more than the
    /// machine's memory with `host`), and a bench of no timed steps.
    pub fn validate(&self, host: bool) -> Result<(), String> {
        if self.steps == 0 {
            return Err("--steps must be at least 1 (the timed optimiser steps)".into());
        }
        let cfg = self.config();
        cfg.validate()?;
        crate::memory::check_fits(&cfg, host)
    }
}

/// Embedding width and vocabulary of the measured model.
const EMBED: usize = 42;
const VOCAB: usize = 85;

/// Characters per second (bs × bptt per step) of full training steps: forward, backward,
/// global-norm clipping, Adam.
/// Refuses a problem the trainer would refuse (see [`Problem::validate`]).
pub fn throughput<B: TrainBackend>(
    p: &Problem,
    device: &B::Device,
    host: bool,
) -> Result<f64, String> {
    p.validate(host)?;
    let vocab = VOCAB;
    let cfg = p.rnn();
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
    Ok((p.bs * p.bptt * p.steps) as f64 / secs)
}
