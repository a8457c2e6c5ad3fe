//! The words a person types that no lexicon knows — names, places, jargon — learned in a
//! fixed-capacity store in caller memory, offered as completions once typed often enough, and
//! saved and restored as bytes the app persists.
//!
//! A word counts as learned after [`LEARN_AFTER`] uses. Every [`DECAY_EVERY`] words typed, each
//! word not used since the last round loses a use, so a one-off typo fades and a name typed
//! daily stays. A full store makes room by dropping the least used, oldest word that is not yet
//! learned; learned words are never pushed out by new ones (nothing the person taught is lost
//! to a burst of new words). Blocked words are never learned.
//!
//! Saved bytes (little-endian): `"QUSR"`, version 1 (u16), entries (u16), the clock (u32), then
//! 32 bytes per entry (24 bytes of UTF-8, the length, the uses, 2 reserved bytes, the clock of
//! the last use), then a CRC-32 of everything before it.

use bytemuck::{Pod, Zeroable};

use crate::Error;

/// Uses after which a word is suggested.
pub const LEARN_AFTER: u8 = 2;
/// Words typed between two decay rounds.
pub const DECAY_EVERY: u32 = 256;
/// Longest word learned, in UTF-8 bytes.
pub const MAX_WORD_BYTES: usize = 24;
/// Most learned words one search looks at.
pub(crate) const MAX_INDEXED: usize = 64;
/// `f32`s of caller memory per word (32 bytes).
pub const WORD_F32: usize = core::mem::size_of::<Entry>() / 4;

const MAGIC: [u8; 4] = *b"QUSR";
const VERSION: u16 = 1;
const HEADER: usize = 12;

#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
struct Entry {
    text: [u8; MAX_WORD_BYTES],
    len: u8,
    uses: u8,
    _reserved: [u8; 2],
    last: u32,
}

const _: () = assert!(core::mem::size_of::<Entry>() == 32);

impl Entry {
    fn word(&self) -> &str {
        self.text
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    fn is_used(&self) -> bool {
        self.len > 0
    }
}

/// The store: see the module docs.
pub struct UserWords<'b> {
    entries: &'b mut [Entry],
    /// Words typed so far (the decay clock).
    clock: u32,
}

impl<'b> UserWords<'b> {
    /// `f32`s of caller memory for `capacity` words (a `const`: 64 words are 2 KB).
    pub const fn buffer_len(capacity: usize) -> Option<usize> {
        capacity.checked_mul(WORD_F32)
    }

    /// Bytes [`save`](Self::save) writes for `capacity` words.
    pub const fn saved_len(capacity: usize) -> Option<usize> {
        match capacity.checked_mul(32) {
            Some(n) => n.checked_add(HEADER + 4),
            None => None,
        }
    }

    /// An empty store in `buffer` (as many words as fit).
    pub fn new(buffer: &'b mut [f32]) -> Self {
        let whole = buffer
            .len()
            .saturating_sub(buffer.len().checked_rem(WORD_F32).unwrap_or(0));
        let entries: &mut [Entry] =
            bytemuck::cast_slice_mut(buffer.get_mut(..whole).unwrap_or_default());
        entries.fill(Entry::zeroed());
        UserWords { entries, clock: 0 }
    }

    /// Words the store holds at most.
    pub fn capacity(&self) -> usize {
        self.entries.len()
    }

