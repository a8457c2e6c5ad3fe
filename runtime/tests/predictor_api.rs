//! The streaming API: buffers, feeding, top-k, sampling, snapshots, self-test.

use format::{CellKind, Model};
use quill_tests::random_model;
use runtime::{Error, Predictor, SmallRng, buffer_len};

fn model_bytes(cell: CellKind) -> Vec<u8> {
    let mut m = random_model(cell, 2, 16, 32, 40, 5);
    m.self_test = Some(quill_tests::record_self_test(&m, "hello world", 1e-3).unwrap());
    m.to_bytes().unwrap()
}

#[test]
fn buffer_size_is_stated_exactly_and_checked() {
    let bytes = model_bytes(CellKind::Lstm);
    let model = Model::from_bytes(&bytes).unwrap();
    let n = Predictor::buffer_len(&model).unwrap();
    // 2 layers × 32 × (h, c) + 2 × 4·32 gates + 16 embed + 40 logits + 32 bytes of
    // quantised activations (8 floats; on aarch64 twice that, for the NEON kernels' signed
    // copy), and on x86_64 one i32 per weight row for the AVX2 int8 kernel (2 layers × (W_ih +
    // W_hh) × 128 rows + 40 output rows)
    let row_sums = if cfg!(target_arch = "x86_64") {
        2 * 2 * 128 + 40
    } else {
        0
    };
    let quant = if cfg!(target_arch = "aarch64") { 16 } else { 8 };
    assert_eq!(n, 2 * 32 * 2 + 2 * 128 + 16 + 40 + quant + row_sums);
    assert_eq!(buffer_len(CellKind::Lstm, 2, 16, 32, 40), Some(n));
    let mut small = vec![0f32; n - 1];
    match Predictor::new(&model, &mut small) {
        Err(e @ Error::BufferTooSmall { needed, provided }) => {
            assert_eq!((needed, provided), (n, n - 1));
            assert!(e.to_string().contains(&format!("needs {n}")), "{e}");
        }
        _ => panic!("a short buffer must be refused"),
    }
    let mut exact = vec![0f32; n];
    assert!(Predictor::new(&model, &mut exact).is_ok());
}

#[test]
fn const_buffer_len_sizes_a_static_array() {
    const N: usize = match buffer_len(CellKind::Gru, 1, 42, 256, 85) {
        Some(n) => n,
        None => 0,
    };
    let row_sums = if cfg!(target_arch = "x86_64") {
        2 * 768 + 85
    } else {
        0
    };
    let quant = if cfg!(target_arch = "aarch64") {
        2 * 256 / 4
    } else {
        256 / 4
    };
    assert_eq!(N, 256 + 2 * 768 + 42 + 85 + quant + row_sums);
}

#[test]
fn top_k_is_sorted_and_matches_probabilities() {
    let bytes = model_bytes(CellKind::Gru);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_str("the cat");
    let mut probs = vec![0f32; 40];
    p.probabilities(&mut probs).unwrap();
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let top = p.top_k::<5>();
    assert_eq!(top.len(), 5);
    for w in top.windows(2) {
        assert!(w[0].1 >= w[1].1);
    }
    // The first is the argmax and its probability is the softmax's.
    let best = model.vocab().index_of(top[0].0) as usize;
    assert_eq!(best as u32, p.argmax());
    assert!((probs[best] - top[0].1).abs() < 1e-6);
    // No listed char is more likely than an unlisted one.
    let listed: Vec<usize> = top
        .iter()
        .map(|(c, _)| model.vocab().index_of(*c) as usize)
        .collect();
    let min_listed = top.last().unwrap().1;
    for (i, &q) in probs.iter().enumerate().skip(1) {
        if !listed.contains(&i) {
            assert!(q <= min_listed + 1e-7);
        }
    }
    // k larger than the vocabulary lists every char once.
    assert_eq!(p.top_k::<64>().len(), 39);
}

