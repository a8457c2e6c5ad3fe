//! The keyboard half of the C ABI refuses bad arguments with the documented codes and leaves
//! the predictor as it was (called from Rust; `c_abi.rs` runs the C example itself).

use format::CellKind;
use quill_tests::random_model;
use runtime::capi::*;

struct Session {
    _model: Vec<u8>,
    _memory: Vec<u8>,
    p: *mut QuillPredictor,
}

fn session() -> Session {
    session_of(CellKind::Lstm, 16)
}

fn session_of(cell: CellKind, hidden: u32) -> Session {
    let model = random_model(cell, 1, 8, hidden, 30, 5).to_bytes().unwrap();
    let mut need = 0;
    let mut p = std::ptr::null_mut();
    let mut memory;
    unsafe {
        assert_eq!(
            quill_memory_size(model.as_ptr(), model.len(), &mut need),
            QUILL_OK
        );
        memory = vec![0u8; need];
        assert_eq!(
            quill_init(
                memory.as_mut_ptr(),
                need,
                model.as_ptr(),
                model.len(),
                &mut p
            ),
            QUILL_OK
        );
    }
    Session {
        _model: model,
        _memory: memory,
        p,
    }
}

fn top3(p: *mut QuillPredictor) -> Vec<(u32, u32)> {
    let (mut c, mut pr, mut n) = ([0u32; 3], [0f32; 3], 0);
    unsafe {
        assert_eq!(
            quill_top_k(p, c.as_mut_ptr(), pr.as_mut_ptr(), 3, &mut n),
            QUILL_OK
        )
    };
    c.iter()
        .zip(pr)
        .take(n)
        .map(|(c, p)| (*c, p.to_bits()))
        .collect()
}

#[test]
fn history_errors() {
    let s = session();
    let mut need = 0;
    let mut h = std::ptr::null_mut();
    unsafe {
        assert_eq!(quill_history_size(s.p, 4, &mut need), QUILL_OK);
        let mut small = vec![0u8; 40];
        assert_eq!(
            quill_history_init(s.p, small.as_mut_ptr(), small.len(), &mut h),
            QUILL_ERR_HISTORY_TOO_SMALL
        );
        // Depth 0 is refused when sizing, not later by init.
        assert_eq!(
            quill_history_size(s.p, 0, &mut need),
            QUILL_ERR_HISTORY_DEPTH
        );
        assert_eq!(quill_history_size(s.p, 4, &mut need), QUILL_OK);
        let mut mem = vec![0u8; need];
        assert_eq!(
            quill_history_init(s.p, mem.as_mut_ptr(), need, &mut h),
            QUILL_OK
        );
        assert_eq!(quill_history_capacity(h), 4);
        let before = top3(s.p);
        assert_eq!(quill_history_backspace(h, s.p), QUILL_ERR_HISTORY_EMPTY);
        assert_eq!(top3(s.p), before, "a refused Backspace moved the state");
        assert_eq!(quill_history_type(h, s.p, 0xD800), QUILL_ERR_CHAR);
        assert_eq!(quill_history_type(h, s.p, 0x11_0000), QUILL_ERR_CHAR);
        assert_eq!(
            quill_history_type_utf8(h, s.p, b"\xff".as_ptr(), 1),
            QUILL_ERR_CHAR
        );
        assert_eq!(
            quill_history_reprime(h, s.p, b"ab\xc3".as_ptr(), 3, 64),
            QUILL_ERR_CHAR
        );
        assert_eq!(top3(s.p), before, "refused input moved the state");
        assert_eq!(quill_history_type(h, s.p, u32::from('A')), QUILL_OK);
        assert_eq!(quill_history_backspace(h, s.p), QUILL_OK);
        assert_eq!(top3(s.p), before);
        assert_eq!(
            quill_history_type(std::ptr::null_mut(), s.p, 65),
            QUILL_ERR_NULL
        );
        assert_eq!(
            quill_history_backspace(h, std::ptr::null_mut()),
            QUILL_ERR_NULL
        );
        // Past the ring: re-prime from the remaining text equals typing it afresh.
        assert_eq!(
            quill_history_type_utf8(h, s.p, b"ABCDEFG".as_ptr(), 7),
            QUILL_OK
        );
        for _ in 0..4 {
            assert_eq!(quill_history_backspace(h, s.p), QUILL_OK);
        }
        assert_eq!(quill_history_backspace(h, s.p), QUILL_ERR_HISTORY_EMPTY);
        assert_eq!(
            quill_history_backspace_or_reprime(h, s.p, b"AB".as_ptr(), 2, 64),
            QUILL_OK
        );
        let reprimed = top3(s.p);
        assert_eq!(quill_reset(s.p), QUILL_OK);
        assert_eq!(quill_feed_utf8(s.p, b"AB".as_ptr(), 2), QUILL_OK);
        assert_eq!(top3(s.p), reprimed);
    }
}

