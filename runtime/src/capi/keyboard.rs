//! The keyboard features over the C ABI: biased top-k, word completion and the Backspace
//! history. Like the predictor, each lives in caller memory and nothing is allocated.

use core::ffi::c_int;
use core::mem::size_of;

use super::{
    ALIGN, QUILL_ERR_BEAM, QUILL_ERR_CHAR, QUILL_ERR_HISTORY_DEPTH, QUILL_ERR_HISTORY_TOO_SMALL,
    QUILL_ERR_MODEL_TOO_LARGE, QUILL_ERR_NULL, QUILL_ERR_SCRATCH_TOO_SMALL, QUILL_ERR_TOKEN,
    QUILL_MAX_K, QUILL_OK, QuillPredictor, bytes, code, pred, write_ranked,
};
use crate::complete::complete_words_up_to;
use crate::{Completion, Error, History, completion_buffer_len};

/// Widest beam `quill_complete_words` searches.
pub const QUILL_MAX_BEAM: usize = 8;
/// Longest completion, in characters.
pub const QUILL_MAX_WORD_CHARS: usize = 24;
/// Most completions one call returns.
pub const QUILL_MAX_WORDS: usize = 16;
/// UTF-8 bytes of the longest suffix plus its NUL, rounded up.
const SUFFIX_BYTES: usize = QUILL_MAX_WORD_CHARS * 4 + 4;

/// One word completion: the characters that finish the word, as NUL-terminated UTF-8.
#[repr(C)]
pub struct QuillWord {
    /// The characters that finish the word, UTF-8, NUL-terminated.
    pub suffix: [u8; SUFFIX_BYTES],
    /// Bytes in `suffix` before the NUL.
    pub suffix_len: u32,
    /// The model's probability of exactly this suffix followed by a word boundary.
    pub probability: f32,
}

/// Opaque handle; points into the caller's memory block.
pub struct QuillHistory {
    _private: [u8; 0],
}

type H = History<'static>;

const fn round_up(n: usize) -> Option<usize> {
    match n.checked_add(ALIGN - 1) {
        Some(v) => Some(v & !(ALIGN - 1)),
        None => None,
    }
}

/// Tokens in the model's vocabulary (token 0, unknown, included): the length of a bias array.
///
/// # Safety
/// `p` came from `quill_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_vocab_size(p: *mut QuillPredictor) -> usize {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    unsafe { pred(p) }.map_or(0, |p| p.model().arch().vocab())
}

/// The token of character `ch` in `*token` (0 if the model does not know it).
///
/// # Safety
/// `p` came from `quill_init`; `token` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_token_of(p: *mut QuillPredictor, ch: u32, token: *mut u32) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if token.is_null() {
        return QUILL_ERR_NULL;
    }
    let Some(c) = char::from_u32(ch) else {
        return QUILL_ERR_CHAR;
    };
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { token.write(p.model().vocab().index_of(c)) };
    QUILL_OK
}

/// The character of `token` (1 .. vocab size) in `*ch`; `QUILL_ERR_TOKEN` for 0 (the unknown
/// character) or out of range.
///
/// # Safety
/// `p` came from `quill_init`; `ch` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_token_char(
    p: *mut QuillPredictor,
    token: u32,
    ch: *mut u32,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if ch.is_null() {
        return QUILL_ERR_NULL;
    }
    let Some(c) = p.model().vocab().char_at(token) else {
        return QUILL_ERR_TOKEN;
    };
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { ch.write(u32::from(c)) };
    QUILL_OK
}

/// The caller's bias array, or `None` for NULL.
unsafe fn bias<'a>(b: *const f32, len: usize) -> Option<&'a [f32]> {
    // SAFETY: the caller promises `len` readable floats at `b` (documented in quill.h).
    (!b.is_null()).then(|| unsafe { core::slice::from_raw_parts(b, len) })
}

