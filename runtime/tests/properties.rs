//! Property tests (proptest): the format round trip, the predictor's outputs, snapshots and
//! the int8 bound, over arbitrary shapes, weights and inputs. A failure prints the smallest
//! case proptest could shrink it to. (Not on wasm: proptest does not build for WASI.)
#![cfg(not(target_family = "wasm"))]

use format::{
    AlignedBytes, Architecture, CellKind, OwnedLayer, OwnedMetadata, OwnedModel, OwnedSelfTest,
};
use proptest::prelude::*;
use quill_tests::random_model;
use runtime::{InputSide, Kernel, Model, Predictor};

const CELLS: [CellKind; 4] = [
    CellKind::RnnTanh,
    CellKind::RnnRelu,
    CellKind::Gru,
    CellKind::Lstm,
];

fn cell() -> impl Strategy<Value = CellKind> {
    proptest::sample::select(CELLS.to_vec())
}

/// An architecture small enough for debug-build tests, with every dimension free.
fn arch() -> impl Strategy<Value = Architecture> {
    (cell(), 1u8..=3, 1u32..=9, 1u32..=13, 2u32..=24).prop_map(
        |(cell, layers, embed, hidden, vocab)| Architecture {
            cell,
            layers,
            embed,
            hidden,
            vocab,
        },
    )
}

/// A model of `arch` whose every weight is an arbitrary finite f32 of moderate size (the
/// file round trip must be exact for all of them).
fn model_of(a: Architecture) -> impl Strategy<Value = OwnedModel> {
    let sizes: Vec<(usize, usize)> = (0..a.tensor_count())
        .map(|i| a.expected_shape(a.tensor_name(i).unwrap()).unwrap())
        .collect();
    let tensors = sizes
        .into_iter()
        .map(|(r, c)| {
            proptest::collection::vec(-1e3f32..1e3, r * c).prop_map(move |d| {
                if c == 1 {
                    format::OwnedTensor::vector(d)
                } else {
                    format::OwnedTensor::matrix(r, c, d)
                }
            })
        })
        .collect::<Vec<_>>();
    let vocab = proptest::collection::btree_set(any::<char>(), (a.vocab - 1) as usize);
    (
        tensors,
        vocab,
        ".{0,12}",
        ".{0,12}",
        proptest::option::of(0f32..10.0),
        proptest::option::of("[a-z ]{1,6}"),
    )
        .prop_map(move |(tensors, vocab, name, corpus, val_loss, prime)| {
            let self_test = prime.map(|p: String| OwnedSelfTest {
                expected_top1: vec![1; p.chars().count()],
                expected_logits: vec![0.5; a.vocab as usize],
                prime: p,
                tolerance: 1e-3,
            });
            // The strategy draws the tensors in file order; the model names them.
            let mut t = tensors.into_iter();
            let mut next = || t.next().expect("one tensor per name");
            let embedding = next();
            let layers = (0..a.layers)
                .map(|_| OwnedLayer {
                    weight_ih: next(),
                    weight_hh: next(),
                    bias_ih: next(),
                    bias_hh: next(),
                })
                .collect();
            OwnedModel {
                arch: a,
                vocab: vocab.into_iter().collect(),
                embedding,
                layers,
                output_weight: next(),
                output_bias: next(),
                metadata: OwnedMetadata {
                    name,
                    corpus,
                    val_loss,
                    producer: "proptest".into(),
                },
                self_test,
            }
        })
}

