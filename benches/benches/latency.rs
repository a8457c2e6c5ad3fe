//! Per-character latency (one `feed_token`: embedding, cell, output layer; batch 1, one
//! thread), with the first layer's input side per step (`per_char`) and from the per-token
//! table (`per_char_table`); the same f32 weights stepped one character at a time through burn
//! (burn-ndarray, burn tensor ops: `burn_per_char`); model load + validate time. Model sizes go
//! to `target/criterion/quill-sizes.txt` for the report.
//!
//! `cargo bench -p benches`; `python3 benches/report.py` turns the results into the README table.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use runtime::{InputSide, Kernel, Model, Predictor};

fn per_char(c: &mut Criterion) {
    let models = benches::latency_matrix();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("quill-sizes.txt"), benches::sizes(&models));
    }
    per_char_with(c, "per_char", InputSide::PerStep);
    per_char_with(c, "per_char_table", InputSide::Table);
}

/// One character at a time through burn: the model file's weights in the trainer's `CharRnn`
/// on burn-ndarray, state carried between calls, logits read back to the host.
fn burn_per_char(c: &mut Criterion) {
    use burn::tensor::{Int, Tensor, TensorData};
    type B = burn::backend::NdArray<f32>;
    let mut g = c.benchmark_group("burn_per_char");
    g.throughput(Throughput::Elements(1));
    let device = Default::default();
    for m in benches::latency_matrix()
        .iter()
        .filter(|m| m.name.ends_with("f32"))
    {
        let model = train::export::from_owned_model::<B>(&m.owned, &device);
        let mut state = Some(model.zero_state(1, &device));
        let mut token = 1i64;
        g.bench_function(&m.name, |b| {
            b.iter(|| {
                token = if token + 1 >= i64::from(benches::VOCAB) {
                    1
                } else {
                    token + 1
                };
                let t =
                    Tensor::<B, 2, Int>::from_data(TensorData::new(vec![token], [1, 1]), &device);
                let (logits, s) = model.forward(t, state.take().expect("state"));
                state = Some(s);
                let v: Vec<f32> = logits.into_data().to_vec().expect("f32 logits");
                black_box(v[0])
            })
        });
    }
    g.finish();
}

fn per_char_with(c: &mut Criterion, group: &str, input: InputSide) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(1));
    for m in benches::latency_matrix() {
        let model = Model::from_bytes(&m.bytes).expect("valid model");
        let mut buf = vec![0f32; Predictor::buffer_len_for(&model, input).expect("fits")];
        let mut p = Predictor::with_options(&model, &mut buf, Kernel::detect(), input)
            .expect("buffer sized");
        let mut token = 1u32;
        g.bench_function(&m.name, |b| {
            b.iter(|| {
                token = if token + 1 >= benches::VOCAB {
                    1
                } else {
                    token + 1
                };
                p.feed_token(black_box(token)).expect("token in range");
                black_box(p.logits()[0])
            })
        });
    }
    g.finish();
}

fn load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    for m in [
        benches::model(format::CellKind::Gru, 1, 256, false),
        benches::model(format::CellKind::Gru, 1, 256, true),
    ] {
        let mut buf = vec![0f32; 8192];
        g.throughput(Throughput::Bytes(m.bytes.len() as u64));
        g.bench_function(&m.name, |b| {
            b.iter(|| {
                let model = Model::from_bytes(black_box(&m.bytes)).expect("valid model");
                let p = Predictor::new(&model, &mut buf).expect("buffer sized");
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
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = per_char, burn_per_char, load
}
criterion_main!(benches);