/// `quill_top_k` with `bias[token]` added to each logit first (`-INFINITY` removes a
/// character, a positive value boosts it); `bias_len` must be `quill_vocab_size`.
///
/// # Safety
/// As `quill_top_k`; `bias` points to `bias_len` readable floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_top_k_biased(
    p: *mut QuillPredictor,
    bias_values: *const f32,
    bias_len: usize,
    chars: *mut u32,
    probs: *mut f32,
    k: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h); the caller passes `len` readable floats at a non-null pointer (quill.h).
    let (Some(p), Some(b)) = (unsafe { pred(p) }, unsafe { bias(bias_values, bias_len) }) else {
        return QUILL_ERR_NULL;
    };
    if chars.is_null() || probs.is_null() || written.is_null() {
        return QUILL_ERR_NULL;
    }
    let mut best = [('\0', 0f32); QUILL_MAX_K];
    let n = match p.top_k_biased(b, best.get_mut(..k.min(QUILL_MAX_K)).unwrap_or_default()) {
        Ok(n) => n,
        Err(e) => return code(&e),
    };
    // SAFETY: the caller provides k entries in each array, and n ≤ k.
    unsafe { write_ranked(&best, n, chars, probs, written) };
    QUILL_OK
}

/// Bytes of scratch memory `quill_complete_words` needs with beam width `beam` (any alignment).
///
/// # Safety
/// `p` came from `quill_init`; `out_bytes` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_completion_scratch_size(
    p: *mut QuillPredictor,
    beam: usize,
    out_bytes: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if out_bytes.is_null() {
        return QUILL_ERR_NULL;
    }
    if !(1..=QUILL_MAX_BEAM).contains(&beam) {
        return QUILL_ERR_BEAM;
    }
    // One float of slack to align the caller's bytes.
    let Some(total) = completion_buffer_len(p, beam)
        .ok()
        .and_then(|f| f.checked_add(1)?.checked_mul(4))
    else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    // SAFETY: checked non-null above.
    unsafe { out_bytes.write(total) };
    QUILL_OK
}

/// `len` bytes at `ptr` (non-null) as the largest 4-aligned `f32` slice inside them (empty
/// when fewer bytes than the alignment skip: the search then says the scratch is too small).
unsafe fn floats<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [f32]> {
    if ptr.is_null() {
        return None;
    }
    let skip = ptr.align_offset(4);
    let Some(n) = len.checked_sub(skip).map(|rest| rest / 4) else {
        return Some(&mut []); // no aligned float fits: an empty (and well-aligned) slice
    };
    // SAFETY: `skip + 4n ≤ len` bytes the caller made writable; the start is 4-aligned.
    Some(unsafe { core::slice::from_raw_parts_mut(ptr.add(skip).cast::<f32>(), n) })
}

/// The `k` (≤ `QUILL_MAX_WORDS`) most likely completions of the current word from the
/// predictor's state, most likely first: a beam search of width `beam` (1 ..
/// `QUILL_MAX_BEAM`) to the next non-word character, suffixes up to `QUILL_MAX_WORD_CHARS`.
/// `bias` (NULL for none) steers the characters as in `quill_top_k_biased`. The predictor is
/// left exactly as it was. Deterministic.
///
/// # Safety
/// `p` came from `quill_init`; `scratch` points to `scratch_len` writable bytes; `bias` is NULL
/// or points to `bias_len` readable floats; `words` holds `k` writable entries; `written` is
/// writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn quill_complete_words(
    p: *mut QuillPredictor,
    scratch: *mut u8,
    scratch_len: usize,
    beam: usize,
    bias_values: *const f32,
    bias_len: usize,
    words: *mut QuillWord,
    k: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h); the caller passes `len` writable bytes at a non-null pointer (quill.h).
    let (Some(p), Some(scratch)) = (unsafe { pred(p) }, unsafe { floats(scratch, scratch_len) })
    else {
        return QUILL_ERR_NULL;
    };
    if words.is_null() || written.is_null() {
        return QUILL_ERR_NULL;
    }
    // SAFETY: the caller passes `len` readable floats at a non-null pointer (quill.h).
    let b = unsafe { bias(bias_values, bias_len) };
    let mut out: [Completion<QUILL_MAX_WORD_CHARS>; QUILL_MAX_WORDS] = Default::default();
    let out = out.get_mut(..k.min(QUILL_MAX_WORDS)).unwrap_or_default();
    const L: usize = QUILL_MAX_WORD_CHARS;
    if !(1..=QUILL_MAX_BEAM).contains(&beam) {
        return QUILL_ERR_BEAM;
    }
    // One copy of the search for every width (eight monomorphised copies cost ~15 KB).
    let result = complete_words_up_to::<QUILL_MAX_BEAM, L>(p, beam, scratch, b, out);
    let n = match result {
        Ok(n) => n,
        Err(Error::BufferTooSmall { .. }) => return QUILL_ERR_SCRATCH_TOO_SMALL,
        Err(e) => return code(&e),
    };
    for (i, c) in out.iter().take(n).enumerate() {
        // SAFETY: the caller provides k entries and i < n ≤ k.
        unsafe { write_word(words.add(i), &c.suffix, c.probability) };
    }
    // SAFETY: checked non-null above.
    unsafe { written.write(n) };
    QUILL_OK
}

