//! The keyboard session over the C ABI (`quill_session_*`): one call per key, the panel read
//! back after it. Like the predictor it lives in one caller memory block with the validated
//! model view; nothing is allocated.

use core::ffi::c_int;
use core::mem::{align_of, size_of};
use core::ptr;

use format::Lexicon;

use super::{
    ALIGN, QUILL_ERR_CHAR, QUILL_ERR_FLAGS, QUILL_ERR_LEXICON, QUILL_ERR_MEMORY_TOO_SMALL,
    QUILL_ERR_MODEL, QUILL_ERR_MODEL_TOO_LARGE, QUILL_ERR_NULL, QUILL_ERR_OUTPUT_TOO_SMALL,
    QUILL_ERR_TOKEN, QUILL_ERR_USER_WORDS, QUILL_OK, QuillWord, bytes, code, input_side,
    parse_model, write_ranked, write_word,
};
use crate::{
    Key, MAX_SUFFIX, MAX_WORDS, Model, NEXT_CHARS, Session, SessionConfig, UserWords, WordLists,
};

/// Opaque handle; points into the caller's memory block.
pub struct QuillSession {
    _private: [u8; 0],
}

/// `quill_session_press` keys: a character (the call's `ch`).
pub const QUILL_KEY_CHAR: u32 = 0;
/// Backspace: exact, through the session's history.
pub const QUILL_KEY_BACKSPACE: u32 = 1;
/// Types the completion shown at the call's index (0: what Tab accepts).
pub const QUILL_KEY_ACCEPT: u32 = 2;
/// Most completions a session shows.
pub const QUILL_SESSION_MAX_WORDS: u32 = MAX_WORDS as u32;

/// A session's settings (`quill_session_default_config` fills the defaults).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct QuillSessionConfig {
    /// 0, `QUILL_INPUT_TABLE`, `QUILL_MODEL_VERIFIED` (bytes `quill_model_error` accepted
    /// before: only their structure is checked again), or both.
    pub flags: u32,
    /// Characters Backspace undoes exactly.
    pub history: u32,
    /// Characters of text kept to re-prime from past the history.
    pub text: u32,
    /// Word prefixes cached across keys.
    pub cache: u32,
    /// Completions shown (≤ `QUILL_SESSION_MAX_WORDS`).
    pub words: u32,
    /// Longest completion, in characters (≤ 24).
    pub max_suffix: u32,
    /// A completion is shown only at or above this probability.
    pub floor: f32,
    /// Model steps one key's word search may take; 0 for no limit.
    pub max_steps: u32,
    /// Words learned from the text typed (0: none).
    pub user_words: u32,
    /// Weight of the learned words' own frequency against the model's (0..=1).
    pub user_weight: f32,
    /// Sets of hidden-side products the word search keeps so that a prefix's children
    /// compute them once (0: none; see `SessionConfig::sibling_sets`).
    pub sibling_sets: u32,
}

// The header's struct and `web/quill.js`'s CONFIG_BYTES say the same.
const _: () = assert!(core::mem::size_of::<QuillSessionConfig>() == 44);

type S = Session<'static, 'static>;

/// The runtime's config for `c`; `None` for unknown flags or a floor that is not a number in
/// [0, 1].
fn config(c: &QuillSessionConfig) -> Option<SessionConfig> {
    if !(0.0..=1.0).contains(&c.floor) || !(0.0..=1.0).contains(&c.user_weight) {
        return None;
    }
    Some(SessionConfig {
        kernel: None,
        input: input_side(c.flags)?,
        history: c.history as usize,
        text: c.text as usize,
        cache: c.cache as usize,
        words: c.words as usize,
        max_suffix: c.max_suffix as usize,
        floor: c.floor,
        max_steps: (c.max_steps > 0).then_some(c.max_steps),
        sibling_sets: c.sibling_sets as usize,
        user_words: c.user_words as usize,
        user_weight: c.user_weight,
    })
}

