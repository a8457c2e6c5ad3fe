//! Model files: round trips, and that no damaged file can make loading or running panic.

use format::{CellKind, Error, Model, OwnedModel, OwnedTensor};
use quill_tests::random_model;
use runtime::{Predictor, SmallRng};

fn small_model(cell: CellKind, int8: bool) -> OwnedModel {
    let mut m = random_model(cell, 2, 5, 8, 12, 1);
    if int8 {
        m = m.quantized_int8();
    }
    m.self_test = Some(quill_tests::record_self_test(&m, "abc de", 1e-3).unwrap());
    m
}

/// The files the damage tests start from: `cells`' small models, f32 and int8.
fn model_files(cells: [CellKind; 3]) -> Vec<Vec<u8>> {
    cells
        .iter()
        .flat_map(|&c| [small_model(c, false), small_model(c, true)])
        .map(|m| m.to_bytes().unwrap())
        .collect()
}

/// Whatever the bytes, loading returns; if it loads, the model runs without panicking.
fn exercise(bytes: &[u8]) -> Result<(), Error> {
    run(Model::from_bytes(bytes)?)
}

fn run(model: Model<'_>) -> Result<(), Error> {
    let mut buf = vec![0f32; Predictor::buffer_len(&model).expect("validated sizes fit")];
    let mut p = Predictor::new(&model, &mut buf).expect("buffer sized by buffer_len");
    let _ = p.self_test();
    let mut rng = SmallRng::new(3);
    for b in b"hello, \xff\xc3\xa9 world" {
        p.feed_byte(*b);
        let _ = p.top_k::<3>();
        let _ = p.sample(0.7, &mut rng);
    }
    Ok(())
}

#[test]
fn write_read_round_trip_is_identity() {
    for cell in [
        CellKind::RnnTanh,
        CellKind::RnnRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        for int8 in [false, true] {
            let owned = small_model(cell, int8);
            let bytes = owned.to_bytes().unwrap();
            let model = Model::from_bytes(&bytes).unwrap();
            assert_eq!(OwnedModel::from_model(&model), owned);
            assert_eq!(model.file_len(), bytes.len());
        }
    }
}

#[test]
fn reading_borrows_the_weights_from_the_input() {
    let bytes = small_model(CellKind::Gru, false).to_bytes().unwrap();
    let model = Model::from_bytes(&bytes).unwrap();
    let format::Weights::F32(w) = model.layers()[0].weight_hh.weights() else {
        panic!("f32 model")
    };
    let range = bytes.as_ptr_range();
    assert!(
        range.contains(&w.as_ptr()),
        "weights must point into the file bytes, not a copy"
    );
}

#[test]
fn quantiser_is_per_row_symmetric() {
    let t = OwnedTensor::matrix(2, 3, vec![0.5, -1.27, 0.0, 0.0, 0.0, 0.0]);
    let OwnedTensor::Int8 { data, scales, .. } = t.quantize_int8() else {
        panic!("int8")
    };
    assert_eq!(scales, vec![0.01, 0.0]);
    assert_eq!(data, vec![50, -127, 0, 0, 0, 0]);
    let back = t.quantize_int8().to_f32();
    for (a, b) in back.iter().zip([0.5, -1.27, 0.0, 0.0, 0.0, 0.0]) {
        assert!((a - b).abs() <= 0.01 / 2.0 + 1e-7);
    }
}

#[test]
fn every_truncation_is_an_error() {
    for int8 in [false, true] {
        let bytes = small_model(CellKind::Lstm, int8).to_bytes().unwrap();
        for len in 0..bytes.len() {
            let err = Model::from_bytes(&bytes[..len]).expect_err("truncated file must not load");
            let msg = err.to_string();
            assert!(
                matches!(err, Error::TooShort { .. } | Error::LengthMismatch { .. }),
                "len {len}: {msg}"
            );
        }
        assert!(Model::from_bytes(&bytes).is_ok());
    }
}

