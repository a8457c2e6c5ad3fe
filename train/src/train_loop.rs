//! The training loop: stateful truncated BPTT over the stream layout, one optimiser step per
//! batch, validation and a table row per epoch.

use std::time::Instant;

use burn::module::AutodiffModule;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::ElementConversion;
use indicatif::{ProgressBar, ProgressStyle};

use crate::clip::clip_global_norm;
use crate::config::{ScheduleKind, TrainConfig};
use crate::data::Data;
use crate::evaluate::{Scores, batch_tensors, evaluate};
use crate::model::TrainBackend;
use crate::model::{CharRnn, LayerState};
use crate::report::{self, EpochRow};
use crate::rng::Rng;
use crate::run_dir::RunDir;
use crate::schedule::Schedule;

/// Where training stands: restored from a checkpoint or fresh.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Epochs completed.
    pub epoch: usize,
    /// Character position within the current epoch (0 at an epoch boundary).
    pub pos: usize,
    /// Optimiser steps taken.
    pub step: usize,
    pub rng: Rng,
    /// The current epoch's batch lengths (drawn at its start, kept for resuming mid-epoch).
    pub lengths: Vec<usize>,
    /// Running sum and count of this epoch's training loss.
    pub loss_sum: f64,
    pub loss_count: usize,
    /// The training loss of the last optimiser step.
    pub last_loss: f64,
}

impl Position {
    pub fn start(seed: u64) -> Self {
        Position {
            epoch: 0,
            pos: 0,
            step: 0,
            rng: Rng::new(seed),
            lengths: Vec::new(),
            loss_sum: 0.0,
            loss_count: 0,
            last_loss: f64::NAN,
        }
    }
}

/// Called after every optimiser step with the model, optimiser, position and carried state;
/// returns `Err` to stop training (used for checkpoints and Ctrl-C).
pub trait StepHook<B: TrainBackend, O> {
    fn after_step(
        &mut self,
        model: &CharRnn<B>,
        optim: &O,
        at: &Position,
        state: &[LayerState<B>],
        cycle_end: bool,
    ) -> Result<(), String>;
}

pub fn schedule(cfg: &TrainConfig, data: &Data) -> Schedule {
    let steps_per_epoch = data.train.steps_per_epoch().div_ceil(cfg.bptt);
    match cfg.schedule {
        ScheduleKind::Constant => Schedule::Constant { lr: cfg.lr },
        ScheduleKind::Sgdr {
            cycle_len,
            cycle_mult,
        } => Schedule::Sgdr {
            max_lr: cfg.lr,
            steps_per_epoch,
            cycle_len,
            cycle_mult,
        },
    }
}