/// `rank_of` is the suggestions' order: a token is a top-k hit exactly when `top_k_into(k)`
/// lists its character, ties included (an all-zero output layer ties every token), and the
/// unknown token is never ranked.
#[test]
fn rank_of_is_the_position_in_the_suggestions() {
    for tie in [false, true] {
        let mut m = random_model(CellKind::Gru, 1, 8, 16, 12, 3);
        if tie {
            let (rows, cols) = m.output_weight.shape();
            m.output_weight = format::OwnedTensor::matrix(rows, cols, vec![0.0; rows * cols]);
            m.output_bias = format::OwnedTensor::vector(vec![0.0; rows]);
        }
        let bytes = m.to_bytes().unwrap();
        let model = Model::from_bytes(&bytes).unwrap();
        let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
        let mut p = Predictor::new(&model, &mut buf).unwrap();
        for c in "abcab".chars() {
            p.feed_char(c);
            let mut all = [('\0', 0f32); 16];
            let n = p.top_k_into(&mut all);
            assert_eq!(n, 11);
            assert_eq!(p.rank_of(0), None);
            for (rank, (c, _)) in all[..n].iter().enumerate() {
                assert_eq!(
                    p.rank_of(model.vocab().index_of(*c)),
                    Some(rank),
                    "tie {tie}"
                );
            }
            if tie {
                assert_eq!(p.rank_of(1), Some(0));
                assert_eq!(p.rank_of(11), Some(10));
            }
        }
    }
}

#[test]
fn sampling_is_seeded_and_greedy_at_zero() {
    let bytes = model_bytes(CellKind::Lstm);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_str("abc");
    let greedy = model.vocab().char_at(p.argmax()).unwrap();
    let mut rng = SmallRng::new(1);
    assert_eq!(p.sample(0.0, &mut rng).unwrap(), greedy);
    let draw = |seed| {
        let mut r = SmallRng::new(seed);
        (0..50)
            .map(|_| p.sample(1.0, &mut r).unwrap())
            .collect::<String>()
    };
    assert_eq!(draw(9), draw(9));
    assert_ne!(draw(9), draw(10));
    assert_eq!(p.sample(-1.0, &mut rng), Err(Error::InvalidTemperature));
    assert_eq!(p.sample(f32::NAN, &mut rng), Err(Error::InvalidTemperature));
    // At a very low temperature sampling is (almost surely) greedy.
    assert!((0..20).all(|_| p.sample(1e-3, &mut rng).unwrap() == greedy));
}

#[test]
fn snapshot_restore_is_bit_identical() {
    for cell in [CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh] {
        let bytes = model_bytes(cell);
        let model = Model::from_bytes(&bytes).unwrap();
        let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
        let mut p = Predictor::new(&model, &mut buf).unwrap();
        p.feed_str("the quick ");
        let mut snap = vec![0f32; p.snapshot_len()];
        p.snapshot(&mut snap).unwrap();
        let before: Vec<u32> = p.logits().iter().map(|v| v.to_bits()).collect();
        p.feed_str("brown fox");
        p.restore(&snap).unwrap();
        let after: Vec<u32> = p.logits().iter().map(|v| v.to_bits()).collect();
        assert_eq!(before, after);
        // And the continuation is identical to never having typed the detour.
        p.feed_str("lazy");
        let mut buf2 = vec![0f32; Predictor::buffer_len(&model).unwrap()];
        let mut q = Predictor::new(&model, &mut buf2).unwrap();
        q.feed_str("the quick lazy");
        assert_eq!(p.logits(), q.logits());
        let mut wrong = vec![0f32; p.snapshot_len() + 1];
        assert!(matches!(
            p.snapshot(&mut wrong),
            Err(Error::SnapshotLength { .. })
        ));
        assert!(matches!(
            p.restore(&wrong),
            Err(Error::SnapshotLength { .. })
        ));
    }
}

/// Found by the property test: a snapshot taken between the bytes of one character used to
/// drop the half-typed character on restore. Snapshots now carry the UTF-8 decoder's state.
#[test]
fn a_snapshot_inside_a_utf8_sequence_restores_it() {
    let bytes = model_bytes(CellKind::Gru);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_bytes(b"caf\xc3"); // the first byte of 'é'
    let mut snap = vec![0f32; p.snapshot_len()];
    p.snapshot(&mut snap).unwrap();
    p.feed_bytes(b"\xe2\x82 detour \xf0");
    p.restore(&snap).unwrap();
    assert_eq!(
        p.feed_bytes(b"\xa9"),
        1,
        "the restored decoder completes 'é'"
    );
    let mut buf2 = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut q = Predictor::new(&model, &mut buf2).unwrap();
    q.feed_str("café");
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(p.logits()), bits(q.logits()));
}

