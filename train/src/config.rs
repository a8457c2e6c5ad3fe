//! Everything that defines a training run; saved as `config.json` in the run directory and
//! compared on `--resume`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::RnnConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum OptimizerKind {
    Adam,
    Sgd { momentum: f64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ScheduleKind {
    Constant,
    Sgdr { cycle_len: usize, cycle_mult: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// `None`: the built-in HUMAN_NUMBERS corpus.
    pub corpus: Option<PathBuf>,
    /// Architecture; `vocab` is set from the corpus.
    pub model: RnnConfig,
    pub min_freq: usize,
    /// Fraction of the text (from the end) held out for validation.
    pub valid_frac: f64,
    pub bs: usize,
    pub bptt: usize,
    pub jitter: bool,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub schedule: ScheduleKind,
    pub epochs: usize,
    /// Global gradient-norm clipping.
    pub clip: Option<f64>,
    pub seed: u64,
    /// Checkpoint every this many optimiser steps (and at each cycle end and epoch end).
    pub checkpoint_every: usize,
    /// Stop after this many optimiser steps (tests, benchmarks); `None` runs every epoch.
    pub max_steps: Option<usize>,
    /// One of the lesson's window models instead of the stateful `model` (then only its
    /// `embed` and `hidden` apply).
    #[serde(default)]
    pub lesson: Option<crate::model::lesson::LessonKind>,
}

/// More epochs than any run needs: a typo or an overflow, refused.
pub const MAX_EPOCHS: usize = 1_000_000;

impl TrainConfig {
    /// Rejects sizes and rates that cannot train, with the flag to fix.
    pub fn validate(&self) -> Result<(), String> {
        let m = &self.model;
        let positive = [
            ("--layers", m.layers),
            ("--hidden", m.hidden),
            ("--emb", m.embed),
            ("--bs", self.bs),
            ("--bptt", self.bptt),
            ("--epochs", self.epochs),
            ("--min-freq", self.min_freq),
            ("--checkpoint-every", self.checkpoint_every),
        ];
        for (flag, v) in positive {
            if v == 0 {
                return Err(format!("{flag} must be at least 1"));
            }
        }
        if self.epochs > MAX_EPOCHS {
            return Err(format!(
                "{} epochs is more than this trainer runs (at most {MAX_EPOCHS}); check --epochs, \
                 --cycles and --cycle-mult",
                self.epochs
            ));
        }
        if m.layers > format::MAX_LAYERS {
            return Err(format!(
                "--layers must be at most {} (the model format's limit)",
                format::MAX_LAYERS
            ));
        }
        if m.hidden > format::MAX_DIM || m.embed > format::MAX_DIM {
            return Err(format!(
                "--hidden and --emb must be at most {}",
                format::MAX_DIM
            ));
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 1.0) {
            return Err(format!("--lr must be in (0, 1], got {}", self.lr));
        }
        if !(0.0..1.0).contains(&m.dropout) {
            return Err(format!("--dropout must be in [0, 1), got {}", m.dropout));
        }
        if !(self.valid_frac > 0.0 && self.valid_frac < 0.5) {
            return Err(format!(
                "--valid-frac must be in (0, 0.5), got {}",
                self.valid_frac
            ));
        }
        if let Some(c) = self.clip
            && !(c.is_finite() && c > 0.0)
        {
            return Err(format!("--clip must be a positive number, got {c}"));
        }
        if let OptimizerKind::Sgd { momentum } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err(format!("--momentum must be in [0, 1), got {momentum}"));
        }
        if let ScheduleKind::Sgdr {
            cycle_len,
            cycle_mult,
        } = self.schedule
            && (cycle_len == 0 || cycle_mult == 0)
        {
            return Err("--cycle-len and --cycle-mult must be at least 1".into());
        }
        Ok(())
    }
}