/// Random byte and bit changes: the checksum catches them.
#[test]
fn random_mutations_never_panic() {
    let files = model_files([CellKind::Gru, CellKind::Lstm, CellKind::RnnRelu]);
    let mut rng = SmallRng::new(42);
    let mut loaded = 0;
    for i in 0..12_000 {
        let mut bytes = files[i % files.len()].clone();
        mutate(&mut bytes, &mut rng);
        if exercise(&bytes).is_ok() {
            loaded += 1;
        }
    }
    eprintln!("{loaded} of 12000 mutated files still loaded");
}

/// The same mutations with the checksum recomputed, so the parser and validator behind it get
/// the damaged payloads; anything that still validates must run.
#[test]
fn mutations_behind_a_valid_checksum_never_panic() {
    let files = model_files([CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh]);
    let mut rng = SmallRng::new(7);
    let (mut loaded, mut kinds) = (0, std::collections::BTreeSet::new());
    for i in 0..12_000 {
        let mut bytes = files[i % files.len()].clone();
        mutate(&mut bytes, &mut rng);
        assert!(quill_tests::fix_checksum(&mut bytes));
        match exercise(&bytes) {
            Ok(()) => loaded += 1,
            Err(e) => {
                kinds.insert(
                    format!("{e:?}")
                        .split([' ', '(', '{'])
                        .next()
                        .unwrap()
                        .to_string(),
                );
            }
        }
    }
    eprintln!("{loaded} of 12000 loaded; error kinds seen: {kinds:?}");
    assert!(
        kinds.len() >= 8,
        "mutations should reach many validation paths, saw {kinds:?}"
    );
}

/// `from_verified_bytes` checks what `from_bytes` checks but the checksum and the weights'
/// values: on every damaged file it fails as `from_bytes` does or (only where `from_bytes`
/// failed for the checksum or a value) loads, and what it loads runs without panicking, NaN
/// weights included.
#[test]
fn verified_parse_skips_only_the_checksum_and_the_values() {
    let files = model_files([CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh]);
    for f in &files {
        assert_eq!(Model::from_verified_bytes(f), Model::from_bytes(f));
    }
    let mut rng = SmallRng::new(11);
    let mut skipped = std::collections::BTreeSet::new();
    for i in 0..12_000 {
        let mut bytes = files[i % files.len()].clone();
        mutate(&mut bytes, &mut rng);
        if i % 2 == 0 {
            assert!(quill_tests::fix_checksum(&mut bytes));
        }
        let full = Model::from_bytes(&bytes);
        let verified = Model::from_verified_bytes(&bytes);
        // What from_bytes refused for a check the verified parse skips.
        let skipped_check = |e: &Error| {
            matches!(
                e,
                Error::ChecksumMismatch { .. }
                    | Error::NonFinite { .. }
                    | Error::Int8OutOfRange { .. }
            )
        };
        match (full, verified) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            // The checksum is checked first: behind a bad one, the structure may be damaged.
            (Err(a), Err(b)) => assert!(a == b || skipped_check(&a), "{a:?} became {b:?}"),
            (Err(e), Ok(m)) => {
                assert!(
                    skipped_check(&e),
                    "only the checksum and the values are skipped, not {e:?}"
                );
                skipped.insert(
                    format!("{e:?}")
                        .split([' ', '{'])
                        .next()
                        .unwrap()
                        .to_string(),
                );
                run(m).unwrap();
            }
            (Ok(_), Err(e)) => panic!("from_bytes loaded what from_verified_bytes refused: {e:?}"),
        }
    }
    assert!(
        skipped.contains("ChecksumMismatch") && skipped.contains("NonFinite"),
        "the skipped checks should have been reached: {skipped:?}"
    );
}

fn mutate(bytes: &mut [u8], rng: &mut SmallRng) {
    let n = 1 + rng.next_u32() % 4;
    for _ in 0..n {
        let i = rng.next_u32() as usize % bytes.len();
        match rng.next_u32() % 4 {
            0 => bytes[i] ^= 1 << (rng.next_u32() % 8),
            1 => bytes[i] = rng.next_u32() as u8,
            2 => bytes[i] = [0, 0xff, 0x7f, 0x80][rng.next_u32() as usize % 4],
            _ => {
                // Mutate a varint-ish small number in place.
                bytes[i] = bytes[i].wrapping_add(1 + (rng.next_u32() % 3) as u8);
            }
        }
    }
}

