//! The scripted typing session: the runtime's keyboard session (`runtime::Session`), one line
//! per key.
//!
//! After each key: the text so far, the three most likely next characters and the word
//! completions shown, all with probabilities. Backspace is exact (the session's history); Tab
//! accepts the first completion shown.

use core::fmt::{self, Write};

use runtime::{Kernel, Key as SessionKey, Model, Session};

use crate::memory::CONFIG;
use crate::percent::{Key, Percent};

/// The keys typed: characters as they are, `\u{8}` Backspace, `\t` accept the first completion.
pub const SCRIPT: &str = "one hundred fo\u{8}\u{8}tw\t th\t\u{8}e .";

/// Why a session stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The model or the runtime refused (a damaged model in flash, a buffer too small, …).
    Runtime(runtime::Error),
    /// The output channel failed.
    Output,
}

impl From<runtime::Error> for Failure {
    fn from(e: runtime::Error) -> Self {
        Failure::Runtime(e)
    }
}

impl From<fmt::Error> for Failure {
    fn from(_: fmt::Error) -> Self {
        Failure::Output
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Runtime(e) => write!(f, "{e}"),
            Failure::Output => f.write_str("writing the output failed"),
        }
    }
}

/// Runs [`SCRIPT`] on the model in `bytes` in `buffer` (`memory::SESSION_LEN` floats).
/// `kernel`: `None` for the one the runtime picks for this target, `Some(Kernel::Portable)` for
/// the reference the device is checked against. Lines starting with `#` name the kernel and
/// the model steps per key, and may differ between targets; every other line must be
/// identical everywhere.
pub fn run(
    bytes: &[u8],
    buffer: &mut [f32],
    kernel: Option<Kernel>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let model = load(bytes)?;
    type_script(&model, buffer, kernel, out)
}

/// The session itself, in a frame of its own (see [`load`]): the loader's frame and the
/// session's are never on the stack together.
#[inline(never)]
fn type_script(
    model: &Model<'_>,
    buffer: &mut [f32],
    kernel: Option<Kernel>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let config = runtime::SessionConfig { kernel, ..CONFIG };
    let mut s = Session::new(model, buffer, config)?;
    s.set_word_lists(crate::model::word_lists()?)?;
    let tested = match s.self_test() {
        Ok(()) => "passed",
        Err(runtime::Error::NoSelfTest) => "not recorded",
        Err(e) => return Err(e.into()),
    };
    let arch = model.arch();
    writeln!(out, "# kernel {}", s.predictor().kernel().name())?;
    writeln!(
        out,
        "model: {} {}x{}, {} characters, {:?} weights, {} bytes, self-test {tested}",
        arch.cell.name(),
        arch.layers,
        arch.hidden,
        arch.vocab,
        model.weight_dtype(),
        model.file_len(),
    )?;
    show(&s, "start", out)?;
    for key in SCRIPT.chars() {
        let mut label: heapless::String<32> = heapless::String::new();
        let key = match key {
            '\u{8}' => {
                label.push_str("backspace").ok();
                SessionKey::Backspace
            }
            '\t' => {
                label.push_str("tab +").ok();
                match s.panel().words.first() {
                    Some(w) => w.suffix.iter().for_each(|&c| drop(label.push(c))),
                    None => drop(label.push_str("(nothing)")),
                }
                SessionKey::Accept(0)
            }
            c => {
                write!(label, "key {}", Key(c))?;
                SessionKey::Char(c)
            }
        };
        s.press(key)?;
        show(&s, &label, out)?;
    }
    writeln!(out, "done: {} keys", SCRIPT.chars().count())?;
    Ok(())
}

/// Loads and validates the model, in a frame of its own: the loader's temporaries (a few KB
/// of tensor descriptors) are gone from the stack before the session's own frames are pushed,
/// so the stack's high-water mark is the larger of the two, not their sum (it matters on a
/// 16 KB part).
#[inline(never)]
fn load(bytes: &[u8]) -> Result<Model<'_>, runtime::Error> {
    Ok(Model::from_bytes(bytes)?)
}

/// Prints one key's line: the text, the top-3 next characters, the completions shown.
fn show(s: &Session<'_, '_>, label: &str, out: &mut impl Write) -> Result<(), Failure> {
    write!(out, "{label:<12} \"")?;
    for c in s.text() {
        write!(out, "{c}")?;
    }
    write!(out, "\"  next:")?;
    for (c, prob) in &s.panel().next {
        write!(out, " {} {}", Key(*c), Percent(*prob))?;
    }
    write!(out, "  words:")?;
    for w in &s.panel().words {
        write!(out, " ")?;
        for &c in &w.suffix {
            write!(out, "{c}")?;
        }
        write!(out, " {}", Percent(w.probability))?;
    }
    writeln!(out)?;
    writeln!(out, "# steps {}", s.cost().steps)?;
    Ok(())
}
