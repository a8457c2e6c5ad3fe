//! Word completion (beam search to a word boundary) and biased top-k, checked against brute
//! force enumeration of every word.

use format::CellKind;
use quill_tests::abc_model;
use runtime::{
    Completion, Error, Model, Predictor, complete_words, completion_buffer_len, is_word_char,
};

fn probs(p: &Predictor<'_, '_>) -> Vec<f64> {
    let mut v = vec![0f32; p.logits().len()];
    p.probabilities(&mut v).unwrap();
    v.into_iter().map(f64::from).collect()
}

/// The next-token probabilities after typing `prefix` then `word` from reset.
fn probs_after(model: &Model<'_>, prefix: &str, word: &str) -> Vec<f64> {
    let mut buf = vec![0f32; Predictor::buffer_len(model).unwrap()];
    let mut p = Predictor::new(model, &mut buf).unwrap();
    p.feed_str(prefix);
    p.feed_str(word);
    probs(&p)
}

/// Every word of 1..=max_len chars over {a, b, c} with P(word) · P(boundary | word).
fn brute_force(model: &Model<'_>, prefix: &str, max_len: usize) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut frontier = vec![(String::new(), 1.0f64)];
    for _ in 0..max_len {
        let mut next = Vec::new();
        for (w, pw) in frontier {
            let pr = probs_after(model, prefix, &w);
            for (t, c) in model.vocab().chars().enumerate() {
                let t = t + 1;
                if is_word_char(c) {
                    next.push((format!("{w}{c}"), pw * pr[t]));
                }
            }
            if !w.is_empty() {
                let end: f64 = model
                    .vocab()
                    .chars()
                    .enumerate()
                    .filter(|(_, c)| !is_word_char(*c))
                    .map(|(t, _)| pr[t + 1])
                    .sum();
                out.push((w, pw * end));
            }
        }
        frontier = next;
    }
    for (w, pw) in frontier {
        let pr = probs_after(model, prefix, &w);
        let end: f64 = [1, 2].iter().map(|&t| pr[t]).sum();
        out.push((w, pw * end));
    }
    out.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    out
}

fn text(c: &Completion<4>) -> String {
    c.suffix.iter().collect()
}

#[test]
fn an_exhaustive_beam_finds_exactly_the_brute_force_top_words() {
    for cell in [CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh] {
        for (seed, prefix) in [(1, "ab"), (2, "c. a"), (3, "")] {
            let bytes = abc_model(cell, seed);
            let model = Model::from_bytes(&bytes).unwrap();
            let want = brute_force(&model, prefix, 4);
            let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
            let mut p = Predictor::new(&model, &mut buf).unwrap();
            p.feed_str(prefix);
            // 3^3 = 27 open prefixes at most before the last length: a beam of 32 is exhaustive.
            let mut scratch = vec![0f32; completion_buffer_len(&p, 32).unwrap()];
            let mut out: [Completion<4>; 5] = Default::default();
            let n = complete_words::<32, 4>(&mut p, &mut scratch, None, &mut out).unwrap();
            assert_eq!(n, 5);
            for (got, (w, pw)) in out.iter().zip(&want) {
                assert_eq!(
                    &text(got),
                    w,
                    "{cell:?} {prefix:?}: {out:?} vs {:?}",
                    &want[..5]
                );
                assert!((f64::from(got.probability) - pw).abs() <= 1e-6 * pw.max(1e-3));
            }
        }
    }
}

#[test]
fn a_narrow_beam_returns_true_probabilities_in_order_and_leaves_the_predictor_alone() {
    let bytes = abc_model(CellKind::Gru, 4);
    let model = Model::from_bytes(&bytes).unwrap();
    let all = brute_force(&model, "ba", 4);
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_str("ba");
    let before: Vec<u32> = p.logits().iter().map(|x| x.to_bits()).collect();
    let mut scratch = vec![0f32; completion_buffer_len(&p, 2).unwrap()];
    let mut out: [Completion<4>; 3] = Default::default();
    let n = complete_words::<2, 4>(&mut p, &mut scratch, None, &mut out).unwrap();
    assert_eq!(n, 3);
    for w in out.windows(2) {
        assert!(w[0].probability >= w[1].probability);
    }
    for c in &out[..n] {
        let exact = all.iter().find(|(w, _)| *w == text(c)).unwrap().1;
        assert!((f64::from(c.probability) - exact).abs() <= 1e-6 * exact.max(1e-3));
    }
    // The best word is always found (a beam of 2 keeps the best prefix at every length here).
    assert_eq!(text(&out[0]), all[0].0);
    let after: Vec<u32> = p.logits().iter().map(|x| x.to_bits()).collect();
    assert_eq!(
        before, after,
        "complete_words changed the predictor's state"
    );
    // Deterministic.
    let mut again: [Completion<4>; 3] = Default::default();
    complete_words::<2, 4>(&mut p, &mut scratch, None, &mut again).unwrap();
    assert_eq!(out, again);
}

