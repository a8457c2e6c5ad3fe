//! The C ABI (feature `capi`; header `runtime/include/quill.h`, static library from the
//! `quill-capi` package).
//!
//! Everything lives in one caller-provided memory block: the validated model view, the
//! predictor and its `f32` buffer. Nothing is allocated and there is nothing to free; the model
//! bytes and the block must stay valid and unmoved while the predictor is used.
//!
//! `unsafe` here is the FFI boundary itself: dereferencing the caller's pointers. Each function
//! checks for null and sizes before touching them.

use core::ffi::{c_char, c_int};
use core::mem::{align_of, size_of};
use core::ptr;

use crate::{Error, InputSide, Kernel, Model, Predictor};

mod keyboard;
mod session;
pub use keyboard::*;
pub use session::*;

/// Opaque handle; points into the caller's memory block.
pub struct QuillPredictor {
    _private: [u8; 0],
}

/// Success.
pub const QUILL_OK: c_int = 0;
/// A required pointer is NULL.
pub const QUILL_ERR_NULL: c_int = 1;
/// Invalid model bytes: see quill_model_error.
pub const QUILL_ERR_MODEL: c_int = 2;
/// Predictor block smaller than quill_memory_size(_ex).
pub const QUILL_ERR_MEMORY_TOO_SMALL: c_int = 3;
/// Snapshot buffer not quill_snapshot_size bytes, or misaligned.
pub const QUILL_ERR_SNAPSHOT_SIZE: c_int = 4;
/// Outputs differ from those recorded at export.
pub const QUILL_ERR_SELF_TEST_FAILED: c_int = 5;
/// The model file has no self-test section.
pub const QUILL_ERR_NO_SELF_TEST: c_int = 6;
/// Buffers exceed the address space.
pub const QUILL_ERR_MODEL_TOO_LARGE: c_int = 7;
/// Unknown bits in the flags of a *_ex call.
pub const QUILL_ERR_FLAGS: c_int = 8;
/// Not a Unicode scalar value, or text not valid UTF-8.
pub const QUILL_ERR_CHAR: c_int = 9;
/// Backspace past the history: re-prime instead.
pub const QUILL_ERR_HISTORY_EMPTY: c_int = 10;
/// Bias length != quill_vocab_size, or a NaN/+inf entry.
pub const QUILL_ERR_BIAS: c_int = 11;
/// Beam width outside 1..QUILL_MAX_BEAM.
pub const QUILL_ERR_BEAM: c_int = 12;
/// Token 0 (unknown: no character) or >= quill_vocab_size.
pub const QUILL_ERR_TOKEN: c_int = 13;
/// An output array shorter than the call needs.
pub const QUILL_ERR_OUTPUT_TOO_SMALL: c_int = 14;
/// Temperature negative, NaN or infinite.
pub const QUILL_ERR_TEMPERATURE: c_int = 15;
/// No character has a finite score (overflowing weights).
pub const QUILL_ERR_NO_PREDICTION: c_int = 16;
/// Completion scratch < quill_completion_scratch_size.
pub const QUILL_ERR_SCRATCH_TOO_SMALL: c_int = 17;
/// History block < quill_history_size for depth 1.
pub const QUILL_ERR_HISTORY_TOO_SMALL: c_int = 18;
/// Quill_history_size with depth 0.
pub const QUILL_ERR_HISTORY_DEPTH: c_int = 19;
/// Snapshot contents no predictor state has (predictor untouched).
pub const QUILL_ERR_SNAPSHOT_INVALID: c_int = 20;
/// Bytes that are not a save of these user words (unchanged).
pub const QUILL_ERR_USER_WORDS: c_int = 21;
/// Lexicon bytes that are not a valid QLEX file.
pub const QUILL_ERR_LEXICON: c_int = 22;
/// The model needs a cell or f32 weights this build of the runtime leaves out.
pub const QUILL_ERR_NOT_BUILT: c_int = 23;
/// `quill_init_ex` flag: the first layer's input side from a per-character table.
pub const QUILL_INPUT_TABLE: u32 = 1;
/// `quill_init_ex` / session config flag: the model bytes were accepted by `quill_model_error`
/// before (another thread's, or earlier), so only their structure is checked again, not the
/// checksum nor the weights' values (`Model::from_verified_bytes`).
pub const QUILL_MODEL_VERIFIED: u32 = 2;
/// Most entries one `quill_top_k` call fills.
pub const QUILL_MAX_K: usize = 64;

