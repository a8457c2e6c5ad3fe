//! Where the text comes from: a UTF-8 file, or the built-in HUMAN_NUMBERS corpus.

use std::fmt;
use std::path::{Path, PathBuf};

/// The seed lesson's corpus: the numbers 1 to 9999 in English words, joined by " . ".
pub fn human_numbers() -> String {
    (1..=9999).map(number_words).collect::<Vec<_>>().join(" . ")
}

const ONES: [&str; 20] = [
    "",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// `n` (1..=9999) in words as the fastai dataset writes them: "nine thousand nine hundred
/// ninety nine".
pub fn number_words(n: u32) -> String {
    let mut words: Vec<&str> = Vec::new();
    let (thousands, rest) = (n / 1000, n % 1000);
    let (hundreds, rest) = (rest / 100, rest % 100);
    if thousands > 0 {
        words.extend([ONES[thousands as usize], "thousand"]);
    }
    if hundreds > 0 {
        words.extend([ONES[hundreds as usize], "hundred"]);
    }
    if rest >= 20 {
        words.push(TENS[(rest / 10) as usize]);
        if rest % 10 > 0 {
            words.push(ONES[(rest % 10) as usize]);
        }
    } else if rest > 0 {
        words.push(ONES[rest as usize]);
    }
    words.join(" ")
}

/// The fraction of a text (at its end) held out for validation unless `--valid-frac` says.
pub const DEFAULT_VALID_FRAC: f64 = 0.1;

/// Where the validation split of a text of `chars` characters begins: the last `valid_frac`
/// of it, rounded to the nearest character. The one definition, for training and scoring.
pub fn split_point(chars: usize, valid_frac: f64) -> usize {
    (((chars as f64) * (1.0 - valid_frac)).round() as usize).min(chars)
}

/// The validation split of the built-in HUMAN_NUMBERS corpus at the default fraction: what a
/// default run holds out, and what `eval` and `export` score on without `--text`.
pub fn builtin_validation_text() -> String {
    let text = human_numbers();
    let chars = text.chars().count();
    text.chars()
        .skip(split_point(chars, DEFAULT_VALID_FRAC))
        .collect()
}

#[derive(Debug)]
pub enum CorpusError {
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Empty {
        path: PathBuf,
    },
    Binary {
        path: PathBuf,
        offset: usize,
    },
    InvalidUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Read { path, error } => {
                write!(f, "cannot read corpus {}: {error}", path.display())
            }
            CorpusError::Empty { path } => write!(
                f,
                "corpus {} is empty; pass a text file with some content, or omit --corpus for the built-in corpus",
                path.display()
            ),
            CorpusError::Binary { path, offset } => write!(
                f,
                "corpus {} looks like a binary file (a NUL byte at offset {offset}); pass a UTF-8 text file",
                path.display()
            ),
            CorpusError::InvalidUtf8 { path, offset, line } => write!(
                f,
                "corpus {} is not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line}); \
                 convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for CorpusError {}

/// Reads a UTF-8 text file, naming the byte offset of the first invalid sequence.
pub fn load(path: &Path) -> Result<String, CorpusError> {
    let bytes = std::fs::read(path).map_err(|error| CorpusError::Read {
        path: path.into(),
        error,
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CorpusError::Empty { path: path.into() });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(CorpusError::Binary {
            path: path.into(),
            offset,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        CorpusError::InvalidUtf8 {
            path: path.into(),
            offset,
            line,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_the_lesson() {
        assert_eq!(number_words(1), "one");
        assert_eq!(number_words(15), "fifteen");
        assert_eq!(number_words(40), "forty");
        assert_eq!(number_words(101), "one hundred one");
        assert_eq!(number_words(2020), "two thousand twenty");
        assert_eq!(number_words(9999), "nine thousand nine hundred ninety nine");
        let c = human_numbers();
        assert!(c.starts_with("one . two . three . four"));
        assert!(c.ends_with("nine thousand nine hundred ninety nine"));
        assert_eq!(c.split(" . ").count(), 9999);
    }

    #[test]
    fn invalid_utf8_names_the_offset_and_line() {
        let dir = std::env::temp_dir().join(format!("quill-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.txt");
        std::fs::write(&p, b"hello\nw\xf6rld").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("byte offset 7") && e.contains("line 2"), "{e}");
        std::fs::write(&p, b"abc\0def").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("binary"));
        std::fs::write(&p, b"  \n").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("empty"));
        let e = load(&dir.join("missing.txt")).unwrap_err().to_string();
        assert!(e.contains("missing.txt"), "{e}");
    }
}
