//! One training run end to end: data, model, optimiser, resume, the loop with checkpoints and
//! Ctrl-C, then export, runtime-measured scores, samples and the loss plot.

use std::path::{Path, PathBuf};

use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, Optimizer, SgdConfig};
use format::OwnedMetadata;

use crate::checkpoint::Checkpoint;
use crate::config::{OptimizerKind, TrainConfig};
use crate::data::Data;
use crate::evaluate::Scores;
use crate::export;
use crate::model::TrainBackend;
use crate::model::{CharRnn, LayerState};
use crate::run_dir::{RunDir, RunLock};
use crate::run_record::{RunRecord, RunStamp};
use crate::train_loop::{self, Position, StepHook};
use crate::vocab::Vocab;
use crate::{plot, report};
use toolkit::encode::encode;
use toolkit::files::write_atomic;
use toolkit::sample;
use toolkit::scoring::score_with_runtime;

/// What to do, beyond the config.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub run_dir: PathBuf,
    /// Continue the run in `run_dir` from its latest good checkpoint.
    pub resume: bool,
    pub quiet: bool,
    /// Print samples and suggestions at the end.
    pub show_samples: bool,
    /// On resume: run until this many optimiser steps / epochs instead of the saved ones
    /// (run control, not model config, so a resumed run may extend them).
    pub max_steps: Option<usize>,
    pub epochs: Option<usize>,
    /// On resume: checkpoint this often instead of the saved interval.
    pub checkpoint_every: Option<usize>,
    /// Replace an earlier run found in `run_dir` (its files only); without it such a directory
    /// is refused.
    pub overwrite: bool,
    /// Refuse a model whose training would not fit in this machine's available memory (the
    /// CPU trainer; a GPU trainer's memory is the device's).
    pub check_host_memory: bool,
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct Summary {
    pub model_path: PathBuf,
    pub model_bytes: usize,
    pub int8_path: PathBuf,
    pub int8_bytes: usize,
    /// Scored through the runtime on the validation text.
    pub f32_scores: Scores,
    pub int8_scores: Scores,
    pub steps: usize,
}

/// A run ready to train: its final config, data, directory and (on resume) checkpoint.
struct Prepared {
    cfg: TrainConfig,
    stamp: RunStamp,
    data: Data,
    run: RunDir,
    checkpoint: Option<Checkpoint>,
    /// Held until the run ends.
    _lock: RunLock,
}