type P = Predictor<'static, 'static>;
const ALIGN: usize = 16;

/// Each runtime error's own code. (A buffer too small is the predictor's block here; the
/// completion scratch and the history block have codes of their own, set where they are used.)
fn code(e: &Error) -> c_int {
    match e {
        Error::Format(_) => QUILL_ERR_MODEL,
        Error::BufferTooSmall { .. } => QUILL_ERR_MEMORY_TOO_SMALL,
        Error::ModelTooLarge => QUILL_ERR_MODEL_TOO_LARGE,
        Error::TokenOutOfRange { .. } => QUILL_ERR_TOKEN,
        Error::SnapshotLength { .. } => QUILL_ERR_SNAPSHOT_SIZE,
        Error::InvalidSnapshot { .. } => QUILL_ERR_SNAPSHOT_INVALID,
        Error::OutputTooSmall { .. } => QUILL_ERR_OUTPUT_TOO_SMALL,
        Error::InvalidTemperature => QUILL_ERR_TEMPERATURE,
        Error::NoPrediction => QUILL_ERR_NO_PREDICTION,
        Error::NoSelfTest => QUILL_ERR_NO_SELF_TEST,
        Error::SelfTestTop1 { .. } | Error::SelfTestLogit { .. } => QUILL_ERR_SELF_TEST_FAILED,
        Error::InvalidBias { .. } => QUILL_ERR_BIAS,
        Error::HistoryEmpty => QUILL_ERR_HISTORY_EMPTY,
        Error::InvalidUserWords { .. } => QUILL_ERR_USER_WORDS,
        Error::Lexicon(_) | Error::InvalidWordWeight { .. } => QUILL_ERR_LEXICON,
        Error::NotBuilt { .. } => QUILL_ERR_NOT_BUILT,
    }
}

/// Offsets of the model view, the predictor and the f32 buffer from the aligned block start,
/// and the total size (with alignment slack) in bytes.
fn block_layout(floats: usize) -> Option<(usize, usize, usize)> {
    const MASK: usize = ALIGN - 1;
    const fn up(n: usize) -> Option<usize> {
        match n.checked_add(MASK) {
            Some(v) => Some(v & !MASK),
            None => None,
        }
    }
    const _: () = assert!(align_of::<Model<'static>>() <= ALIGN && align_of::<P>() <= ALIGN);
    let pred = up(size_of::<Model<'static>>())?;
    let buf = up(pred.checked_add(size_of::<P>())?)?;
    let total = buf
        .checked_add(floats.checked_mul(4)?)?
        .checked_add(ALIGN)?;
    Some((pred, buf, total))
}

unsafe fn bytes<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    // SAFETY: the caller promises `len` readable bytes at `p` (documented in quill.h).
    (!p.is_null()).then(|| unsafe { core::slice::from_raw_parts(p, len) })
}

/// Bytes of memory `quill_init` needs for this model, in `*out_bytes`.
///
/// # Safety
/// `model` points to `model_len` readable bytes; `out_bytes` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_memory_size(
    model: *const u8,
    model_len: usize,
    out_bytes: *mut usize,
) -> c_int {
    // SAFETY: same contract.
    unsafe { quill_memory_size_ex(model, model_len, 0, out_bytes) }
}

/// `quill_memory_size` for `quill_init_ex` with `flags` (`QUILL_INPUT_TABLE`).
///
/// # Safety
/// `model` points to `model_len` readable bytes; `out_bytes` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_memory_size_ex(
    model: *const u8,
    model_len: usize,
    flags: u32,
    out_bytes: *mut usize,
) -> c_int {
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let Some(m) = (unsafe { bytes(model, model_len) }) else {
        return QUILL_ERR_NULL;
    };
    if out_bytes.is_null() {
        return QUILL_ERR_NULL;
    }
    let Some(input) = input_side(flags) else {
        return QUILL_ERR_FLAGS;
    };
    let model = match parse_model(m, flags) {
        Ok(v) => v,
        Err(_) => return QUILL_ERR_MODEL,
    };
    let Some((_, _, total)) = Predictor::buffer_len_for(&model, input)
        .ok()
        .and_then(block_layout)
    else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    // SAFETY: checked non-null above; the caller promises it is writable.
    unsafe { out_bytes.write(total) };
    QUILL_OK
}

