//! A run's data: corpus → vocabulary → train/validation token streams.

use crate::batches::StreamBatches;
use crate::config::TrainConfig;
use crate::vocab::Vocab;
use quill::corpus::{self, split_point};

pub struct Data {
    pub vocab: Vocab,
    pub corpus_name: String,
    pub train: StreamBatches,
    pub valid: StreamBatches,
    /// The validation text itself (for scoring an exported model through the runtime).
    pub valid_text: String,
    /// The training text (the lesson's window models cut it themselves).
    pub train_text: String,
}

/// Validation streams: few, so each is long and its state warms up as in use.
pub const VALID_BS: usize = 8;

impl Data {
    pub fn load(cfg: &TrainConfig) -> Result<Data, String> {
        let (text, corpus_name) = match &cfg.corpus {
            Some(p) => (
                corpus::load(p).map_err(|e| e.to_string())?,
                p.display().to_string(),
            ),
            None => (
                corpus::human_numbers(),
                "HUMAN_NUMBERS (built in)".to_string(),
            ),
        };
        let vocab = Vocab::build(&text, cfg.min_freq)?;
        let chars: Vec<char> = text.chars().collect();
        let split = split_point(chars.len(), cfg.valid_frac);
        let valid_text: String = chars[split..].iter().collect();
        let train_text: String = chars[..split].iter().collect();
        let tokens = vocab.encode(&text);
        let short = |what: &str, n: usize, bs: usize| {
            format!(
                "the {what} split has {n} characters, too few for {bs} streams of at least 2; use a longer \
                 corpus, a smaller --bs, or a larger --valid-frac"
            )
        };
        let train = StreamBatches::new(&tokens[..split], cfg.bs)
            .ok_or_else(|| short("training", split, cfg.bs))?;
        let valid = StreamBatches::new(&tokens[split..], VALID_BS)
            .ok_or_else(|| short("validation", tokens.len() - split, VALID_BS))?;
        Ok(Data {
            vocab,
            corpus_name,
            train,
            valid,
            valid_text,
            train_text,
        })
    }
}