fn prepare(cfg: TrainConfig, opts: &RunOptions) -> Result<Prepared, String> {
    let run = RunDir(opts.run_dir.clone());
    if !opts.resume {
        // Bad flags are refused before the directory is created or locked.
        cfg.validate()?;
        run.check_location()?;
    }
    // Nothing in the directory is read or written without its lock.
    let lock = run.lock()?;
    if !opts.resume && !opts.overwrite {
        run.start_fresh(false)?;
    }
    let (cfg, checkpoint) = if opts.resume {
        let ck = read_resumable(&run)?;
        let mut cfg = ck.config.clone();
        cfg.max_steps = opts.max_steps.or(cfg.max_steps);
        cfg.epochs = opts.epochs.unwrap_or(cfg.epochs);
        cfg.checkpoint_every = opts.checkpoint_every.unwrap_or(cfg.checkpoint_every);
        (cfg, Some(ck))
    } else {
        (cfg, None)
    };
    cfg.validate()?;
    let data = Data::load(&cfg)?;
    let mut cfg = cfg;
    cfg.model.vocab = data.vocab.len();
    crate::memory::check_fits(&cfg, opts.check_host_memory)?;
    let now = RunStamp::new(data.corpus_stamp);
    let stamp = match checkpoint.as_ref().and_then(|ck| ck.stamp) {
        Some(then) => {
            now.check_corpus(&then, &run.0)?;
            then
        }
        // A new run, or one from before stamps: it is stamped from now on.
        None => now,
    };
    if let Some(ck) = &checkpoint
        && ck.vocab != data.vocab
    {
        return Err(format!(
            "the corpus changed since the run in {} started (its vocabulary differs); resume with the same corpus",
            run.0.display()
        ));
    }
    prepare_dir(&run)?;
    if !opts.resume {
        run.start_fresh(opts.overwrite)?;
    }
    if let Some(ck) = &checkpoint {
        crate::report::keep_epochs(&run.metrics(), ck.position.epoch)
            .map_err(|e| format!("cannot write {}: {e}", run.metrics().display()))?;
    }
    let record = RunRecord::new(&cfg, &stamp);
    let json = serde_json::to_string_pretty(&record).map_err(|e| e.to_string())?;
    write_atomic(&run.config(), json.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", run.config().display()))?;
    if !opts.quiet && cfg.lesson.is_none() {
        toolkit::say!(
            "{} {}x{} (emb {}, vocab {}) on {}: {} training chars in {} streams, bptt {}, {} epochs → {}",
            cfg.model.cell.name(),
            cfg.model.layers,
            cfg.model.hidden,
            cfg.model.embed,
            cfg.model.vocab,
            data.corpus_name,
            data.train.steps_per_epoch() * cfg.bs,
            cfg.bs,
            cfg.bptt,
            cfg.epochs,
            run.0.display()
        );
    }
    Ok(Prepared {
        cfg,
        stamp,
        data,
        run,
        checkpoint,
        _lock: lock,
    })
}

/// Trains a stateful model on backend `B` (CPU: `Autodiff<Flex>`, GPU: `Autodiff<Cuda>`),
/// exports it and scores the export through the runtime.
pub fn run<B: TrainBackend>(
    cfg: TrainConfig,
    opts: &RunOptions,
    device: &B::Device,
) -> Result<Summary, String> {
    if cfg.lesson.is_some() {
        return Err("the lesson's window models train with run_lesson".into());
    }
    let Prepared {
        cfg,
        stamp,
        data,
        run,
        checkpoint,
        _lock,
    } = prepare(cfg, opts)?;
    B::seed(device, cfg.seed);
    let model = cfg.model.init::<B>(cfg.seed, device);
    let (model, steps) = match cfg.optimizer {
        OptimizerKind::Adam => {
            // PyTorch's epsilon (burn's default is 1e-5).
            let optim = AdamConfig::new().with_epsilon(1e-8).init();
            train_with(
                &cfg, stamp, &data, &run, opts, device, model, optim, checkpoint,
            )?
        }
        OptimizerKind::Sgd { momentum } => {
            let m = MomentumConfig::new()
                .with_momentum(momentum)
                .with_dampening(0.0);
            let optim = SgdConfig::new().with_momentum(Some(m)).init();
            train_with(
                &cfg, stamp, &data, &run, opts, device, model, optim, checkpoint,
            )?
        }
    };
    plot::loss_curve(&report::read_csv(&run.metrics()), &run.plot())?;
    finish(&cfg, &data, &run, opts, &model, steps)
}

#[allow(clippy::too_many_arguments)]
fn train_with<B: TrainBackend, O: Optimizer<CharRnn<B>, B>>(
    cfg: &TrainConfig,
    stamp: RunStamp,
    data: &Data,
    run: &RunDir,
    opts: &RunOptions,
    device: &B::Device,
    model: CharRnn<B>,
    optim: O,
    checkpoint: Option<Checkpoint>,
) -> Result<(CharRnn<B>, usize), String> {
    let (model, optim, at, state) = match checkpoint {
        Some(ck) => {
            let (m, o, s) = ck.restore(model, optim, device)?;
            if !opts.quiet {
                toolkit::say!(
                    "resuming at epoch {}, step {}",
                    ck.position.epoch + 1,
                    ck.position.step
                );
            }
            (m, o, ck.position, s)
        }
        None => {
            let s = model.zero_state(cfg.bs, device);
            (model, optim, Position::start(cfg.seed), s)
        }
    };
    crate::interrupt::set_training(true);
    let mut hook = CheckpointHook {
        cfg,
        stamp,
        vocab: &data.vocab,
        run,
        last_saved: at.step,
        cycle: 0,
    };
    let (model, _) = train_loop::fit(
        cfg, data, device, run, model, optim, at, state, &mut hook, opts.quiet,
    )?;
    Ok((model, hook.last_saved))
}

struct CheckpointHook<'a> {
    cfg: &'a TrainConfig,
    stamp: RunStamp,
    vocab: &'a Vocab,
    run: &'a RunDir,
    last_saved: usize,
    cycle: usize,
}