/// Trains until `cfg.epochs` (or `cfg.max_steps`), from `at` and `state`. Returns the model and
/// the last validation scores.
#[allow(clippy::too_many_arguments)]
pub fn fit<B, O, H>(
    cfg: &TrainConfig,
    data: &Data,
    device: &B::Device,
    run: &RunDir,
    mut model: CharRnn<B>,
    mut optim: O,
    mut at: Position,
    mut state: Vec<LayerState<B>>,
    hook: &mut H,
    quiet: bool,
) -> Result<(CharRnn<B>, Option<Scores>), String>
where
    B: TrainBackend,
    O: Optimizer<CharRnn<B>, B>,
    H: StepHook<B, O>,
{
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let sched = schedule(cfg, data);
    let nominal = data.train.steps_per_epoch().div_ceil(cfg.bptt);
    let bs = cfg.bs;
    let mut last_scores = None;
    if !quiet && at.epoch < cfg.epochs {
        toolkit::say!("{}", report::table_header());
    }
    while at.epoch < cfg.epochs {
        if at.pos == 0 && at.lengths.is_empty() {
            at.lengths = data.train.epoch_lengths(cfg.bptt, cfg.jitter, &mut at.rng);
            state = model.zero_state(bs, device);
        }
        let total = data.train.steps_per_epoch();
        let bar = progress_bar(total as u64 * bs as u64, at.epoch, cfg.epochs, quiet);
        bar.set_position(at.pos as u64 * bs as u64);
        let started = Instant::now();
        let mut chars_this_run = 0usize;
        let mut consumed: usize = 0;
        let lengths = at.lengths.clone();
        for &len in &lengths {
            if consumed < at.pos {
                consumed += len;
                continue;
            }
            let lr = sched.lr(at.epoch * nominal + at.pos / cfg.bptt);
            // Dropout masks depend only on (seed, step), so a resumed run draws the same ones.
            B::seed(device, cfg.seed.wrapping_add(at.step as u64));
            let b = data.train.batch(at.pos, len);
            let (inputs, targets) = batch_tensors::<B>(&b, device);
            let (logits, new_state) = model.forward(inputs, state);
            let vocab = logits.dims()[2];
            let loss = loss_fn.forward(logits.reshape([b.bs * b.len, vocab]), targets);
            let loss_value: f64 = loss.clone().into_scalar().elem();
            if !loss_value.is_finite() {
                bar.abandon();
                return Err(format!(
                    "training loss became {loss_value} at step {} (epoch {}, lr {lr:.2e}); stopped without \
                     overwriting the last good checkpoint. Lower --lr or set --clip",
                    at.step + 1,
                    at.epoch + 1
                ));
            }
            let mut grads = GradientsParams::from_grads(loss.backward(), &model);
            clip_global_norm(&model, &mut grads, cfg.clip);
            model = optim.step(lr, model, grads);
            state = new_state.into_iter().map(LayerState::detach).collect();
            at.pos += b.len;
            consumed += b.len;
            at.step += 1;
            at.loss_sum += loss_value;
            at.last_loss = loss_value;
            at.loss_count += 1;
            chars_this_run += b.len * bs;
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            bar.set_position(at.pos as u64 * bs as u64);
            bar.set_message(format!(
                "loss {:.4}  {:.0} chars/s",
                at.loss_sum / at.loss_count as f64,
                chars_this_run as f64 / secs
            ));
            let epoch_done = at.pos >= total;
            let cycle_end = epoch_done && sched.is_cycle_end((at.epoch + 1) * nominal - 1);
            let stop = cfg.max_steps.is_some_and(|m| at.step >= m);
            if epoch_done {
                bar.finish_and_clear();
                let valid = evaluate(&model.valid(), &data.valid, cfg.bptt, device);
                let row = EpochRow {
                    epoch: at.epoch + 1,
                    step: at.step,
                    lr,
                    train_loss: at.loss_sum / at.loss_count.max(1) as f64,
                    valid,
                    seconds: started.elapsed().as_secs_f64(),
                    chars_per_sec: chars_this_run as f64
                        / started.elapsed().as_secs_f64().max(1e-9),
                };
                if !quiet {
                    toolkit::say!("{}", row.table_line());
                }
                report::append_csv(&run.metrics(), &row)
                    .map_err(|e| format!("cannot write {}: {e}", run.metrics().display()))?;
                last_scores = Some(valid);
                at.epoch += 1;
                at.pos = 0;
                at.lengths.clear();
                at.loss_sum = 0.0;
                at.loss_count = 0;
            }
            hook.after_step(&model, &optim, &at, &state, cycle_end)?;
            if epoch_done {
                break;
            }
            if stop {
                bar.finish_and_clear();
                return Ok((model, last_scores));
            }
        }
        if cfg.max_steps.is_some_and(|m| at.step >= m) {
            break;
        }
    }
    Ok((model, last_scores))
}

fn progress_bar(total: u64, epoch: usize, epochs: usize, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(&format!(
        "epoch {}/{epochs} [{{bar:30}}] {{percent:>3}}% {{msg}}  eta {{eta}}",
        epoch + 1
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
