//! `train`: see `train --help`.

use clap::Parser;
use std::process::ExitCode;
use train::cli::{BenchArgs, Cli, Command, ExportArgs, Quant, SampleArgs};
use train::run::{self, RunOptions};

fn main() -> ExitCode {
    train::malloc::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Export(a)) => export(a),
        Some(Command::Sample(a)) => sample(a),
        Some(Command::Bench(a)) => bench(a),
        Some(Command::Eval(a)) => eval(a),
        Some(Command::Keyboard(a)) => train::keyboard::run(&a.model, a.script.as_deref()),
        Some(Command::ImportTorch(a)) => train::import_torch::run(&a),
        None => train(&cli.train),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn train(args: &train::cli::TrainArgs) -> Result<(), String> {
    let cfg = args.config();
    let (run_dir, resume) = match &args.resume {
        Some(dir) => {
            check_resume_flags(args, dir)?;
            (dir.clone(), true)
        }
        None => (
            args.run_dir
                .clone()
                .unwrap_or_else(|| run::default_run_dir(&cfg)),
            false,
        ),
    };
    let opts = RunOptions {
        run_dir,
        resume,
        quiet: args.quiet,
        show_samples: !args.quiet,
        max_steps: args.max_steps,
        epochs: args.epochs,
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

/// `--resume` continues a run with its saved config; flags that would change it are refused.
fn check_resume_flags(args: &train::cli::TrainArgs, dir: &std::path::Path) -> Result<(), String> {
    let saved_path = dir.join("config.json");
    let saved = std::fs::read_to_string(&saved_path).map_err(|e| {
        format!(
            "cannot resume {}: no readable config.json there ({e})",
            dir.display()
        )
    })?;
    let saved: train::config::TrainConfig = serde_json::from_str(&saved).map_err(|e| {
        format!(
            "cannot resume: {} is not a valid run config ({e})",
            saved_path.display()
        )
    })?;
    let given = args.config();
    let defaults = train::cli::Cli::parse_from(["train"]).train.config();
    // A flag counts as given when its value differs from the default; it must then match.
    type Field = fn(&train::config::TrainConfig) -> String;
    let fields: [(&str, Field); 8] = [
        ("--corpus", |c| format!("{:?}", c.corpus)),
        ("model", |c| format!("{:?}", c.model)),
        ("--bs", |c| c.bs.to_string()),
        ("--bptt", |c| c.bptt.to_string()),
        ("--lr", |c| c.lr.to_string()),
        ("--optimizer", |c| format!("{:?}", c.optimizer)),
        ("--schedule", |c| format!("{:?}", c.schedule)),
        ("--seed", |c| c.seed.to_string()),
    ];
    let mut diffs = Vec::new();
    for (name, field) in fields {
        let (g, d, s) = (field(&given), field(&defaults), field(&saved));
        if g != d && g != s {
            diffs.push(format!("{name}: run has {s}, flag says {g}"));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "--resume {} would continue with a different config ({}); resume without those flags, or start a new run with --run-dir",
            dir.display(),
            diffs.join("; ")
        ))
    }
}

fn export(a: ExportArgs) -> Result<(), String> {
    let bytes =
        std::fs::read(&a.model).map_err(|e| format!("cannot read {}: {e}", a.model.display()))?;
    let model =
        format::Model::from_bytes(&bytes).map_err(|e| format!("{}: {e}", a.model.display()))?;
    let mut owned = format::OwnedModel::from_model(&model);
    let prime = owned
        .self_test
        .as_ref()
        .map(|s| s.prime.clone())
        .unwrap_or_default();
    if a.quant == Quant::F32 {
        for t in &mut owned.tensors {
            if let format::OwnedTensor::Int8 { rows, cols, .. } = t {
                *t = format::OwnedTensor::matrix(*rows, *cols, t.to_f32());
            }
        }
    }
    let out_bytes = train::export::encode(&owned, a.quant == Quant::Int8, &prime)?;
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
    train::files::write_atomic(&out, &out_bytes)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let text = match &a.text {
        Some(p) => train::corpus::load(p).map_err(|e| e.to_string())?,
        None => {
            let c: Vec<char> = train::corpus::human_numbers().chars().collect();
            c[c.len() * 9 / 10..].iter().collect()
        }
    };
    let before = train::export::score_with_runtime(&bytes, &text)?;
    let after = train::export::score_with_runtime(&out_bytes, &text)?;
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
    let bytes =
        std::fs::read(&a.model).map_err(|e| format!("cannot read {}: {e}", a.model.display()))?;
    let text = match &a.text {
        Some(path) => {
            let raw =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            String::from_utf8(raw).map_err(|e| {
                format!(
                    "{} is not valid UTF-8 (byte offset {}); convert it to UTF-8",
                    path.display(),
                    e.utf8_error().valid_up_to()
                )
            })?
        }
        None => {
            let chars: Vec<char> = train::corpus::human_numbers().chars().collect();
            let split = (chars.len() as f64 * 0.9).round() as usize;
            chars[split..].iter().collect()
        }
    };
    let text: String = match a.max_chars {
        Some(n) => text.chars().take(n).collect(),
        None => text,
    };
    let r = train::text_eval::evaluate(&bytes, &text)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    if a.json {
        println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
    } else {
        println!("{}", r.table());
    }
    Ok(())
}

fn sample(a: SampleArgs) -> Result<(), String> {
    let bytes =
        std::fs::read(&a.model).map_err(|e| format!("cannot read {}: {e}", a.model.display()))?;
    let text = train::sample::generate(&bytes, &a.prime, a.n, a.temperature, a.seed)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    println!("{}{text}", a.prime);
    Ok(())
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
