//! Text to score, as a stream of characters: a UTF-8 file decoded chunk by chunk (flat memory
//! on a file of any size, invalid UTF-8 reported with its byte offset), or the built-in
//! corpus's validation split.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Error;

const CHUNK: usize = 1 << 16;

/// Where the text comes from; it can be read more than once (`export` scores before and after).
#[derive(Clone, Debug)]
pub enum TextSource {
    File(PathBuf),
    /// The validation split of the built-in HUMAN_NUMBERS corpus.
    BuiltinValidation,
}

impl TextSource {
    pub fn from_arg(path: Option<&Path>) -> Self {
        path.map_or(TextSource::BuiltinValidation, |p| {
            TextSource::File(p.to_path_buf())
        })
    }

    /// The file's size in bytes (for progress), when known.
    pub fn byte_len(&self) -> Option<u64> {
        match self {
            TextSource::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            TextSource::BuiltinValidation => None,
        }
    }

    /// The characters, with the bytes read so far. The file is opened here, so a missing file
    /// is an error before anything else happens.
    pub fn chars(&self) -> Result<Utf8Chars, Error> {
        match self {
            TextSource::File(p) => {
                let f = std::fs::File::open(p).map_err(|source| Error::Read {
                    what: "--text",
                    path: p.clone(),
                    source,
                })?;
                Ok(Utf8Chars::new(Box::new(f), p.display().to_string()))
            }
            TextSource::BuiltinValidation => {
                let text = crate::corpus::builtin_validation_text();
                Ok(Utf8Chars::new(
                    Box::new(std::io::Cursor::new(text.into_bytes())),
                    "the built-in validation text".into(),
                ))
            }
        }
    }
}

/// Decodes UTF-8 from a reader in 64 KiB chunks.
pub struct Utf8Chars {
    reader: Box<dyn Read>,
    name: String,
    buf: Vec<u8>,
    /// Decoded characters of the current chunk, reversed (popped from the end).
    pending: Vec<char>,
    /// Bytes consumed before `buf`'s start.
    offset: u64,
    done: bool,
}

impl Utf8Chars {
    fn new(reader: Box<dyn Read>, name: String) -> Self {
        Utf8Chars {
            reader,
            name,
            buf: Vec::with_capacity(CHUNK + 4),
            pending: Vec::new(),
            offset: 0,
            done: false,
        }
    }

    /// Bytes decoded so far.
    pub fn bytes_read(&self) -> u64 {
        self.offset
    }

    fn refill(&mut self) -> Result<(), Error> {
        let start = self.buf.len();
        self.buf.resize(start + CHUNK, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(Error::Read {
                        what: "",
                        path: PathBuf::from(&self.name),
                        source,
                    });
                }
            }
        };
        self.buf.truncate(start + n);
        let at_end = n == 0;
        let valid = match std::str::from_utf8(&self.buf) {
            Ok(s) => s.len(),
            // An incomplete sequence at the chunk's end waits for the next chunk.
            Err(e) if e.error_len().is_none() && !at_end => e.valid_up_to(),
            Err(e) => {
                return Err(Error::NotUtf8 {
                    name: self.name.clone(),
                    offset: self.offset + e.valid_up_to() as u64,
                });
            }
        };
        let text = std::str::from_utf8(&self.buf[..valid]).unwrap_or_default();
        self.pending.extend(text.chars().rev());
        self.buf.drain(..valid);
        self.offset += valid as u64;
        self.done = at_end;
        Ok(())
    }
}

impl Iterator for Utf8Chars {
    type Item = Result<char, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.pending.is_empty() && !self.done {
            if let Err(e) = self.refill() {
                self.done = true;
                return Some(Err(e));
            }
        }
        self.pending.pop().map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<String, String> {
        Utf8Chars::new(Box::new(std::io::Cursor::new(bytes.to_vec())), "t".into())
            .collect::<Result<String, Error>>()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn decodes_across_chunk_boundaries_and_reports_the_offset_of_bad_bytes() {
        // A 3-byte character straddling the 64 KiB boundary.
        let mut text = "a".repeat(CHUNK - 1);
        text.push('€');
        text.push_str("end");
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        let mut bad = text.clone().into_bytes();
        bad.push(0xff);
        let e = decode(&bad).unwrap_err();
        assert!(e.contains(&format!("byte offset {}", text.len())), "{e}");
        // Cut inside a character at the very end.
        let cut = &"x€".as_bytes()[..2];
        assert!(decode(cut).unwrap_err().contains("byte offset 1"));
    }

    proptest::proptest! {
        /// Chunked decoding agrees with `std::str::from_utf8` on any bytes: the same characters,
        /// or an error at the same byte offset. Chunks are made small by repeating the input.
        #[test]
        fn chunked_decoding_equals_whole_decoding(
            unit in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            ascii_prefix in 0usize..(CHUNK + 8),
        ) {
            let mut bytes = vec![b'a'; ascii_prefix];
            bytes.extend_from_slice(&unit);
            let got = decode(&bytes);
            match std::str::from_utf8(&bytes) {
                Ok(s) => proptest::prop_assert_eq!(got, Ok(s.to_string())),
                Err(e) => {
                    let offset = format!("byte offset {}", e.valid_up_to());
                    proptest::prop_assert!(got.as_ref().is_err_and(|m| m.contains(&offset)), "{got:?} {offset}");
                }
            }
        }
    }
}