#[test]
fn bytes_and_chars_feed_the_same_and_unknowns_map_to_zero() {
    let bytes = model_bytes(CellKind::Gru);
    let model = Model::from_bytes(&bytes).unwrap();
    let n = Predictor::buffer_len(&model).unwrap();
    let (mut b1, mut b2) = (vec![0f32; n], vec![0f32; n]);
    let mut by_char = Predictor::new(&model, &mut b1).unwrap();
    let mut by_byte = Predictor::new(&model, &mut b2).unwrap();
    let text = "héllo ✓ wörld";
    by_char.feed_str(text);
    assert_eq!(by_byte.feed_bytes(text.as_bytes()), text.chars().count());
    assert_eq!(by_char.logits(), by_byte.logits());
    // 'é' is outside the test vocabulary: the same as token 0.
    let mut b3 = vec![0f32; n];
    let mut by_token = Predictor::new(&model, &mut b3).unwrap();
    by_char.reset();
    by_char.feed_char('é');
    by_token.feed_token(0).unwrap();
    assert_eq!(by_char.logits(), by_token.logits());
    assert_eq!(
        by_token.feed_token(40),
        Err(Error::TokenOutOfRange {
            token: 40,
            vocab: 40
        })
    );
    // Invalid UTF-8 never stops the stream.
    by_byte.reset();
    assert_eq!(by_byte.feed_bytes(b"a\xffb\xe2\x82"), 3);
    assert_eq!(by_byte.feed_bytes(b"\xac"), 1); // completes '€'
}

#[test]
fn self_test_passes_on_the_exported_model_and_catches_a_different_one() {
    let bytes = model_bytes(CellKind::Gru);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.self_test().unwrap();
    // The same self-test section on a model with other weights fails.
    let mut other = random_model(CellKind::Gru, 2, 16, 32, 40, 6);
    other.self_test = Model::from_bytes(&bytes)
        .map(|m| format::OwnedModel::from_model(&m).self_test)
        .unwrap();
    let other_bytes = other.to_bytes().unwrap();
    let om = Model::from_bytes(&other_bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&om).unwrap()];
    let mut q = Predictor::new(&om, &mut buf).unwrap();
    let e = q.self_test().unwrap_err();
    assert!(
        matches!(e, Error::SelfTestTop1 { .. } | Error::SelfTestLogit { .. }),
        "{e}"
    );
    // No section: a clear error.
    let plain = random_model(CellKind::Gru, 1, 4, 4, 5, 1)
        .to_bytes()
        .unwrap();
    let pm = Model::from_bytes(&plain).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&pm).unwrap()];
    assert_eq!(
        Predictor::new(&pm, &mut buf).unwrap().self_test(),
        Err(Error::NoSelfTest)
    );
}

#[test]
fn reset_predicts_from_zero_state() {
    let bytes = model_bytes(CellKind::Lstm);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    let start = p.logits().to_vec();
    assert_eq!(start, model.output_bias().iter().collect::<Vec<_>>());
    p.feed_str("xyz");
    assert_ne!(p.logits(), &start[..]);
    p.reset();
    assert_eq!(p.logits(), &start[..]);
}

/// The folded first-layer input table gives bit-identical outputs to computing the input side
/// every step, for every cell, f32 and int8, on every kernel; it needs exactly the extra
/// `vocab × gates × hidden` floats and says so when the buffer is short.
#[test]
fn input_table_is_bit_identical_to_per_step() {
    use runtime::{InputSide, Kernel};
    let mut kernels = vec![Kernel::Portable];
    if Kernel::detect() != Kernel::Portable {
        kernels.push(Kernel::detect());
    }
    for cell in [
        CellKind::RnnTanh,
        CellKind::RnnRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        let f32_model = random_model(cell, 2, 13, 37, 41, 9);
        for owned in [f32_model.quantized_int8(), f32_model] {
            let bytes = owned.to_bytes().unwrap();
            let model = Model::from_bytes(&bytes).unwrap();
            let plain = Predictor::buffer_len(&model).unwrap();
            let folded = Predictor::buffer_len_for(&model, InputSide::Table).unwrap();
            assert_eq!(folded - plain, 41 * cell.gates() * 37);
            let mut short = vec![0f32; folded - 1];
            assert!(matches!(
                Predictor::with_options(&model, &mut short, Kernel::detect(), InputSide::Table),
                Err(Error::BufferTooSmall { needed, .. }) if needed == folded
            ));
            for &kernel in &kernels {
                let (mut b1, mut b2) = (vec![0f32; plain], vec![0f32; folded]);
                let mut a =
                    Predictor::with_options(&model, &mut b1, kernel, InputSide::PerStep).unwrap();
                let mut b =
                    Predictor::with_options(&model, &mut b2, kernel, InputSide::Table).unwrap();
                assert_eq!(b.input_side(), InputSide::Table);
                for t in quill_tests::random_tokens(300, 41, 3) {
                    a.feed_token(t).unwrap();
                    b.feed_token(t).unwrap();
                    let bits =
                        |p: &Predictor| p.logits().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&a), bits(&b), "{} {}", cell.name(), kernel.name());
                }
            }
        }
    }
}
