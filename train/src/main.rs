//! `train`: see `train --help`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use train::cli::{BenchArgs, Cli, Command, ExportArgs, Quant, SampleArgs, TrainArgs};
use train::model_file;
use train::run::{self, RunOptions};
use train::run_dir::RunDir;
use train::text_stream::TextSource;

/// `sample`'s reader went away (`| head`): not an error.
const BROKEN_PIPE: &str = "broken pipe";

fn main() -> ExitCode {
    train::malloc::keep_freed_memory();
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
        Some(Command::Export(a)) => export(a),
        Some(Command::Sample(a)) => sample(a),
        Some(Command::Bench(a)) => bench(a),
        Some(Command::Eval(a)) => eval(a),
        Some(Command::Keyboard(a)) => train::keyboard::run(&a.model, a.script.as_deref()),
        Some(Command::ImportTorch(a)) => train::import_torch::run(&a),
        None => train(&cli.train, &given),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e == BROKEN_PIPE => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn train(args: &TrainArgs, given: &[String]) -> Result<(), String> {
    let (cfg, run_dir, control) = match &args.resume {
        Some(dir) => {
            let control = train::resume_flags::check(args, given, dir)?;
            // The run continues with its saved config (read again with its checkpoint); this
            // one only says which kind of model it is.
            let saved = std::fs::read_to_string(dir.join("config.json"))
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .ok_or_else(|| format!("cannot resume {}: no valid config.json", dir.display()))?;
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
        check_host_memory: cfg!(not(feature = "cuda")),
    };
    #[cfg(feature = "cuda")]
    type Train = train::backend::Gpu;
    #[cfg(not(feature = "cuda"))]
    type Train = train::backend::Cpu;
    #[cfg(feature = "cuda")]
    let device = train::backend::cuda_device()?;
    #[cfg(not(feature = "cuda"))]
    let device = Default::default();
    if cfg.lesson.is_some() {
        let s = run::run_lesson::<Train>(cfg, &opts, &device)?;
        if !args.quiet {
            println!(
                "\nval loss {:.4} nats/char, accuracy {:.2}% (the lesson's window models are not exported; \
                 train --model rnn|gru|lstm for a deployable model)",
                s.loss,
                s.accuracy * 100.0
            );
        }
        return Ok(());
    }
    run::run::<Train>(cfg, &opts, &device).map(|_| ())
}

/// The default run directory, or (when it holds an earlier run and `--overwrite` was not
/// given) the first free numbered sibling, so that running the main command twice loses
/// nothing.
fn default_dir(cfg: &train::config::TrainConfig, overwrite: bool) -> PathBuf {
    let base = run::default_run_dir(cfg);
    if overwrite || RunDir(base.clone()).run_files().is_empty() {
        return base;
    }
    let name = base
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    let free = (2..)
        .map(|k| base.with_file_name(format!("{name}-{k}")))
        .find(|d| RunDir(d.clone()).run_files().is_empty())
        .unwrap_or(base.clone());
    eprintln!(
        "note: {} holds an earlier run; this one goes to {} (--resume {0} continues the earlier \
         one, --overwrite replaces it)",
        base.display(),
        free.display()
    );
    free
}

fn export(a: ExportArgs) -> Result<(), String> {
    let bytes = model_file::read(&a.model)?;
    let model =
        format::Model::from_bytes(&bytes).map_err(|e| format!("{}: {e}", a.model.display()))?;
    // The text is scored first: a missing or non-UTF-8 --text stops before anything is written.
    let text = TextSource::from_arg(a.text.as_deref());
    let before = train::export::score_with_runtime(&bytes, text.chars()?)?;
    let mut owned = format::OwnedModel::from_model(&model);
    let prime = owned
        .self_test
        .as_ref()
        .map(|s| s.prime.clone())
        .unwrap_or_default();
    if a.quant == Quant::F32 {
        for t in owned.tensors_mut() {
            if let format::OwnedTensor::Int8 { rows, cols, .. } = t {
                *t = format::OwnedTensor::matrix(*rows, *cols, t.to_f32());
            }
        }
    }
    let out_bytes = train::export::encode(&owned, a.quant == Quant::Int8, &prime)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    let after = train::export::score_with_runtime(&out_bytes, text.chars()?)?;
    let suffix = if a.quant == Quant::Int8 {
        "int8"
    } else {
        "f32"
    };
    let out = a.out.unwrap_or_else(|| {
        let stem = a
            .model
            .file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned());
        a.model.with_file_name(format!("{stem}-{suffix}.quill"))
    });
    train::files::write_output(&out, &out_bytes, a.force)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "{} → {} ({suffix}): {} → {} bytes",
        a.model.display(),
        out.display(),
        bytes.len(),
        out_bytes.len()
    );
    println!(
        "validation through the runtime: loss {:.4} → {:.4} nats/char ({:+.4}), accuracy {:.2}% → {:.2}%",
        before.loss,
        after.loss,
        after.loss - before.loss,
        before.accuracy * 100.0,
        after.accuracy * 100.0
    );
    Ok(())
}

