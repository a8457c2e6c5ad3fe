//! The lexicon file: a word list with frequencies, as a minimal automaton (a DAWG) that is
//! walked one character at a time straight from the bytes — in flash on a microcontroller, no
//! allocation, nothing copied. Word completion walks it beside the model to offer real words.
//!
//! ```text
//! 0    4  magic "QLEX"
//! 4    2  version 1, u16 little-endian
//! 6    2  reserved, 0
//! 8    4  payload length n, u32 little-endian
//! 12   n  payload
//! 12+n 4  CRC-32/ISO-HDLC of bytes [0, 12+n), u32 little-endian
//!
//! payload (all integers little-endian):
//!   u32 A          letters in the alphabet (1..=128)
//!   A × u32        the letters, Unicode scalar values, strictly ascending
//!   u32 W          words the automaton holds (for display)
//!   u32 E          edges (1..=2^24)
//!   E × u32        edges: bits 0..7 the letter's index, bit 7 "last edge of its list",
//!                  bits 8..32 the first edge of the target's list (0: no edges leave it)
//!   E × u8         per edge, the frequency class of the word that ends after it (0: none)
//! ```
//!
//! The root's edges are the list starting at edge 0; every list is a run of edges ending at one
//! with the "last" bit. Frequency classes grow with frequency: `1 + round(20·log10(1 + count))`
//! capped at 255, where `count` is the word's count in the text the lexicon was built from.

use core::fmt;

use crate::header::CRC;

/// The first four bytes of every lexicon file.
pub const LEXICON_MAGIC: [u8; 4] = *b"QLEX";
/// The lexicon format version this crate writes and reads.
pub const LEXICON_VERSION: u16 = 1;
/// Most letters an alphabet holds (7 bits of an edge).
pub const MAX_LETTERS: usize = 128;
/// Most edges (24 bits of an edge).
pub const MAX_EDGES: usize = 1 << 24;
const HEADER: usize = 12;
const LAST: u32 = 1 << 7;

/// Why lexicon bytes were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LexiconError {
    /// Shorter than header and checksum.
    TooShort {
        /// The bytes given.
        len: usize,
    },
    /// Not a lexicon file (the first four bytes are not `QLEX`).
    BadMagic {
        /// The first four bytes found.
        found: [u8; 4],
    },
    /// A lexicon format version this build cannot read.
    UnsupportedVersion {
        /// The version the header names.
        found: u16,
    },
    /// The header's length does not match the bytes.
    LengthMismatch {
        /// The payload length the header declares.
        declared_payload: u32,
        /// The bytes given.
        len: usize,
    },
    /// The CRC-32 over header and payload does not match the trailer.
    ChecksumMismatch {
        /// The CRC-32 in the trailer.
        stored: u32,
        /// The CRC-32 of the bytes read.
        computed: u32,
    },
    /// The payload's structure is inconsistent at byte `offset`: `what`.
    Invalid {
        /// Where in the payload.
        offset: usize,
        /// What is inconsistent there.
        what: &'static str,
    },
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const AGAIN: &str = "build it again with `quill lexicon`, or copy the file again";
        match self {
            LexiconError::TooShort { len } => {
                write!(
                    f,
                    "lexicon file is {len} bytes, shorter than its 16-byte frame; {AGAIN}"
                )
            }
            LexiconError::BadMagic { found } => {
                let [a, b, c, d] = *found;
                write!(
                    f,
                    "not a Quill lexicon: it starts with [{a:02x}, {b:02x}, {c:02x}, {d:02x}], \
                     expected \"QLEX\" (a model file is passed as the model, a lexicon as the \
                     lexicon)"
                )
            }
            LexiconError::UnsupportedVersion { found } => write!(
                f,
                "lexicon version {found} is not supported by this build (it reads version \
                 {LEXICON_VERSION}); {AGAIN}"
            ),
            LexiconError::LengthMismatch {
                declared_payload,
                len,
            } => write!(
                f,
                "lexicon is {len} bytes but its header declares a {declared_payload}-byte \
                 payload ({} bytes in all): it was cut short or has bytes appended; {AGAIN}",
                u64::from(*declared_payload).saturating_add(16)
            ),
            LexiconError::ChecksumMismatch { stored, computed } => write!(
                f,
                "lexicon checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): \
                 the file is damaged; {AGAIN}"
            ),
            LexiconError::Invalid { offset, what } => {
                write!(
                    f,
                    "lexicon payload invalid at byte {offset}: {what}; {AGAIN}"
                )
            }
        }
    }
}