/// Writes one completion to the caller's `QuillWord`: the suffix as NUL-terminated UTF-8.
///
/// # Safety
/// `out` is writable.
pub(super) unsafe fn write_word(out: *mut QuillWord, suffix: &[char], probability: f32) {
    let mut w = QuillWord {
        suffix: [0; SUFFIX_BYTES],
        suffix_len: 0,
        probability,
    };
    let mut len = 0usize;
    for ch in suffix {
        let end = len.saturating_add(ch.len_utf8());
        // 24 chars × 4 bytes always fit with the NUL; checked all the same.
        let Some(dst) = w.suffix.get_mut(len..end) else {
            break;
        };
        ch.encode_utf8(dst);
        len = end;
    }
    w.suffix_len = u32::try_from(len).unwrap_or(0);
    // SAFETY: the caller's contract.
    unsafe { out.write(w) };
}

/// Bytes of memory a history of `depth` characters needs for this predictor.
///
/// # Safety
/// `p` came from `quill_init`; `out_bytes` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_size(
    p: *mut QuillPredictor,
    depth: usize,
    out_bytes: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if out_bytes.is_null() {
        return QUILL_ERR_NULL;
    }
    if depth == 0 {
        return QUILL_ERR_HISTORY_DEPTH;
    }
    let total = History::buffer_len(p, depth).ok().and_then(|f| {
        round_up(size_of::<H>())?
            .checked_add(f.checked_mul(4)?)?
            .checked_add(ALIGN)
    });
    let Some(total) = total else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    // SAFETY: checked non-null above.
    unsafe { out_bytes.write(total) };
    QUILL_OK
}

/// Builds a Backspace history for predictor `p` in `memory`, holding as many states as fit
/// (size it with `quill_history_size`). The block must stay valid and unmoved while used.
///
/// # Safety
/// `p` came from `quill_init`; `memory` points to `memory_len` writable bytes; `out` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_init(
    p: *mut QuillPredictor,
    memory: *mut u8,
    memory_len: usize,
    out: *mut *mut QuillHistory,
) -> c_int {
    // SAFETY: a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let Some(p) = (unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    if memory.is_null() || out.is_null() {
        return QUILL_ERR_NULL;
    }
    const _: () = assert!(core::mem::align_of::<H>() <= ALIGN);
    let Some(slots_off) = round_up(size_of::<H>()) else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    let Some(room) = memory_len
        .checked_sub(ALIGN)
        .and_then(|r| r.checked_sub(slots_off))
    else {
        return QUILL_ERR_HISTORY_TOO_SMALL;
    };
    // SAFETY: ALIGN + slots_off + room = memory_len bytes, so the aligned start, the history
    // struct and `room / 4` floats after it all lie inside the caller's block; the floats are
    // zeroed before the slice is made.
    unsafe {
        let base = memory.add(memory.align_offset(ALIGN));
        let slots_ptr = base.add(slots_off).cast::<f32>();
        let n = room / 4;
        core::ptr::write_bytes(slots_ptr, 0, n);
        let slots = core::slice::from_raw_parts_mut(slots_ptr, n);
        match History::new(p, slots) {
            Ok(h) => base.cast::<H>().write(h),
            Err(Error::BufferTooSmall { .. }) => return QUILL_ERR_HISTORY_TOO_SMALL,
            Err(e) => return code(&e),
        }
        out.write(base.cast());
    }
    QUILL_OK
}

unsafe fn hist<'a>(h: *mut QuillHistory) -> Option<&'a mut H> {
    // SAFETY: a non-null handle came from quill_history_init (documented contract).
    unsafe { h.cast::<H>().as_mut() }
}

