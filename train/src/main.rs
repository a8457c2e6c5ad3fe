//! `train`: see `train --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use train::cli::{BenchArgs, Cli, Command, Device, TrainArgs};
use train::run::{self, RunOptions};
use train::run_dir::RunDir;

fn main() -> ExitCode {
    train::malloc::keep_freed_memory();
    train::interrupt::install();
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The flags given on the command line (not defaulted): `--resume` checks each of them.
    let command = Cli::command();
    let given: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().as_str())
        .filter(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
        .map(String::from)
        .collect();
    let result = match cli.command {
        Some(Command::Bench(a)) => bench(a),
        None => train(&cli.train, &given),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn train(args: &TrainArgs, given: &[String]) -> Result<(), String> {
    let (cfg, run_dir, control) = match &args.resume {
        Some(dir) => {
            // The run continues with its saved config (read again with its checkpoint).
            let (saved, control) = train::resume_flags::check(args, given, dir)?;
            (saved, dir.clone(), control)
        }
        None => {
            let cfg = args.config()?;
            let dir = match &args.run_dir {
                Some(d) => d.clone(),
                None => default_dir(&cfg, args.overwrite),
            };
            (cfg, dir, Default::default())
        }
    };
    let opts = RunOptions {
        run_dir,
        resume: args.resume.is_some(),
        quiet: args.quiet,
        show_samples: !args.quiet,
        max_steps: control.max_steps,
        epochs: control.epochs,
        checkpoint_every: control.checkpoint_every,
        overwrite: args.overwrite,
        check_host_memory: args.device == Device::Cpu,
    };
    match args.device {
        Device::Cpu => train_on::<train::backend::Cpu>(cfg, &opts, &Default::default()),
        #[cfg(feature = "cuda")]
        Device::Cuda => {
            train_on::<train::backend::Cuda>(cfg, &opts, &train::backend::cuda_device()?)
        }
        #[cfg(feature = "wgpu")]
        Device::Wgpu => {
            train_on::<train::backend::Wgpu>(cfg, &opts, &train::backend::wgpu_device()?)
        }
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "--device {0}: this build has no {0} support; build the trainer with \
             `--features {0}` (cargo run --release -p train --features {0}), or train on the CPU \
             with --device cpu",
            format!("{other:?}").to_lowercase()
        )),
    }
}

/// Trains (or runs the lesson) on backend `B`.
fn train_on<B: train::model::TrainBackend>(
    cfg: train::config::TrainConfig,
    opts: &RunOptions,
    device: &B::Device,
) -> Result<(), String> {
    if cfg.lesson.is_some() {
        let s = run::run_lesson::<B>(cfg, opts, device)?;
        if !opts.quiet {
            toolkit::say!(
                "\nval loss {:.4} nats/char, accuracy {:.2}% (the lesson's window models are not exported; \
                 train --model rnn|gru|lstm for a deployable model)",
                s.loss,
                s.accuracy * 100.0
            );
        }
        return Ok(());
    }
    run::run::<B>(cfg, opts, device).map(|_| ())
}

/// The default run directory, or (when it holds an earlier run and `--overwrite` was not
/// given) the first free numbered sibling, so that running the main command twice loses
/// nothing.
fn default_dir(cfg: &train::config::TrainConfig, overwrite: bool) -> PathBuf {
    use train::run_dir::Contents;
    let free = |d: &PathBuf| {
        matches!(
            RunDir(d.clone()).contents(),
            Contents::Nothing | Contents::Unfinished(_)
        )
    };
    let base = run::default_run_dir(cfg);
    if overwrite || free(&base) {
        return base;
    }
    let name = base
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    let free = (2..)
        .map(|k| base.with_file_name(format!("{name}-{k}")))
        .find(free)
        .unwrap_or(base.clone());
    eprintln!(
        "note: {} holds an earlier run; this one goes to {} (--resume {0} continues the earlier \
         one, --overwrite replaces it)",
        base.display(),
        free.display()
    );
    free
}

fn bench(a: BenchArgs) -> Result<(), String> {
    use train::cli::BenchBackend;
    let p = train::bench::Problem {
        cell: a
            .model
            .cell()
            .ok_or("train bench measures the stateful models: --model rnn|rnn-relu|gru|lstm")?,
        layers: a.layers,
        hidden: a.hidden,
        bs: a.bs,
        bptt: a.bptt,
        steps: a.steps,
    };
    train::model::set_gpu_layer(a.gpu_layer.layer());
    let chars_per_sec = match a.backend {
        BenchBackend::Ndarray => {
            train::bench::throughput::<train::backend::CpuNdarray>(&p, &Default::default(), true)?
        }
        BenchBackend::Flex => {
            train::bench::throughput::<train::backend::Cpu>(&p, &Default::default(), true)?
        }
        #[cfg(feature = "cuda")]
        BenchBackend::Cuda => train::bench::throughput::<train::backend::Cuda>(
            &p,
            &train::backend::cuda_device()?,
            false,
        )?,
        #[cfg(feature = "wgpu")]
        BenchBackend::Wgpu => train::bench::throughput::<train::backend::Wgpu>(
            &p,
            &train::backend::wgpu_device()?,
            false,
        )?,
        #[allow(unreachable_patterns)]
        other => {
            let name = format!("{other:?}").to_lowercase();
            return Err(format!(
                "--backend {name}: this build has no {name} support; build the trainer with \
                 `--features {name}`"
            ));
        }
    };
    let layer = match a.backend {
        BenchBackend::Cuda | BenchBackend::Wgpu => format!(" ({:?} layer)", a.gpu_layer),
        _ => String::new(),
    };
    toolkit::say!(
        "{}-{}x{} bs {} bptt {}: {:.0} chars/s training on {:?}{layer}",
        p.cell.name(),
        p.layers,
        p.hidden,
        p.bs,
        p.bptt,
        chars_per_sec,
        a.backend
    );
    Ok(())
}