impl core::error::Error for LexiconError {}

/// A validated lexicon, borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Lexicon<'a> {
    /// The alphabet, 4 bytes a letter.
    letters: &'a [u8],
    /// 4 bytes an edge.
    edges: &'a [u8],
    /// 1 byte an edge.
    classes: &'a [u8],
    words: u32,
}

/// Where a walk stands: after some letters, the edges that leave (`list`, or none) and the
/// frequency class of the word those letters spell (0: not a word).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LexState {
    list: u32,
    class: u8,
}

/// A list index no list has: no edges leave.
const NO_LIST: u32 = u32::MAX;

impl LexState {
    /// The frequency class of the word spelled so far (0: not a word).
    pub fn word_class(&self) -> u8 {
        self.class
    }

    /// Whether the letters spelled so far are a word of the lexicon.
    pub fn is_word(&self) -> bool {
        self.class > 0
    }

    /// Whether any longer word continues it.
    pub fn continues(&self) -> bool {
        self.list != NO_LIST
    }

    /// The state as one number, for a caller that keeps states in plain memory (the word
    /// cache's records). [`from_bits`](Self::from_bits) gives it back; a number no lexicon
    /// wrote only ever walks into `None`, never out of bounds.
    pub fn to_bits(self) -> u64 {
        u64::from(self.list) | (u64::from(self.class) << 32)
    }

    /// The state [`to_bits`](Self::to_bits) gave as a number.
    pub fn from_bits(bits: u64) -> Self {
        LexState {
            list: bits as u32,
            class: (bits >> 32) as u8,
        }
    }
}

/// Reads a little-endian u32 at `at`.
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let b: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

