//! Feeds one benchmark model a million characters in a loop, for profilers:
//! `cargo build --release -p benches --example step_loop &&
//!  perf record target/release/examples/step_loop gru 1 256 int8 table`.
//! Prints µs per character. A last argument `portable` runs the portable kernel instead of the
//! one detected (the README's native rows beside the WebAssembly ones).

use runtime::{InputSide, Kernel, Model, Predictor};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: step_loop rnn|gru|lstm LAYERS HIDDEN f32|int8 [table|step] [STEPS] [portable]";
    let cell = match args.first().map(String::as_str) {
        Some("rnn") => format::CellKind::RnnTanh,
        Some("gru") => format::CellKind::Gru,
        Some("lstm") => format::CellKind::Lstm,
        _ => panic!("{usage}"),
    };
    let layers: u8 = args.get(1).and_then(|s| s.parse().ok()).expect(usage);
    let hidden: u32 = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
    let int8 = args.get(3).map(String::as_str) == Some("int8");
    let input = if args.get(4).map(String::as_str) == Some("table") {
        InputSide::Table
    } else {
        InputSide::PerStep
    };
    let steps: u32 = args
        .get(5)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let m = benches::model(cell, layers, hidden, int8);
    let model = Model::from_bytes(&m.bytes).expect("valid model");
    let mut buf = vec![0f32; Predictor::buffer_len_for(&model, input).expect("fits")];
    let kernel = match args.get(6).map(String::as_str) {
        Some("portable") => Kernel::Portable,
        None => Kernel::detect(),
        Some(other) => panic!("unknown kernel {other:?}; {usage}"),
    };
    let mut p = Predictor::with_options(&model, &mut buf, kernel, input).expect("buffer sized");
    let start = std::time::Instant::now();
    let mut sink = 0f32;
    for i in 0..steps {
        p.feed_token(1 + i % (benches::VOCAB - 1))
            .expect("token in range");
        sink += p.logits()[0];
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(steps);
    println!(
        "{} {:?} {}: {us:.3} µs/char (sink {sink})",
        m.name,
        input,
        p.kernel().name()
    );
}
