//! `CellShape`: a step's vectors are proven to have the cell's sizes before any math runs, and
//! a vector cut to another size is named, never silently skipped or truncated.

use runtime::{CellKind, CellShape, Kernel, ShapeMismatch, math};

#[test]
fn every_vector_of_the_wrong_length_is_named() {
    let shape = CellShape::new(CellKind::Lstm, 3).unwrap();
    assert_eq!((shape.hidden(), shape.width()), (3, 12));
    let (gi, mut gh, mut h, mut c) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; 3], vec![0.0; 3]);
    assert!(shape.step(&gi, &mut gh, &mut h, &mut c).is_ok());
    let short = |vector, found| ShapeMismatch {
        vector,
        expected: if vector.starts_with('g') { 12 } else { 3 },
        found,
    };
    let err = shape.step(&gi[..11], &mut gh, &mut h, &mut c).err();
    assert_eq!(err, Some(short("gi", 11)));
    let err = shape.step(&gi, &mut gh[..13 - 2], &mut h, &mut c).err();
    assert_eq!(err, Some(short("gh", 11)));
    let err = shape.step(&gi, &mut gh, &mut h[..2], &mut c).err();
    assert_eq!(err, Some(short("h", 2)));
    let err = shape.step(&gi, &mut gh, &mut h, &mut []).err();
    assert_eq!(err, Some(short("c", 0)));
    assert_eq!(
        err.unwrap().to_string(),
        "cell step: `c` holds 0 values, the cell's shape needs 3"
    );
    // Only an LSTM has a cell state: other cells take (and leave) any `c`.
    let gru = CellShape::new(CellKind::Gru, 3).unwrap();
    assert!(gru.step(&gi[..9], &mut gh[..9], &mut h, &mut []).is_ok());
    assert_eq!(CellShape::new(CellKind::Lstm, usize::MAX / 2), None);
}

#[test]
fn a_proven_step_runs_pytorch_equations() {
    // RNN (tanh): h' = tanh(gi + gh), element by element.
    let shape = CellShape::new(CellKind::RnnTanh, 4).unwrap();
    let gi = [0.5, -1.0, 2.0, 0.0];
    let mut gh = [0.25, 0.5, -3.0, 0.0];
    let want: Vec<f32> = gi.iter().zip(gh).map(|(a, b)| math::tanh(a + b)).collect();
    let mut h = [9.0; 4];
    let step = shape.step(&gi, &mut gh, &mut h, &mut []).unwrap();
    step.update(Kernel::Portable);
    assert_eq!(h.to_vec(), want);

    // GRU: h' = (1 − z)·n + z·h with r, z = σ(…), n = tanh(in + r·hn).
    let shape = CellShape::new(CellKind::Gru, 1).unwrap();
    let (gi, mut gh, mut h) = ([0.1, 0.2, 0.3], [0.4, -0.5, 0.6], [0.7]);
    let (r, z) = (math::sigmoid(0.1 + 0.4), math::sigmoid(0.2 - 0.5));
    let n = math::tanh(0.3 + r * 0.6);
    let want = (1.0 - z) * n + z * 0.7;
    shape
        .step(&gi, &mut gh, &mut h, &mut [])
        .unwrap()
        .update(Kernel::Portable);
    assert_eq!(h[0], want);
}