impl<'a> Lexicon<'a> {
    /// Validates `bytes` (frame, checksum, every size and index) and borrows them.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, LexiconError> {
        let (header, rest) = bytes
            .split_first_chunk::<HEADER>()
            .ok_or(LexiconError::TooShort { len: bytes.len() })?;
        let [m0, m1, m2, m3, v0, v1, r0, r1, l0, l1, l2, l3] = *header;
        if [m0, m1, m2, m3] != LEXICON_MAGIC {
            return Err(LexiconError::BadMagic {
                found: [m0, m1, m2, m3],
            });
        }
        let version = u16::from_le_bytes([v0, v1]);
        if version != LEXICON_VERSION || [r0, r1] != [0, 0] {
            return Err(LexiconError::UnsupportedVersion { found: version });
        }
        let declared = u32::from_le_bytes([l0, l1, l2, l3]);
        let (payload, trailer) = match rest.split_at_checked(declared as usize) {
            Some((p, t)) if t.len() == 4 => (p, t),
            _ => {
                return Err(LexiconError::LengthMismatch {
                    declared_payload: declared,
                    len: bytes.len(),
                });
            }
        };
        let stored = u32_at(trailer, 0).ok_or(LexiconError::TooShort { len: bytes.len() })?;
        let mut digest = CRC.digest();
        digest.update(header);
        digest.update(payload);
        let computed = digest.finalize();
        if stored != computed {
            return Err(LexiconError::ChecksumMismatch { stored, computed });
        }
        Self::parse(payload)
    }

    fn parse(payload: &'a [u8]) -> Result<Self, LexiconError> {
        let invalid = |offset: usize, what: &'static str| LexiconError::Invalid {
            offset: offset.saturating_add(HEADER),
            what,
        };
        let mut at = 0usize;
        let mut read_u32 = |what| {
            let v = u32_at(payload, at).ok_or(invalid(at, what))?;
            at = at.saturating_add(4);
            Ok::<u32, LexiconError>(v)
        };
        let a = read_u32("the alphabet's length is missing")? as usize;
        let _ = &mut read_u32;
        if a == 0 || a > MAX_LETTERS {
            return Err(invalid(0, "the alphabet must hold 1 to 128 letters"));
        }
        let letters_end = a
            .checked_mul(4)
            .and_then(|n| n.checked_add(4))
            .ok_or(invalid(0, "the alphabet overflows"))?;
        let letters = payload
            .get(4..letters_end)
            .ok_or(invalid(4, "the alphabet is cut short"))?;
        let mut previous: Option<u32> = None;
        for (i, chunk) in letters.chunks_exact(4).enumerate() {
            let offset = i.saturating_mul(4).saturating_add(4);
            let v = u32_at(chunk, 0).ok_or(invalid(offset, "a letter is cut short"))?;
            if char::from_u32(v).is_none() {
                return Err(invalid(offset, "a letter is not a Unicode scalar value"));
            }
            if previous.is_some_and(|p| p >= v) {
                return Err(invalid(offset, "the letters are not strictly ascending"));
            }
            previous = Some(v);
        }
        let words = u32_at(payload, letters_end)
            .ok_or(invalid(letters_end, "the word count is missing"))?;
        let e_at = letters_end.saturating_add(4);
        let e = u32_at(payload, e_at).ok_or(invalid(e_at, "the edge count is missing"))? as usize;
        if e == 0 || e > MAX_EDGES {
            return Err(invalid(e_at, "the edge count must be 1 to 2^24"));
        }
        let edges_at = e_at.saturating_add(4);
        let edges_end = e
            .checked_mul(4)
            .and_then(|n| n.checked_add(edges_at))
            .ok_or(invalid(e_at, "the edges overflow"))?;
        let classes_end = edges_end
            .checked_add(e)
            .ok_or(invalid(edges_end, "the classes overflow"))?;
        if classes_end != payload.len() {
            return Err(invalid(
                edges_at,
                "the edges and their classes do not fill the payload exactly",
            ));
        }
        let edges = payload.get(edges_at..edges_end).unwrap_or_default();
        let classes = payload.get(edges_end..classes_end).unwrap_or_default();
        for (i, chunk) in edges.chunks_exact(4).enumerate() {
            let offset = i.saturating_mul(4).saturating_add(edges_at);
            let edge = u32_at(chunk, 0).unwrap_or(0);
            if (edge & 0x7f) as usize >= a {
                return Err(invalid(offset, "an edge's letter is outside the alphabet"));
            }
            if (edge >> 8) as usize >= e {
                return Err(invalid(offset, "an edge points past the last edge"));
            }
        }
        // Every list ends: the last edge closes one.
        if u32_at(edges, e.saturating_sub(1).saturating_mul(4)).is_none_or(|last| last & LAST == 0)
        {
            return Err(invalid(edges_end, "the last edge does not close its list"));
        }
        Ok(Lexicon {
            letters,
            edges,
            classes,
            words,
        })
    }

    /// Words the lexicon holds.
    pub fn word_count(&self) -> u32 {
        self.words
    }

    /// Bytes of the automaton (alphabet, edges, classes).
    pub fn size(&self) -> usize {
        self.letters
            .len()
            .saturating_add(self.edges.len())
            .saturating_add(self.classes.len())
    }

    /// Before any letter.
    pub fn root(&self) -> LexState {
        LexState { list: 0, class: 0 }
    }

    /// After `state`, the letter `c` (exactly as given: case matters); `None` when no word
    /// continues that way.
    pub fn step(&self, state: LexState, c: char) -> Option<LexState> {
        let mut at = state.list as usize;
        if state.list == NO_LIST {
            return None;
        }
        loop {
            let edge = u32_at(self.edges, at.checked_mul(4)?)?;
            let letter = u32_at(self.letters, ((edge & 0x7f) as usize).checked_mul(4)?)?;
            if letter == u32::from(c) {
                let next = edge >> 8;
                return Some(LexState {
                    list: if next == 0 { NO_LIST } else { next },
                    class: self.classes.get(at).copied().unwrap_or(0),
                });
            }
            if edge & LAST != 0 {
                return None;
            }
            at = at.checked_add(1)?;
        }
    }

    /// The letters that continue `state`, in the file's order (ascending), for callers that
    /// walk the automaton from the other side (which of the model's characters may come next).
    pub fn next_letters(&self, state: LexState) -> impl Iterator<Item = char> + '_ {
        let mut at = if state.list == NO_LIST {
            None
        } else {
            Some(state.list as usize)
        };
        core::iter::from_fn(move || {
            let i = at?;
            let edge = u32_at(self.edges, i.checked_mul(4)?)?;
            at = if edge & LAST != 0 {
                None
            } else {
                i.checked_add(1)
            };
            let letter = u32_at(self.letters, ((edge & 0x7f) as usize).checked_mul(4)?)?;
            char::from_u32(letter)
        })
    }

    /// Walks `word` from the root; the state after it, if every letter continues.
    pub fn walk(&self, word: impl IntoIterator<Item = char>) -> Option<LexState> {
        word.into_iter()
            .try_fold(self.root(), |s, c| self.step(s, c))
    }

    /// The frequency class of `word` (0: not in the lexicon).
    pub fn class_of(&self, word: &str) -> u8 {
        self.walk(word.chars()).map_or(0, |s| s.word_class())
    }
}
