//! `--resume DIR` continues a run with the config it saved. Every flag given on the command
//! line is checked: one that steers the run (`--epochs`, `--cycles`, `--max-steps`,
//! `--checkpoint-every`, `--quiet`) is applied; one that describes the run must equal the saved
//! value (so repeating the original command with `--resume` works) and is refused otherwise.
//! A flag this module does not know is refused too, so a new flag can never be ignored.

use std::path::Path;

use crate::cli::{OptimizerArg, ScheduleArg, TrainArgs};
use crate::config::{OptimizerKind, ScheduleKind, TrainConfig};
use crate::schedule::Schedule;

/// What a resumed run may change.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunControl {
    pub epochs: Option<usize>,
    pub max_steps: Option<usize>,
    pub checkpoint_every: Option<usize>,
}

/// `given`: the argument ids (clap's field names) given on the command line. Returns the run's
/// saved config and what this invocation may change.
pub fn check(
    args: &TrainArgs,
    given: &[String],
    dir: &Path,
) -> Result<(TrainConfig, RunControl), String> {
    let saved_path = dir.join("config.json");
    let saved = std::fs::read_to_string(&saved_path).map_err(|e| {
        format!(
            "cannot resume {}: no readable config.json there ({e})",
            dir.display()
        )
    })?;
    let saved: TrainConfig = crate::run_record::RunRecord::parse(&saved)
        .ok_or_else(|| {
            format!(
                "cannot resume: {} is not a run config written by the trainer",
                saved_path.display()
            )
        })?
        .config;
    let mut control = RunControl {
        epochs: args.epochs,
        max_steps: args.max_steps,
        checkpoint_every: None,
    };
    let mut diffs = Vec::new();
    for id in given {
        let flag = format!("--{}", id.replace('_', "-"));
        match id.as_str() {
            // Where it runs does not change what it computes: a run may move between devices.
            "resume" | "quiet" | "max_steps" | "epochs" | "device" => continue,
            "checkpoint_every" => control.checkpoint_every = Some(args.checkpoint_every),
            "cycles" if args.epochs.is_none() => {
                control.epochs = Some(epochs_for(&saved, args.cycles)?);
            }
            "cycles" => {}
            // The same file however it is named (relative, absolute, through a link).
            "corpus" => {
                if !same_corpus(args.corpus.as_deref(), saved.corpus.as_deref()) {
                    diffs.push(format!(
                        "--corpus: run has {}, flag says {}",
                        corpus_name(saved.corpus.as_deref()),
                        corpus_name(args.corpus.as_deref())
                    ));
                }
            }
            "run_dir" => {
                if args.run_dir.as_deref() != Some(dir) {
                    diffs.push(format!(
                        "--run-dir names another directory than --resume ({})",
                        dir.display()
                    ));
                }
            }
            _ => match values(id, args, &saved) {
                Some((g, s)) if g == s => {}
                Some((g, s)) => diffs.push(format!("{flag}: run has {s}, flag says {g}")),
                None => diffs.push(format!("{flag} cannot be changed on --resume")),
            },
        }
    }
    if diffs.is_empty() {
        Ok((saved, control))
    } else {
        Err(format!(
            "--resume {} would continue with a different config ({}); resume without those \
             flags, or start a new run with --run-dir",
            dir.display(),
            diffs.join("; ")
        ))
    }
}

/// Epochs for `cycles` SGDR cycles of the saved schedule (a constant schedule: one per cycle).
fn epochs_for(saved: &TrainConfig, cycles: usize) -> Result<usize, String> {
    match saved.schedule {
        ScheduleKind::Sgdr {
            cycle_len,
            cycle_mult,
        } => Schedule::epochs_for_cycles(cycle_len, cycle_mult, cycles).ok_or_else(|| {
            format!(
                "--cycles {cycles} of this run's schedule would be more epochs than can be counted"
            )
        }),
        ScheduleKind::Constant => Ok(cycles),
    }
}

/// (given, saved) for a flag that describes the run; `None` for a flag not known here.
fn values(id: &str, a: &TrainArgs, s: &TrainConfig) -> Option<(String, String)> {
    let m = &s.model;
    let show = |v: &dyn ToString| v.to_string();
    let sgdr = |f: fn(usize, usize) -> usize| match s.schedule {
        ScheduleKind::Sgdr {
            cycle_len,
            cycle_mult,
        } => f(cycle_len, cycle_mult).to_string(),
        ScheduleKind::Constant => "a constant schedule".into(),
    };
    Some(match id {
        "model" => {
            let saved = match s.lesson {
                Some(l) => l.name().to_string(),
                None => m.cell.name().to_string(),
            };
            let given = match (a.model.lesson(), a.model.cell()) {
                (Some(l), _) => l.name().to_string(),
                (None, Some(c)) => c.name().to_string(),
                (None, None) => format!("{:?}", a.model),
            };
            (given, saved)
        }
        "layers" => (show(&a.layers), show(&m.layers)),
        "hidden" => (show(&a.hidden), show(&m.hidden)),
        "emb" => (show(&a.emb), show(&m.embed)),
        "dropout" => (show(&a.dropout), show(&m.dropout)),
        "identity_init" => (show(&a.identity_init), show(&m.identity_init)),
        "bs" => (show(&a.bs), show(&s.bs)),
        "bptt" => (show(&a.bptt), show(&s.bptt)),
        "jitter" => (show(&a.jitter), show(&s.jitter)),
        "min_freq" => (show(&a.min_freq), show(&s.min_freq)),
        "valid_frac" => (show(&a.valid_frac), show(&s.valid_frac)),
        "lr" => (show(&a.lr), show(&s.lr)),
        "clip" => (
            show(&a.clip),
            s.clip.map_or("no clipping".into(), |c| c.to_string()),
        ),
        "seed" => (show(&a.seed), show(&s.seed)),
        "optimizer" => (
            match a.optimizer {
                OptimizerArg::Adam => "adam",
                OptimizerArg::Sgd => "sgd",
            }
            .into(),
            match s.optimizer {
                OptimizerKind::Adam => "adam",
                OptimizerKind::Sgd { .. } => "sgd",
            }
            .into(),
        ),
        "momentum" => (
            show(&a.momentum),
            match s.optimizer {
                OptimizerKind::Sgd { momentum } => momentum.to_string(),
                OptimizerKind::Adam => "adam (no momentum)".into(),
            },
        ),
        "schedule" => (
            match a.schedule {
                ScheduleArg::Sgdr => "sgdr",
                ScheduleArg::Constant => "constant",
            }
            .into(),
            match s.schedule {
                ScheduleKind::Sgdr { .. } => "sgdr",
                ScheduleKind::Constant => "constant",
            }
            .into(),
        ),
        "cycle_len" => (show(&a.cycle_len), sgdr(|len, _| len)),
        "cycle_mult" => (show(&a.cycle_mult), sgdr(|_, mult| mult)),
        _ => return None,
    })
}

/// Whether two `--corpus` values name the same file (or both the built-in corpus).
fn same_corpus(given: Option<&Path>, saved: Option<&Path>) -> bool {
    match (given, saved) {
        (None, None) => true,
        (Some(g), Some(s)) => {
            let canonical = |p: &Path| std::fs::canonicalize(p).ok();
            g == s || canonical(g).is_some_and(|c| Some(c) == canonical(s))
        }
        _ => false,
    }
}

fn corpus_name(p: Option<&Path>) -> String {
    p.map_or("the built-in corpus".into(), |p| p.display().to_string())
}
