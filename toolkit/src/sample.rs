//! Text generation and next-char suggestions through the runtime (what a device would show).

use runtime::{Model, Predictor, SmallRng};

use crate::Error;

/// Feeds `prime`, then draws `n` characters at `temperature` (0 = greedy, the lesson's
/// `get_next_n`). Returns the generated text (without the prime).
pub fn generate(
    model_bytes: &[u8],
    prime: &str,
    n: usize,
    temperature: f32,
    seed: u64,
) -> Result<String, Error> {
    let mut out = String::new();
    generate_into(model_bytes, prime, n, temperature, seed, |c| {
        out.push(c);
        Ok(())
    })?;
    Ok(out)
}

/// As [`generate`], handing each character to `emit` as it is drawn (so output streams and
/// memory stays flat for any `n`); an error from `emit` stops generation and is returned.
pub fn generate_into(
    model_bytes: &[u8],
    prime: &str,
    n: usize,
    temperature: f32,
    seed: u64,
    mut emit: impl FnMut(char) -> Result<(), Error>,
) -> Result<(), Error> {
    let aligned = format::AlignedBytes::new(model_bytes);
    let m = Model::from_bytes(&aligned)?;
    let mut buf = vec![0f32; Predictor::buffer_len(&m)?];
    let mut p = Predictor::new(&m, &mut buf)?;
    p.feed_str(prime);
    let mut rng = SmallRng::new(seed);
    for _ in 0..n {
        let c = p.sample(temperature, &mut rng)?;
        emit(c)?;
        p.feed_char(c);
    }
    Ok(())
}

/// The `k` most likely next characters after `prime`.
pub fn top_k(model_bytes: &[u8], prime: &str, k: usize) -> Result<Vec<(char, f32)>, Error> {
    let aligned = format::AlignedBytes::new(model_bytes);
    let m = Model::from_bytes(&aligned)?;
    let mut buf = vec![0f32; Predictor::buffer_len(&m)?];
    let mut p = Predictor::new(&m, &mut buf)?;
    p.feed_str(prime);
    let mut out = vec![('\0', 0.0); k];
    let n = p.top_k_into(&mut out);
    out.truncate(n);
    Ok(out)
}

/// `'x' 93.1%` style, with spaces and newlines made visible.
pub fn show_char(c: char) -> String {
    match c {
        ' ' => "␠".into(),
        '\n' => "⏎".into(),
        c => c.to_string(),
    }
}
