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

/// The largest corpus the trainer reads: 1 GiB of text is far past what a char model of the
/// sizes Quill deploys learns from in a run, and its training state would need ~14 GiB.
pub const MAX_CORPUS_BYTES: u64 = 1 << 30;

/// Memory training needs per byte of corpus (the text, its characters, tokens, the split
/// copies and the stream batches; 650 MB measured for a 47 MB corpus).
pub const MEMORY_PER_CORPUS_BYTE: u64 = 14;

#[derive(Debug)]
pub enum CorpusError {
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Empty {
        path: PathBuf,
        /// Bytes read, all of them whitespace (0: an empty file).
        whitespace: u64,
    },
    Binary {
        path: PathBuf,
        offset: u64,
    },
    InvalidUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
    /// A device, directory or socket: not a text that ends.
    NotAFile {
        path: PathBuf,
        what: &'static str,
    },
    TooLarge {
        path: PathBuf,
        /// The file's size, or (a pipe) the bytes read when the limit was passed.
        bytes: u64,
        /// Whether `bytes` is the whole size (a file) or a lower bound (a pipe).
        whole: bool,
        limit: u64,
        /// Why the limit: Quill's cap, or the memory this machine has available.
        reason: &'static str,
    },
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Read { path, error } => {
                write!(f, "cannot read corpus {}: {error}", path.display())
            }
            CorpusError::Empty {
                path,
                whitespace: 0,
            } => write!(
                f,
                "corpus {} is empty; pass a text file with some content, or omit --corpus for the built-in corpus",
                path.display()
            ),
            CorpusError::Empty { path, whitespace } => write!(
                f,
                "corpus {} holds only whitespace ({whitespace} bytes of spaces and line breaks); pass a \
                 text file with some words in it, or omit --corpus for the built-in corpus",
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
            CorpusError::NotAFile { path, what } => write!(
                f,
                "corpus {} is {what}, not a text file; pass a UTF-8 text file (a pipe works too: \
                 --corpus <(zcat text.gz))",
                path.display()
            ),
            CorpusError::TooLarge {
                path,
                bytes,
                whole,
                limit,
                reason,
            } => write!(
                f,
                "corpus {} is {} MB{}; {reason} allows at most {} MB (training needs about \
                 {MEMORY_PER_CORPUS_BYTE} bytes of memory per byte of corpus): train on a part of it \
                 (e.g. `head -c 100M`)",
                path.display(),
                bytes >> 20,
                if *whole { "" } else { " or more" },
                limit >> 20
            ),
        }
    }
}

impl std::error::Error for CorpusError {}

/// The most corpus bytes this machine can train on: [`MAX_CORPUS_BYTES`], or less when the
/// available memory (`available`, bytes) holds less at [`MEMORY_PER_CORPUS_BYTE`].
pub fn corpus_limit(available: Option<u64>) -> (u64, &'static str) {
    match available.map(|a| a / MEMORY_PER_CORPUS_BYTE) {
        Some(m) if m < MAX_CORPUS_BYTES => (m, "the memory available on this machine"),
        _ => (MAX_CORPUS_BYTES, "Quill"),
    }
}

/// Reads a UTF-8 text file (or a pipe), naming the byte offset of the first invalid sequence.
/// Devices and directories are refused from their metadata; the text is read in bounded
/// chunks, stopping at the first NUL byte or past `limit` bytes (see [`corpus_limit`]), so
/// `/dev/zero`, `/dev/urandom` or an endless pipe never fill the memory. A leading UTF-8 byte
/// order mark is dropped (it is not a character of the text).
pub fn load_limited(path: &Path, limit: u64, reason: &'static str) -> Result<String, CorpusError> {
    use std::io::Read;
    let read_err = |error| CorpusError::Read {
        path: path.into(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if let Some(what) = not_a_text(&meta.file_type()) {
        return Err(CorpusError::NotAFile {
            path: path.into(),
            what,
        });
    }
    let too_large = |bytes, whole| CorpusError::TooLarge {
        path: path.into(),
        bytes,
        whole,
        limit,
        reason,
    };
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(meta.len(), true));
    }
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        let got = &chunk[..n];
        if let Some(i) = got.iter().position(|&b| b == 0) {
            return Err(CorpusError::Binary {
                path: path.into(),
                offset: (bytes.len() + i) as u64,
            });
        }
        if (bytes.len() + n) as u64 > limit {
            return Err(too_large((bytes.len() + n) as u64, false));
        }
        bytes.extend_from_slice(got);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CorpusError::Empty {
            path: path.into(),
            whitespace: bytes.len() as u64,
        });
    }
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let text = String::from_utf8(bytes).map_err(|e| {
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
    })?;
    Ok(if bom > 0 {
        text[bom..].to_string()
    } else {
        text
    })
}

/// Reads a corpus up to what this machine can train on (see [`load_limited`]).
pub fn load(path: &Path) -> Result<String, CorpusError> {
    let (limit, reason) = corpus_limit(available_memory());
    load_limited(path, limit, reason)
}

/// What a path that is no text is (`None` for a file or a pipe).
fn not_a_text(kind: &std::fs::FileType) -> Option<&'static str> {
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    None
}

/// `MemAvailable` from `/proc/meminfo` (Linux); `None` elsewhere, where only the fixed limits
/// apply. `QUILL_MEM_AVAILABLE_MB` overrides it (the tests use a small machine).
pub fn available_memory() -> Option<u64> {
    if let Some(mb) = std::env::var("QUILL_MEM_AVAILABLE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        return Some(mb << 20);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
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
        assert!(
            load(&p)
                .unwrap_err()
                .to_string()
                .contains("only whitespace")
        );
        std::fs::write(&p, b"").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("is empty"));
        std::fs::write(&p, b"\xef\xbb\xbfab").unwrap();
        assert_eq!(load(&p).unwrap(), "ab");
        std::fs::write(&p, vec![b'a'; 5000]).unwrap();
        let e = load_limited(&p, 4096, "test").unwrap_err().to_string();
        assert!(e.contains("at most 0 MB") && e.contains("head -c"), "{e}");
        let e = load(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("a device"), "{e}");
        let e = load(&dir).unwrap_err().to_string();
        assert!(e.contains("a directory"), "{e}");
        let e = load(&dir.join("missing.txt")).unwrap_err().to_string();
        assert!(e.contains("missing.txt"), "{e}");
    }
}