/// A history made for another predictor (another model) is refused by every call before
/// anything changes: the predictor keeps its state and the history its saved states.
#[test]
fn a_history_of_another_predictor_changes_nothing() {
    let ours = session();
    let theirs = session_of(CellKind::Gru, 12);
    let mut need = 0;
    let mut h = std::ptr::null_mut();
    unsafe {
        assert_eq!(quill_history_size(theirs.p, 4, &mut need), QUILL_OK);
        let mut mem = vec![0u8; need];
        assert_eq!(
            quill_history_init(theirs.p, mem.as_mut_ptr(), need, &mut h),
            QUILL_OK
        );
        assert_eq!(quill_history_type(h, theirs.p, u32::from('A')), QUILL_OK);
        assert_eq!(quill_feed_utf8(ours.p, b"AB".as_ptr(), 2), QUILL_OK);
        let before = top3(ours.p);
        for code in [
            quill_history_reprime(h, ours.p, b"xyz".as_ptr(), 3, 64),
            quill_history_backspace_or_reprime(h, ours.p, b"xyz".as_ptr(), 3, 64),
            quill_history_backspace(h, ours.p),
            quill_history_type(h, ours.p, u32::from('B')),
        ] {
            assert_eq!(code, QUILL_ERR_SNAPSHOT_SIZE);
            assert_eq!(top3(ours.p), before, "a refused call moved the predictor");
        }
        // The history still holds its own predictor's state: Backspace undoes the 'A'.
        let typed = top3(theirs.p);
        assert_eq!(quill_history_backspace(h, theirs.p), QUILL_OK);
        assert_ne!(top3(theirs.p), typed);
        assert_eq!(
            quill_history_backspace(h, theirs.p),
            QUILL_ERR_HISTORY_EMPTY
        );
    }
}

#[test]
fn completion_and_bias_errors() {
    let s = session();
    let vocab = unsafe { quill_vocab_size(s.p) };
    assert_eq!(vocab, 30);
    let mut words: [QuillWord; 3] = unsafe { std::mem::zeroed() };
    let mut n = 0;
    let mut need = 0;
    unsafe {
        assert_eq!(
            quill_completion_scratch_size(s.p, 0, &mut need),
            QUILL_ERR_BEAM
        );
        assert_eq!(
            quill_completion_scratch_size(s.p, 9, &mut need),
            QUILL_ERR_BEAM
        );
        assert_eq!(quill_completion_scratch_size(s.p, 2, &mut need), QUILL_OK);
        let mut scratch = vec![0u8; need + 3];
        let before = top3(s.p);
        let w = words.as_mut_ptr();
        // Too little scratch, a bad beam, a bias of the wrong length or with NaN: refused.
        assert_eq!(
            quill_complete_words(
                s.p,
                scratch.as_mut_ptr(),
                need - 8,
                2,
                std::ptr::null(),
                0,
                w,
                3,
                &mut n
            ),
            QUILL_ERR_SCRATCH_TOO_SMALL
        );
        // A misaligned, non-NULL scratch shorter than its alignment skip: too small, not NULL.
        assert_eq!(
            quill_complete_words(
                s.p,
                scratch.as_mut_ptr().add(1),
                2,
                2,
                std::ptr::null(),
                0,
                w,
                3,
                &mut n
            ),
            QUILL_ERR_SCRATCH_TOO_SMALL
        );
        assert_eq!(
            quill_complete_words(
                s.p,
                scratch.as_mut_ptr(),
                need,
                9,
                std::ptr::null(),
                0,
                w,
                3,
                &mut n
            ),
            QUILL_ERR_BEAM
        );
        let short = vec![0f32; vocab - 1];
        assert_eq!(
            quill_complete_words(
                s.p,
                scratch.as_mut_ptr(),
                need,
                2,
                short.as_ptr(),
                short.len(),
                w,
                3,
                &mut n
            ),
            QUILL_ERR_BIAS
        );
        let mut nan = vec![0f32; vocab];
        nan[3] = f32::NAN;
        let (mut c, mut pr) = ([0u32; 3], [0f32; 3]);
        assert_eq!(
            quill_top_k_biased(
                s.p,
                nan.as_ptr(),
                vocab,
                c.as_mut_ptr(),
                pr.as_mut_ptr(),
                3,
                &mut n
            ),
            QUILL_ERR_BIAS
        );
        assert_eq!(top3(s.p), before);
        // A misaligned scratch pointer works (the library aligns inside the block).
        assert_eq!(
            quill_complete_words(
                s.p,
                scratch.as_mut_ptr().add(1),
                need,
                2,
                std::ptr::null(),
                0,
                w,
                3,
                &mut n
            ),
            QUILL_OK
        );
        assert_eq!(n, 3);
        assert_eq!(top3(s.p), before, "completion moved the state");
        for word in &words {
            let len = word.suffix_len as usize;
            assert_eq!(word.suffix[len], 0, "suffix not NUL-terminated");
            assert!(std::str::from_utf8(&word.suffix[..len]).is_ok());
        }
        // A bias that removes every character but one: top-k and completion obey it.
        let mut only = vec![f32::NEG_INFINITY; vocab];
        let mut t = 0;
        assert_eq!(quill_token_of(s.p, u32::from('5'), &mut t), QUILL_OK);
        assert_ne!(t, 0);
        let mut ch = 0;
        assert_eq!(quill_token_char(s.p, t, &mut ch), QUILL_OK);
        assert_eq!(ch, u32::from('5'));
        assert_eq!(quill_token_char(s.p, 0, &mut ch), QUILL_ERR_TOKEN);
        assert_eq!(quill_token_char(s.p, 999, &mut ch), QUILL_ERR_TOKEN);
        assert_eq!(quill_token_of(s.p, 0xD800, &mut t), QUILL_ERR_CHAR);
        only[t as usize] = 0.0;
        assert_eq!(
            quill_top_k_biased(
                s.p,
                only.as_ptr(),
                vocab,
                c.as_mut_ptr(),
                pr.as_mut_ptr(),
                3,
                &mut n
            ),
            QUILL_OK
        );
        assert_eq!((n, c[0], pr[0]), (1, u32::from('5'), 1.0));
        // Every code has a message of its own.
        let mut seen = std::collections::BTreeSet::new();
        for code in QUILL_OK..=QUILL_ERR_NOT_BUILT {
            let msg = std::ffi::CStr::from_ptr(quill_error_message(code))
                .to_str()
                .unwrap();
            assert_ne!(msg, "unknown error code", "code {code}");
            assert!(seen.insert(msg), "code {code} shares its message: {msg}");
        }
    }
}

