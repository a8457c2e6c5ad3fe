//! The reference a keyboard front end is checked against (the web page's browser test,
//! `web/test/`): `keyboard-transcript MODEL KEYS` types `KEYS` through the Rust API with the
//! portable kernel and prints, after the start and after every key, one JSON line: the text,
//! the top-3 next characters and the top-3 word completions, probabilities as their `f32` bit
//! patterns so a front end can be compared bit for bit.
//!
//! Keys: a character types it, `\u{8}` is Backspace (exact through a 64-deep `History`, else
//! re-primed from the text left), `\t` accepts the first completion. The settings are the web
//! page's: Backspace history 64, re-prime context 64, beam 4, suffixes up to 24 characters.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use runtime::{Completion, History, InputSide, Kernel, Model, Predictor, complete_words};

const HISTORY: usize = 64;
const CONTEXT: usize = 64;
const BEAM: usize = 4;
const SUFFIX: usize = 24;
const SHOWN: usize = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, keys] = args.as_slice() else {
        eprintln!("usage: keyboard-transcript MODEL.quill KEYS   (\\u{{8}} Backspace, \\t Tab)");
        return ExitCode::FAILURE;
    };
    match run(model, keys) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyboard-transcript: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str, keys: &str) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let model = Model::from_bytes(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let err = |e: runtime::Error| e.to_string();
    let mut buf = vec![0f32; Predictor::buffer_len_for(&model, InputSide::Table).map_err(err)?];
    let mut p = Predictor::with_options(&model, &mut buf, Kernel::Portable, InputSide::Table)
        .map_err(err)?;
    let mut hist = vec![0f32; History::buffer_len(&p, HISTORY).map_err(err)?];
    let mut history = History::new(&p, &mut hist).map_err(err)?;
    let mut scratch = vec![0f32; runtime::completion_buffer_len(&p, BEAM).map_err(err)?];
    let mut text = String::new();
    let mut words: [Completion<SUFFIX>; SHOWN] = Default::default();
    let mut shown = line("start", &text, &mut p, &mut scratch, &mut words)?;
    for key in keys.chars() {
        let label = match key {
            '\u{8}' => {
                text.pop();
                history
                    .backspace_or_reprime(&mut p, &text, CONTEXT)
                    .map_err(err)?;
                "Backspace".to_string()
            }
            '\t' => {
                if let Some(first) = words.get(..shown).and_then(|w| w.first()) {
                    let suffix: String = first.suffix.iter().collect();
                    history.type_str(&mut p, &suffix).map_err(err)?;
                    text.push_str(&suffix);
                }
                "Tab".to_string()
            }
            c => {
                history.type_char(&mut p, c).map_err(err)?;
                text.push(c);
                c.to_string()
            }
        };
        shown = line(&label, &text, &mut p, &mut scratch, &mut words)?;
    }
    Ok(())
}

/// Prints one key's JSON line; leaves the completions in `words` and returns how many.
fn line(
    key: &str,
    text: &str,
    p: &mut Predictor<'_, '_>,
    scratch: &mut [f32],
    words: &mut [Completion<SUFFIX>; SHOWN],
) -> Result<usize, String> {
    let mut next = [('\0', 0f32); SHOWN];
    let n = p.top_k_into(&mut next);
    let found =
        complete_words::<BEAM, SUFFIX>(p, scratch, None, words).map_err(|e| e.to_string())?;
    let mut out = format!("{{\"key\":{},\"text\":{},\"next\":[", json(key), json(text));
    for (i, (c, prob)) in next.iter().take(n).enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(out, "{sep}[{},{}]", json(&c.to_string()), prob.to_bits());
    }
    out.push_str("],\"words\":[");
    for (i, w) in words.iter().take(found).enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let suffix: String = w.suffix.iter().collect();
        let _ = write!(out, "{sep}[{},{}]", json(&suffix), w.probability.to_bits());
    }
    out.push_str("]}\n");
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| format!("cannot write the transcript: {e}"))?;
    Ok(found)
}

/// A JSON string literal.
fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
