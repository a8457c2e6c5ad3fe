//! Command-line arguments of `quill`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "quill",
    version,
    about = "Quill's tools for model files: try, measure, convert and inspect char-level language \
             models (trained with `cargo run -p train` or imported from PyTorch)",
    allow_negative_numbers = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate text from a model file through the runtime.
    Sample(SampleArgs),
    /// Measure a model file on a text through the runtime: bits/char, next-char top-1/top-3
    /// accuracy and keystroke savings with top-3 word completion.
    Eval(EvalArgs),
    /// Live terminal demo: next chars and word completions as you type (Tab accepts,
    /// Backspace undoes, Esc quits).
    Keyboard(KeyboardArgs),
    /// Re-export a model file (e.g. quantise it to int8) and report its size and validation
    /// scores before and after.
    #[command(alias = "quantize")]
    Export(ExportArgs),
    /// Convert a PyTorch/fastai char model (state dict saved as safetensors + its vocabulary
    /// as JSON) into a Quill model file.
    ImportTorch(ImportTorchArgs),
    /// Describe a model file: architecture, vocabulary, sizes, metadata, self-test result and
    /// the memory a device needs for it.
    Inspect(InspectArgs),
    /// Build a lexicon file (QLEX) from word lists, with frequencies counted in a text: the
    /// words completion offers (`--lexicon`), or a block list (`--block`).
    Lexicon(LexiconArgs),
}

#[derive(Args, Debug)]
pub struct LexiconArgs {
    /// A word list: one word per line (e.g. /usr/share/dict/american-english) or a JSON array
    /// of strings; repeatable.
    #[arg(long, required = true)]
    pub words: Vec<PathBuf>,
    /// A UTF-8 text whose word counts set the words' frequency classes (e.g. the training
    /// corpus); without it every word has the lowest class.
    #[arg(long)]
    pub counts: Option<PathBuf>,
    /// Keep only the N most frequent words (a small lexicon for a microcontroller).
    #[arg(long)]
    pub top: Option<usize>,
    #[arg(long)]
    pub out: PathBuf,
    /// Write over a FIFO, device or symbolic link at --out.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// Print the description as one JSON object.
    #[arg(long)]
    pub json: bool,
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
    /// Count the completions shown that are words of this lexicon (QLEX) or learned words,
    /// without restricting completion to it (default: the --lexicon, if given).
    #[arg(long)]
    pub check: Option<PathBuf>,
    #[command(flatten)]
    pub session: SessionArgs,
}

/// The bytes of a lexicon and a block list, checked; [`lists`](Self::lists) borrows them.
#[derive(Debug, Default)]
pub struct WordListFiles {
    pub lexicon: Option<Vec<u8>>,
    pub blocked: Option<Vec<u8>>,
    /// The weight of words the lexicon lacks (0: restricted to the lexicon).
    pub others: f32,
}

impl WordListFiles {
    pub fn lists(&self) -> Result<runtime::WordLists<'_>, String> {
        Ok(runtime::WordLists {
            lexicon: parse_lexicon(self.lexicon.as_deref())?,
            blocked: parse_lexicon(self.blocked.as_deref())?,
            others: self.others,
        })
    }
}

fn parse_lexicon(bytes: Option<&[u8]>) -> Result<Option<format::Lexicon<'_>>, String> {
    bytes
        .map(format::Lexicon::from_bytes)
        .transpose()
        .map_err(|e| e.to_string())
}

/// The keyboard session's settings (defaults: the runtime's `SessionConfig::DEFAULT`).
#[derive(Args, Debug, Clone)]
pub struct SessionArgs {
    /// Show a completion only at or above this probability.
    #[arg(long, default_value_t = runtime::SessionConfig::DEFAULT.floor)]
    pub floor: f32,
    /// Word prefixes cached across keys (one model state each).
    #[arg(long, default_value_t = runtime::SessionConfig::DEFAULT.cache)]
    pub cache: usize,
    /// Model steps one key's word search may take (default: as many as exactness needs).
    #[arg(long)]
    pub max_steps: Option<u32>,
    /// Complete only the words of this lexicon (QLEX, from `quill lexicon`) and learned words.
    #[arg(long)]
    pub lexicon: Option<PathBuf>,
    /// Never complete (or learn) the words of this block list (QLEX).
    #[arg(long)]
    pub block: Option<PathBuf>,
    /// With --lexicon: keep words it lacks at this weight on their probability, instead of
    /// never showing them (0: restrict to the lexicon; 1: ignore it).
    #[arg(long, default_value_t = 0.0)]
    pub prefer: f32,
    /// Learn the words typed, as a keyboard does (0 turns learning off).
    #[arg(long, default_value_t = runtime::SessionConfig::DEFAULT.user_words)]
    pub learn: usize,
    /// How much a learned word's own frequency lifts it over the model's probability (0..1).
    #[arg(long, default_value_t = runtime::SessionConfig::DEFAULT.user_weight)]
    pub learn_weight: f32,
}

impl SessionArgs {
    /// The session these flags describe, with the input table (a desktop has the memory);
    /// refuses a floor outside [0, 1] and a cache of fewer than 2 prefixes.
    pub fn config(&self) -> Result<runtime::SessionConfig, String> {
        if !(0.0..=1.0).contains(&self.floor) {
            return Err(format!(
                "--floor must be a probability in [0, 1], got {}",
                self.floor
            ));
        }
        if !(0.0..=1.0).contains(&self.learn_weight) {
            return Err(format!(
                "--learn-weight must be in [0, 1], got {}",
                self.learn_weight
            ));
        }
        if self.cache < 2 {
            return Err(format!(
                "--cache must be at least 2 (a root and one prefix), got {}",
                self.cache
            ));
        }
        Ok(runtime::SessionConfig {
            input: runtime::InputSide::Table,
            floor: self.floor,
            cache: self.cache,
            max_steps: self.max_steps,
            user_words: self.learn,
            user_weight: self.learn_weight,
            ..runtime::SessionConfig::DEFAULT
        })
    }

    /// The lexicon and block list files, read and checked.
    pub fn word_list_files(&self) -> Result<WordListFiles, String> {
        let read = |flag: &str, p: &Option<PathBuf>| -> Result<Option<Vec<u8>>, String> {
            let Some(p) = p else { return Ok(None) };
            let bytes =
                std::fs::read(p).map_err(|e| format!("cannot read {flag} {}: {e}", p.display()))?;
            format::Lexicon::from_bytes(&bytes)
                .map_err(|e| format!("{flag} {}: {e}", p.display()))?;
            Ok(Some(bytes))
        };
        if !(0.0..=1.0).contains(&self.prefer) {
            return Err(format!("--prefer must be in [0, 1], got {}", self.prefer));
        }
        Ok(WordListFiles {
            lexicon: read("--lexicon", &self.lexicon)?,
            blocked: read("--block", &self.block)?,
            others: self.prefer,
        })
    }
}

#[derive(Args, Debug)]
pub struct KeyboardArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// Replay keys instead of reading the terminal and print a panel after each: `\b`
    /// Backspace, `\t` Tab, `\e` Esc, `\n` newline; `-` reads the keys from stdin.
    #[arg(long)]
    pub script: Option<String>,
    #[command(flatten)]
    pub session: SessionArgs,
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

impl Quant {
    /// As the flag spells it, and as output file names and messages show it.
    pub fn name(self) -> &'static str {
        match self {
            Quant::F32 => "f32",
            Quant::Int8 => "int8",
        }
    }
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