/// `quill_restore` refuses bytes no predictor state has (a non-finite value, a corrupt UTF-8
/// decoder state) and leaves the predictor as it was; a real snapshot still restores.
#[test]
fn restore_validates_what_it_can() {
    let s = session();
    unsafe {
        let len = quill_snapshot_size(s.p);
        let mut good = vec![0f32; len / 4];
        quill_feed_utf8(s.p, b"12 3".as_ptr(), 4);
        assert_eq!(quill_snapshot(s.p, good.as_mut_ptr().cast(), len), QUILL_OK);
        let at_snapshot = top3(s.p);
        quill_feed_utf8(s.p, b"45".as_ptr(), 2);
        let before = top3(s.p);
        let words = good.len();
        let mut forged: Vec<Vec<f32>> = Vec::new();
        for (i, v) in [
            (0, f32::NAN),
            (1, f32::INFINITY),
            (words - 3, f32::NEG_INFINITY),
        ] {
            let mut b = good.clone();
            b[i] = v;
            forged.push(b);
        }
        // The decoder's words: reserved bits, 4 pending bytes, an empty or out-of-range range.
        for w1 in [
            1u32 << 24,
            4 | (0x80 << 8) | (0xBF << 16),
            1 | (0xA0 << 8) | (0x90 << 16),
            1 | (0x10 << 8) | (0xBF << 16),
        ] {
            let mut b = good.clone();
            b[words - 1] = f32::from_bits(w1);
            forged.push(b);
        }
        let mut b = good.clone();
        b[words - 2] = f32::from_bits(0x20_0000);
        forged.push(b);
        for (i, b) in forged.iter().enumerate() {
            assert_eq!(
                quill_restore(s.p, b.as_ptr().cast(), len),
                QUILL_ERR_SNAPSHOT_INVALID,
                "forgery {i}"
            );
            assert_eq!(top3(s.p), before, "a refused restore moved the state");
        }
        assert_eq!(quill_restore(s.p, good.as_ptr().cast(), len), QUILL_OK);
        assert_eq!(top3(s.p), at_snapshot);
    }
}

