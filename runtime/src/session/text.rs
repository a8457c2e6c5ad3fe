//! The end of the text before the cursor, as a ring of characters in caller memory: what a
//! Backspace past the exact history re-primes from, and where the word being typed starts.

/// The last `capacity` characters typed (older ones are dropped).
pub struct TextTail<'b> {
    ring: &'b mut [u32],
    /// Index of the oldest character.
    start: usize,
    len: usize,
}

impl<'b> TextTail<'b> {
    pub fn new(ring: &'b mut [u32]) -> Self {
        TextTail {
            ring,
            start: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn clear(&mut self) {
        self.start = 0;
        self.len = 0;
    }

    /// Ring index `i` places after the oldest character.
    fn at(&self, i: usize) -> usize {
        self.start
            .wrapping_add(i)
            .checked_rem(self.ring.len())
            .unwrap_or(0)
    }

    pub fn push(&mut self, c: char) {
        if self.ring.is_empty() {
            return;
        }
        if self.len == self.ring.len() {
            // Full: the oldest character goes.
            self.start = self.at(1);
            self.len = self.len.saturating_sub(1);
        }
        let at = self.at(self.len);
        if let Some(slot) = self.ring.get_mut(at) {
            *slot = u32::from(c);
        }
        self.len = self.len.saturating_add(1);
    }

    pub fn pop(&mut self) -> Option<char> {
        let last = self.len.checked_sub(1)?;
        self.len = last;
        self.ring
            .get(self.at(last))
            .copied()
            .and_then(char::from_u32)
    }

    /// The characters, oldest first.
    pub fn chars(&self) -> impl DoubleEndedIterator<Item = char> + '_ {
        (0..self.len)
            .filter_map(move |i| self.ring.get(self.at(i)).copied().and_then(char::from_u32))
    }
}
