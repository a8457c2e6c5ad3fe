//! Backspace without recomputation: a ring of the states before the last N typed characters,
//! in caller memory.
//!
//! The policy a keyboard follows (see also the README's "Put it in a keyboard"):
//! - typing: [`History::type_char`] saves the state, then feeds the character;
//! - Backspace within the last `capacity()` characters: [`History::backspace`] restores the
//!   state from before the deleted character, bit-identical to never having typed it;
//! - Backspace further back, a cursor jump, or a paste/selection edit: re-prime from the text
//!   now before the cursor with [`History::reprime`] (reset + the last `max_chars` characters;
//!   about `max_chars` steps of work); [`History::backspace_or_reprime`] does both;
//! - a new text field: [`History::reprime`] with an empty context (reset + clear).

use crate::{Error, Predictor};

/// The last N states of one predictor, newest on top.
pub struct History<'b> {
    slots: &'b mut [f32],
    /// `f32` per saved state (the predictor's `snapshot_len`).
    snap: usize,
    capacity: usize,
    /// Slot the next save writes.
    next: usize,
    /// States held, ≤ `capacity`.
    len: usize,
}

impl<'b> History<'b> {
    /// `f32`s a history of `depth` states needs for predictor `p`.
    pub fn buffer_len(p: &Predictor<'_, '_>, depth: usize) -> Result<usize, Error> {
        p.snapshot_len()
            .checked_mul(depth)
            .ok_or(Error::ModelTooLarge)
    }

    /// A history in `buffer`, holding as many states as fit (at least one).
    pub fn new(p: &Predictor<'_, '_>, buffer: &'b mut [f32]) -> Result<Self, Error> {
        let snap = p.snapshot_len();
        let capacity = buffer.len().checked_div(snap).unwrap_or(0);
        if capacity == 0 {
            return Err(Error::BufferTooSmall {
                needed: snap,
                provided: buffer.len(),
            });
        }
        Ok(History {
            slots: buffer,
            snap,
            capacity,
            next: 0,
            len: 0,
        })
    }

    /// How many characters Backspace can undo exactly.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// States held now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no character can be undone.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every saved state (the predictor is untouched).
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    /// Refuses a predictor whose states this history cannot hold (another model's).
    fn check_predictor(&self, p: &Predictor<'_, '_>) -> Result<(), Error> {
        if p.snapshot_len() == self.snap {
            return Ok(());
        }
        Err(Error::SnapshotLength {
            expected: self.snap,
            found: p.snapshot_len(),
        })
    }

    fn slot(&mut self, i: usize) -> Result<&mut [f32], Error> {
        let start = i.checked_mul(self.snap).ok_or(Error::ModelTooLarge)?;
        let end = start.checked_add(self.snap).ok_or(Error::ModelTooLarge)?;
        self.slots.get_mut(start..end).ok_or(Error::SnapshotLength {
            expected: self.snap,
            found: 0,
        })
    }

    /// Saves `p`'s current state on top (the oldest is dropped when full).
    pub fn save(&mut self, p: &Predictor<'_, '_>) -> Result<(), Error> {
        let i = self.next;
        p.snapshot(self.slot(i)?)?;
        self.next = i.checked_add(1).filter(|&n| n < self.capacity).unwrap_or(0);
        self.len = self.len.saturating_add(1).min(self.capacity);
        Ok(())
    }

    /// Types one character: saves the state, then feeds `c`.
    pub fn type_char(&mut self, p: &mut Predictor<'_, '_>, c: char) -> Result<(), Error> {
        self.save(p)?;
        p.feed_char(c);
        Ok(())
    }

    /// Types every character of `s` (see [`type_char`](Self::type_char)).
    pub fn type_str(&mut self, p: &mut Predictor<'_, '_>, s: &str) -> Result<(), Error> {
        s.chars().try_for_each(|c| self.type_char(p, c))
    }

    /// Deletes the last typed character: restores the state from before it. With nothing
    /// saved, returns [`Error::HistoryEmpty`] and leaves `p` as it was: re-prime instead.
    pub fn backspace(&mut self, p: &mut Predictor<'_, '_>) -> Result<(), Error> {
        if self.len == 0 {
            return Err(Error::HistoryEmpty);
        }
        let top = self
            .next
            .checked_sub(1)
            .unwrap_or(self.capacity.saturating_sub(1));
        let snap = self.snap;
        let start = top.checked_mul(snap).ok_or(Error::ModelTooLarge)?;
        let end = start.checked_add(snap).ok_or(Error::ModelTooLarge)?;
        let saved = self.slots.get(start..end).ok_or(Error::SnapshotLength {
            expected: snap,
            found: 0,
        })?;
        p.restore_own(saved)?;
        self.next = top;
        self.len = self.len.saturating_sub(1);
        Ok(())
    }

    /// Starts over from `context` (the text before the cursor): reset, forget the history,
    /// then type its last `max_chars` characters (so Backspace works over them too).
    pub fn reprime(
        &mut self,
        p: &mut Predictor<'_, '_>,
        context: &str,
        max_chars: usize,
    ) -> Result<(), Error> {
        // A history of another predictor is refused before anything changes.
        self.check_predictor(p)?;
        p.reset();
        self.clear();
        let skip = context.chars().count().saturating_sub(max_chars);
        context
            .chars()
            .skip(skip)
            .try_for_each(|c| self.type_char(p, c))
    }

    /// Backspace: exact from the history while it lasts, otherwise a re-prime from
    /// `remaining` (the text before the cursor after the deletion).
    pub fn backspace_or_reprime(
        &mut self,
        p: &mut Predictor<'_, '_>,
        remaining: &str,
        max_chars: usize,
    ) -> Result<(), Error> {
        match self.backspace(p) {
            Err(Error::HistoryEmpty) => self.reprime(p, remaining, max_chars),
            other => other,
        }
    }
}
