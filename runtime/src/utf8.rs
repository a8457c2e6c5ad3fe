//! A byte-at-a-time UTF-8 decoder for firmware that receives key codes as bytes.
//!
//! Invalid input never stops the stream: each maximal invalid subsequence becomes one
//! U+FFFD (the Unicode "substitution of maximal subparts" practice, as `String::from_utf8_lossy`
//! does), and the byte that broke a sequence is decoded afresh.

/// What one byte produced: nothing yet (inside a sequence), or up to two chars (a replacement
/// for a broken sequence followed by the char the breaking byte starts or is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Decoded {
    /// The first character produced, if any.
    pub first: Option<char>,
    /// The second, if the byte ended a broken sequence and began or was a character.
    pub second: Option<char>,
}

impl Iterator for Decoded {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        self.first.take().or_else(|| self.second.take())
    }
}

/// A byte-at-a-time UTF-8 decoder that never fails: broken sequences become U+FFFD (as the
/// WHATWG decoder does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Utf8Decoder {
    code: u32,
    /// Continuation bytes still expected.
    need: u8,
    /// Allowed range of the next continuation byte (narrower after E0, ED, F0, F4).
    lo: u8,
    hi: u8,
}

impl Utf8Decoder {
    /// A decoder at the start of a character.
    pub const fn new() -> Self {
        Utf8Decoder {
            code: 0,
            need: 0,
            lo: 0x80,
            hi: 0xBF,
        }
    }

    /// True between the first and last byte of a multi-byte sequence.
    pub const fn is_pending(&self) -> bool {
        self.need != 0
    }

    /// Drops a partial sequence (after a reset or restore).
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// The decoder's state as two words, for snapshots (see [`Self::from_words`]).
    pub(crate) const fn to_words(self) -> [u32; 2] {
        [
            self.code,
            (self.need as u32) | ((self.lo as u32) << 8) | ((self.hi as u32) << 16),
        ]
    }

    /// Whether `w` is a state [`Self::to_words`] can write: no bits outside its fields, at
    /// most 3 continuation bytes pending, each accepted range within 0x80..=0xBF and not
    /// empty, the code point so far below 2^21.
    pub(crate) const fn valid_words(w: [u32; 2]) -> bool {
        let need = w[1] & 0xFF;
        let lo = (w[1] >> 8) & 0xFF;
        let hi = (w[1] >> 16) & 0xFF;
        w[1] >> 24 == 0 && need <= 3 && lo >= 0x80 && hi <= 0xBF && lo <= hi && w[0] <= 0x1F_FFFF
    }

    /// The state saved by [`Self::to_words`]. Any words give a usable decoder (a forged
    /// snapshot cannot make decoding panic): fields are masked to the ranges `push` produces.
    pub(crate) const fn from_words(w: [u32; 2]) -> Self {
        let need = (w[1] & 0x3) as u8;
        let lo = 0x80 | ((w[1] >> 8) & 0x3F) as u8;
        let hi = 0x80 | ((w[1] >> 16) & 0x3F) as u8;
        Utf8Decoder {
            code: w[0] & 0x1F_FFFF,
            need,
            lo,
            hi,
        }
    }

    /// Ends the input: a partial sequence becomes U+FFFD.
    pub fn finish(&mut self) -> Option<char> {
        let pending = self.is_pending();
        self.clear();
        pending.then_some(char::REPLACEMENT_CHARACTER)
    }

    /// Decodes one more byte.
    pub fn push(&mut self, b: u8) -> Decoded {
        if self.need > 0 {
            if (self.lo..=self.hi).contains(&b) {
                self.code = (self.code << 6) | u32::from(b & 0x3F);
                self.need = self.need.saturating_sub(1);
                (self.lo, self.hi) = (0x80, 0xBF);
                if self.need == 0 {
                    let c = char::from_u32(self.code).unwrap_or(char::REPLACEMENT_CHARACTER);
                    return Decoded {
                        first: Some(c),
                        second: None,
                    };
                }
                return Decoded::default();
            }
            // Broken sequence: one replacement, then decode `b` from scratch.
            self.clear();
            let again = self.start(b);
            return Decoded {
                first: Some(char::REPLACEMENT_CHARACTER),
                second: again,
            };
        }
        Decoded {
            first: self.start(b),
            second: None,
        }
    }

    fn start(&mut self, b: u8) -> Option<char> {
        let (need, code, lo, hi) = match b {
            0x00..=0x7F => return Some(char::from(b)),
            0xC2..=0xDF => (1, b & 0x1F, 0x80, 0xBF),
            0xE0 => (2, b & 0x0F, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, b & 0x0F, 0x80, 0xBF),
            0xED => (2, b & 0x0F, 0x80, 0x9F),
            0xF0 => (3, b & 0x07, 0x90, 0xBF),
            0xF1..=0xF3 => (3, b & 0x07, 0x80, 0xBF),
            0xF4 => (3, b & 0x07, 0x80, 0x8F),
            // 0x80..=0xC1 (stray continuation or overlong lead) and 0xF5..=0xFF.
            _ => return Some(char::REPLACEMENT_CHARACTER),
        };
        *self = Utf8Decoder {
            code: u32::from(code),
            need,
            lo,
            hi,
        };
        None
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn decode(bytes: &[u8]) -> String {
        let mut d = Utf8Decoder::new();
        let mut s: String = bytes.iter().flat_map(|&b| d.push(b)).collect();
        s.extend(d.finish());
        s
    }

    #[test]
    fn matches_std_lossy_decoding() {
        let cases: &[&[u8]] = &[
            b"hello",
            "héllo wörld — ✓ 🎹".as_bytes(),
            b"\xff\xfe",
            b"a\xc3",
            b"\xe2\x82x",
            b"\xed\xa0\x80",     // surrogate
            b"\xf4\x90\x80\x80", // above U+10FFFF
            b"\xc0\xaf",         // overlong
            b"\xe0\x80\xaf",     // overlong 3-byte
            b"\xf0\x9f\x8e",     // truncated 4-byte at end
            b"\x80\x80abc\xc3\xa9",
        ];
        for c in cases {
            assert_eq!(decode(c), String::from_utf8_lossy(c), "input {c:02x?}");
        }
    }

    #[test]
    fn exhaustive_two_byte_pairs_match_std() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let bytes = [a, b];
                assert_eq!(
                    decode(&bytes),
                    String::from_utf8_lossy(&bytes),
                    "{bytes:02x?}"
                );
            }
        }
    }
}