#[test]
fn header_errors_say_what_is_wrong() {
    let good = small_model(CellKind::Gru, false).to_bytes().unwrap();

    let mut b = good.clone();
    b[0] = b'X';
    let e = Model::from_bytes(&b).unwrap_err();
    assert!(matches!(e, Error::BadMagic { .. }));
    assert!(e.to_string().contains("[58, 55, 49, 4c]"), "{e}");

    let mut b = good.clone();
    b[4] = 9;
    let e = Model::from_bytes(&b).unwrap_err();
    assert_eq!(e, Error::UnsupportedVersion { found: 9 });
    assert!(
        e.to_string().contains("version 9") && e.to_string().contains("(supported: 1)"),
        "{e}"
    );

    let mut b = good.clone();
    let mid = b.len() / 2;
    b[mid] ^= 0x10;
    let e = Model::from_bytes(&b).unwrap_err();
    assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}");
    assert!(e.to_string().contains("damaged"), "{e}");

    let mut b = good.clone();
    b.push(0);
    assert!(matches!(
        Model::from_bytes(&b),
        Err(Error::LengthMismatch { .. })
    ));
}

#[test]
fn validation_names_the_offending_tensor() {
    let mut m = random_model(CellKind::Lstm, 2, 5, 8, 12, 1);
    m.layers[1].weight_hh = OwnedTensor::matrix(32, 7, vec![0.0; 32 * 7]); // should be 32x8
    let e = m.to_bytes().unwrap_err();
    assert!(
        e.to_string().contains("rnn.weight_hh_l1") && e.to_string().contains("32x8"),
        "{e}"
    );

    let mut m = random_model(CellKind::Gru, 1, 5, 8, 12, 1);
    if let OwnedTensor::F32 { data, .. } = &mut m.layers[0].weight_hh {
        data[3] = f32::NAN;
    }
    let e = m.to_bytes().unwrap_err();
    assert_eq!(
        e.to_string().split(' ').nth(1),
        Some("rnn.weight_hh_l0"),
        "{e}"
    );

    let mut m = random_model(CellKind::Gru, 1, 5, 8, 12, 1);
    m.vocab.swap(0, 1);
    assert!(matches!(
        m.to_bytes(),
        Err(Error::VocabNotSorted { index: 2 })
    ));

    let mut m = random_model(CellKind::Gru, 1, 5, 8, 12, 1);
    m.layers[0].bias_ih = m.layers[0].bias_ih.quantize_int8();
    // A bias of shape (n, 1) quantised is still rejected as int8.
    assert!(matches!(m.to_bytes(), Err(Error::TensorDType { .. })));

    // −128 is outside symmetric int8 (the SIMD kernels rely on |q| ≤ 127).
    let mut m = random_model(CellKind::Gru, 1, 5, 8, 12, 1).quantized_int8();
    if let OwnedTensor::Int8 { data, .. } = &mut m.layers[0].weight_hh {
        data[5] = -128;
    }
    let e = m.to_bytes().unwrap_err();
    assert!(
        matches!(e, Error::Int8OutOfRange { index: 5, .. }) && e.to_string().contains("-128"),
        "{e}"
    );
}

#[test]
fn weight_matrices_start_64_byte_aligned_in_the_file() {
    for int8 in [false, true] {
        let bytes = small_model(CellKind::Lstm, int8).to_bytes().unwrap();
        let model = Model::from_bytes(&bytes).unwrap();
        let mats = std::iter::once(model.embedding())
            .chain(
                model
                    .layers()
                    .iter()
                    .flat_map(|l| [&l.weight_ih, &l.weight_hh]),
            )
            .chain([model.output_weight()]);
        for m in mats {
            let p = match m.weights() {
                format::Weights::F32(d) => d.as_ptr(),
                format::Weights::Int8 { data, .. } => data.as_ptr(),
            };
            assert_eq!((p as usize - bytes.as_ptr() as usize) % 64, 0);
        }
    }
}
