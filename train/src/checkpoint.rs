//! Checkpoints: model, optimiser state, position (step, epoch, RNG), carried hidden state,
//! vocabulary and config in one CRC-checked file, written atomically. The previous checkpoint
//! is kept beside it and used if the newest one is damaged.

use std::path::Path;

use burn::module::Module;
use burn::optim::Optimizer;
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::model::{CharRnn, LayerState};
use crate::run_record::RunStamp;
use crate::train_loop::Position;
use crate::vocab::Vocab;
use toolkit::files;

/// The previous checkpoint kept beside a checkpoint (named by the run directory's layout).
pub use crate::run_dir::previous_checkpoint as previous;

const MAGIC: &[u8; 8] = b"QUILLCKP";
/// 2: the run's stamp (identity, corpus fingerprint) before the body. 1 is still read.
const VERSION: u32 = 2;
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

#[derive(Serialize, Deserialize)]
pub struct Checkpoint {
    pub config: TrainConfig,
    pub vocab: Vocab,
    pub position: Position,
    pub model: Vec<u8>,
    pub optimizer: Vec<u8>,
    /// Per layer: `h`, then `c` for an LSTM, each `[bs, hidden]` row-major.
    pub state: Vec<Vec<f32>>,
    /// The run this checkpoint belongs to (encoded ahead of the body; `None` in a version 1
    /// checkpoint, from before runs were stamped).
    #[serde(skip)]
    pub stamp: Option<RunStamp>,
}

type Rec = BinBytesRecorder<FullPrecisionSettings>;

/// A model, its optimiser and the hidden state carried into the next batch.
pub type Restored<B, O> = (CharRnn<B>, O, Vec<LayerState<B>>);

impl Checkpoint {
    #[allow(clippy::too_many_arguments)]
    pub fn capture<B: AutodiffBackend, O: Optimizer<CharRnn<B>, B>>(
        stamp: RunStamp,
        config: &TrainConfig,
        vocab: &Vocab,
        position: &Position,
        model: &CharRnn<B>,
        optim: &O,
        state: &[LayerState<B>],
    ) -> Result<Self, String> {
        let rec = Rec::default();
        let model_bytes = rec
            .record(model.clone().into_record(), ())
            .map_err(|e| format!("cannot record the model: {e}"))?;
        let optim_bytes = rec
            .record(optim.to_record(), ())
            .map_err(|e| format!("cannot record the optimiser: {e}"))?;
        let mut st = Vec::new();
        for s in state {
            st.push(values(s.h.clone()));
            if let Some(c) = &s.c {
                st.push(values(c.clone()));
            }
        }
        Ok(Checkpoint {
            config: config.clone(),
            vocab: vocab.clone(),
            position: position.clone(),
            model: model_bytes,
            optimizer: optim_bytes,
            state: st,
            stamp: Some(stamp),
        })
    }

    /// The model, optimiser and carried state, on `device`.
    pub fn restore<B: AutodiffBackend, O: Optimizer<CharRnn<B>, B>>(
        &self,
        model: CharRnn<B>,
        optim: O,
        device: &B::Device,
    ) -> Result<Restored<B, O>, String> {
        let rec = Rec::default();
        let mr = Recorder::<B>::load(&rec, self.model.clone(), device)
            .map_err(|e| format!("checkpoint model record: {e}"))?;
        let model = model.load_record(mr);
        let or = Recorder::<B>::load(&rec, self.optimizer.clone(), device)
            .map_err(|e| format!("checkpoint optimiser record: {e}"))?;
        let optim = optim.load_record(or);
        let (bs, h) = (self.config.bs, self.config.model.hidden);
        let lstm = self.config.model.cell == format::CellKind::Lstm;
        let mut it = self.state.iter();
        let mut state = Vec::new();
        for _ in 0..self.config.model.layers {
            let mut take = || -> Result<Tensor<B, 2>, String> {
                let v = it
                    .next()
                    .ok_or("checkpoint holds less hidden state than its config needs")?;
                if v.len() != bs * h {
                    return Err("checkpoint hidden state has the wrong size".into());
                }
                Ok(Tensor::from_data(
                    TensorData::new(v.clone(), [bs, h]),
                    device,
                ))
            };
            let h_t = take()?;
            let c_t = if lstm { Some(take()?) } else { None };
            state.push(LayerState { h: h_t, c: c_t });
        }
        Ok((model, optim, state))
    }

