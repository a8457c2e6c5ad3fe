//! The character vocabulary: index 0 is unknown/padding, indices 1.. are characters in strictly
//! ascending code-point order, so lookup is a binary search over the borrowed bytes.

use crate::Error;
use crate::tensor::le_u32;

/// The characters of token indices 1.., borrowed from the model file: token 0 is the unknown
/// character; a character's token is found by bisection (the entries are strictly ascending).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vocab<'a> {
    /// `len - 1` u32 LE scalar values.
    chars: &'a [u8],
}

impl<'a> Vocab<'a> {
    /// Checks the encoded characters: the right count, valid scalar values, strictly ascending.
    pub(crate) fn parse(chars: &'a [u8], vocab_size: usize) -> Result<Self, Error> {
        let expected = vocab_size
            .saturating_sub(1)
            .checked_mul(4)
            .ok_or(Error::TooLarge { what: "vocabulary" })?;
        if chars.len() != expected {
            return Err(Error::VocabLength {
                expected_bytes: expected,
                found_bytes: chars.len(),
            });
        }
        let mut previous: Option<u32> = None;
        for (i, b) in chars.chunks_exact(4).enumerate() {
            let index = i.saturating_add(1);
            let value = le_u32(b);
            if char::from_u32(value).is_none() {
                return Err(Error::InvalidChar { index, value });
            }
            if previous.is_some_and(|p| p >= value) {
                return Err(Error::VocabNotSorted { index });
            }
            previous = Some(value);
        }
        Ok(Vocab { chars })
    }

    /// Vocabulary size including index 0.
    pub const fn len(&self) -> usize {
        self.chars.as_chunks::<4>().0.len().saturating_add(1)
    }
    /// Never true: index 0 always exists.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The token index of `c`, or 0 (unknown) if `c` is not in the vocabulary.
    pub fn index_of(&self, c: char) -> u32 {
        let entries = self.chars.as_chunks::<4>().0;
        match entries.binary_search_by_key(&u32::from(c), |b| u32::from_le_bytes(*b)) {
            Ok(i) => u32::try_from(i.saturating_add(1)).unwrap_or(0),
            Err(_) => 0,
        }
    }

    /// The character of token `index`; `None` for 0 (unknown) or out of range.
    pub fn char_at(&self, index: u32) -> Option<char> {
        let i = (index as usize).checked_sub(1)?;
        let b = self.chars.as_chunks::<4>().0.get(i)?;
        char::from_u32(u32::from_le_bytes(*b))
    }

    /// The characters of indices 1.. in order.
    pub fn chars(&self) -> impl ExactSizeIterator<Item = char> + 'a {
        self.chars
            .chunks_exact(4)
            .map(|b| char::from_u32(le_u32(b)).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}