/// The defaults every front end uses (`SessionConfig::DEFAULT`).
///
/// # Safety
/// `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_default_config(out: *mut QuillSessionConfig) -> c_int {
    if out.is_null() {
        return QUILL_ERR_NULL;
    }
    let d = SessionConfig::DEFAULT;
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let c = QuillSessionConfig {
        flags: 0,
        history: narrow(d.history),
        text: narrow(d.text),
        cache: narrow(d.cache),
        words: narrow(d.words),
        max_suffix: narrow(d.max_suffix),
        floor: d.floor,
        max_steps: d.max_steps.unwrap_or(0),
        user_words: narrow(d.user_words),
        user_weight: d.user_weight,
        sibling_sets: narrow(d.sibling_sets),
    };
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(c) };
    QUILL_OK
}

/// Offsets of the session and its `f32` buffer after the model view, and the total bytes
/// (with alignment slack).
fn layout(floats: usize) -> Option<(usize, usize, usize)> {
    const MASK: usize = ALIGN - 1;
    const fn up(n: usize) -> Option<usize> {
        match n.checked_add(MASK) {
            Some(v) => Some(v & !MASK),
            None => None,
        }
    }
    const _: () = assert!(align_of::<Model<'static>>() <= ALIGN && align_of::<S>() <= ALIGN);
    let session = up(size_of::<Model<'static>>())?;
    let buf = up(session.checked_add(size_of::<S>())?)?;
    let total = buf
        .checked_add(floats.checked_mul(4)?)?
        .checked_add(ALIGN)?;
    Some((session, buf, total))
}

/// The model and the session's float count for `cfg`, or the error code.
fn prepare(
    m: &[u8],
    cfg: *const QuillSessionConfig,
) -> Result<(Model<'_>, SessionConfig, usize), c_int> {
    // SAFETY: the caller promises a readable config when non-null.
    let raw = unsafe { cfg.as_ref() }.ok_or(QUILL_ERR_NULL)?;
    let cfg = config(raw).ok_or(QUILL_ERR_FLAGS)?;
    let model = parse_model(m, raw.flags).map_err(|_| QUILL_ERR_MODEL)?;
    let floats = cfg
        .buffer_len(model.arch())
        .ok_or(QUILL_ERR_MODEL_TOO_LARGE)?;
    Ok((model, cfg, floats))
}

/// Bytes of memory `quill_session_init` needs for this model and config, in `*out_bytes`.
///
/// # Safety
/// `model` points to `model_len` readable bytes; `cfg` is readable; `out_bytes` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_size(
    model: *const u8,
    model_len: usize,
    cfg: *const QuillSessionConfig,
    out_bytes: *mut usize,
) -> c_int {
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let Some(m) = (unsafe { bytes(model, model_len) }) else {
        return QUILL_ERR_NULL;
    };
    if out_bytes.is_null() {
        return QUILL_ERR_NULL;
    }
    let floats = match prepare(m, cfg) {
        Ok((_, _, f)) => f,
        Err(c) => return c,
    };
    let Some((_, _, total)) = layout(floats) else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out_bytes.write(total) };
    QUILL_OK
}

/// Validates the model and builds a session inside `memory`, showing the suggestions for an
/// empty text.
///
/// # Safety
/// `memory` points to `memory_len` writable bytes and `model` to `model_len` readable bytes;
/// both stay valid and unmoved while the session is used. `cfg` is readable, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_init(
    memory: *mut u8,
    memory_len: usize,
    model: *const u8,
    model_len: usize,
    cfg: *const QuillSessionConfig,
    out: *mut *mut QuillSession,
) -> c_int {
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let Some(m) = (unsafe { bytes(model, model_len) }) else {
        return QUILL_ERR_NULL;
    };
    if memory.is_null() || out.is_null() {
        return QUILL_ERR_NULL;
    }
    let (parsed, cfg, floats) = match prepare(m, cfg) {
        // SAFETY: the caller keeps the model bytes valid for the session's whole use, which is
        // the lifetime this handle stands for.
        Ok((p, c, f)) => (
            unsafe { core::mem::transmute::<Model<'_>, Model<'static>>(p) },
            c,
            f,
        ),
        Err(c) => return c,
    };
    let Some((session_off, buf_off, total)) = layout(floats) else {
        return QUILL_ERR_MODEL_TOO_LARGE;
    };
    if memory_len < total {
        return QUILL_ERR_MEMORY_TOO_SMALL;
    }
    // SAFETY: `total` bytes (ALIGN of slack included) fit in the caller's block, so the aligned
    // start plus every offset stays inside it; each region is written before a reference to
    // it is made.
    unsafe {
        let base = memory.add(memory.align_offset(ALIGN));
        let model_ptr = base.cast::<Model<'static>>();
        model_ptr.write(parsed);
        let buf_ptr = base.add(buf_off).cast::<f32>();
        ptr::write_bytes(buf_ptr, 0, floats);
        let buf = core::slice::from_raw_parts_mut(buf_ptr, floats);
        let session_ptr = base.add(session_off).cast::<S>();
        match Session::new(&*model_ptr, buf, cfg) {
            Ok(s) => session_ptr.write(s),
            Err(e) => return code(&e),
        }
        out.write(session_ptr.cast());
    }
    QUILL_OK
}

