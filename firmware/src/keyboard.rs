//! The scripted typing session: what a keyboard does on every key, printed one line per key.
//!
//! After each key: the text so far, the three most likely next characters and up to three
//! word completions, all with probabilities. Backspace goes through [`History`] (exact:
//! the state from before the deleted character); Tab accepts the first completion.

use core::fmt::{self, Write};

use runtime::{Completion, History, Kernel, Model, Predictor, complete_words};

use crate::memory::{BEAM, MAX_SUFFIX, Memory, SHOWN};
use crate::percent::{Key, Percent};

/// The keys typed: characters as they are, `\u{8}` Backspace, `\t` accept the first completion.
pub const SCRIPT: &str = "one hundred fo\u{8}\u{8}tw\t th\t\u{8}e .";

/// Longest text the session keeps (the script stays well inside it).
const TEXT: usize = 64;

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

/// Runs [`SCRIPT`] on the model in `bytes`. `kernel`: `None` for the one the runtime picks
/// for this target, `Some(Kernel::Portable)` for the reference the device is checked against.
/// Lines starting with `#` name the kernel and may differ between targets; every other line
/// must be identical everywhere.
pub fn run(
    bytes: &[u8],
    mem: Memory,
    kernel: Option<Kernel>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let model = load(bytes)?;
    let mut p = match kernel {
        Some(k) => Predictor::with_options(&model, mem.predictor, k, InputSide::PerStep)?,
        None => Predictor::new(&model, mem.predictor)?,
    };
    let tested = match p.self_test() {
        Ok(()) => "passed",
        Err(runtime::Error::NoSelfTest) => "not recorded",
        Err(e) => return Err(e.into()),
    };
    let arch = model.arch();
    writeln!(out, "# kernel {}", p.kernel().name())?;
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
    let mut history = History::new(&p, mem.history)?;
    let mut text: heapless::String<TEXT> = heapless::String::new();
    let mut words: [Completion<MAX_SUFFIX>; SHOWN] = Default::default();
    let mut shown = suggest(&mut p, mem.completion, &mut words, "start", &text, out)?;
    for key in SCRIPT.chars() {
        let mut label: heapless::String<32> = heapless::String::new();
        match key {
            '\u{8}' => {
                let _ = text.pop();
                history.backspace_or_reprime(&mut p, &text, TEXT)?;
                label.push_str("backspace").ok();
            }
            '\t' => {
                label.push_str("tab +").ok();
                match words.get(..shown).and_then(|w| w.first()) {
                    Some(first) => {
                        for &c in &first.suffix {
                            history.type_char(&mut p, c)?;
                            text.push(c).ok();
                            label.push(c).ok();
                        }
                    }
                    None => {
                        label.push_str("(nothing)").ok();
                    }
                }
            }
            c => {
                history.type_char(&mut p, c)?;
                text.push(c).ok();
                write!(label, "key {}", Key(c))?;
            }
        }
        shown = suggest(&mut p, mem.completion, &mut words, &label, &text, out)?;
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

/// Prints one key's line: the text, the top-3 next characters, the word completions (which
/// it leaves in `words`, returning how many).
fn suggest(
    p: &mut Predictor<'_, '_>,
    scratch: &mut [f32],
    words: &mut [Completion<MAX_SUFFIX>; SHOWN],
    label: &str,
    text: &str,
    out: &mut impl Write,
) -> Result<usize, Failure> {
    let mut next = [('\0', 0f32); 3];
    let n = p.top_k_into(&mut next);
    write!(out, "{label:<12} \"{text}\"  next:")?;
    for (c, prob) in next.iter().take(n) {
        write!(out, " {} {}", Key(*c), Percent(*prob))?;
    }
    let found = complete_words::<BEAM, MAX_SUFFIX>(p, scratch, None, words)?;
    write!(out, "  words:")?;
    for w in words.iter().take(found) {
        write!(out, " ")?;
        for &c in &w.suffix {
            write!(out, "{c}")?;
        }
        write!(out, " {}", Percent(w.probability))?;
    }
    writeln!(out)?;
    Ok(found)
}