/// The input side `flags` ask for; `None` for unknown bits.
fn input_side(flags: u32) -> Option<InputSide> {
    if flags & !(QUILL_INPUT_TABLE | QUILL_MODEL_VERIFIED) != 0 {
        return None;
    }
    Some(if flags & QUILL_INPUT_TABLE != 0 {
        InputSide::Table
    } else {
        InputSide::PerStep
    })
}

/// The model in `m`, read as `flags` say: fully validated, or (`QUILL_MODEL_VERIFIED`) its
/// structure only.
fn parse_model(m: &[u8], flags: u32) -> Result<Model<'_>, format::Error> {
    if flags & QUILL_MODEL_VERIFIED != 0 {
        Model::from_verified_bytes(m)
    } else {
        Model::from_bytes(m)
    }
}

/// Validates the model and builds a predictor inside `memory`.
///
/// # Safety
/// `memory` points to `memory_len` writable bytes and `model` to `model_len` readable bytes;
/// both stay valid and unmoved while the predictor is used. `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_init(
    memory: *mut u8,
    memory_len: usize,
    model: *const u8,
    model_len: usize,
    out: *mut *mut QuillPredictor,
) -> c_int {
    // SAFETY: same contract.
    unsafe { quill_init_ex(memory, memory_len, model, model_len, 0, out) }
}

/// `quill_init` with `flags`: `QUILL_INPUT_TABLE` computes the first layer's input side for
/// every character into `memory` (size it with `quill_memory_size_ex`); outputs are identical.
/// `QUILL_MODEL_VERIFIED` checks only the structure of bytes `quill_model_error` accepted
/// before.
///
/// # Safety
/// As `quill_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_init_ex(
    memory: *mut u8,
    memory_len: usize,
    model: *const u8,
    model_len: usize,
    flags: u32,
    out: *mut *mut QuillPredictor,
) -> c_int {
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let Some(m) = (unsafe { bytes(model, model_len) }) else {
        return QUILL_ERR_NULL;
    };
    if memory.is_null() || out.is_null() {
        return QUILL_ERR_NULL;
    }
    let Some(input) = input_side(flags) else {
        return QUILL_ERR_FLAGS;
    };
    let parsed: Model<'static> = match parse_model(m, flags) {
        // SAFETY: the caller keeps the model bytes valid for the predictor's whole use, which
        // is the lifetime this handle stands for.
        Ok(v) => unsafe { core::mem::transmute::<Model<'_>, Model<'static>>(v) },
        Err(_) => return QUILL_ERR_MODEL,
    };
    let Ok(floats) = Predictor::buffer_len_for(&parsed, input) else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    let Some((pred_off, buf_off, total)) = block_layout(floats) else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    if memory_len < total {
        return QUILL_ERR_MEMORY_TOO_SMALL;
    }
    // SAFETY: `total` bytes (including ALIGN of slack) fit in the caller's block, so the aligned
    // start plus every offset below stays inside it; each region is written before a reference
    // to it is made.
    unsafe {
        let base = memory.add(memory.align_offset(ALIGN));
        let model_ptr = base.cast::<Model<'static>>();
        model_ptr.write(parsed);
        let buf_ptr = base.add(buf_off).cast::<f32>();
        ptr::write_bytes(buf_ptr, 0, floats);
        let buf = core::slice::from_raw_parts_mut(buf_ptr, floats);
        let pred_ptr = base.add(pred_off).cast::<P>();
        match Predictor::with_options(&*model_ptr, buf, Kernel::detect(), input) {
            Ok(p) => pred_ptr.write(p),
            Err(e) => return code(&e),
        }
        out.write(pred_ptr.cast());
    }
    QUILL_OK
}

unsafe fn pred<'a>(p: *mut QuillPredictor) -> Option<&'a mut P> {
    // SAFETY: a non-null handle came from quill_init (documented contract).
    unsafe { p.cast::<P>().as_mut() }
}

/// Feeds UTF-8 bytes (any bytes: invalid sequences become the unknown token).
///
/// # Safety
/// `p` came from `quill_init`; `bytes` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_feed_utf8(
    p: *mut QuillPredictor,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h); the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let (Some(p), Some(d)) = (unsafe { pred(p) }, unsafe { bytes(data, len) }) else {
        return QUILL_ERR_NULL;
    };
    p.feed_bytes(d);
    QUILL_OK
}

/// Back to the start of a text.
///
/// # Safety
/// `p` came from `quill_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_reset(p: *mut QuillPredictor) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    p.reset();
    QUILL_OK
}

