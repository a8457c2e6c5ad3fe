//! `quill keyboard`: a live terminal demo of the runtime's keyboard session
//! (`runtime::Session`) — top-3 next characters and word completions after every key, Tab
//! accepts the first completion, Backspace undoes exactly, Esc quits. `--script` replays keys
//! non-interactively and prints the same panels (used by the tests).

use std::io::{IsTerminal, Read, Write};
use std::time::Instant;

use runtime::{Model, Session, SessionConfig, WordLists};

/// What a key does in this demo: a session key, or quitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Backspace,
    Tab,
    Esc,
}

/// Keys from a `--script` text: `\b` Backspace, `\t` Tab, `\e` Esc, `\n` newline, `\\` a
/// backslash; the control bytes themselves (0x08/0x7f, 0x09, 0x1b) work too, as piped input
/// sends them.
pub fn script_keys(script: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut chars = script.chars();
    while let Some(c) = chars.next() {
        let key = match c {
            '\\' => match chars.next() {
                Some('b') => Key::Backspace,
                Some('t') => Key::Tab,
                Some('e') => Key::Esc,
                Some('n') => Key::Char('\n'),
                Some(other) => Key::Char(other),
                None => Key::Char('\\'),
            },
            '\u{8}' | '\u{7f}' => Key::Backspace,
            '\t' => Key::Tab,
            '\u{1b}' => Key::Esc,
            c => Key::Char(c),
        };
        keys.push(key);
    }
    keys
}

/// The typing session and how long its keys take.
pub struct Keyboard<'m, 'b> {
    session: Session<'m, 'b>,
    /// Microseconds the last key took (steps, restores, the word search).
    pub last_key_us: f64,
}

/// What the screen shows after a key.
pub struct Panel {
    pub text: String,
    pub next: Vec<(char, f32)>,
    /// Whole words (typed part + completion) with probabilities.
    pub words: Vec<(String, f32)>,
    pub key_us: f64,
    /// Model steps the key took.
    pub steps: u32,
}

impl<'m, 'b> Keyboard<'m, 'b> {
    pub fn new(session: Session<'m, 'b>) -> Self {
        Keyboard {
            session,
            last_key_us: 0.0,
        }
    }

    /// Applies one key; returns false on Esc.
    pub fn press(&mut self, key: Key) -> Result<bool, String> {
        let t = Instant::now();
        let key = match key {
            Key::Esc => return Ok(false),
            Key::Char(c) => runtime::Key::Char(c),
            Key::Backspace => runtime::Key::Backspace,
            Key::Tab => runtime::Key::Accept(0),
        };
        self.session.press(key).map_err(|e| e.to_string())?;
        self.last_key_us = t.elapsed().as_secs_f64() * 1e6;
        Ok(true)
    }

    pub fn panel(&self) -> Panel {
        let p = self.session.panel();
        let typed: String = self.session.typed_word().collect();
        Panel {
            text: self.session.text().collect(),
            next: p.next.to_vec(),
            words: p
                .words
                .iter()
                .map(|w| {
                    (
                        format!("{typed}{}", w.suffix.iter().collect::<String>()),
                        w.probability,
                    )
                })
                .collect(),
            key_us: self.last_key_us,
            steps: self.session.cost().steps,
        }
    }
}

impl Panel {
    /// The panel as lines (no trailing newline), last 60 characters of text shown.
    pub fn render(&self, timings: bool) -> Vec<String> {
        let shown: String = {
            let v: Vec<char> = self.text.chars().collect();
            v[v.len().saturating_sub(60)..]
                .iter()
                .map(|&c| if c == '\n' { '⏎' } else { c })
                .collect()
        };
        let next: Vec<String> = self
            .next
            .iter()
            .map(|(c, p)| format!("'{}' {:5.1}%", toolkit::sample::show_char(*c), p * 100.0))
            .collect();
        let words: Vec<String> = self
            .words
            .iter()
            .map(|(w, p)| format!("{w} {:.1}%", p * 100.0))
            .collect();
        let mut lines = vec![
            format!("> {shown}▏"),
            format!("  next:  {}", next.join("   ")),
            format!("  words: {}", words.join("   ")),
        ];
        if timings {
            lines.push(format!(
                "  ({:.0} µs and {} model steps for this key and its suggestions; Tab accepts, \
                 Backspace undoes, Esc quits)",
                self.key_us, self.steps
            ));
        }
        lines
    }
}

