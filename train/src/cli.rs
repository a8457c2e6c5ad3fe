//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use format::CellKind;

use crate::config::{OptimizerKind, ScheduleKind, TrainConfig};
use crate::model::RnnConfig;
use crate::model::lesson::LessonKind;

#[derive(Parser, Debug)]
#[command(
    name = "train",
    version,
    about = "Train char RNN/GRU/LSTM models (the fastai lesson-6 way) and export them for Quill's runtime \
             (the tools that work on model files are `quill`: sample, eval, keyboard, export, import-torch, inspect)",
    args_conflicts_with_subcommands = true,
    allow_negative_numbers = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub train: TrainArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Measure training throughput (chars/s).
    Bench(BenchArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    /// nn.RNN with tanh
    Rnn,
    /// nn.RNN with relu
    RnnRelu,
    Gru,
    Lstm,
    /// The lesson's Char3Model: three chars in, one out (not exportable)
    Char3,
    /// The lesson's CharLoopModel over 8 chars (not exportable)
    Loop,
    /// The lesson's CharLoopConcatModel over 8 chars (not exportable)
    LoopConcat,
}

impl ModelKind {
    /// The recurrent cell of the stateful, exportable models.
    pub fn cell(self) -> Option<CellKind> {
        match self {
            ModelKind::Rnn => Some(CellKind::RnnTanh),
            ModelKind::RnnRelu => Some(CellKind::RnnRelu),
            ModelKind::Gru => Some(CellKind::Gru),
            ModelKind::Lstm => Some(CellKind::Lstm),
            _ => None,
        }
    }

