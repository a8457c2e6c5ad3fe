//! All the RAM the keyboard uses, sized at compile time from the model's architecture.
//!
//! A firmware engineer sizing their own: `runtime::buffer_len(cell, layers, embed, hidden,
//! vocab)` for the predictor, one snapshot (`Layout::snapshot`) per Backspace level for
//! `History`, `2 × beam + 1` snapshots for word completion. Each is a `const`, so a model that
//! does not fit fails the build (the linker's RAM region), not the device.

use runtime::{Layout, buffer_len};

use crate::model::arch::{CELL, EMBED, HIDDEN, LAYERS, VOCAB};

/// `f32`s of the predictor's buffer (state and scratch, input side per step).
pub const PREDICTOR_LEN: usize = match buffer_len(CELL, LAYERS, EMBED, HIDDEN, VOCAB) {
    Some(n) => n,
    None => panic!("the model's sizes overflow usize"),
};

/// `f32`s of one snapshot of the predictor's state.
pub const SNAPSHOT_LEN: usize = match Layout::new(CELL, LAYERS, EMBED, HIDDEN, VOCAB) {
    Some(l) => l.snapshot(),
    None => panic!("the model's sizes overflow usize"),
};

/// Characters Backspace can undo exactly (older ones re-prime from the text).
pub const BACKSPACE_DEPTH: usize = 4;
/// Word completion: beam width and longest suggested suffix.
pub const BEAM: usize = 3;
pub const MAX_SUFFIX: usize = 12;
/// Completions shown per key.
pub const SHOWN: usize = 3;

pub const HISTORY_LEN: usize = SNAPSHOT_LEN * BACKSPACE_DEPTH;
pub const COMPLETION_LEN: usize = SNAPSHOT_LEN * (2 * BEAM + 1);

/// The keyboard's buffers.
pub struct Memory {
    pub predictor: &'static mut [f32; PREDICTOR_LEN],
    pub history: &'static mut [f32; HISTORY_LEN],
    pub completion: &'static mut [f32; COMPLETION_LEN],
}

static mut PREDICTOR: [f32; PREDICTOR_LEN] = [0.0; PREDICTOR_LEN];
static mut HISTORY: [f32; HISTORY_LEN] = [0.0; HISTORY_LEN];
static mut COMPLETION: [f32; COMPLETION_LEN] = [0.0; COMPLETION_LEN];

impl Memory {
    /// The buffers, zeroed by the start-up code (`.bss`).
    ///
    /// # Safety
    /// Call once: each call hands out the same statics (the firmware calls it at the top of
    /// `main`, before anything else could).
    pub unsafe fn take() -> Memory {
        // SAFETY: the caller guarantees a single call, so these are the only references.
        unsafe {
            Memory {
                predictor: &mut *core::ptr::addr_of_mut!(PREDICTOR),
                history: &mut *core::ptr::addr_of_mut!(HISTORY),
                completion: &mut *core::ptr::addr_of_mut!(COMPLETION),
            }
        }
    }
}