unsafe fn session<'a>(s: *mut QuillSession) -> Option<&'a mut S> {
    // SAFETY: a non-null handle came from quill_session_init (documented contract).
    unsafe { s.cast::<S>().as_mut() }
}

/// One key: `QUILL_KEY_CHAR` types `ch` (a Unicode scalar value), `QUILL_KEY_BACKSPACE`
/// deletes the character before the cursor, `QUILL_KEY_ACCEPT` types shown completion number
/// `ch` (0 is Tab; nothing happens when fewer are shown). The panel is updated.
///
/// # Safety
/// `s` came from `quill_session_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_press(s: *mut QuillSession, key: u32, ch: u32) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    let key = match key {
        QUILL_KEY_CHAR => match char::from_u32(ch) {
            Some(c) => Key::Char(c),
            None => return QUILL_ERR_CHAR,
        },
        QUILL_KEY_BACKSPACE => Key::Backspace,
        QUILL_KEY_ACCEPT => Key::Accept(ch as usize),
        _ => return QUILL_ERR_FLAGS,
    };
    s.press(key).map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Deletes the `n` characters before the cursor (a selection, a held Backspace), the panel
/// updated once: the same as `n` Backspace keys. Past what the session holds (the config's
/// `history` exactly, `text` by re-priming) call `quill_session_reprime` with the text left.
///
/// # Safety
/// `s` came from `quill_session_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_delete(s: *mut QuillSession, n: usize) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    s.delete(n).map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// The text, which must be valid UTF-8 (else `QUILL_ERR_CHAR`, nothing changed).
unsafe fn text<'a>(data: *const u8, len: usize) -> Result<&'a str, c_int> {
    // SAFETY: the caller's contract, passed on.
    let b = unsafe { bytes(data, len) }.ok_or(QUILL_ERR_NULL)?;
    core::str::from_utf8(b).map_err(|_| QUILL_ERR_CHAR)
}

/// Types UTF-8 `text` (a paste, an app's insert): each character as a key, the panel updated
/// once at the end.
///
/// # Safety
/// `s` came from `quill_session_init`; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_type_utf8(
    s: *mut QuillSession,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    match unsafe { text(data, len) } {
        Ok(t) => s
            .type_text(t.chars())
            .map_or_else(|e| code(&e), |()| QUILL_OK),
        Err(c) => c,
    }
}

/// Starts over from `context`, the UTF-8 text before the cursor (len 0 for a new field; a
/// cursor jump, a paste, a deletion past the history): its last characters are typed afresh.
///
/// # Safety
/// As `quill_session_type_utf8`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_reprime(
    s: *mut QuillSession,
    context: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    match unsafe { text(context, len) } {
        Ok(t) => s.reprime(t).map_or_else(|e| code(&e), |()| QUILL_OK),
        Err(c) => c,
    }
}

/// The panel's next characters (at most 3), most likely first.
///
/// # Safety
/// `s` came from `quill_session_init`; `chars` and `probs` hold `k` writable entries;
/// `written` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_next(
    s: *mut QuillSession,
    chars: *mut u32,
    probs: *mut f32,
    k: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if chars.is_null() || probs.is_null() || written.is_null() {
        return QUILL_ERR_NULL;
    }
    let next = &s.panel().next;
    let n = next.len().min(k).min(NEXT_CHARS);
    // SAFETY: the caller provides k entries in each array, and n ≤ k.
    unsafe { write_ranked(next, n, chars, probs, written) };
    QUILL_OK
}