/// The session calls refuse bad arguments with their codes and change nothing.
#[test]
fn session_errors() {
    let model = random_model(CellKind::Gru, 1, 8, 16, 30, 5)
        .to_bytes()
        .unwrap();
    let mut cfg: QuillSessionConfig = unsafe { std::mem::zeroed() };
    let mut need = 0usize;
    let mut s = std::ptr::null_mut();
    unsafe {
        assert_eq!(
            quill_session_default_config(std::ptr::null_mut()),
            QUILL_ERR_NULL
        );
        assert_eq!(quill_session_default_config(&mut cfg), QUILL_OK);
        assert_eq!((cfg.history, cfg.words, cfg.max_steps), (64, 3, 0));
        let bad = QuillSessionConfig { flags: 7, ..cfg };
        assert_eq!(
            quill_session_size(model.as_ptr(), model.len(), &bad, &mut need),
            QUILL_ERR_FLAGS
        );
        let bad = QuillSessionConfig {
            floor: f32::NAN,
            ..cfg
        };
        assert_eq!(
            quill_session_size(model.as_ptr(), model.len(), &bad, &mut need),
            QUILL_ERR_FLAGS
        );
        assert_eq!(
            quill_session_size(model.as_ptr(), model.len(), std::ptr::null(), &mut need),
            QUILL_ERR_NULL
        );
        assert_eq!(
            quill_session_size(model.as_ptr(), 10, &cfg, &mut need),
            QUILL_ERR_MODEL
        );
        assert_eq!(
            quill_session_size(model.as_ptr(), model.len(), &cfg, &mut need),
            QUILL_OK
        );
        let mut mem = vec![0u8; need];
        assert_eq!(
            quill_session_init(
                mem.as_mut_ptr(),
                need - 1,
                model.as_ptr(),
                model.len(),
                &cfg,
                &mut s
            ),
            QUILL_ERR_MEMORY_TOO_SMALL
        );
        assert_eq!(
            quill_session_init(
                mem.as_mut_ptr(),
                need,
                model.as_ptr(),
                model.len(),
                &cfg,
                &mut s
            ),
            QUILL_OK
        );
        let next = |s| {
            let (mut c, mut p, mut n) = ([0u32; 3], [0f32; 3], 0usize);
            assert_eq!(
                quill_session_next(s, c.as_mut_ptr(), p.as_mut_ptr(), 3, &mut n),
                QUILL_OK
            );
            (c, p.map(f32::to_bits), n)
        };
        let before = next(s);
        assert_eq!(
            quill_session_press(s, QUILL_KEY_CHAR, 0xD800),
            QUILL_ERR_CHAR
        );
        assert_eq!(quill_session_press(s, 9, 0), QUILL_ERR_FLAGS);
        assert_eq!(
            quill_session_press(std::ptr::null_mut(), QUILL_KEY_CHAR, 65),
            QUILL_ERR_NULL
        );
        assert_eq!(
            quill_session_type_utf8(s, b"a\xffb".as_ptr(), 3),
            QUILL_ERR_CHAR
        );
        assert_eq!(
            quill_session_reprime(s, std::ptr::null(), 3),
            QUILL_ERR_NULL
        );
        assert_eq!(next(s), before, "a refused call changed the panel");
        // Accepting a completion that is not shown, or Backspace on nothing: no change.
        assert_eq!(quill_session_press(s, QUILL_KEY_ACCEPT, 3), QUILL_OK);
        assert_eq!(quill_session_press(s, QUILL_KEY_BACKSPACE, 0), QUILL_OK);
        assert_eq!(next(s), before);
        assert_eq!(quill_session_type_utf8(s, b"AB".as_ptr(), 2), QUILL_OK);
        let mut typed = [0 as std::ffi::c_char; 8];
        let mut n = 0usize;
        assert_eq!(
            quill_session_typed_word(s, typed.as_mut_ptr(), 8, &mut n),
            QUILL_OK
        );
        assert_eq!(
            (n, typed[0] as u8, typed[1] as u8, typed[2]),
            (2, b'A', b'B', 0)
        );
        // Cut to the last characters that fit.
        assert_eq!(
            quill_session_typed_word(s, typed.as_mut_ptr(), 2, &mut n),
            QUILL_OK
        );
        assert_eq!((n, typed[0] as u8, typed[1]), (1, b'B', 0));
        let (mut steps, mut exact) = (0u32, 0);
        assert_eq!(quill_session_cost(s, &mut steps, &mut exact), QUILL_OK);
        assert!(steps >= 2 && exact == 1, "{steps} {exact}");
        assert_eq!(quill_session_reprime(s, b"".as_ptr(), 0), QUILL_OK);
        assert_eq!(next(s), before);
    }
}

