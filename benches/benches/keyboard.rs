//! The keyboard features' cost per call on gru-1x256 (input table, AVX2 kernels chosen at run
//! time): word completion (beam 4, up to 12 chars, top 3 words), an exact Backspace from the
//! `History` ring, and a re-prime from 64 chars of context (cursor jump, Backspace past the ring).
//!
//! The benchmark models have random weights: near-flat distributions over 84 printable ASCII
//! characters, a quarter of which end a word, so the beam search finishes words within a few
//! characters and stops early; its bound is `L · B` = 48 steps (about 48 × the per-char time).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use format::CellKind;
use runtime::{
    Completion, History, InputSide, Kernel, Model, Predictor, complete_words, completion_buffer_len,
};

const CONTEXT: &str =
    "the quick brown fox jumps over the lazy dog while the cat sleeps on the mat ";

fn keyboard(c: &mut Criterion) {
    let mut g = c.benchmark_group("keyboard");
    for int8 in [false, true] {
        let m = benches::model(CellKind::Gru, 1, 256, int8);
        let model = Model::from_bytes(&m.bytes).expect("valid model");
        let side = InputSide::Table;
        let mut buf = vec![0f32; Predictor::buffer_len_for(&model, side).expect("fits")];
        let mut p = Predictor::with_options(&model, &mut buf, Kernel::detect(), side)
            .expect("buffer sized");
        p.feed_str(CONTEXT);
        p.feed_str("th");
        let mut scratch = vec![0f32; completion_buffer_len(&p, 4).expect("fits")];
        g.bench_function(format!("complete_words_b4_l12/{}", m.name), |b| {
            b.iter(|| {
                let mut out: [Completion<12>; 3] = Default::default();
                let n = complete_words::<4, 12>(&mut p, &mut scratch, None, &mut out)
                    .expect("scratch sized");
                black_box((n, out[0].probability))
            })
        });
        let mut ring = vec![0f32; History::buffer_len(&p, 32).expect("fits")];
        let mut h = History::new(&p, &mut ring).expect("ring sized");
        g.bench_function(format!("type_and_backspace/{}", m.name), |b| {
            b.iter(|| {
                h.type_char(&mut p, black_box('e')).expect("same predictor");
                h.backspace(&mut p).expect("just typed");
                black_box(p.logits()[0])
            })
        });
        g.bench_function(format!("reprime_64/{}", m.name), |b| {
            b.iter(|| {
                h.reprime(&mut p, black_box(CONTEXT), 64)
                    .expect("same predictor");
                black_box(p.logits()[0])
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = keyboard
}
criterion_main!(benches);