/// The panel's word completions (at most the config's `words`), most probable first: the
/// characters that finish the word being typed.
///
/// # Safety
/// `s` came from `quill_session_init`; `words` holds `k` writable entries; `written` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_words(
    s: *mut QuillSession,
    words: *mut QuillWord,
    k: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if words.is_null() || written.is_null() {
        return QUILL_ERR_NULL;
    }
    let shown = &s.panel().words;
    let n = shown.len().min(k);
    for (i, w) in shown.iter().take(n).enumerate() {
        // SAFETY: the caller provides k entries, and i < n ≤ k.
        unsafe { write_word(words.add(i), &w.suffix, w.probability) };
    }
    // SAFETY: checked non-null above.
    unsafe { written.write(n) };
    QUILL_OK
}

/// The part of the word being typed that is already typed, as NUL-terminated UTF-8 in `out`
/// (`out_len` ≥ 4 × 24 + 1 holds any; longer words are cut to their last characters).
/// `*written` is the bytes before the NUL.
///
/// # Safety
/// `s` came from `quill_session_init`; `out` points to `out_len` writable bytes; `written` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_typed_word(
    s: *mut QuillSession,
    out: *mut core::ffi::c_char,
    out_len: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if out.is_null() || written.is_null() || out_len == 0 {
        return QUILL_ERR_NULL;
    }
    // SAFETY: out_len writable bytes, checked non-null.
    let dst = unsafe { core::slice::from_raw_parts_mut(out.cast::<u8>(), out_len) };
    let room = out_len.saturating_sub(1);
    // Whole characters from the end of the word that fit.
    let total: usize = s.typed_word().map(char::len_utf8).sum();
    let mut skip = total.saturating_sub(room);
    let mut n = 0usize;
    for c in s.typed_word() {
        let len = c.len_utf8();
        if skip > 0 {
            skip = skip.saturating_sub(len);
            continue;
        }
        let Some(d) = dst.get_mut(n..n.saturating_add(len)) else {
            break;
        };
        c.encode_utf8(d);
        n = n.saturating_add(len);
    }
    if let Some(b) = dst.get_mut(n) {
        *b = 0;
    }
    // SAFETY: checked non-null above.
    unsafe { written.write(n) };
    QUILL_OK
}

/// What the last call cost: model steps, and whether the word search was exact (1) or stopped
/// by `max_steps` or the cache's size (0).
///
/// # Safety
/// `s` came from `quill_session_init`; `steps` and `exact` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_cost(
    s: *mut QuillSession,
    steps: *mut u32,
    exact: *mut c_int,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if steps.is_null() || exact.is_null() {
        return QUILL_ERR_NULL;
    }
    let cost = s.cost();
    // SAFETY: checked non-null; the caller promises they are writable.
    unsafe {
        steps.write(cost.steps);
        exact.write(c_int::from(cost.exact));
    }
    QUILL_OK
}

const _: () = assert!(MAX_SUFFIX <= super::QUILL_MAX_WORD_CHARS);

/// Completes the words of the lexicon (`lexicon`, a QLEX file; NULL for none) and the learned
/// ones — only those with `others` 0, or preferring them with `others` in (0, 1], the weight
/// kept on the probability of a word the lexicon lacks — and never those of the block list
/// (`blocked`, a QLEX file; NULL for none). Both stay valid and unmoved while the session uses
/// them. Refused bytes (or `others` outside [0, 1]) leave the lists as they were
/// (`QUILL_ERR_LEXICON`).
///
/// # Safety
/// `s` came from `quill_session_init`; `lexicon` and `blocked` are NULL or point to their
/// lengths of readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_set_word_lists(
    s: *mut QuillSession,
    lexicon: *const u8,
    lexicon_len: usize,
    blocked: *const u8,
    blocked_len: usize,
    others: f32,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    // SAFETY: the caller keeps both valid for the session's whole use (documented).
    let (lex, blk) = unsafe { (bytes(lexicon, lexicon_len), bytes(blocked, blocked_len)) };
    let parse = |b: Option<&'static [u8]>| b.map(Lexicon::from_bytes).transpose();
    let (lexicon, blocked) = match (parse(lex), parse(blk)) {
        (Ok(l), Ok(b)) => (l, b),
        _ => return QUILL_ERR_LEXICON,
    };
    s.set_word_lists(WordLists {
        lexicon,
        blocked,
        others,
    })
    .map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Bytes `quill_session_save_user_words` writes (0 when the config learns no words).