impl<B: TrainBackend, O: Optimizer<CharRnn<B>, B>> StepHook<B, O> for CheckpointHook<'_> {
    fn after_step(
        &mut self,
        model: &CharRnn<B>,
        optim: &O,
        at: &Position,
        state: &[LayerState<B>],
        cycle_end: bool,
    ) -> Result<(), String> {
        let interrupted = crate::interrupt::requested();
        let epoch_end = at.pos == 0;
        let due = at.step >= self.last_saved + self.cfg.checkpoint_every;
        let last = at.epoch >= self.cfg.epochs || self.cfg.max_steps.is_some_and(|m| at.step >= m);
        if due || epoch_end || cycle_end || interrupted || last {
            Checkpoint::capture(self.stamp, self.cfg, self.vocab, at, model, optim, state)?
                .save(&self.run.checkpoint())?;
            self.last_saved = at.step;
        }
        if cycle_end {
            self.cycle += 1;
            let owned = export::to_owned_model(model, self.vocab, metadata(self.cfg, None));
            let bytes = encode(&owned, false, "")?;
            let path = self.run.cycle_model(self.cycle);
            write_atomic(&path, &bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        if interrupted {
            return Err(format!(
                "interrupted: checkpoint saved at step {}; continue with `cargo run --release -p train -- --resume {}`",
                at.step,
                self.run.0.display()
            ));
        }
        Ok(())
    }
}

/// Trains one of the lesson's window models (`char3`, `loop`, `loop-concat`); returns its
/// validation scores. They are not exported: the model file holds stateful RNN stacks.
pub fn run_lesson<B: TrainBackend>(
    cfg: TrainConfig,
    opts: &RunOptions,
    device: &B::Device,
) -> Result<Scores, String> {
    let Some(kind) = cfg.lesson else {
        return Err("not a lesson model".into());
    };
    if opts.resume {
        return Err("--resume continues the stateful models (rnn, gru, lstm); the lesson's window models train in one go".into());
    }
    let Prepared {
        cfg,
        data,
        run,
        _lock,
        ..
    } = prepare(cfg, opts)?;
    let scores = crate::lesson::train::<B>(&cfg, kind, &data, &run, device, opts.quiet)?;
    plot::loss_curve(&report::read_csv(&run.metrics()), &run.plot())?;
    Ok(scores)
}

fn metadata(cfg: &TrainConfig, val_loss: Option<f32>) -> OwnedMetadata {
    let corpus = cfg.corpus.as_ref().map_or("HUMAN_NUMBERS".into(), |p| {
        p.file_name().map_or(p.display().to_string(), |n| {
            n.to_string_lossy().into_owned()
        })
    });
    OwnedMetadata {
        name: format!(
            "{}-{}x{}",
            cfg.model.cell.name(),
            cfg.model.layers,
            cfg.model.hidden
        ),
        corpus,
        val_loss,
        producer: format!("quill-train {}", env!("CARGO_PKG_VERSION")),
    }
}

/// The checkpoint `--resume` continues from, refused when it belongs to another run (a
/// checkpoint copied in from elsewhere) or when there is none because the run stopped before
/// its first one.
fn read_resumable(run: &RunDir) -> Result<Checkpoint, String> {
    let path = run.checkpoint();
    if !path.exists() && !crate::run_dir::previous_checkpoint(&path).exists() {
        return Err(match run.contents() {
            crate::run_dir::Contents::Unfinished(_) => format!(
                "the run in {0} stopped before its first checkpoint, so there is nothing to \
                 resume; start it again with the same command without --resume (its files are \
                 replaced), or with --run-dir elsewhere",
                run.0.display()
            ),
            _ => format!(
                "cannot resume {}: it holds no checkpoint.bin (is it a run directory?)",
                run.0.display()
            ),
        });
    }
    let (ck, warning) = Checkpoint::read_latest(&path)?;
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    let owner = run.record().and_then(|r| r.stamp());
    if let (Some(ours), Some(theirs)) = (owner, ck.stamp)
        && ours.run_id != theirs.run_id
    {
        return Err(format!(
            "{} belongs to another run (run {:016x}; this directory's config.json is run \
             {:016x}): a checkpoint copied from elsewhere is not resumed; resume the run it \
             came from in its own directory",
            path.display(),
            theirs.run_id,
            ours.run_id
        ));
    }
    Ok(ck)
}

fn prepare_dir(run: &RunDir) -> Result<(), String> {
    let probe = run.0.join(".write-test");
    std::fs::write(&probe, b"")
        .map_err(|e| format!("run directory {} is not writable: {e}", run.0.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Exports f32 and int8, scores both through the runtime, shows samples.
fn finish<B: TrainBackend>(
    cfg: &TrainConfig,
    data: &Data,
    run: &RunDir,
    opts: &RunOptions,
    model: &CharRnn<B>,
    steps: usize,
) -> Result<Summary, String> {
    let prime: String = data.valid_text.chars().take(48).collect();
    let owned = export::to_owned_model(model, &data.vocab, metadata(cfg, None));
    let f32_bytes = encode(&owned, false, &prime)?;
    let f32_scores = score_with_runtime(&f32_bytes, data.valid_text.chars().map(Ok))?;
    let owned = format::OwnedModel {
        metadata: metadata(cfg, Some(f32_scores.loss as f32)),
        ..owned
    };
    let f32_bytes = encode(&owned, false, &prime)?;
    let int8_bytes = encode(&owned, true, &prime)?;
    let int8_scores = score_with_runtime(&int8_bytes, data.valid_text.chars().map(Ok))?;
    let (mp, ip) = (run.model(false), run.model(true));
    write_atomic(&mp, &f32_bytes).map_err(|e| format!("cannot write {}: {e}", mp.display()))?;
    write_atomic(&ip, &int8_bytes).map_err(|e| format!("cannot write {}: {e}", ip.display()))?;
    if !opts.quiet {
        toolkit::say!(
            "\nexported (scored through the runtime on the {} validation chars):",
            data.valid_text.chars().count()
        );
        for (path, bytes, s) in [
            (&mp, f32_bytes.len(), f32_scores),
            (&ip, int8_bytes.len(), int8_scores),
        ] {
            toolkit::say!(
                "  {}  {:>9} bytes  val loss {:.4} nats/char ({:.3} bits/char), next-char accuracy {:.2}%",
                path.display(),
                bytes,
                s.loss,
                s.bits_per_char(),
                s.accuracy * 100.0
            );
        }
        toolkit::say!(
            "  int8 cost: {:+.4} nats/char, {:+.2} accuracy points",
            int8_scores.loss - f32_scores.loss,
            (int8_scores.accuracy - f32_scores.accuracy) * 100.0
        );
    }
    if opts.show_samples {
        show_samples(cfg, data, &f32_bytes)?;
    }
    Ok(Summary {
        model_path: mp,
        model_bytes: f32_bytes.len(),
        int8_path: ip,
        int8_bytes: int8_bytes.len(),
        f32_scores,
        int8_scores,
        steps,
    })
}

fn show_samples(cfg: &TrainConfig, data: &Data, bytes: &[u8]) -> Result<(), String> {
    let prompts: Vec<String> = if cfg.corpus.is_none() {
        vec![
            "one thousand ".into(),
            "forty ".into(),
            "nine hundred ni".into(),
        ]
    } else {
        let v: Vec<char> = data.valid_text.chars().collect();
        [0, v.len() / 3, 2 * v.len() / 3]
            .iter()
            .map(|&i| v[i..(i + 24).min(v.len())].iter().collect())
            .collect()
    };
    toolkit::say!("\nnext-char suggestions and greedy continuations (through the runtime):");
    for p in &prompts {
        let top: Vec<String> = sample::top_k(bytes, p, 3)?
            .iter()
            .map(|(c, pr)| format!("'{}' {:.1}%", sample::show_char(*c), pr * 100.0))
            .collect();
        let cont = sample::generate(bytes, p, 60, 0.0, cfg.seed)?;
        toolkit::say!(
            "  {p:?} → {}\n      {p}{}",
            top.join("  "),
            cont.replace('\n', "⏎")
        );
    }
    Ok(())
}

/// The default run directory: `runs/<cell>-<layers>x<hidden>-<corpus>`.
pub fn default_run_dir(cfg: &TrainConfig) -> PathBuf {
    let corpus = cfg
        .corpus
        .as_deref()
        .and_then(Path::file_stem)
        .map_or("human-numbers".into(), |s| s.to_string_lossy().into_owned());
    let name = match cfg.lesson {
        Some(kind) => format!("{}-{}-{corpus}", kind.name(), cfg.model.hidden),
        None => format!(
            "{}-{}x{}-{corpus}",
            cfg.model.cell.name(),
            cfg.model.layers,
            cfg.model.hidden
        ),
    };
    PathBuf::from("runs").join(name)
}
