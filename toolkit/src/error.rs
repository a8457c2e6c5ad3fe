//! The tools' one error type: what failed, on which file, and what to do.

use std::fmt;
use std::path::PathBuf;

use crate::corpus::CorpusError;

#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read (`what` names it as the command knows it: `--text`, …).
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file could not be written.
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The output stream failed; [`is_broken_pipe`](Self::is_broken_pipe) says whether its
    /// reader went away (`| head`), which is no error for a command that prints.
    Output(std::io::Error),
    /// A text that is not valid UTF-8, at a byte offset.
    NotUtf8 { name: String, offset: u64 },
    /// A model the format refuses, with its file when it came from one.
    Model {
        path: Option<PathBuf>,
        source: format::Error,
    },
    /// A model file whose framing is wrong before its contents are read (longer than declared,
    /// larger than the tools read).
    ModelFile { path: PathBuf, problem: String },
    /// The runtime refused (a buffer, a temperature, a snapshot, …).
    Runtime(runtime::Error),
    /// A corpus that cannot be trained on.
    Corpus(CorpusError),
    /// A model whose arithmetic would leave f32's range.
    NotRunnable(String),
    /// Refused for a reason said in words (a command writing over its own input, an empty
    /// word list, …).
    Refused(String),
}

impl Error {
    /// Whether the output's reader went away (a broken pipe): the command stops quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { what, path, source } => {
                let sep = if what.is_empty() { "" } else { " " };
                write!(f, "cannot read {what}{sep}{}: {source}", path.display())
            }
            Error::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            Error::Output(e) => write!(f, "cannot write the output: {e}"),
            Error::NotUtf8 { name, offset } => write!(
                f,
                "{name} is not valid UTF-8 (byte offset {offset}); convert it to UTF-8"
            ),
            Error::Model {
                path: Some(path),
                source,
            } => write!(f, "{}: {source}", path.display()),
            Error::Model { path: None, source } => source.fmt(f),
            Error::ModelFile { path, problem } => write!(f, "{}: {problem}", path.display()),
            Error::Runtime(e) => e.fmt(f),
            Error::Corpus(e) => e.fmt(f),
            Error::NotRunnable(why) | Error::Refused(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

impl From<runtime::Error> for Error {
    fn from(e: runtime::Error) -> Self {
        Error::Runtime(e)
    }
}

impl From<format::Error> for Error {
    fn from(e: format::Error) -> Self {
        Error::Model {
            path: None,
            source: e,
        }
    }
}

impl From<CorpusError> for Error {
    fn from(e: CorpusError) -> Self {
        Error::Corpus(e)
    }
}

/// The tools' callers report errors as text at their edge (`main`).
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.to_string()
    }
}