#[test]
fn a_bias_masks_and_boosts_characters_for_top_k_and_words() {
    let bytes = abc_model(CellKind::Lstm, 5);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_str("ab ");
    let a = model.vocab().index_of('a') as usize;
    let mut bias = vec![0f32; 6];
    bias[a] = f32::NEG_INFINITY;
    let mut top = [('\0', 0f32); 5];
    let n = p.top_k_biased(&bias, &mut top).unwrap();
    assert_eq!(n, 4, "'a' is masked: {top:?}");
    assert!(top[..n].iter().all(|(c, _)| *c != 'a'));
    let total: f32 = top[..n].iter().map(|e| e.1).sum::<f32>();
    assert!(total <= 1.0 + 1e-5);
    // Zero bias is the plain top-k.
    let mut plain = [('\0', 0f32); 5];
    p.top_k_into(&mut plain);
    let mut zero = [('\0', 0f32); 5];
    p.top_k_biased(&[0.0; 6], &mut zero).unwrap();
    assert_eq!(plain, zero);

    let mut scratch = vec![0f32; completion_buffer_len(&p, 8).unwrap()];
    let mut out: [Completion<4>; 4] = Default::default();
    let n = complete_words::<8, 4>(&mut p, &mut scratch, Some(&bias), &mut out).unwrap();
    assert!(
        n > 0 && out[..n].iter().all(|c| !c.suffix.contains(&'a')),
        "{out:?}"
    );
    // A strong boost for 'c' puts a word starting with it first.
    let c = model.vocab().index_of('c') as usize;
    let mut boost = vec![0f32; 6];
    boost[c] = 20.0;
    complete_words::<8, 4>(&mut p, &mut scratch, Some(&boost), &mut out).unwrap();
    assert_eq!(out[0].suffix.first(), Some(&'c'), "{out:?}");

    assert!(matches!(
        p.top_k_biased(&[0.0; 5], &mut top),
        Err(Error::InvalidBias { .. })
    ));
    assert!(matches!(
        p.top_k_biased(&[f32::NAN; 6], &mut top),
        Err(Error::InvalidBias { .. })
    ));
    let mut small = vec![0f32; completion_buffer_len(&p, 8).unwrap() - 1];
    assert!(matches!(
        complete_words::<8, 4>(&mut p, &mut small, None, &mut out),
        Err(Error::BufferTooSmall { .. })
    ));
}

/// The C ABI runs one copy of the search for every beam width: each width must give exactly
/// what `complete_words::<width, 24>` gives (words, order and probabilities).
#[test]
fn c_abi_completion_equals_the_generic_search_at_every_beam_width() {
    use runtime::capi::*;
    let bytes = abc_model(CellKind::Gru, 21);
    let model = Model::from_bytes(&bytes).unwrap();
    fn rust<const B: usize>(model: &Model<'_>, prefix: &str) -> Vec<(String, u32)> {
        let mut buf = vec![0f32; Predictor::buffer_len(model).unwrap()];
        let mut p = Predictor::new(model, &mut buf).unwrap();
        p.feed_str(prefix);
        let mut scratch = vec![0f32; completion_buffer_len(&p, B).unwrap()];
        let mut out: [Completion<24>; 5] = Default::default();
        let n = complete_words::<B, 24>(&mut p, &mut scratch, None, &mut out).unwrap();
        out[..n]
            .iter()
            .map(|c| (c.suffix.iter().collect(), c.probability.to_bits()))
            .collect()
    }
    let c_abi = |beam: usize, prefix: &str| -> Vec<(String, u32)> {
        let mut need = 0usize;
        unsafe {
            assert_eq!(
                quill_memory_size(bytes.as_ptr(), bytes.len(), &mut need),
                QUILL_OK
            );
            let mut mem = vec![0u8; need];
            let mut p = std::ptr::null_mut();
            let rc = quill_init(mem.as_mut_ptr(), need, bytes.as_ptr(), bytes.len(), &mut p);
            assert_eq!(rc, QUILL_OK);
            assert_eq!(quill_feed_utf8(p, prefix.as_ptr(), prefix.len()), QUILL_OK);
            assert_eq!(quill_completion_scratch_size(p, beam, &mut need), QUILL_OK);
            let mut scratch = vec![0u8; need];
            let mut words: Vec<QuillWord> = (0..5)
                .map(|_| QuillWord {
                    suffix: [0; QUILL_MAX_WORD_CHARS * 4 + 4],
                    suffix_len: 0,
                    probability: 0.0,
                })
                .collect();
            let mut n = 0usize;
            let rc = quill_complete_words(
                p,
                scratch.as_mut_ptr(),
                need,
                beam,
                std::ptr::null(),
                0,
                words.as_mut_ptr(),
                5,
                &mut n,
            );
            assert_eq!(rc, QUILL_OK);
            words[..n]
                .iter()
                .map(|w| {
                    let s = &w.suffix[..w.suffix_len as usize];
                    (
                        String::from_utf8(s.to_vec()).unwrap(),
                        w.probability.to_bits(),
                    )
                })
                .collect()
        }
    };
    for prefix in ["", "a", "ab.c", "cab "] {
        let widths = [
            rust::<1>(&model, prefix),
            rust::<2>(&model, prefix),
            rust::<3>(&model, prefix),
            rust::<4>(&model, prefix),
            rust::<5>(&model, prefix),
            rust::<6>(&model, prefix),
            rust::<7>(&model, prefix),
            rust::<8>(&model, prefix),
        ];
        for (i, want) in widths.iter().enumerate() {
            assert!(
                !want.is_empty(),
                "beam {} after {prefix:?} found nothing",
                i + 1
            );
            assert_eq!(
                &c_abi(i + 1, prefix),
                want,
                "beam {} after {prefix:?}",
                i + 1
            );
        }
        assert_ne!(widths[0], widths[7], "beam 1 and 8 should differ somewhere");
    }
}