    /// The lesson's window models.
    pub fn lesson(self) -> Option<LessonKind> {
        match self {
            ModelKind::Char3 => Some(LessonKind::Char3),
            ModelKind::Loop => Some(LessonKind::Loop),
            ModelKind::LoopConcat => Some(LessonKind::LoopConcat),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    Adam,
    Sgd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScheduleArg {
    /// Cosine annealing with warm restarts (fastai's CosAnneal).
    Sgdr,
    Constant,
}

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// UTF-8 text to train on (default: the built-in HUMAN_NUMBERS corpus).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "gru")]
    pub model: ModelKind,
    #[arg(long, default_value_t = 1)]
    pub layers: usize,
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    #[arg(long, default_value_t = 42)]
    pub emb: usize,
    /// Dropout between stacked layers.
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// Initialise W_hh to the identity (the lesson's trick for ReLU RNNs).
    #[arg(long)]
    pub identity_init: bool,
    /// Parallel streams per batch.
    #[arg(long, default_value_t = 64)]
    pub bs: usize,
    /// Steps of truncated backpropagation through time.
    #[arg(long, default_value_t = 64)]
    pub bptt: usize,
    /// Vary the sequence length per batch like fastai's LanguageModelLoader.
    #[arg(long)]
    pub jitter: bool,
    /// Characters seen fewer times become the unknown token.
    #[arg(long, default_value_t = 1)]
    pub min_freq: usize,
    /// Fraction of the text (at its end) held out for validation.
    #[arg(long, default_value_t = toolkit::corpus::DEFAULT_VALID_FRAC)]
    pub valid_frac: f64,
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: OptimizerArg,
    /// Momentum for --optimizer sgd.
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// Learning rate (the peak of each SGDR cycle).
    #[arg(long, default_value_t = 3e-3)]
    pub lr: f64,
    #[arg(long, value_enum, default_value = "sgdr")]
    pub schedule: ScheduleArg,
    /// Epochs in the first SGDR cycle.
    #[arg(long, default_value_t = 1)]
    pub cycle_len: usize,
    /// Each SGDR cycle is this many times longer than the one before.
    #[arg(long, default_value_t = 2)]
    pub cycle_mult: usize,
    /// SGDR cycles to run (sets the epochs: 1+2+4 = 7 for 3 cycles of mult 2).
    #[arg(long, default_value_t = 3)]
    pub cycles: usize,
    /// Epochs to run (overrides --cycles).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Clip the global gradient norm to this.
    #[arg(long, default_value_t = 1.0)]
    pub clip: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Save a checkpoint every this many optimiser steps (also at every epoch and cycle end).
    #[arg(long, default_value_t = 100)]
    pub checkpoint_every: usize,
    /// Stop after this many optimiser steps.
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// Run directory (default: runs/<model>-<layers>x<hidden>-<corpus>).
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Continue the run in this directory from its latest good checkpoint. The run keeps its
    /// saved config: a flag that would change it is refused; --epochs, --cycles, --max-steps
    /// and --checkpoint-every extend or steer the run.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "overwrite")]
    pub resume: Option<PathBuf>,
    /// Start afresh in a run directory that holds an earlier run, removing that run's files
    /// (without it such a directory is refused; the default directory gets a numbered sibling).
    #[arg(long)]
    pub overwrite: bool,
    /// No progress bars, tables or samples.
    #[arg(long)]
    pub quiet: bool,
    /// Where to train: the CPU, an NVIDIA GPU (a build with --features cuda) or any
    /// Vulkan/Metal/DX12 GPU (--features wgpu). Default: the GPU the build has, else the CPU.
    #[arg(long, value_enum, default_value_t = Device::default())]
    pub device: Device,
}

/// Where the trainer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Device {
    Cpu,
    Cuda,
    Wgpu,
}

impl Default for Device {
    /// The GPU this build was made for (CUDA first), else the CPU.
    fn default() -> Self {
        if cfg!(feature = "cuda") {
            Device::Cuda
        } else if cfg!(feature = "wgpu") {
            Device::Wgpu
        } else {
            Device::Cpu
        }
    }
}

impl TrainArgs {
    /// The run config these flags describe; refuses an SGDR cycle count whose epochs overflow.
    pub fn config(&self) -> Result<TrainConfig, String> {
        let schedule = match self.schedule {
            ScheduleArg::Sgdr => ScheduleKind::Sgdr {
                cycle_len: self.cycle_len,
                cycle_mult: self.cycle_mult,
            },
            ScheduleArg::Constant => ScheduleKind::Constant,
        };
        // Each count is checked under its own flag before it becomes the epochs.
        if self.epochs.is_none() {
            if self.cycles == 0 {
                return Err(match self.schedule {
                    ScheduleArg::Sgdr => "--cycles must be at least 1".into(),
                    ScheduleArg::Constant => "--cycles must be at least 1 (with --schedule \
                                              constant it counts epochs; or give --epochs)"
                        .into(),
                });
            }
            if self.schedule == ScheduleArg::Sgdr && self.cycle_len == 0 {
                return Err(
                    "--cycle-len must be at least 1 (epochs in the first SGDR cycle)".into(),
                );
            }
        }
        let epochs = match (self.epochs, self.schedule) {
            (Some(e), _) => e,
            (None, ScheduleArg::Sgdr) => crate::schedule::Schedule::epochs_for_cycles(
                self.cycle_len,
                self.cycle_mult,
                self.cycles,
            )
            .ok_or_else(|| {
                format!(
                    "--cycles {} of --cycle-len {} and --cycle-mult {} would be more epochs than \
                     can be counted; use fewer cycles or a smaller --cycle-mult",
                    self.cycles, self.cycle_len, self.cycle_mult
                )
            })?,
            (None, ScheduleArg::Constant) => self.cycles,
        };
        Ok(TrainConfig {
            // Absolute, so the run can be resumed from any directory (a pipe's /dev/fd path
            // stays as it is: it is absolute already).
            corpus: self
                .corpus
                .as_ref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())),
            model: RnnConfig {
                cell: self.model.cell().unwrap_or(CellKind::Gru),
                layers: self.layers,
                embed: self.emb,
                hidden: self.hidden,
                vocab: 0,
                dropout: self.dropout,
                identity_init: self.identity_init,
            },
            min_freq: self.min_freq,
            valid_frac: self.valid_frac,
            bs: self.bs,
            bptt: self.bptt,
            jitter: self.jitter,
            optimizer: match self.optimizer {
                OptimizerArg::Adam => OptimizerKind::Adam,
                OptimizerArg::Sgd => OptimizerKind::Sgd {
                    momentum: self.momentum,
                },
            },
            lr: self.lr,
            schedule,
            epochs,
            clip: Some(self.clip),
            seed: self.seed,
            checkpoint_every: self.checkpoint_every,
            max_steps: self.max_steps,
            lesson: self.model.lesson(),
        })
    }
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[arg(long, value_enum, default_value = "gru")]
    pub model: ModelKind,
    #[arg(long, default_value_t = 1)]
    pub layers: usize,
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    #[arg(long, default_value_t = 64)]
    pub bs: usize,
    #[arg(long, default_value_t = 64)]
    pub bptt: usize,
    /// Backend to measure: the CPU's (flex, the trainer's; ndarray, for comparison) or a GPU's
    /// (cuda, wgpu: builds with that feature).
    #[arg(long, value_enum, default_value = "flex")]
    pub backend: BenchBackend,
    /// Timed optimiser steps (after 3 warm-up steps).
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// How a GPU backend runs each recurrent layer: the whole sequence in one kernel launch
    /// each way (where the device's shared memory holds a stream's state), per step, or auto
    /// (whole-sequence up to 64 hidden units, where it was measured faster).
    #[arg(long, value_enum, default_value = "auto")]
    pub gpu_layer: GpuLayerArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GpuLayerArg {
    Auto,
    WholeSequence,
    PerStep,
}

impl GpuLayerArg {
    pub fn layer(self) -> crate::model::GpuLayer {
        match self {
            GpuLayerArg::Auto => crate::model::GpuLayer::Auto,
            GpuLayerArg::WholeSequence => crate::model::GpuLayer::WholeSequence,
            GpuLayerArg::PerStep => crate::model::GpuLayer::PerStep,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchBackend {
    Ndarray,
    Flex,
    Cuda,
    Wgpu,
}
