//! `config.json`: a run's config with the trainer's signature, the run's identity and its
//! corpus's fingerprint. The signature is how a directory is known to hold a run (an unrelated
//! `config.json` is never taken for one, so `--overwrite` never removes a stranger's files);
//! the identity ties the checkpoints to this run; the fingerprint tells `--resume` whether the
//! text is still the one the run started on.

use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;

/// What the trainer writes into every `config.json` it owns.
pub const SIGNATURE: &str = "quill train";

/// The run's identity and the corpus it trains on, also stored in each checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStamp {
    pub run_id: u64,
    /// `None`: the built-in corpus.
    pub corpus: Option<CorpusStamp>,
}

/// A corpus's length and content checksum (CRC-64/XZ of its UTF-8 bytes, after a BOM).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusStamp {
    pub bytes: u64,
    pub crc64: u64,
}

const CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

impl CorpusStamp {
    pub fn of(text: &str) -> Self {
        CorpusStamp {
            bytes: text.len() as u64,
            crc64: CRC64.checksum(text.as_bytes()),
        }
    }
}

impl RunStamp {
    /// A new run's stamp: an identity no other run shares (time and process, hashed).
    pub fn new(corpus: Option<CorpusStamp>) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut digest = CRC64.digest();
        digest.update(&nanos.to_le_bytes());
        digest.update(&std::process::id().to_le_bytes());
        RunStamp {
            run_id: digest.finalize(),
            corpus,
        }
    }

    /// Refuses to continue on another corpus than the one the run started on, saying what
    /// changed (`then` is the run's stamp, `self` the corpus read now).
    pub fn check_corpus(&self, then: &RunStamp, dir: &std::path::Path) -> Result<(), String> {
        match (then.corpus, self.corpus) {
            (Some(a), Some(b)) if a != b => Err(format!(
                "the corpus changed since the run in {} started: {} bytes then, {} now{}; resume \
                 with the text it started on, or start a new run with --run-dir",
                dir.display(),
                a.bytes,
                b.bytes,
                if a.bytes == b.bytes {
                    " (same length, different content)"
                } else {
                    ""
                }
            )),
            (Some(_), None) | (None, Some(_)) => Err(format!(
                "the run in {} was started on {}; resume it on that text",
                dir.display(),
                if then.corpus.is_some() {
                    "a --corpus file, not the built-in corpus"
                } else {
                    "the built-in corpus, not a --corpus file"
                }
            )),
            _ => Ok(()),
        }
    }
}

/// The contents of `config.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    pub trainer: String,
    /// The run's identity, as 16 hex digits.
    pub run_id: String,
    pub corpus_stamp: Option<CorpusStamp>,
    #[serde(flatten)]
    pub config: TrainConfig,
}

impl RunRecord {
    pub fn new(config: &TrainConfig, stamp: &RunStamp) -> Self {
        RunRecord {
            trainer: SIGNATURE.into(),
            run_id: format!("{:016x}", stamp.run_id),
            corpus_stamp: stamp.corpus,
            config: config.clone(),
        }
    }

    /// A run's `config.json`: signed by this trainer, or (runs from before the signature) a
    /// bare config; `None` for anything else.
    pub fn parse(json: &str) -> Option<Self> {
        if let Ok(r) = serde_json::from_str::<RunRecord>(json) {
            return (r.trainer == SIGNATURE).then_some(r);
        }
        let config = serde_json::from_str::<TrainConfig>(json).ok()?;
        Some(RunRecord {
            trainer: String::new(),
            run_id: String::new(),
            corpus_stamp: None,
            config,
        })
    }

    /// The stamp, when the record has one (runs from before stamps have none).
    pub fn stamp(&self) -> Option<RunStamp> {
        let run_id = u64::from_str_radix(&self.run_id, 16).ok()?;
        Some(RunStamp {
            run_id,
            corpus: self.corpus_stamp,
        })
    }
}
