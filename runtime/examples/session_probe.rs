// Temporary probe: per-key steps and time of the session, in step-equivalents.
use runtime::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).unwrap();
    let text = std::fs::read_to_string(&args[2]).unwrap();
    let floor: f32 = args.get(3).map_or(0.05, |s| s.parse().unwrap());
    let cache: usize = args.get(4).map_or(64, |s| s.parse().unwrap());
    let n: usize = args.get(5).map_or(2000, |s| s.parse().unwrap());
    let table = args.get(6).is_some_and(|s| s == "table");
    let input = if table {
        InputSide::Table
    } else {
        InputSide::PerStep
    };
    let aligned = format::AlignedBytes::new(&bytes);
    let model = Model::from_bytes(&aligned).unwrap();
    let cfg = SessionConfig {
        floor,
        cache,
        input,
        ..SessionConfig::DEFAULT
    };
    let mut buf = vec![0f32; cfg.buffer_len(model.arch()).unwrap()];
    let mut s = Session::new(&model, &mut buf, cfg).unwrap();
    let mut pbuf = vec![0f32; Predictor::buffer_len_for(&model, input).unwrap()];
    let mut p = Predictor::with_options(&model, &mut pbuf, Kernel::detect(), input).unwrap();
    let chars: Vec<char> = text.chars().take(n).collect();
    let t0 = std::time::Instant::now();
    for _ in 0..3 {
        for &c in &chars {
            p.feed_char(c);
        }
    }
    let step = t0.elapsed().as_secs_f64() / (3 * chars.len()) as f64;
    let (mut steps, mut worst) = (0u64, 0u32);
    let t0 = std::time::Instant::now();
    for &c in &chars {
        s.press(Key::Char(c)).unwrap();
        steps += s.cost().steps as u64;
        worst = worst.max(s.cost().steps);
    }
    let key = t0.elapsed().as_secs_f64() / chars.len() as f64;
    println!(
        "floor {floor} cache {cache} {input:?}: step {:.2} us, key {:.2} us = {:.2} step-eq; {:.2} steps/key (worst {worst})",
        step * 1e6,
        key * 1e6,
        key / step,
        steps as f64 / chars.len() as f64
    );
}