///
/// # Safety
/// `s` came from `quill_session_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_user_words_size(s: *mut QuillSession) -> usize {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    unsafe { session(s) }
        .and_then(|s| s.user_words())
        .map_or(0, UserWords::saved_size)
}

/// Saves the learned words into `out` (`quill_session_user_words_size` bytes) for the app to
/// persist; `*written` is the bytes written.
///
/// # Safety
/// `s` came from `quill_session_init`; `out` points to `len` writable bytes; `written` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_save_user_words(
    s: *mut QuillSession,
    out: *mut u8,
    len: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if out.is_null() || written.is_null() {
        return QUILL_ERR_NULL;
    }
    let Some(users) = s.user_words() else {
        return QUILL_ERR_USER_WORDS;
    };
    // SAFETY: len writable bytes, checked non-null.
    let dst = unsafe { core::slice::from_raw_parts_mut(out, len) };
    match users.save(dst) {
        Ok(n) => {
            // SAFETY: checked non-null above.
            unsafe { written.write(n) };
            QUILL_OK
        }
        Err(e) => code(&e),
    }
}

/// Restores learned words a save wrote; damaged or foreign bytes are refused
/// (`QUILL_ERR_USER_WORDS`) and the learned words stay as they were.
///
/// # Safety
/// `s` came from `quill_session_init`; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_restore_user_words(
    s: *mut QuillSession,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h); the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let (Some(s), Some(b)) = (unsafe { session(s) }, unsafe { bytes(data, len) }) else {
        return QUILL_ERR_NULL;
    };
    let Some(users) = s.user_words_mut() else {
        return QUILL_ERR_USER_WORDS;
    };
    match users.restore(b) {
        Ok(()) => s.refresh_panel().map_or_else(|e| code(&e), |()| QUILL_OK),
        Err(e) => code(&e),
    }
}

/// Forgets one learned word (UTF-8, any case); QUILL_OK whether or not it was held.
///
/// # Safety
/// `s` came from `quill_session_init`; `word` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_forget_word(
    s: *mut QuillSession,
    word: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    // SAFETY: the caller passes `len` readable bytes at a non-null pointer (quill.h).
    let w = match unsafe { text(word, len) } {
        Ok(w) => w,
        Err(c) => return c,
    };
    if let Some(users) = s.user_words_mut() {
        users.forget(w);
    }
    s.refresh_panel().map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Forgets every learned word.
///
/// # Safety
/// `s` came from `quill_session_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_clear_user_words(s: *mut QuillSession) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if let Some(users) = s.user_words_mut() {
        users.clear();
    }
    s.refresh_panel().map_or_else(|e| code(&e), |()| QUILL_OK)
}

/// Word number `index` of those held (learned or still counting), as NUL-terminated UTF-8 in
/// `out`, with its uses (a word is suggested from 2 uses); `QUILL_ERR_TOKEN` past the last.
///
/// # Safety
/// `s` came from `quill_session_init`; `out` points to `out_len` (≥ 25) writable bytes; `uses`
/// is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn quill_session_user_word(
    s: *mut QuillSession,
    index: usize,
    out: *mut core::ffi::c_char,
    out_len: usize,
    uses: *mut u32,
) -> c_int {
    // SAFETY: a non-null handle came from quill_session_init, and the session block stays valid and unmoved (quill.h).
    let Some(s) = (unsafe { session(s) }) else {
        return QUILL_ERR_NULL;
    };
    if out.is_null() || uses.is_null() {
        return QUILL_ERR_NULL;
    }
    let Some((word, n)) = s.user_words().and_then(|u| u.words().nth(index)) else {
        return QUILL_ERR_TOKEN;
    };
    if out_len <= word.len() {
        return QUILL_ERR_OUTPUT_TOO_SMALL;
    }
    // SAFETY: out_len > word.len() writable bytes, checked non-null; uses checked non-null.
    unsafe {
        core::ptr::copy_nonoverlapping(word.as_ptr(), out.cast::<u8>(), word.len());
        out.add(word.len()).write(0);
        uses.write(u32::from(n));
    }
    QUILL_OK
}