/// Loads a model file and runs the demo: `script` replays keys and prints a panel after each;
/// without it the terminal is put in raw mode and keys are read live.
pub fn run(
    model_path: &std::path::Path,
    script: Option<&str>,
    config: SessionConfig,
    lists: WordLists<'_>,
) -> Result<(), String> {
    let raw = toolkit::model_file::read(model_path)?;
    let bytes = format::AlignedBytes::new(&raw);
    let model = Model::from_bytes(&bytes).map_err(|e| format!("{}: {e}", model_path.display()))?;
    let len = config
        .buffer_len(model.arch())
        .ok_or("the model's session does not fit in memory")?;
    let mut buf = vec![0f32; len];
    let mut session = Session::new(&model, &mut buf, config).map_err(|e| e.to_string())?;
    session.set_word_lists(lists).map_err(|e| e.to_string())?;
    let mut kb = Keyboard::new(session);
    match script {
        Some(s) => {
            let s = if s == "-" {
                // A script is typed keys: a few MB is already hours of typing.
                const MAX_SCRIPT: u64 = 16 << 20;
                let mut input = String::new();
                std::io::stdin()
                    .take(MAX_SCRIPT + 1)
                    .read_to_string(&mut input)
                    .map_err(|e| format!("cannot read the script from stdin: {e}"))?;
                if input.len() as u64 > MAX_SCRIPT {
                    return Err(format!(
                        "the script on stdin is longer than {MAX_SCRIPT} bytes; replay a shorter one"
                    ));
                }
                input
            } else {
                s.to_string()
            };
            for key in script_keys(&s) {
                if !kb.press(key)? {
                    break;
                }
                // A reader that went away (`| head`) ends the replay quietly.
                if !toolkit::say!("[{key:?}]") {
                    return Ok(());
                }
                for line in kb.panel().render(false) {
                    toolkit::say!("{line}");
                }
            }
            Ok(())
        }
        None => live(&mut kb),
    }
}

/// Restores the terminal however `live` ends.
struct RawMode;
impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

fn live(kb: &mut Keyboard<'_, '_>) -> Result<(), String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    use crossterm::{cursor, execute, terminal};
    if !std::io::stdin().is_terminal() {
        return Err(
            "the live demo needs a terminal; for piped input use --script - (or --script \"text\")"
                .into(),
        );
    }
    terminal::enable_raw_mode().map_err(|e| format!("cannot set the terminal to raw mode: {e}"))?;
    let _guard = RawMode;
    // SIGTERM or SIGHUP (a closed terminal window, `kill`) skip destructors: restore the
    // terminal from the handler. (Ctrl-C is a key in raw mode, read below.)
    let _ = ctrlc::set_handler(|| {
        let _ = crossterm::terminal::disable_raw_mode();
        eprintln!("\r\nquill keyboard: terminated");
        std::process::exit(143);
    });
    let mut out = std::io::stdout();
    let draw = |kb: &Keyboard<'_, '_>, out: &mut std::io::Stdout| -> Result<(), String> {
        let panel = kb.panel();
        execute!(
            out,
            cursor::MoveTo(0, 0),
            terminal::Clear(terminal::ClearType::All)
        )
        .map_err(|e| e.to_string())?;
        for line in panel.render(true) {
            write!(out, "{line}\r\n").map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())
    };
    draw(kb, &mut out)?;
    loop {
        let Event::Key(k) = read().map_err(|e| e.to_string())? else {
            continue;
        };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        let key = match k.code {
            KeyCode::Esc => Key::Esc,
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Key::Esc,
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Char('\n'),
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Tab => Key::Tab,
            _ => continue,
        };
        if !kb.press(key)? {
            break;
        }
        draw(kb, &mut out)?;
    }
    write!(out, "\r\n").map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_escapes_become_keys() {
        assert_eq!(
            script_keys("ab\\b\\tx\\\\\u{7f}\\e"),
            vec![
                Key::Char('a'),
                Key::Char('b'),
                Key::Backspace,
                Key::Tab,
                Key::Char('x'),
                Key::Char('\\'),
                Key::Backspace,
                Key::Esc
            ]
        );
    }
}