    /// Writes atomically; the checkpoint it replaces becomes `checkpoint.prev.bin`. The new
    /// file is complete and fsynced before either rename, so at every moment `path` (or, for the
    /// instant between the two renames, the previous file) holds a whole checkpoint.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let encode = |e: postcard::Error| format!("cannot encode checkpoint: {e}");
        let stamp = self
            .stamp
            .ok_or("a checkpoint is written with its run's stamp")?;
        let mut payload = postcard::to_stdvec(&stamp).map_err(encode)?;
        payload.extend(postcard::to_stdvec(self).map_err(encode)?);
        let mut bytes = Vec::with_capacity(payload.len() + 24);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(&CRC.checksum(&bytes).to_le_bytes());
        let cannot = |e: std::io::Error| format!("cannot write checkpoint {}: {e}", path.display());
        let tmp = files::write_temp(path, &bytes, fault_pause()).map_err(cannot)?;
        if path.exists()
            && let Err(e) = std::fs::rename(path, previous(path))
        {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("cannot keep the previous checkpoint: {e}"));
        }
        files::commit(&tmp, path).map_err(cannot)
    }

    /// Reads and verifies one checkpoint file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read checkpoint {}: {e}", path.display()))?;
        let bad = |why: &str| format!("checkpoint {} is damaged ({why})", path.display());
        if bytes.len() < 24 || &bytes[..8] != MAGIC {
            return Err(bad("not a Quill checkpoint or truncated"));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| bad("header"))?);
        if !(1..=VERSION).contains(&version) {
            return Err(format!(
                "checkpoint {} has version {version}; this trainer reads 1 to {VERSION}",
                path.display()
            ));
        }
        let len = u64::from_le_bytes(bytes[12..20].try_into().map_err(|_| bad("header"))?) as usize;
        if bytes.len() != len.saturating_add(24) {
            return Err(bad("truncated: its length does not match its header"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if CRC.checksum(body).to_le_bytes() != crc {
            return Err(bad("checksum mismatch"));
        }
        let undecodable = |e: postcard::Error| bad(&format!("undecodable: {e}"));
        let (stamp, body) = match version {
            1 => (None, &body[20..]),
            _ => {
                let (stamp, rest) =
                    postcard::take_from_bytes::<RunStamp>(&body[20..]).map_err(undecodable)?;
                (Some(stamp), rest)
            }
        };
        let mut ck: Checkpoint = postcard::from_bytes(body).map_err(undecodable)?;
        ck.stamp = stamp;
        Ok(ck)
    }

    /// The newest good checkpoint of a run: `checkpoint.bin`, or the previous one if the newest
    /// is damaged (the warning says so).
    pub fn read_latest(path: &Path) -> Result<(Self, Option<String>), String> {
        match Self::read(path) {
            Ok(c) => Ok((c, None)),
            Err(e) => {
                let prev = previous(path);
                match Self::read(&prev) {
                    Ok(c) => Ok((
                        c,
                        Some(format!(
                            "{e}; using the previous checkpoint {}",
                            prev.display()
                        )),
                    )),
                    Err(e2) if prev.exists() => Err(format!("{e}; and the previous one: {e2}")),
                    Err(_) => Err(e),
                }
            }
        }
    }
}

/// Fault injection for the crash test (`train/tests/crash.rs`): with
/// `QUILL_FAULT_CHECKPOINT_PAUSE_MS` set, every checkpoint write pauses halfway so a `kill -9`
/// can land inside it. Unset in normal use.
fn fault_pause() -> Option<std::time::Duration> {
    std::env::var("QUILL_FAULT_CHECKPOINT_PAUSE_MS")
        .ok()?
        .parse()
        .ok()
        .map(std::time::Duration::from_millis)
}

fn values<B: Backend>(t: Tensor<B, 2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default()
}
