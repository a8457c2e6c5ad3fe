//! The runtime against the independent f64 reference of PyTorch's equations.

use format::CellKind;
use quill_tests::reference::Reference;
use quill_tests::{random_model, random_tokens};
use runtime::{InputSide, Kernel, Model, Predictor};

const CELLS: [CellKind; 4] = [
    CellKind::RnnTanh,
    CellKind::RnnRelu,
    CellKind::Gru,
    CellKind::Lstm,
];
const STEPS: usize = 250;

/// Max |runtime − reference| over every logit of every step.
fn max_error(owned: &format::OwnedModel, kernel: Kernel, seed: u64) -> f64 {
    let bytes = owned.to_bytes().unwrap();
    let model = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::with_options(&model, &mut buf, kernel, InputSide::PerStep).unwrap();
    let mut r = Reference::new(owned);
    let mut worst = 0f64;
    for t in random_tokens(STEPS, owned.arch.vocab, seed) {
        p.feed_token(t).unwrap();
        let want = r.step(t as usize);
        for (a, b) in p.logits().iter().zip(&want) {
            worst = worst.max((f64::from(*a) - b).abs());
        }
    }
    worst
}

fn kernels() -> Vec<Kernel> {
    let mut k = vec![Kernel::Portable];
    if Kernel::detect() != Kernel::Portable {
        k.push(Kernel::detect());
    }
    k
}

#[test]
fn every_cell_and_depth_matches_pytorch_equations_in_f32() {
    for cell in CELLS {
        for layers in 1..=3u8 {
            // Odd sizes exercise the kernels' row and column tails.
            let owned = random_model(cell, layers, 13, 37, 30, 7 + u64::from(layers));
            for kernel in kernels() {
                let err = max_error(&owned, kernel, 99);
                assert!(
                    err <= 1e-5,
                    "{} {layers} layers {}: max abs error {err:e}",
                    cell.name(),
                    kernel.name()
                );
            }
        }
    }
}

#[test]
fn keyboard_sized_models_match_pytorch_equations_in_f32() {
    for cell in CELLS {
        let owned = random_model(cell, 2, 42, 128, 85, 3);
        for kernel in kernels() {
            let err = max_error(&owned, kernel, 5);
            assert!(
                err <= 1e-5,
                "{} 2x128 {}: max abs error {err:e}",
                cell.name(),
                kernel.name()
            );
        }
    }
}

/// int8 models are checked against the reference run on the same dequantised weights (what
/// remains is the int8 kernels' 7-bit quantisation of activations: measured ≤ 1.3e-2 on these
/// random models, whose near-flat outputs are a worst case), and against the f32 model they
/// came from (the whole quantisation cost).
#[test]
fn int8_stays_close_to_its_dequantised_weights_and_to_f32() {
    for cell in CELLS {
        for layers in 1..=2u8 {
            let f32_model = random_model(cell, layers, 42, 64, 85, 11);
            let int8_model = f32_model.quantized_int8();
            for kernel in kernels() {
                let err = max_error(&int8_model, kernel, 1);
                assert!(
                    err <= 2e-2,
                    "int8 {} {layers} on {}: {err:e} from the dequantised reference",
                    cell.name(),
                    kernel.name()
                );
            }
            let (max_diff, agree) = int8_vs_f32(&f32_model, &int8_model);
            // The stated bound (README): logits within 0.02, top-1 the same on ≥ 95 % of steps (random models have near-flat outputs).
            assert!(
                max_diff <= 0.02,
                "{} {layers}: int8 logit diff {max_diff}",
                cell.name()
            );
            assert!(
                agree >= 0.95,
                "{} {layers}: int8 top-1 agreement {agree}",
                cell.name()
            );
        }
    }
}

fn int8_vs_f32(a: &format::OwnedModel, b: &format::OwnedModel) -> (f32, f64) {
    let (ba, bb) = (a.to_bytes().unwrap(), b.to_bytes().unwrap());
    let (ma, mb) = (
        Model::from_bytes(&ba).unwrap(),
        Model::from_bytes(&bb).unwrap(),
    );
    let mut bufa = vec![0f32; Predictor::buffer_len(&ma).unwrap()];
    let mut bufb = vec![0f32; Predictor::buffer_len(&mb).unwrap()];
    let mut pa = Predictor::new(&ma, &mut bufa).unwrap();
    let mut pb = Predictor::new(&mb, &mut bufb).unwrap();
    let (mut max_diff, mut same) = (0f32, 0usize);
    for t in random_tokens(STEPS, a.arch.vocab, 2) {
        pa.feed_token(t).unwrap();
        pb.feed_token(t).unwrap();
        for (x, y) in pa.logits().iter().zip(pb.logits()) {
            max_diff = max_diff.max((x - y).abs());
        }
        same += usize::from(pa.argmax() == pb.argmax());
    }
    eprintln!(
        "{} {}x{}: int8 max logit diff {max_diff:.4}, top-1 agreement {:.3}",
        a.arch.cell.name(),
        a.arch.layers,
        a.arch.hidden,
        same as f64 / STEPS as f64
    );
    (max_diff, same as f64 / STEPS as f64)
}

#[test]
fn simd_and_portable_kernels_agree() {
    let simd = Kernel::detect();
    if simd == Kernel::Portable {
        // Said past the test harness's capture: a skipped comparison must be seen. CI sets
        // QUILL_REQUIRE_SIMD on the host, where a SIMD kernel must exist.
        let msg = "SKIPPED: no SIMD kernel in this build or CPU, so none is compared with the \
                   portable one (QUILL_REQUIRE_SIMD=1 makes this a failure)\n";
        assert!(std::env::var_os("QUILL_REQUIRE_SIMD").is_none(), "{msg}");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
        return;
    }
    // 64 wide: the int8 kernel's eight-row path; 67: its column tail (one overlapping masked
    // block) and row tails; 20: narrower than one 32-byte block; the 42-wide embedding (per
    // step): a 10-column tail.
    for (cell, hidden) in CELLS.iter().flat_map(|&c| [(c, 64), (c, 67), (c, 20)]) {
        for int8 in [false, true] {
            let mut owned = random_model(cell, 2, 42, hidden, 85, 21);
            if int8 {
                owned = owned.quantized_int8();
            }
            let bytes = owned.to_bytes().unwrap();
            let model = Model::from_bytes(&bytes).unwrap();
            let n = Predictor::buffer_len(&model).unwrap();
            let (mut b1, mut b2) = (vec![0f32; n], vec![0f32; n]);
            let mut a =
                Predictor::with_options(&model, &mut b1, Kernel::Portable, InputSide::PerStep)
                    .unwrap();
            let mut b = Predictor::with_options(&model, &mut b2, simd, InputSide::PerStep).unwrap();
            for t in random_tokens(STEPS, 85, 4) {
                a.feed_token(t).unwrap();
                b.feed_token(t).unwrap();
                for (x, y) in a.logits().iter().zip(b.logits()) {
                    // f32 sums in a different order. int8 products are exact integers in both
                    // kernels (bit for bit: the unit tests in runtime/src/kernels), but the
                    // AVX2 σ/tanh fuse multiply-adds, and a last-bit difference in h can move
                    // one activation across a 7-bit rounding boundary: one quantisation step of
                    // one input, far below the int8 cost itself (`int8_stays_close_…`).
                    let close = if int8 {
                        (x - y).abs() <= 5e-3 * (1.0 + x.abs())
                    } else {
                        (x - y).abs() <= 1e-5 * (1.0 + x.abs())
                    };
                    assert!(close, "{} int8={int8}: {x} vs {y}", cell.name());
                }
            }
        }
    }
}