/// The `k` (≤ 64) most likely next characters (Unicode scalar values) and their probabilities,
/// most likely first; `*written` says how many were filled.
///
/// # Safety
/// `p` came from `quill_init`; `chars` and `probs` hold `k` writable entries; `written` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_top_k(
    p: *mut QuillPredictor,
    chars: *mut u32,
    probs: *mut f32,
    k: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if chars.is_null() || probs.is_null() || written.is_null() {
        return QUILL_ERR_NULL;
    }
    let mut best = [('\0', 0f32); QUILL_MAX_K];
    let n = p.top_k_into(best.get_mut(..k.min(QUILL_MAX_K)).unwrap_or_default());
    // SAFETY: the caller provides k entries in each array, and n ≤ k.
    unsafe { write_ranked(&best, n, chars, probs, written) };
    QUILL_OK
}

/// Copies the first `n` ranked characters and probabilities out to the caller.
///
/// # Safety
/// `chars` and `probs` hold at least `n` writable entries; `written` is writable.
unsafe fn write_ranked(
    best: &[(char, f32)],
    n: usize,
    chars: *mut u32,
    probs: *mut f32,
    written: *mut usize,
) {
    // SAFETY: the caller's contract.
    unsafe {
        for (i, (c, pr)) in best.iter().take(n).enumerate() {
            chars.add(i).write(u32::from(*c));
            probs.add(i).write(*pr);
        }
        written.write(n);
    }
}

/// Bytes a snapshot of this predictor takes.
///
/// # Safety
/// `p` came from `quill_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_snapshot_size(p: *mut QuillPredictor) -> usize {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    unsafe { pred(p) }.map_or(0, |p| p.snapshot_len().saturating_mul(4))
}

/// Saves the state into `out` (`quill_snapshot_size` bytes, 4-byte aligned).
///
/// # Safety
/// `p` came from `quill_init`; `out` points to `len` writable bytes, aligned to 4.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_snapshot(p: *mut QuillPredictor, out: *mut u8, len: usize) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if out.is_null() {
        return QUILL_ERR_NULL;
    }
    if len != p.snapshot_len().saturating_mul(4) || !out.cast::<f32>().is_aligned() {
        return QUILL_ERR_SNAPSHOT_SIZE;
    }
    // SAFETY: len bytes, 4-aligned, checked above.
    let s = unsafe { core::slice::from_raw_parts_mut(out.cast::<f32>(), len / 4) };
    p.snapshot(s).map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Returns to a saved state, bit-identical. The bytes are checked first: every state value
/// and logit finite, the UTF-8 decoder's words in the ranges it writes; otherwise
/// `QUILL_ERR_SNAPSHOT_INVALID` and the predictor is untouched. What cannot be checked: a
/// snapshot of another model of the same size, or of this one from another text.
///
/// # Safety
/// As `quill_snapshot`, with `snap` readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_restore(
    p: *mut QuillPredictor,
    snap: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if snap.is_null() {
        return QUILL_ERR_NULL;
    }
    if len != p.snapshot_len().saturating_mul(4) || !snap.cast::<f32>().is_aligned() {
        return QUILL_ERR_SNAPSHOT_SIZE;
    }
    // SAFETY: len bytes, 4-aligned, checked above.
    let s = unsafe { core::slice::from_raw_parts(snap.cast::<f32>(), len / 4) };
    p.restore(s).map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Checks the model against the outputs recorded at export; leaves the predictor reset.