fn eval(a: train::cli::EvalArgs) -> Result<(), String> {
    let bytes = model_file::read(&a.model)?;
    let text = TextSource::from_arg(a.text.as_deref());
    let chars = text.chars()?;
    // Progress on stderr (drawn only on a terminal), in characters; a file's byte length is
    // its character count for ASCII and an upper bound otherwise.
    let total = a.max_chars.map(|n| n as u64).or(text.byte_len());
    let bar =
        indicatif::ProgressBar::with_draw_target(total, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} eval {human_pos}/{human_len} chars  {per_sec}  eta {eta}",
        )
        .map_err(|e| e.to_string())?,
    );
    let chars: Box<dyn Iterator<Item = Result<char, String>>> = match a.max_chars {
        Some(n) => Box::new(chars.take(n)),
        None => Box::new(chars),
    };
    let r = train::text_eval::evaluate(&bytes, chars, |n| bar.set_position(n as u64))
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    bar.finish_and_clear();
    if a.json {
        println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
    } else {
        println!("{}", r.table());
    }
    Ok(())
}

fn sample(a: SampleArgs) -> Result<(), String> {
    let bytes = model_file::read(&a.model)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            BROKEN_PIPE.to_string()
        } else {
            format!("cannot write the sample: {e}")
        }
    };
    out.write_all(a.prime.as_bytes()).map_err(io)?;
    // Streamed: each character is written as it is drawn, flushed every line or 64 characters.
    let mut unflushed = 0;
    let model = a.model.display();
    train::sample::generate_into(&bytes, &a.prime, a.n, a.temperature, a.seed, |c| {
        let mut utf8 = [0u8; 4];
        out.write_all(c.encode_utf8(&mut utf8).as_bytes())
            .map_err(io)?;
        unflushed += 1;
        if c == '\n' || unflushed >= 64 {
            out.flush().map_err(io)?;
            unflushed = 0;
        }
        Ok(())
    })
    .map_err(|e| {
        if e == BROKEN_PIPE || e.starts_with("cannot write") {
            e
        } else {
            format!("{model}: {e}")
        }
    })?;
    out.write_all(b"\n").and_then(|()| out.flush()).map_err(io)
}

fn bench(a: BenchArgs) -> Result<(), String> {
    let chars_per_sec = match a.backend {
        train::cli::CpuBackend::Ndarray => {
            train::bench::throughput::<train::backend::CpuNdarray>(&a, &Default::default())?
        }
        train::cli::CpuBackend::Flex => {
            train::bench::throughput::<train::backend::Cpu>(&a, &Default::default())?
        }
    };
    println!(
        "{}-{}x{} bs {} bptt {}: {:.0} chars/s training on the CPU ({:?})",
        a.model.cell().map_or("?", |c| c.name()),
        a.layers,
        a.hidden,
        a.bs,
        a.bptt,
        chars_per_sec,
        a.backend
    );
    Ok(())
}
