//! Memory checks: a streaming session through the Rust API runs clean under valgrind (the C
//! example's run is in `c_abi.rs`).

use format::{CellKind, Model};
use quill_tests::{random_model, under_valgrind};
use runtime::{Predictor, SmallRng};

/// The workload valgrind watches: every cell in f32 and int8, the self-test, fed text, raw
/// bytes with invalid UTF-8, top-k, probabilities, sampling, snapshot/restore and reset; then
/// every truncation and a corruption of a model file. Run by the test below.
#[test]
#[ignore = "runs inside valgrind, started by streaming_runs_clean_under_valgrind"]
fn streaming_workload() {
    for cell in [
        CellKind::RnnTanh,
        CellKind::RnnRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        let f32_model = random_model(cell, 2, 8, 24, 30, 3);
        let int8_model = f32_model.quantized_int8();
        for mut m in [f32_model, int8_model] {
            m.self_test = Some(quill_tests::record_self_test(&m, "stream", 1e-3).unwrap());
            let bytes = m.to_bytes().unwrap();
            let model = Model::from_bytes(&bytes).unwrap();
            let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
            let mut p = Predictor::new(&model, &mut buf).unwrap();
            p.self_test().unwrap();
            p.feed_str("hello, wörld ");
            p.feed_bytes(b"\xff\xfe caf\xc3\xa9 \xe2\x82 \xf0\x9f\x98\x80!");
            let mut snap = vec![0f32; p.snapshot_len()];
            p.snapshot(&mut snap).unwrap();
            let mut probs = vec![0f32; p.logits().len()];
            let mut rng = SmallRng::new(7);
            for i in 0..40 {
                let top = p.top_k::<3>();
                assert!(!top.is_empty());
                p.probabilities(&mut probs).unwrap();
                let c = p.sample(0.8, &mut rng).unwrap();
                p.feed_char(c);
                if i % 10 == 9 {
                    p.restore(&snap).unwrap();
                }
            }
            p.reset();
            p.feed_token(1).unwrap();
            assert!(p.feed_token(1_000).is_err());
            for n in 0..bytes.len() {
                assert!(Model::from_bytes(&bytes[..n]).is_err());
            }
            let mut bad = bytes.clone();
            let mid = bad.len() / 2;
            bad[mid] ^= 0x40;
            assert!(Model::from_bytes(&bad).is_err());
        }
    }
}

#[test]
fn streaming_runs_clean_under_valgrind() {
    let exe = std::env::current_exe().unwrap();
    let args = [
        "streaming_workload",
        "--exact",
        "--ignored",
        "--test-threads=1",
    ];
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let out = under_valgrind(&exe, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the workload failed under valgrind:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
