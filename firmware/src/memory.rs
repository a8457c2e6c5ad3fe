//! All the RAM the keyboard uses, sized at compile time from the model's architecture.
//!
//! A firmware engineer sizing their own: `SessionConfig::buffer_len(&arch)` for the whole
//! keyboard session (predictor, Backspace history, the end of the text, the word cache), or
//! `runtime::buffer_len(cell, layers, embed, hidden, vocab)` for a bare predictor. Each is a
//! `const`, so a model that does not fit fails the build (the linker's RAM region), not the
//! device.

use runtime::{Architecture, Layout, SessionConfig, buffer_len};

use crate::model::arch::{CELL, EMBED, HIDDEN, LAYERS, VOCAB};

/// The model's architecture, from `build.rs`.
pub const ARCH: Architecture = Architecture {
    cell: CELL,
    layers: LAYERS as u8,
    embed: EMBED as u32,
    hidden: HIDDEN as u32,
    vocab: VOCAB as u32,
};

/// `f32`s of one model state (what the history and the word cache keep per entry).
const STATE: usize = match Layout::new(CELL, LAYERS, EMBED, HIDDEN, VOCAB) {
    Some(l) => l.snapshot(),
    None => panic!("the model's sizes overflow usize"),
};

/// A model small enough for a part with 16 KB of RAM (the micro:bit).
const SMALL: bool = STATE <= 256;

/// The keyboard's session: 4 characters of exact Backspace (older ones re-prime from the last
/// 32 characters), 3 completions of up to 12 characters, at most 9 model steps of word search
/// per key (a hard bound on a key's time: the best completions found by then are shown), and a
/// word cache, sets of shared hidden sides and a store of learned words as large as the part
/// allows — 6 prefixes, 1 set and 16 words for a small model (the micro:bit's 16 KB of RAM), 16
/// prefixes, 4 sets (12 KB for the English GRU 1x256) and 64 words (2 KB) for a larger one (a
/// Cortex-M4F part with 64 KB or more: 52 KB for the English GRU 1x256). The same on every
/// target, so the device prints exactly what the host prints.
pub const CONFIG: SessionConfig = SessionConfig {
    history: 4,
    text: 32,
    cache: if SMALL { 6 } else { 16 },
    words: 3,
    max_suffix: 12,
    max_steps: Some(9),
    sibling_sets: if SMALL { 1 } else { 4 },
    user_words: if SMALL { 16 } else { 64 },
    ..SessionConfig::DEFAULT
};

/// `f32`s of the session's buffer.
pub const SESSION_LEN: usize = match CONFIG.buffer_len(&ARCH) {
    Some(n) => n,
    None => panic!("the model's sizes overflow usize"),
};

/// `f32`s of a bare predictor's buffer (state and scratch, input side per step): the
/// measuring firmware's.
pub const PREDICTOR_LEN: usize = match buffer_len(CELL, LAYERS, EMBED, HIDDEN, VOCAB) {
    Some(n) => n,
    None => panic!("the model's sizes overflow usize"),
};

static mut SESSION: [f32; SESSION_LEN] = [0.0; SESSION_LEN];
static mut PREDICTOR: [f32; PREDICTOR_LEN] = [0.0; PREDICTOR_LEN];

/// The session's buffer, zeroed by the start-up code (`.bss`). Only what a firmware calls is
/// linked: the keyboard holds this one, a bare predictor the other.
///
/// # Safety
/// Call once: each call hands out the same static.
pub unsafe fn session() -> &'static mut [f32] {
    // SAFETY: the caller guarantees a single call, so this is the only reference.
    unsafe { &mut *core::ptr::addr_of_mut!(SESSION) }
}

/// A bare predictor's buffer, zeroed by the start-up code.
///
/// # Safety
/// Call once: each call hands out the same static.
pub unsafe fn predictor() -> &'static mut [f32] {
    // SAFETY: the caller guarantees a single call, so this is the only reference.
    unsafe { &mut *core::ptr::addr_of_mut!(PREDICTOR) }
}
