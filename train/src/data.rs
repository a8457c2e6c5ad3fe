//! A run's data: corpus → vocabulary → train/validation token streams.

use crate::batches::StreamBatches;
use crate::config::TrainConfig;
use crate::run_record::CorpusStamp;
use crate::vocab::Vocab;
use toolkit::corpus::{self, split_point};

pub struct Data {
    pub vocab: Vocab,
    pub corpus_name: String,
    pub train: StreamBatches,
    pub valid: StreamBatches,
    /// The validation text itself (for scoring an exported model through the runtime).
    pub valid_text: String,
    /// The training text (the lesson's window models cut it themselves).
    pub train_text: String,
    /// The `--corpus` file's length and checksum (`None`: the built-in corpus).
    pub corpus_stamp: Option<CorpusStamp>,
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
        let corpus_stamp = cfg.corpus.as_ref().map(|_| CorpusStamp::of(&text));
        let vocab = Vocab::build(&text, cfg.min_freq)?;
        let chars: Vec<char> = text.chars().collect();
        let split = split_point(chars.len(), cfg.valid_frac);
        let valid_text: String = chars[split..].iter().collect();
        let train_text: String = chars[..split].iter().collect();
        let tokens = vocab.encode(&text);
        // Each split has its own way out: the training split shrinks with --valid-frac and is
        // cut into --bs streams; validation always uses VALID_BS streams, so only its share helps.
        let train = StreamBatches::new(&tokens[..split], cfg.bs).ok_or_else(|| {
            format!(
                "the training split has {split} characters, too few for {} streams of at least 2; \
                 use a longer corpus or a smaller --bs",
                cfg.bs
            )
        })?;
        let valid = StreamBatches::new(&tokens[split..], VALID_BS).ok_or_else(|| {
            format!(
                "the validation split has {} characters, too few for its {VALID_BS} streams of at \
                 least 2; use a longer corpus or a larger --valid-frac (now {})",
                tokens.len() - split,
                cfg.valid_frac
            )
        })?;
        Ok(Data {
            vocab,
            corpus_name,
            train,
            valid,
            valid_text,
            train_text,
            corpus_stamp,
        })
    }
}
