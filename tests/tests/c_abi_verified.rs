//! `QUILL_MODEL_VERIFIED`: bytes `quill_model_error` accepted before are read again for their
//! structure only (what the web page's worker makes possible); everything else is as without
//! the flag.

use format::CellKind;
use quill_tests::random_model;
use runtime::capi::*;

fn model() -> Vec<u8> {
    random_model(CellKind::Gru, 1, 8, 16, 30, 9)
        .quantized_int8()
        .to_bytes()
        .unwrap()
}

/// The same bytes with one weight changed and the checksum left stale.
fn stale_checksum(good: &[u8]) -> Vec<u8> {
    let mut bad = good.to_vec();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x01;
    bad
}

fn memory_size(m: &[u8], flags: u32) -> Result<usize, i32> {
    let mut need = 0;
    let rc = unsafe { quill_memory_size_ex(m.as_ptr(), m.len(), flags, &mut need) };
    if rc == QUILL_OK { Ok(need) } else { Err(rc) }
}

/// The top 3 after typing `text` into a predictor made with `flags`.
fn top3(m: &[u8], flags: u32, text: &str) -> Result<Vec<(u32, u32)>, i32> {
    let need = memory_size(m, flags)?;
    let mut memory = vec![0u8; need];
    let mut p = std::ptr::null_mut();
    let (mut c, mut pr, mut n) = ([0u32; 3], [0f32; 3], 0);
    unsafe {
        let rc = quill_init_ex(
            memory.as_mut_ptr(),
            need,
            m.as_ptr(),
            m.len(),
            flags,
            &mut p,
        );
        if rc != QUILL_OK {
            return Err(rc);
        }
        assert_eq!(quill_feed_utf8(p, text.as_ptr(), text.len()), QUILL_OK);
        assert_eq!(
            quill_top_k(p, c.as_mut_ptr(), pr.as_mut_ptr(), 3, &mut n),
            QUILL_OK
        );
    }
    Ok(c.iter()
        .zip(pr)
        .take(n)
        .map(|(c, p)| (*c, p.to_bits()))
        .collect())
}

#[test]
fn a_verified_model_predicts_as_a_validated_one() {
    let m = model();
    for table in [0, QUILL_INPUT_TABLE] {
        assert_eq!(
            top3(&m, table | QUILL_MODEL_VERIFIED, "abc ab"),
            top3(&m, table, "abc ab")
        );
        assert_eq!(
            memory_size(&m, table | QUILL_MODEL_VERIFIED),
            memory_size(&m, table)
        );
    }
}

#[test]
fn the_flag_skips_the_checksum_and_nothing_structural() {
    let m = model();
    let bad = stale_checksum(&m);
    let mut msg = [0u8; 256];
    assert_eq!(
        unsafe { quill_model_error(bad.as_ptr(), bad.len(), msg.as_mut_ptr().cast(), msg.len()) },
        QUILL_ERR_MODEL,
        "the checksum catches the change"
    );
    assert_eq!(top3(&bad, 0, "ab"), Err(QUILL_ERR_MODEL));
    assert!(top3(&bad, QUILL_MODEL_VERIFIED, "ab").is_ok());
    // Structure is still checked: cut short, or with a length byte off, the bytes are refused.
    for cut in [12, m.len() / 3, m.len() - 1] {
        assert_eq!(
            memory_size(&m[..cut], QUILL_MODEL_VERIFIED),
            Err(QUILL_ERR_MODEL),
            "cut at {cut}"
        );
    }
    assert_eq!(memory_size(&m, 4), Err(QUILL_ERR_FLAGS), "unknown bit");
}

#[test]
fn sessions_take_the_flag_in_their_config() {
    let m = model();
    let bad = stale_checksum(&m);
    let mut cfg = unsafe { std::mem::zeroed::<QuillSessionConfig>() };
    assert_eq!(unsafe { quill_session_default_config(&mut cfg) }, QUILL_OK);
    let size = |bytes: &[u8], flags: u32| {
        let mut c = cfg;
        c.flags = flags;
        let mut need = 0;
        let rc = unsafe { quill_session_size(bytes.as_ptr(), bytes.len(), &c, &mut need) };
        (rc, c, need)
    };
    assert_eq!(size(&bad, 0).0, QUILL_ERR_MODEL);
    let (rc, c, need) = size(&bad, QUILL_MODEL_VERIFIED | QUILL_INPUT_TABLE);
    assert_eq!(rc, QUILL_OK);
    let mut memory = vec![0u8; need];
    let mut s = std::ptr::null_mut();
    assert_eq!(
        unsafe {
            quill_session_init(
                memory.as_mut_ptr(),
                need,
                bad.as_ptr(),
                bad.len(),
                &c,
                &mut s,
            )
        },
        QUILL_OK
    );
    assert_eq!(size(&m, 8).0, QUILL_ERR_FLAGS, "unknown bit");
}