    /// Every word held, learned or not yet, with its uses.
    pub fn words(&self) -> impl Iterator<Item = (&str, u8)> + '_ {
        self.entries
            .iter()
            .filter(|e| e.is_used())
            .map(|e| (e.word(), e.uses))
    }

    /// The learned words (suggested), with their uses.
    pub fn learned(&self) -> impl Iterator<Item = (&str, u8)> + '_ {
        self.words().filter(|&(_, uses)| uses >= LEARN_AFTER)
    }

    /// Forgets `word` (as typed, any case); returns whether it was held.
    pub fn forget(&mut self, word: &str) -> bool {
        let mut found = false;
        for e in self.entries.iter_mut() {
            if e.is_used() && same_word(e.word(), word) {
                *e = Entry::zeroed();
                found = true;
            }
        }
        found
    }

    /// Forgets every word.
    pub fn clear(&mut self) {
        self.entries.fill(Entry::zeroed());
        self.clock = 0;
    }

    /// One use of `word`, typed to its end. Words longer than [`MAX_WORD_BYTES`] or shorter
    /// than two characters are not learned. Returns whether the store holds it now.
    pub fn learn(&mut self, word: &str) -> bool {
        if word.chars().nth(1).is_none() || word.len() > MAX_WORD_BYTES {
            return false;
        }
        self.clock = self.clock.wrapping_add(1);
        if self.clock.checked_rem(DECAY_EVERY) == Some(0) {
            self.decay();
        }
        let clock = self.clock;
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.is_used() && same_word(e.word(), word))
        {
            e.uses = e.uses.saturating_add(1);
            e.last = clock;
            return true;
        }
        let slot = match self.entries.iter().position(|e| !e.is_used()) {
            Some(i) => i,
            // Full: the least used, oldest word not yet learned makes room; learned ones stay.
            None => match self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.uses < LEARN_AFTER)
                .min_by_key(|(_, e)| (e.uses, e.last))
            {
                Some((i, _)) => i,
                None => return false,
            },
        };
        let Some(e) = self.entries.get_mut(slot) else {
            return false;
        };
        let mut text = [0u8; MAX_WORD_BYTES];
        if let Some(dst) = text.get_mut(..word.len()) {
            dst.copy_from_slice(word.as_bytes());
        }
        *e = Entry {
            text,
            len: u8::try_from(word.len()).unwrap_or(0),
            uses: 1,
            _reserved: [0; 2],
            last: clock,
        };
        true
    }

    /// A decay round: each word not used since the last round loses a use; at none it goes.
    fn decay(&mut self) {
        let since = self.clock.wrapping_sub(DECAY_EVERY);
        for e in self.entries.iter_mut().filter(|e| e.is_used()) {
            if e.last <= since {
                e.uses = e.uses.saturating_sub(1);
                if e.uses == 0 {
                    *e = Entry::zeroed();
                }
            }
        }
    }

    /// Learned words that continue `typed` (any case) by at least one character: each word's
    /// remaining characters and its share of the uses among them.
    pub fn continuing<'s>(&'s self, typed: &'s str) -> impl Iterator<Item = (&'s str, f32)> + 's {
        let matching = move || {
            self.learned().filter_map(move |(w, uses)| {
                let rest = strip_prefix_ci(w, typed)?;
                (!rest.is_empty()).then_some((rest, uses))
            })
        };
        let total: u32 = matching().map(|(_, u)| u32::from(u)).sum();
        matching().map(move |(rest, u)| (rest, f32::from(u) / total.max(1) as f32))
    }

    /// The learned words that continue `typed` (any case), by their index in the store: what
    /// one key's search needs to look at (usually none).
    pub(crate) fn continuing_indices(&self, typed: &str) -> heapless::Vec<u8, MAX_INDEXED> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_used() && e.uses >= LEARN_AFTER)
            .filter(|(_, e)| strip_prefix_ci(e.word(), typed).is_some_and(|r| !r.is_empty()))
            .filter_map(|(i, _)| u8::try_from(i).ok())
            .collect()
    }

    /// The letters after `skip` characters, as lower case, of the indexed words.
    fn tails<'s>(
        &'s self,
        indices: &'s [u8],
        skip: usize,
    ) -> impl Iterator<
        Item = core::iter::Map<core::iter::Skip<core::str::Chars<'s>>, fn(char) -> char>,
    > + 's {
        indices.iter().filter_map(move |&i| {
            let e = self.entries.get(usize::from(i))?;
            Some(e.word().chars().skip(skip).map(fold as fn(char) -> char))
        })
    }

    /// The next letter (lower case) of each indexed word whose letters after the typed part
    /// (`typed_len` characters) continue with `suffix`.
    pub(crate) fn next_letters_in<'s>(
        &'s self,
        indices: &'s [u8],
        typed_len: usize,
        suffix: &'s [char],
    ) -> impl Iterator<Item = char> + 's {
        self.tails(indices, typed_len)
            .filter_map(move |mut letters| {
                for &c in suffix {
                    if letters.next()? != fold(c) {
                        return None;
                    }
                }
                letters.next()
            })
    }

    /// Whether an indexed word ends exactly with `suffix` after the typed part.
    pub(crate) fn ends_in(&self, indices: &[u8], typed_len: usize, suffix: &[char]) -> bool {
        self.tails(indices, typed_len)
            .any(|letters| letters.eq(suffix.iter().map(|&c| fold(c))))
    }

    /// Bytes [`save`](Self::save) writes for this store.
    pub fn saved_size(&self) -> usize {
        Self::saved_len(self.capacity()).unwrap_or(0)
    }

    /// Writes the store into `out` (at least [`saved_size`](Self::saved_size) bytes); returns
    /// the bytes written.
    pub fn save(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.saved_size();
        let provided = out.len();
        let out = out
            .get_mut(..needed)
            .ok_or(Error::OutputTooSmall { needed, provided })?;
        let count = u16::try_from(self.entries.len()).map_err(|_| Error::ModelTooLarge)?;
        let (header, rest) = out.split_at_mut(HEADER);
        let (magic, header) = header.split_at_mut(4);
        let (version, header) = header.split_at_mut(2);
        let (entries, clock) = header.split_at_mut(2);
        magic.copy_from_slice(&MAGIC);
        version.copy_from_slice(&VERSION.to_le_bytes());
        entries.copy_from_slice(&count.to_le_bytes());
        clock.copy_from_slice(&self.clock.to_le_bytes());
        let (body, _) = rest.split_at_mut(rest.len().saturating_sub(4));
        body.copy_from_slice(bytemuck::cast_slice(self.entries));
        let (covered, trailer) = out.split_at_mut(needed.saturating_sub(4));
        trailer.copy_from_slice(&format::crc32(covered).to_le_bytes());
        Ok(needed)
    }

    /// Restores what [`save`](Self::save) wrote. Bytes that are not a save of a store of this
    /// capacity — another length, a damaged checksum, a word that is not UTF-8 — are refused
    /// with [`Error::InvalidUserWords`] and the store is left as it was.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let bad = |what| Error::InvalidUserWords { what };
        if bytes.len() != self.saved_size() {
            return Err(bad("its length is not a save of a store of this capacity"));
        }
        let (header, rest) = bytes.split_at(HEADER.min(bytes.len()));
        if header.get(..4) != Some(&MAGIC[..]) {
            return Err(bad("it does not start with QUSR"));
        }
        if header.get(4..6) != Some(&VERSION.to_le_bytes()[..]) {
            return Err(bad("its version is not 1"));
        }
        let (body, trailer) = rest.split_at(rest.len().saturating_sub(4));
        let stored = trailer.try_into().map(u32::from_le_bytes).unwrap_or(0);
        let computed = format::crc32(
            bytes
                .get(..bytes.len().saturating_sub(4))
                .unwrap_or_default(),
        );
        if stored != computed {
            return Err(bad("its checksum does not match (damaged)"));
        }
        let count = header
            .get(6..8)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes);
        if count.map(usize::from) != Some(self.entries.len()) {
            return Err(bad("it holds another number of entries"));
        }
        let entries: &[Entry] =
            bytemuck::try_cast_slice(body).map_err(|_| bad("its entries are cut"))?;
        for e in entries.iter().filter(|e| e.is_used()) {
            let text = e.text.get(..usize::from(e.len));
            if text.and_then(|t| core::str::from_utf8(t).ok()).is_none() || e.uses == 0 {
                return Err(bad("an entry is not a word"));
            }
        }
        self.entries.copy_from_slice(entries);
        self.clock = header
            .get(8..12)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_le_bytes);
        Ok(())
    }
}

/// Case-insensitive equality (simple case folding, character by character).
fn same_word(a: &str, b: &str) -> bool {
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// `word` without `prefix` (case-insensitive), if it starts with it.
fn strip_prefix_ci<'w>(word: &'w str, prefix: &str) -> Option<&'w str> {
    let mut rest = word.char_indices();
    for p in prefix.chars() {
        let (_, c) = rest.next()?;
        if fold(c) != fold(p) {
            return None;
        }
    }
    let at = rest.next().map_or(word.len(), |(i, _)| i);
    word.get(at..)
}

/// A character's lower case when that is one character (else itself).
pub(crate) fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}
