//! `quill`: see `quill --help`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use quill::cli::{
    Cli, Command, EvalArgs, ExportArgs, ImportTorchArgs, InspectArgs, KeyboardArgs, LexiconArgs,
    Quant, SampleArgs,
};
use toolkit::model_file;
use toolkit::text_stream::TextSource;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Export(a) => export(a),
        Command::Sample(a) => sample(a),
        Command::Eval(a) => eval(a),
        Command::Keyboard(a) => keyboard(a),
        Command::Lexicon(a) => lexicon(a),
        Command::ImportTorch(a) => import_torch(a),
        Command::Inspect(a) => inspect(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn keyboard(a: KeyboardArgs) -> Result<(), String> {
    let config = a.session.config()?;
    let files = a.session.word_list_files()?;
    quill::keyboard::run(&a.model, a.script.as_deref(), config, files.lists()?)
}

fn lexicon(a: LexiconArgs) -> Result<(), String> {
    let mut entries = Vec::new();
    for p in &a.words {
        entries.extend(toolkit::lexicon::read_words(p)?);
    }
    let counts = match &a.counts {
        Some(p) => Some(
            toolkit::corpus::load(p)
                .map_err(|e| e.to_string().replace("corpus", "--counts text"))?,
        ),
        None => None,
    };
    let built = toolkit::lexicon::build(&entries, counts.as_deref(), a.top)?;
    let mut inputs: Vec<(&str, &std::path::Path)> =
        a.words.iter().map(|p| ("--words", p.as_path())).collect();
    inputs.extend(a.counts.as_deref().map(|p| ("--counts", p)));
    toolkit::files::refuse_own_input(&a.out, &inputs)?;
    toolkit::files::write_output(&a.out, &built.bytes, a.force)
        .map_err(|e| format!("cannot write {}: {e}", a.out.display()))?;
    toolkit::say!(
        "wrote {}: {} words in {} bytes ({} entries that are not one word left out{})",
        a.out.display(),
        built.words,
        built.bytes.len(),
        built.skipped,
        if a.counts.is_some() {
            format!("; frequencies from {} words of text", built.counted)
        } else {
            String::new()
        }
    );
    Ok(())
}

fn inspect(a: InspectArgs) -> Result<(), String> {
    let bytes = model_file::read(&a.model)?;
    let d = quill::inspect::describe(&bytes).map_err(|e| format!("{}: {e}", a.model.display()))?;
    if a.json {
        toolkit::say!("{}", serde_json::to_string(&d).map_err(|e| e.to_string())?);
    } else {
        toolkit::say!("{}", d.table().trim_end());
    }
    Ok(())
}

fn import_torch(a: ImportTorchArgs) -> Result<(), String> {
    let name = a
        .weights
        .file_stem()
        .map_or("imported".into(), |s| s.to_string_lossy().into_owned());
    let opts = torch_import::Options {
        keys: torch_import::Keys {
            embedding: a.embedding_key,
            rnn_prefix: a.rnn_prefix,
            output_prefix: a.output_prefix,
        },
        relu: a.relu,
        unknown: a.unknown,
        drop: a.drop,
        allow_unused: a.allow_unused,
        name,
        corpus: format!("imported from {}", a.weights.display()),
    };
    let out = a.out.unwrap_or_else(|| a.weights.with_extension("quill"));
    toolkit::files::refuse_own_input(&out, &[("--weights", &a.weights), ("--vocab", &a.vocab)])?;
    let imported = quill::import_torch::import_files(&a.weights, &a.vocab, &opts)?;
    let prime = a
        .prime
        .unwrap_or_else(|| imported.model.vocab.iter().take(32).collect());
    if prime.is_empty() {
        return Err(
            "--prime is empty: the file's self-test replays it, so give it at least \
                    one character (or leave --prime out for the vocabulary's characters)"
                .into(),
        );
    }
    let bytes = toolkit::encode::encode(&imported.model, a.quant == Quant::Int8, &prime)?;
    toolkit::files::write_output(&out, &bytes, a.force)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    for note in &imported.notes {
        toolkit::say!("{note}");
    }
    let parameters: usize = imported
        .model
        .tensors()
        .map(|t| {
            let (r, c) = t.shape();
            r * c
        })
        .sum();
    toolkit::say!(
        "wrote {} ({} bytes, {}, {parameters} parameters)",
        out.display(),
        bytes.len(),
        a.quant.name(),
    );
    toolkit::say!(
        "next: quill eval --model {} --text YOUR_TEXT.txt",
        out.display()
    );
    Ok(())
}

fn export(a: ExportArgs) -> Result<(), String> {
    let suffix = a.quant.name();
    let out = a.out.clone().unwrap_or_else(|| {
        let stem = a
            .model
            .file_stem()
            .map_or("model".into(), |s| s.to_string_lossy().into_owned());
        a.model.with_file_name(format!("{stem}-{suffix}.quill"))
    });
    let mut inputs = vec![("--model", a.model.as_path())];
    inputs.extend(a.text.as_deref().map(|t| ("--text", t)));
    toolkit::files::refuse_own_input(&out, &inputs)?;
    let bytes = model_file::read(&a.model)?;
    let model =
        format::Model::from_bytes(&bytes).map_err(|e| format!("{}: {e}", a.model.display()))?;
    // The text is scored first: a missing or non-UTF-8 --text stops before anything is written.
    let text = TextSource::from_arg(a.text.as_deref());
    note_builtin_text(&text);
    let before = toolkit::scoring::score_with_runtime(&bytes, text.chars()?)?;
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
    let out_bytes = toolkit::encode::encode(&owned, a.quant == Quant::Int8, &prime)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    let after = toolkit::scoring::score_with_runtime(&out_bytes, text.chars()?)?;
    toolkit::files::write_output(&out, &out_bytes, a.force)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    toolkit::say!(
        "{} → {} ({suffix}): {} → {} bytes",
        a.model.display(),
        out.display(),
        bytes.len(),
        out_bytes.len()
    );
    toolkit::say!(
        "validation through the runtime: loss {:.4} → {:.4} nats/char ({:+.4}), accuracy {:.2}% → {:.2}%",
        before.loss,
        after.loss,
        after.loss - before.loss,
        before.accuracy * 100.0,
        after.accuracy * 100.0
    );
    Ok(())
}

fn eval(a: EvalArgs) -> Result<(), String> {
    let bytes = model_file::read_valid(&a.model)?;
    let text = TextSource::from_arg(a.text.as_deref());
    note_builtin_text(&text);
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
    let chars: Box<dyn Iterator<Item = Result<char, toolkit::Error>>> = match a.max_chars {
        Some(n) => Box::new(chars.take(n)),
        None => Box::new(chars),
    };
    let config = a.session.config()?;
    let files = a.session.word_list_files()?;
    let lists = files.lists()?;
    let check_bytes = match &a.check {
        Some(p) => Some(
            std::fs::read(p).map_err(|e| format!("cannot read --check {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let check = match &check_bytes {
        Some(b) => Some(format::Lexicon::from_bytes(b).map_err(|e| format!("--check: {e}"))?),
        None => lists.lexicon,
    };
    let r = quill::text_eval::evaluate(&bytes, chars, config, lists, check, |n| {
        bar.set_position(n as u64)
    })?;
    bar.finish_and_clear();
    if let Some(w) = r.unknown_warning() {
        eprintln!("warning: {w}");
    }
    if a.json {
        toolkit::say!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
    } else {
        toolkit::say!("{}", r.table());
    }
    Ok(())
}

/// Says (on stderr) that the figures are on the built-in numbers corpus when no `--text` was
/// given: a model of another text scores badly there for no fault of its own.
fn note_builtin_text(text: &TextSource) {
    if matches!(text, TextSource::BuiltinValidation) {
        eprintln!(
            "note: no --text given: scoring on the built-in HUMAN_NUMBERS validation split (the \
             numbers corpus the default model trains on); pass --text FILE to score your own text"
        );
    }
}

fn sample(a: SampleArgs) -> Result<(), String> {
    let bytes = toolkit::model_file::read_valid(&a.model)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = toolkit::Error::Output;
    // Streamed: each character is written as it is drawn, flushed every line or 64 characters.
    let mut unflushed = 0;
    let result = out
        .write_all(a.prime.as_bytes())
        .map_err(io)
        .and_then(|()| {
            toolkit::sample::generate_into(&bytes, &a.prime, a.n, a.temperature, a.seed, |c| {
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
        })
        .and_then(|()| out.write_all(b"\n").and_then(|()| out.flush()).map_err(io));
    match result {
        // The reader went away (`| head`): nothing left to show, not an error.
        Err(e) if e.is_broken_pipe() => Ok(()),
        other => other.map_err(String::from),
    }
}
