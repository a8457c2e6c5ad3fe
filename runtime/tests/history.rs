//! Backspace and cursor moves: `History` restores the exact earlier state (bit-identical to
//! never having typed the deleted characters) and re-primes beyond its depth.

use format::{AlignedBytes, CellKind};
use quill_tests::random_model;
use runtime::{Error, History, Model, Predictor, SmallRng};

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn model(cell: CellKind, int8: bool) -> AlignedBytes {
    let m = random_model(cell, 2, 8, 24, 60, 5);
    let m = if int8 { m.quantized_int8() } else { m };
    AlignedBytes::new(&m.to_bytes().unwrap())
}

/// The state a predictor reaches by typing `text` from reset, as a snapshot.
fn fresh_state(model: &Model<'_>, text: &str) -> Vec<u32> {
    let mut buf = vec![0f32; Predictor::buffer_len(model).unwrap()];
    let mut p = Predictor::new(model, &mut buf).unwrap();
    p.feed_str(text);
    let mut s = vec![0f32; p.snapshot_len()];
    p.snapshot(&mut s).unwrap();
    bits(&s)
}

fn state(p: &Predictor<'_, '_>) -> Vec<u32> {
    let mut s = vec![0f32; p.snapshot_len()];
    p.snapshot(&mut s).unwrap();
    bits(&s)
}

#[test]
fn random_typing_and_backspacing_matches_retyping_from_scratch() {
    for cell in [CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh] {
        for int8 in [false, true] {
            let bytes = model(cell, int8);
            let model = Model::from_bytes(&bytes).unwrap();
            let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
            let mut p = Predictor::new(&model, &mut buf).unwrap();
            let mut ring = vec![0f32; History::buffer_len(&p, 6).unwrap()];
            let mut h = History::new(&p, &mut ring).unwrap();
            assert_eq!(h.capacity(), 6);
            let mut rng = SmallRng::new(cell as u64 * 2 + u64::from(int8));
            let mut text = String::new();
            let letters: Vec<char> = "abc de fgh.".chars().collect();
            for _ in 0..200 {
                if rng.next_u32().is_multiple_of(3) && !text.is_empty() {
                    text.pop();
                    // Exact while the ring lasts, a re-prime from the whole text after that.
                    h.backspace_or_reprime(&mut p, &text, usize::MAX).unwrap();
                } else {
                    let c = letters[rng.next_u32() as usize % letters.len()];
                    text.push(c);
                    h.type_char(&mut p, c).unwrap();
                }
                assert_eq!(state(&p), fresh_state(&model, &text), "after {text:?}");
            }
        }
    }
}

#[test]
fn backspace_stops_at_the_rings_depth_and_leaves_the_state_alone() {
    let bytes = model(CellKind::Gru, false);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    // Room for 4 states and a bit: the spare floats are not a fifth.
    let mut ring = vec![0f32; History::buffer_len(&p, 4).unwrap() + 3];
    let mut h = History::new(&p, &mut ring).unwrap();
    assert_eq!(h.capacity(), 4);
    h.type_str(&mut p, "keyboards").unwrap();
    assert_eq!(h.len(), 4);
    for _ in 0..4 {
        h.backspace(&mut p).unwrap();
    }
    assert_eq!(state(&p), fresh_state(&model, "keybo"));
    let before = state(&p);
    assert_eq!(h.backspace(&mut p), Err(Error::HistoryEmpty));
    assert_eq!(state(&p), before, "a refused backspace changed the state");
    assert!(Error::HistoryEmpty.to_string().contains("re-prime"));
    // Beyond the ring: re-prime from the text before the cursor, the last 3 chars of it.
    h.backspace_or_reprime(&mut p, "keyb", 3).unwrap();
    assert_eq!(state(&p), fresh_state(&model, "eyb"));
    assert_eq!(
        h.len(),
        3,
        "the re-primed characters can be deleted exactly too"
    );
    // A new text field: empty context.
    h.reprime(&mut p, "", 64).unwrap();
    assert_eq!(state(&p), fresh_state(&model, ""));
    assert!(h.is_empty());
}

#[test]
fn a_history_needs_room_for_one_state_and_the_same_predictor_shape() {
    let bytes = model(CellKind::Lstm, false);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    let mut small = vec![0f32; p.snapshot_len() - 1];
    assert!(matches!(
        History::new(&p, &mut small),
        Err(Error::BufferTooSmall { .. })
    ));
    // A history sized for a smaller model refuses this predictor's states.
    let other = AlignedBytes::new(
        &random_model(CellKind::Gru, 1, 4, 8, 20, 1)
            .to_bytes()
            .unwrap(),
    );
    let other = Model::from_bytes(&other).unwrap();
    let mut obuf = vec![0f32; Predictor::buffer_len(&other).unwrap()];
    let op = Predictor::new(&other, &mut obuf).unwrap();
    let mut ring = vec![0f32; History::buffer_len(&op, 2).unwrap()];
    let mut h = History::new(&op, &mut ring).unwrap();
    assert!(matches!(
        h.type_char(&mut p, 'a'),
        Err(Error::SnapshotLength { .. })
    ));
    assert!(History::buffer_len(&p, usize::MAX).is_err());
}