fn any_model() -> impl Strategy<Value = OwnedModel> {
    arch().prop_flat_map(model_of)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// write → read is the identity, for f32 and int8, whatever the shapes and values.
    #[test]
    fn format_write_then_read_is_the_identity(m in any_model(), int8 in any::<bool>()) {
        let m = if int8 { m.quantized_int8() } else { m };
        let bytes = AlignedBytes::new(&m.to_bytes().unwrap());
        let back = OwnedModel::from_model(&Model::from_bytes(&bytes).unwrap());
        prop_assert_eq!(&back, &m);
        // And the encoding is canonical: writing what was read gives the same bytes.
        prop_assert_eq!(back.to_bytes().unwrap(), bytes.to_vec());
    }

    /// After any text: probabilities sum to 1, top-k is sorted, agrees with the probabilities
    /// and with the logits (nothing left out scores higher than what is listed).
    #[test]
    fn probabilities_and_top_k_agree_with_the_logits(
        cell in cell(), layers in 1u8..=2, hidden in 1u32..=24, vocab in 3u32..=40,
        seed in any::<u64>(), text in proptest::collection::vec(any::<u8>(), 0..40),
        table in any::<bool>(),
    ) {
        let owned = random_model(cell, layers, 5, hidden, vocab, seed);
        let bytes = AlignedBytes::new(&owned.to_bytes().unwrap());
        let model = Model::from_bytes(&bytes).unwrap();
        let side = if table { InputSide::Table } else { InputSide::PerStep };
        let mut buf = vec![0f32; Predictor::buffer_len_for(&model, side).unwrap()];
        let mut p = Predictor::with_options(&model, &mut buf, Kernel::detect(), side).unwrap();
        p.feed_bytes(&text);
        let mut probs = vec![0f32; vocab as usize];
        p.probabilities(&mut probs).unwrap();
        let sum: f32 = probs.iter().sum();
        prop_assert!((sum - 1.0).abs() <= 1e-5, "sum {}", sum);
        let mut top = [('\0', 0f32); 5];
        let n = p.top_k_into(&mut top);
        prop_assert_eq!(n, 5.min(vocab as usize - 1));
        let logits = p.logits();
        let listed: Vec<u32> = top[..n].iter().map(|(c, _)| model.vocab().index_of(*c)).collect();
        for (i, &(_, pr)) in top[..n].iter().enumerate() {
            let t = listed[i] as usize;
            prop_assert!(t != 0);
            prop_assert!((pr - probs[t]).abs() <= 1e-6);
            if i > 0 {
                prop_assert!(top[i - 1].1 >= pr);
            }
        }
        let lowest = listed.iter().map(|&t| logits[t as usize]).fold(f32::INFINITY, f32::min);
        for (t, &l) in logits.iter().enumerate().skip(1) {
            if !listed.contains(&(t as u32)) {
                prop_assert!(l <= lowest, "token {} (logit {}) outranks the top-k", t, l);
            }
        }
    }

    /// snapshot → feed anything → restore is bit-identical in state and output, and the
    /// restored predictor continues exactly as the original did.
    #[test]
    fn snapshot_feed_restore_is_bit_identical(
        cell in cell(), int8 in any::<bool>(), seed in any::<u64>(),
        before in proptest::collection::vec(any::<u8>(), 0..20),
        detour in proptest::collection::vec(any::<u8>(), 0..40),
        after in proptest::collection::vec(any::<u8>(), 1..10),
    ) {
        let owned = random_model(cell, 2, 6, 12, 30, seed);
        let owned = if int8 { owned.quantized_int8() } else { owned };
        let bytes = AlignedBytes::new(&owned.to_bytes().unwrap());
        let model = Model::from_bytes(&bytes).unwrap();
        let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
        let mut p = Predictor::new(&model, &mut buf).unwrap();
        p.feed_bytes(&before);
        let mut snap = vec![0f32; p.snapshot_len()];
        p.snapshot(&mut snap).unwrap();
        let logits = bits(p.logits());
        p.feed_bytes(&after);
        let continued = bits(p.logits());

        p.restore(&snap).unwrap();
        p.feed_bytes(&detour);
        p.restore(&snap).unwrap();
        let mut again = vec![0f32; p.snapshot_len()];
        p.snapshot(&mut again).unwrap();
        prop_assert_eq!(bits(&again), bits(&snap));
        prop_assert_eq!(bits(p.logits()), logits);
        p.feed_bytes(&after);
        prop_assert_eq!(bits(p.logits()), continued);
    }

    /// int8 stays within the README's stated bound of the f32 model it was quantised from:
    /// every logit within 0.05, on random models of any cell and shape (down to 4 wide, where
    /// one 7-bit activation step weighs most; 64-wide models stay within 0.02, `golden.rs`).
    #[test]
    fn int8_stays_within_the_stated_bound_of_f32(
        cell in cell(), layers in 1u8..=2, embed in 1u32..=42, hidden in 4u32..=96,
        seed in any::<u64>(), text in "[ -~]{1,30}",
    ) {
        let f = random_model(cell, layers, embed, hidden, 60, seed);
        let q = f.quantized_int8();
        let (fb, qb) = (AlignedBytes::new(&f.to_bytes().unwrap()), AlignedBytes::new(&q.to_bytes().unwrap()));
        let (fm, qm) = (Model::from_bytes(&fb).unwrap(), Model::from_bytes(&qb).unwrap());
        let mut b1 = vec![0f32; Predictor::buffer_len(&fm).unwrap()];
        let mut b2 = vec![0f32; Predictor::buffer_len(&qm).unwrap()];
        let mut pf = Predictor::new(&fm, &mut b1).unwrap();
        let mut pq = Predictor::new(&qm, &mut b2).unwrap();
        for c in text.chars() {
            pf.feed_char(c);
            pq.feed_char(c);
            for (a, b) in pf.logits().iter().zip(pq.logits()) {
                prop_assert!((a - b).abs() <= 0.05, "f32 {} vs int8 {} after {:?}", a, b, c);
            }
        }
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}