/// How many characters Backspace can undo exactly (0 for NULL).
///
/// # Safety
/// `h` came from `quill_history_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_capacity(h: *mut QuillHistory) -> usize {
    // SAFETY: a non-null handle came from quill_history_init (quill.h).
    unsafe { hist(h) }.map_or(0, |h| h.capacity())
}

fn status(r: Result<(), Error>) -> c_int {
    r.map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Types one character (a Unicode scalar value): saves the state, then feeds it.
///
/// # Safety
/// `h` came from `quill_history_init` for `p`, which came from `quill_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_type(
    h: *mut QuillHistory,
    p: *mut QuillPredictor,
    ch: u32,
) -> c_int {
    // SAFETY: a non-null handle came from quill_history_init (quill.h); a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let (Some(h), Some(p)) = (unsafe { hist(h) }, unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    let Some(c) = char::from_u32(ch) else {
        return QUILL_ERR_CHAR;
    };
    status(h.type_char(p, c))
}

/// Runs `f` on the history, the predictor and the caller's UTF-8 text, or returns the code
/// for a NULL argument or invalid UTF-8 (nothing touched then).
///
/// # Safety
/// `h` came from `quill_history_init` for `p`, which came from `quill_init`; `utf8` points to
/// `len` readable bytes.
unsafe fn with_text(
    h: *mut QuillHistory,
    p: *mut QuillPredictor,
    utf8: *const u8,
    len: usize,
    f: impl FnOnce(&mut H, &mut crate::Predictor<'static, 'static>, &str) -> Result<(), Error>,
) -> c_int {
    // SAFETY: the caller's contract.
    let (Some(h), Some(p), Some(b)) = (unsafe { hist(h) }, unsafe { pred(p) }, unsafe {
        bytes(utf8, len)
    }) else {
        return QUILL_ERR_NULL;
    };
    match core::str::from_utf8(b) {
        Ok(s) => status(f(h, p, s)),
        Err(_) => QUILL_ERR_CHAR,
    }
}

/// Types UTF-8 text character by character (e.g. an accepted completion's suffix), each
/// undoable by Backspace.
///
/// # Safety
/// As `quill_history_type`; `utf8` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_type_utf8(
    h: *mut QuillHistory,
    p: *mut QuillPredictor,
    utf8: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: the caller's contract, passed on.
    unsafe { with_text(h, p, utf8, len, |h, p, s| h.type_str(p, s)) }
}

/// Deletes the last typed character: the state from before it, bit-identical.
/// `QUILL_ERR_HISTORY_EMPTY` (predictor untouched) past the history: re-prime instead.
///
/// # Safety
/// As `quill_history_type`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_backspace(
    h: *mut QuillHistory,
    p: *mut QuillPredictor,
) -> c_int {
    // SAFETY: a non-null handle came from quill_history_init (quill.h); a non-null handle came from quill_init, and its block stays valid and unmoved (quill.h).
    let (Some(h), Some(p)) = (unsafe { hist(h) }, unsafe { pred(p) }) else {
        return QUILL_ERR_NULL;
    };
    status(h.backspace(p))
}

/// Starts over from `context`, the UTF-8 text before the cursor (after a cursor jump, a paste,
/// a new field with `len` 0): reset, forget the history, type its last `max_chars` characters.
///
/// # Safety
/// As `quill_history_type_utf8`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_reprime(
    h: *mut QuillHistory,
    p: *mut QuillPredictor,
    context: *const u8,
    len: usize,
    max_chars: usize,
) -> c_int {
    // SAFETY: the caller's contract, passed on.
    unsafe { with_text(h, p, context, len, |h, p, s| h.reprime(p, s, max_chars)) }
}

/// Backspace: exact from the history while it lasts, else a re-prime from `remaining` (the
/// text before the cursor after the deletion).
///
/// # Safety
/// As `quill_history_type_utf8`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_history_backspace_or_reprime(
    h: *mut QuillHistory,
    p: *mut QuillPredictor,
    remaining: *const u8,
    len: usize,
    max_chars: usize,
) -> c_int {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_text(h, p, remaining, len, |h, p, s| {
            h.backspace_or_reprime(p, s, max_chars)
        })
    }
}
