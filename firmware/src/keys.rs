//! The per-key measurement: types [`crate::model::TEXT`] through the keyboard session, key by
//! key, calling [`key_done`] after each. The counting plugin logs its running totals every time
//! `key_done` is entered (`mark=key_done`), so each key's cycles are the difference of two
//! lines: `scripts/measure-targets.sh` reports the mean and the worst key.

use runtime::{Key, Model, Session};

use crate::memory::CONFIG;

/// Called after every key: the counting plugin's marker. It must stay one small function the
/// optimiser keeps.
#[inline(never)]
#[unsafe(no_mangle)]
pub extern "C" fn key_done(steps: u32) -> u32 {
    core::hint::black_box(steps)
}

/// What the run did.
pub struct KeysRun {
    pub keys: usize,
    pub steps: u32,
    pub worst_steps: u32,
    /// Steps that reused a sibling's hidden-side products.
    pub shared: u32,
    pub shown: usize,
}

/// Types the text (every character a key) in a session in `buffer`, with the word `lists`.
pub fn run(
    model: &Model<'_>,
    buffer: &mut [f32],
    lists: runtime::WordLists<'static>,
) -> Result<KeysRun, runtime::Error> {
    let mut s = Session::new(model, buffer, CONFIG)?;
    s.set_word_lists(lists)?;
    key_done(0);
    let mut r = KeysRun {
        keys: 0,
        steps: 0,
        worst_steps: 0,
        shared: 0,
        shown: 0,
    };
    for c in crate::model::TEXT.chars() {
        s.press(Key::Char(c))?;
        let steps = s.cost().steps;
        key_done(steps);
        r.keys += 1;
        r.steps = r.steps.saturating_add(steps);
        r.worst_steps = r.worst_steps.max(steps);
        r.shared = r.shared.saturating_add(s.cost().shared);
        r.shown += s.panel().words.len();
    }
    Ok(r)
}
