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
//!
//! `keyboard-transcript --field MODEL STATES [LEXICON BLOCKED]` follows a text field instead:
//! STATES holds the text before the cursor after each change, each preceded by `S` (sync) or
//! `F` (re-prime regardless) and followed by a NUL byte, and the session is brought from one to
//! the next as the page does (`web/app.js`): characters added at the end (up to 64) typed,
//! characters removed from the end (up to 64) deleted through the history, anything else
//! re-primed from the last 64 characters. One JSON line per state.

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
    let field = args.first().is_some_and(|a| a == "--field");
    let (model, input, lists) = match &args[usize::from(field)..] {
        [model, input] => (model, input, None),
        [model, input, lexicon, blocked] => (model, input, Some((lexicon, blocked))),
        _ => {
            eprintln!(
                "usage: keyboard-transcript MODEL.quill KEYS [LEXICON.qlex BLOCKED.qlex]   \
                 (\\u{{8}} Backspace, \\t Tab)\n   \
                 or: keyboard-transcript --field MODEL.quill STATES [LEXICON.qlex BLOCKED.qlex]"
            );
            return ExitCode::FAILURE;
        }
    };
    let result = if field {
        std::fs::read(input)
            .map_err(|e| format!("cannot read {input}: {e}"))
            .and_then(|states| run(model, lists, |s| follow_field(s, &states)))
    } else {
        run(model, lists, |s| type_keys(s, input))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyboard-transcript: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the model and the session (with the word lists, if given) and hands it to `drive`.
fn run(
    path: &str,
    lists: Option<(&String, &String)>,
    drive: impl FnOnce(&mut Session<'_, '_>) -> Result<(), String>,
) -> Result<(), String> {
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
    drive(&mut s)
}

/// Types `keys`, one JSON line after the start and after each.
fn type_keys(s: &mut Session<'_, '_>, keys: &str) -> Result<(), String> {
    // The text field, as a front end keeps it (the session holds only its end).
    let mut text = String::new();
    line("start", &text, s)?;
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
        line(&label, &text, s)?;
    }
    Ok(())
}

/// The most characters typed, or deleted through the history, to follow a change (the page's
/// `LONG_PASTE` and `HISTORY`); past them the session re-primes.
const FIELD_STEP: usize = 64;

/// Follows the text field's states (see the module's docs), one JSON line after each.
fn follow_field(s: &mut Session<'_, '_>, states: &[u8]) -> Result<(), String> {
    let mut consumed = String::new();
    for (i, state) in states.split(|&b| b == 0).enumerate() {
        let Some((&mode, before)) = state.split_first() else {
            continue; // after the last NUL
        };
        let before =
            std::str::from_utf8(before).map_err(|e| format!("state {i} is not UTF-8: {e}"))?;
        let count = |t: &str| t.chars().count();
        let result = match (
            mode,
            before.strip_prefix(consumed.as_str()),
            consumed.strip_prefix(before),
        ) {
            (b'S', Some(added), _) if count(added) <= FIELD_STEP => s.type_text(added.chars()),
            (b'S', _, Some(removed)) if count(removed) <= FIELD_STEP => s.delete(count(removed)),
            (b'S' | b'F', ..) => {
                let skip = count(before).saturating_sub(FIELD_STEP);
                let tail: String = before.chars().skip(skip).collect();
                s.reprime(&tail)
            }
            _ => return Err(format!("state {i} starts with {mode:?}, not S or F")),
        };
        result.map_err(|e| format!("state {i}: {e}"))?;
        consumed = before.to_string();
        line(if mode == b'F' { "reprime" } else { "sync" }, before, s)?;
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