///
/// # Safety
/// `p` came from `quill_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_self_test(p: *mut QuillPredictor) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    p.self_test().map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// A static, NUL-terminated description of an error code.
#[unsafe(no_mangle)]
pub extern "C" fn quill_error_message(code: c_int) -> *const c_char {
    let s: &'static core::ffi::CStr = match code {
        QUILL_OK => c"ok",
        QUILL_ERR_NULL => c"a required pointer argument is NULL",
        QUILL_ERR_MODEL => c"the model bytes are not a valid Quill model file; call quill_model_error for details",
        QUILL_ERR_MEMORY_TOO_SMALL => c"the predictor's memory block is smaller than quill_memory_size (or quill_memory_size_ex with the same flags) reports for this model",
        QUILL_ERR_SNAPSHOT_SIZE => c"the snapshot buffer's size is not quill_snapshot_size, or it is not 4-byte aligned",
        QUILL_ERR_SELF_TEST_FAILED => c"the model's outputs differ from those recorded at export: the model bytes are damaged or the build differs",
        QUILL_ERR_NO_SELF_TEST => c"the model file has no self-test section; export it with one",
        QUILL_ERR_MODEL_TOO_LARGE => c"the model's buffers do not fit in this target's address space",
        QUILL_ERR_FLAGS => c"unknown flags: pass 0, QUILL_INPUT_TABLE, QUILL_MODEL_VERIFIED or both",
        QUILL_ERR_CHAR => c"not a Unicode scalar value, or the context is not valid UTF-8",
        QUILL_ERR_HISTORY_EMPTY => c"nothing left to undo in the history: re-prime from the text before the cursor (quill_history_backspace_or_reprime)",
        QUILL_ERR_BIAS => c"the bias array must hold quill_vocab_size entries, none NaN or +infinity",
        QUILL_ERR_BEAM => c"the beam width must be between 1 and QUILL_MAX_BEAM",
        QUILL_ERR_TOKEN => c"no such token: characters are tokens 1 .. quill_vocab_size - 1 (token 0 is the unknown character and has none)",
        QUILL_ERR_OUTPUT_TOO_SMALL => c"an output array is shorter than the call needs",
        QUILL_ERR_TEMPERATURE => c"the temperature must be finite and not negative",
        QUILL_ERR_NO_PREDICTION => c"the model gives no character a finite score (its weights overflow); re-export it",
        QUILL_ERR_SCRATCH_TOO_SMALL => c"the completion scratch block is smaller than quill_completion_scratch_size reports for this beam width",
        QUILL_ERR_HISTORY_TOO_SMALL => c"the history block is smaller than quill_history_size reports for one character (a depth of 1)",
        QUILL_ERR_HISTORY_DEPTH => c"a history must hold at least one character: pass a depth of 1 or more to quill_history_size",
        QUILL_ERR_SNAPSHOT_INVALID => c"the snapshot's contents are not a state this predictor can be in (a non-finite value or a corrupt UTF-8 decoder state): pass bytes written by quill_snapshot",
        QUILL_ERR_USER_WORDS => c"the bytes are not a save of this session's user words (another capacity, damaged, or not a save at all); the learned words are unchanged",
        QUILL_ERR_LEXICON => c"the lexicon bytes are not a valid Quill lexicon (QLEX): build it again with `quill lexicon` or copy it again",
        QUILL_ERR_NOT_BUILT => c"the model needs a cell or f32 weights this build of the runtime leaves out: build the library with the runtime's feature for it (rnn, gru, lstm, f32-weights)",
        _ => c"unknown error code",
    };
    s.as_ptr()
}

/// Writes a detailed, NUL-terminated explanation of why `model` does not load into `msg`
/// (truncated to `msg_len`); returns `QUILL_OK` if it loads.
///
/// # Safety
/// `model` points to `model_len` readable bytes, `msg` to `msg_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_model_error(
    model: *const u8,
    model_len: usize,
    msg: *mut c_char,
    msg_len: usize,
) -> c_int {
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let Some(m) = (unsafe { bytes(model, model_len) }) else {
        return QUILL_ERR_NULL;
    };
    let Err(e) = Model::from_bytes(m) else {
        return QUILL_OK;
    };
    if !msg.is_null() && msg_len > 0 {
        // SAFETY: msg_len writable bytes, checked non-null.
        let out = unsafe { core::slice::from_raw_parts_mut(msg.cast::<u8>(), msg_len) };
        let mut w = Truncating { out, len: 0 };
        let _ = core::fmt::write(&mut w, format_args!("{e}"));
        let end = w.len.min(w.out.len().saturating_sub(1));
        if let Some(b) = w.out.get_mut(end) {
            *b = 0;
        }
    }
    QUILL_ERR_MODEL
}

/// `fmt::Write` into a byte slice, keeping one byte for the NUL and cutting at a char boundary.
struct Truncating<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.out.len().saturating_sub(1).saturating_sub(self.len);
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take = take.saturating_sub(1);
        }
        let (Some(dst), Some(src)) = (
            self.out.get_mut(self.len..self.len.saturating_add(take)),
            s.as_bytes().get(..take),
        ) else {
            return Ok(());
        };
        dst.copy_from_slice(src);
        self.len = self.len.saturating_add(take);
        Ok(())
    }
}