/// The session's word lists and learned words through the C ABI: bad lexicon bytes refused
/// with nothing changed; learned words listed, saved, restored (damaged saves refused),
/// forgotten and cleared.
#[test]
fn session_word_lists_and_user_words() {
    let model = random_model(CellKind::Gru, 1, 8, 16, 60, 5);
    let model = model.to_bytes().unwrap();
    let lexicon = format::build_lexicon([("alpha", 3), ("beta", 2)]).unwrap();
    let mut cfg: QuillSessionConfig = unsafe { std::mem::zeroed() };
    let mut need = 0usize;
    let mut s = std::ptr::null_mut();
    unsafe {
        assert_eq!(quill_session_default_config(&mut cfg), QUILL_OK);
        cfg.user_words = 4;
        cfg.floor = 0.0;
        assert_eq!(
            quill_session_size(model.as_ptr(), model.len(), &cfg, &mut need),
            QUILL_OK
        );
        let mut mem = vec![0u8; need];
        assert_eq!(
            quill_session_init(
                mem.as_mut_ptr(),
                need,
                model.as_ptr(),
                model.len(),
                &cfg,
                &mut s
            ),
            QUILL_OK
        );
        let mut bad = lexicon.clone();
        bad[20] ^= 1;
        assert_eq!(
            quill_session_set_word_lists(s, bad.as_ptr(), bad.len(), std::ptr::null(), 0, 0.0),
            QUILL_ERR_LEXICON
        );
        // A weight for other words outside [0, 1] (or NaN) is refused like damaged bytes.
        for others in [-0.1, 1.5, f32::NAN] {
            assert_eq!(
                quill_session_set_word_lists(
                    s,
                    lexicon.as_ptr(),
                    lexicon.len(),
                    std::ptr::null(),
                    0,
                    others
                ),
                QUILL_ERR_LEXICON
            );
        }
        assert_eq!(
            quill_session_set_word_lists(
                s,
                lexicon.as_ptr(),
                lexicon.len(),
                std::ptr::null(),
                0,
                0.0
            ),
            QUILL_OK
        );
        // Words the lexicon lacks are learned (two uses each); "alpha" is not.
        for _ in 0..2 {
            assert_eq!(
                quill_session_type_utf8(s, b"Qarx alpha ".as_ptr(), 11),
                QUILL_OK
            );
        }
        let mut word = [0 as std::ffi::c_char; 32];
        let mut uses = 0u32;
        assert_eq!(
            quill_session_user_word(s, 0, word.as_mut_ptr(), 32, &mut uses),
            QUILL_OK
        );
        let w = std::ffi::CStr::from_ptr(word.as_ptr()).to_str().unwrap();
        assert_eq!((w, uses), ("Qarx", 2));
        assert_eq!(
            quill_session_user_word(s, 1, word.as_mut_ptr(), 32, &mut uses),
            QUILL_ERR_TOKEN
        );
        assert_eq!(
            quill_session_user_word(s, 0, word.as_mut_ptr(), 4, &mut uses),
            QUILL_ERR_OUTPUT_TOO_SMALL
        );
        let size = quill_session_user_words_size(s);
        assert_eq!(size, 12 + 4 * 32 + 4);
        let mut saved = vec![0u8; size];
        let mut written = 0usize;
        assert_eq!(
            quill_session_save_user_words(s, saved.as_mut_ptr(), size, &mut written),
            QUILL_OK
        );
        assert_eq!(written, size);
        assert_eq!(quill_session_clear_user_words(s), QUILL_OK);
        assert_eq!(
            quill_session_user_word(s, 0, word.as_mut_ptr(), 32, &mut uses),
            QUILL_ERR_TOKEN
        );
        let mut damaged = saved.clone();
        damaged[40] ^= 0x10;
        assert_eq!(
            quill_session_restore_user_words(s, damaged.as_ptr(), size),
            QUILL_ERR_USER_WORDS
        );
        assert_eq!(
            quill_session_user_word(s, 0, word.as_mut_ptr(), 32, &mut uses),
            QUILL_ERR_TOKEN,
            "a refused restore changed the words"
        );
        assert_eq!(
            quill_session_restore_user_words(s, saved.as_ptr(), size),
            QUILL_OK
        );
        assert_eq!(
            quill_session_user_word(s, 0, word.as_mut_ptr(), 32, &mut uses),
            QUILL_OK
        );
        assert_eq!(quill_session_forget_word(s, b"QARX".as_ptr(), 4), QUILL_OK);
        assert_eq!(
            quill_session_user_word(s, 0, word.as_mut_ptr(), 32, &mut uses),
            QUILL_ERR_TOKEN
        );
        assert_eq!(
            quill_session_forget_word(s, b"\xff".as_ptr(), 1),
            QUILL_ERR_CHAR
        );
    }
}
