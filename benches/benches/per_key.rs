//! What a key costs in the keyboard session, on the shipped English model over held-out
//! present-day text (`data/english/heldout.txt`, from `scripts/present-day-english.sh`; the
//! bench says so and stops if it is missing): typing 1,000 characters key by key, each key
//! updating the state and every suggestion (exact word search, input table, AVX2 where the CPU
//! has it), without and with the English lexicon and block list. Beside it, 1,000 plain model
//! steps of the same predictor: a key in step-equivalents is the ratio of the two.
//!
//! A random-weight model would end its words after a character or two and hide the search's
//! cost: this bench needs the trained model.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use runtime::{
    InputSide, Kernel, Key, Lexicon, Model, Predictor, Session, SessionConfig, WordLists,
};

const KEYS: usize = 1000;

fn read(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the per-key bench types held-out English: run `bash scripts/present-day-english.sh`)",
            p.display()
        )
    })
}

fn per_key(c: &mut Criterion) {
    let model_bytes = format::AlignedBytes::new(&read("models/english-gru-1x256-int8.quill"));
    let model = Model::from_bytes(&model_bytes).expect("the shipped model loads");
    let lexicon = read("models/english.qlex");
    let blocked = read("models/blocked-en.qlex");
    let text: Vec<char> = String::from_utf8(read("data/english/heldout.txt"))
        .expect("UTF-8")
        .chars()
        .take(KEYS)
        .collect();
    let config = SessionConfig {
        input: InputSide::Table,
        ..SessionConfig::DEFAULT
    };
    let mut g = c.benchmark_group("per_key");
    g.throughput(Throughput::Elements(KEYS as u64));
    let mut pbuf = vec![0f32; Predictor::buffer_len_for(&model, config.input).expect("fits")];
    let mut p = Predictor::with_options(&model, &mut pbuf, Kernel::detect(), config.input)
        .expect("buffer sized");
    g.bench_function("plain_step", |b| {
        b.iter(|| {
            p.reset();
            for &ch in &text {
                p.feed_char(ch);
            }
            black_box(p.logits()[0])
        })
    });
    for (name, lists) in [
        ("session", WordLists::default()),
        (
            "session_lexicon",
            WordLists {
                lexicon: Some(Lexicon::from_bytes(&lexicon).expect("valid lexicon")),
                blocked: Some(Lexicon::from_bytes(&blocked).expect("valid block list")),
                others: 0.0,
            },
        ),
    ] {
        let mut buf = vec![0f32; config.buffer_len(model.arch()).expect("fits")];
        let mut s = Session::new(&model, &mut buf, config).expect("buffer sized");
        s.set_word_lists(lists).expect("lists");
        g.bench_function(name, |b| {
            b.iter(|| {
                s.reprime("").expect("session");
                for &ch in &text {
                    s.press(Key::Char(ch)).expect("session");
                }
                black_box(s.panel().words.len())
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .sample_size(10);
    targets = per_key
}
criterion_main!(benches);
