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
    about = "Train char RNN/GRU/LSTM models (the fastai lesson-6 way) and export them for Quill's runtime",
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
    /// Re-export a model file (e.g. as int8) and report its size and validation scores.
    Export(ExportArgs),
    /// Generate text from a model file through the runtime.
    Sample(SampleArgs),
    /// Measure training throughput (chars/s).
    Bench(BenchArgs),
    /// Measure a model file on a text through the runtime: bits/char, next-char top-1/top-3
    /// accuracy and keystroke savings with top-3 word completion.
    Eval(EvalArgs),
    /// Live terminal demo: next chars and word completions as you type (Tab accepts,
    /// Backspace undoes, Esc quits).
    Keyboard(KeyboardArgs),
    /// Convert a PyTorch/fastai char model (state dict saved as safetensors + its vocabulary
    /// as JSON) into a Quill model file.
    ImportTorch(ImportTorchArgs),
}

#[derive(Args, Debug)]
pub struct ImportTorchArgs {
    /// The state dict: `safetensors.torch.save_file(model.state_dict(), "model.safetensors")`.
    #[arg(long)]
    pub weights: PathBuf,
    /// The model's index-to-token list as a JSON array of strings:
    /// `json.dump(itos, open("vocab.json", "w"))`.
    #[arg(long)]
    pub vocab: PathBuf,
    /// Output file (default: the weights file with the extension `.quill`). Only a regular
    /// file is replaced.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write through a symbolic link, FIFO or device at --out instead of refusing.
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum, default_value = "f32")]
    pub quant: Quant,
    /// Key of the embedding matrix `[vocab, embed]`.
    #[arg(long, default_value = "e.weight")]
    pub embedding_key: String,
    /// Prefix of the nn.RNN/GRU/LSTM tensors (`{prefix}weight_ih_l0`, …).
    #[arg(long, default_value = "rnn.")]
    pub rnn_prefix: String,
    /// Prefix of the output nn.Linear's `weight` and `bias`.
    #[arg(long, default_value = "l_out.")]
    pub output_prefix: String,
    /// The model is nn.RNN(nonlinearity="relu") (the state dict does not record it).
    #[arg(long)]
    pub relu: bool,
    /// The vocabulary entry that stands for unknown/padding (default: "\0", else "xxunk").
    #[arg(long)]
    pub unknown: Option<String>,
    /// Leave a vocabulary entry out (e.g. fastai's xxbos); repeatable.
    #[arg(long)]
    pub drop: Vec<String>,
    /// Import even if the state dict holds tensors the model would not use.
    #[arg(long)]
    pub allow_unused: bool,
    /// Text for the file's self-test (default: the vocabulary's characters in order).
    #[arg(long)]
    pub prime: Option<String>,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// A UTF-8 text file (e.g. held-out text the model was not trained on); without it, the
    /// built-in corpus's validation split (its last 10 %, as training holds it out).
    #[arg(long)]
    pub text: Option<PathBuf>,
    /// Use only the first N characters.
    #[arg(long)]
    pub max_chars: Option<usize>,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct KeyboardArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// Replay keys instead of reading the terminal and print a panel after each: `\b`
    /// Backspace, `\t` Tab, `\e` Esc, `\n` newline; `-` reads the keys from stdin.
    #[arg(long)]
    pub script: Option<String>,
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
    #[arg(long, default_value_t = crate::data::DEFAULT_VALID_FRAC)]
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
            corpus: self.corpus.clone(),
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
pub struct ExportArgs {
    /// The model file to re-export.
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long, value_enum, default_value = "int8")]
    pub quant: Quant,
    /// Output file (default: beside the input, `-int8` or `-f32` added). Only a regular file
    /// is replaced.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write through a symbolic link, FIFO or device at --out instead of refusing.
    #[arg(long)]
    pub force: bool,
    /// Text to score the exported model on (default: the built-in corpus's validation split).
    #[arg(long)]
    pub text: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Quant {
    F32,
    Int8,
}

#[derive(Args, Debug)]
pub struct SampleArgs {
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long, default_value = "")]
    pub prime: String,
    #[arg(long, default_value_t = 400)]
    pub n: usize,
    /// 0 is greedy (always the most likely next char).
    #[arg(long, default_value_t = 0.8)]
    pub temperature: f32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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
    /// CPU backend to measure.
    #[arg(long, value_enum, default_value = "flex")]
    pub backend: CpuBackend,
    /// Timed optimiser steps (after 3 warm-up steps).
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CpuBackend {
    Ndarray,
    Flex,
}
