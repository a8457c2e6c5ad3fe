//! The reference a keyboard front end is checked against (the web page's browser test,
//! `web/test/`, and the firmware's session): `keyboard-transcript MODEL KEYS` types `KEYS`
//! through `runtime::Session` with the portable kernel and prints, after the start and after
//! every key, one JSON line: the text, the top-3 next characters and the word completions shown,
//! probabilities as their `f32` bit patterns so a front end can be compared bit for bit.
//!
//! Keys: a character types it, `\u{8}` is Backspace, `\t` accepts the first completion shown.
//! With a lexicon and a block list (`LEXICON.qlex BLOCKED.qlex`) the session uses them, as the
//! page does when its `pkg/` has them.
//! The settings are the session's defaults (`SessionConfig::DEFAULT`) with the input table, as
//! the web page runs them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use runtime::{InputSide, Kernel, Key, Model, Session, SessionConfig};

/// The web page's session.
const CONFIG: SessionConfig = SessionConfig {
    kernel: Some(Kernel::Portable),
    input: InputSide::Table,
    ..SessionConfig::DEFAULT
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model, keys, lists) = match args.as_slice() {
        [model, keys] => (model, keys, None),
        [model, keys, lexicon, blocked] => (model, keys, Some((lexicon, blocked))),
        _ => {
            eprintln!(
                "usage: keyboard-transcript MODEL.quill KEYS [LEXICON.qlex BLOCKED.qlex]   \
                 (\\u{{8}} Backspace, \\t Tab)"
            );
            return ExitCode::FAILURE;
        }
    };
    match run(model, keys, lists) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyboard-transcript: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str, keys: &str, lists: Option<(&String, &String)>) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let read = |p: &str| std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}"));
    let list_bytes = match lists {
        Some((l, b)) => Some((read(l)?, read(b)?)),
        None => None,
    };
    let model = Model::from_bytes(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let len = CONFIG
        .buffer_len(model.arch())
        .ok_or("the session does not fit in memory")?;
    let mut buf = vec![0f32; len];
    let mut s = Session::new(&model, &mut buf, CONFIG).map_err(|e| e.to_string())?;
    if let Some((l, b)) = &list_bytes {
        let parse = |b| format::Lexicon::from_bytes(b).map_err(|e| e.to_string());
        s.set_word_lists(runtime::WordLists {
            lexicon: Some(parse(l)?),
            blocked: Some(parse(b)?),
            others: 0.0,
        })
        .map_err(|e| e.to_string())?;
    }
    // The text field, as a front end keeps it (the session holds only its end).
    let mut text = String::new();
    line("start", &text, &s)?;
    for key in keys.chars() {
        let (label, key) = match key {
            '\u{8}' => {
                text.pop();
                ("Backspace".to_string(), Key::Backspace)
            }
            '\t' => {
                if let Some(w) = s.panel().words.first() {
                    text.extend(w.suffix.iter());
                }
                ("Tab".to_string(), Key::Accept(0))
            }
            c => {
                text.push(c);
                (c.to_string(), Key::Char(c))
            }
        };
        s.press(key).map_err(|e| e.to_string())?;
        line(&label, &text, &s)?;
    }
    Ok(())
}

/// Prints one key's JSON line.
fn line(key: &str, text: &str, s: &Session<'_, '_>) -> Result<(), String> {
    let panel = s.panel();
    let mut out = format!("{{\"key\":{},\"text\":{},\"next\":[", json(key), json(text));
    for (i, (c, prob)) in panel.next.iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(out, "{sep}[{},{}]", json(&c.to_string()), prob.to_bits());
    }
    out.push_str("],\"words\":[");
    for (i, w) in panel.words.iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let suffix: String = w.suffix.iter().collect();
        let _ = write!(out, "{sep}[{},{}]", json(&suffix), w.probability.to_bits());
    }
    out.push_str("]}\n");
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| format!("cannot write the transcript: {e}"))?;
    Ok(())
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
