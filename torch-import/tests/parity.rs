//! Imported models compute what PyTorch computes: the fixtures (written by
//! `python/make_fixtures.py`) hold state dicts in PyTorch's layout and the logits an independent
//! float64 implementation of torch.nn.RNN/GRU/LSTM gives for them (checked against PyTorch
//! itself with `--check-torch`). `QUILL_TORCH_FIXTURES=DIR` runs the same checks on a freshly
//! generated set (`.ci/run` does).

use std::path::PathBuf;

use format::{AlignedBytes, OwnedModel};
use runtime::{Model, Predictor};
use torch_import::{Options, import, map_vocab};

fn fixture_dir() -> PathBuf {
    std::env::var_os("QUILL_TORCH_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        PathBuf::from,
    )
}

struct Expected {
    flags: Vec<String>,
    cell: String,
    layers: usize,
    tokens: Vec<usize>,
    logits: Vec<Vec<f64>>,
}

fn read_expected(path: &std::path::Path) -> Expected {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    Expected {
        flags: strings(&v["flags"]),
        cell: v["cell"].as_str().unwrap().into(),
        layers: v["layers"].as_u64().unwrap() as usize,
        tokens: v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_u64().unwrap() as usize)
            .collect(),
        logits: v["logits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            })
            .collect(),
    }
}

/// The importer options the fixture's command-line flags stand for.
fn options(flags: &[String]) -> Options {
    let mut o = Options::default();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        let mut value = || it.next().unwrap().clone();
        match f.as_str() {
            "--relu" => o.relu = true,
            "--embedding-key" => o.keys.embedding = value(),
            "--rnn-prefix" => o.keys.rnn_prefix = value(),
            "--output-prefix" => o.keys.output_prefix = value(),
            "--unknown" => o.unknown = Some(value()),
            "--drop" => o.drop.push(value()),
            other => panic!("fixture flag {other} not known to the test"),
        }
    }
    o
}

fn log_softmax(x: &[f64]) -> Vec<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lse = max + x.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
    x.iter().map(|v| v - lse).collect()
}

/// Feeds the fixture's tokens through the runtime and returns the largest differences from the
/// reference over every token at every step: in log-probability, and in probability.
fn max_errors(model: &OwnedModel, itos: &[String], e: &Expected, opts: &Options) -> (f64, f64) {
    let bytes = AlignedBytes::new(&model.to_bytes().unwrap());
    let m = Model::from_bytes(bytes.as_slice()).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&m).unwrap()];
    let mut p = Predictor::new(&m, &mut buf).unwrap();
    // Which source row each Quill token took; checked against the characters, so the test does
    // not just trust the mapping under test.
    let rows = map_vocab(
        &serde_json::to_string(itos).unwrap(),
        opts.unknown.as_deref(),
        &opts.drop,
    )
    .unwrap()
    .source_rows;
    for (k, r) in rows.iter().enumerate().skip(1) {
        let c = m.vocab().char_at(k as u32).unwrap();
        assert_eq!(itos[r.unwrap()], c.to_string());
    }
    let kept: Vec<usize> = rows.iter().flatten().copied().collect();
    let (mut worst_log, mut worst_p) = (0f64, 0f64);
    assert_eq!(e.tokens.len(), e.logits.len());
    assert!(e.tokens.len() >= 10, "the fixture feeds too little text");
    for (&t, source) in e.tokens.iter().zip(&e.logits) {
        // A multi-character entry is the unknown token: feed a character no vocabulary holds.
        let mut chars = itos[t].chars();
        let c = match (chars.next(), chars.next()) {
            (Some(c), None) => c,
            _ => '\u{FFFD}',
        };
        p.feed_char(c);
        let quill = log_softmax(&p.logits().iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
        // Quill's distribution is the source's over the entries it kept.
        let src = log_softmax(&kept.iter().map(|&r| source[r]).collect::<Vec<_>>());
        let tokens = rows.iter().enumerate().filter(|(_, r)| r.is_some());
        for ((k, _), &lp) in tokens.zip(&src) {
            worst_log = worst_log.max((quill[k] - lp).abs());
            worst_p = worst_p.max((quill[k].exp() - lp.exp()).abs());
        }
    }
    (worst_log, worst_p)
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let dir = fixture_dir();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no fixtures at {}: {e}", dir.display()))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".expected.json")?.to_string())
        })
        .map(|n| (n, dir.clone()))
        .collect();
    names.sort();
    assert!(
        names.len() >= 7,
        "expected the 7 fixtures of make_fixtures.py"
    );
    names
}

#[test]
fn every_fixture_imports_and_matches_the_reference_logits() {
    for (name, dir) in fixtures() {
        let e = read_expected(&dir.join(format!("{name}.expected.json")));
        let vocab = std::fs::read_to_string(dir.join(format!("{name}.vocab.json"))).unwrap();
        let itos: Vec<String> = serde_json::from_str(&vocab).unwrap();
        let weights = std::fs::read(dir.join(format!("{name}.safetensors"))).unwrap();
        let imported = import(&weights, &vocab, &options(&e.flags))
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(imported.model.arch.cell.name(), e.cell, "{name}");
        assert_eq!(imported.model.arch.layers(), e.layers, "{name}");
        let opts = options(&e.flags);
        let (err, _) = max_errors(&imported.model, &itos, &e, &opts);
        println!("{name}: max |Δ log p| = {err:.2e}");
        assert!(err < 1e-4, "{name}: log-probabilities differ by {err}");

        // The int8 file of the same model stays close (per-row quantisation).
        let (_, err8) = max_errors(&imported.model.quantized_int8(), &itos, &e, &opts);
        println!("{name} int8: max |Δ p| = {err8:.2e}");
        assert!(err8 < 0.08, "{name}: int8 probabilities differ by {err8}");

        // The same weights saved by PyTorch itself with the README's snippet, where present.
        let torch_file = dir.join(format!("{name}.torch.safetensors"));
        if let Ok(weights) = std::fs::read(&torch_file) {
            let imported = import(&weights, &vocab, &options(&e.flags)).unwrap();
            let (err, _) = max_errors(&imported.model, &itos, &e, &opts);
            println!("{name} (saved by torch): max |Δ log p| = {err:.2e}");
            assert!(err < 1e-4, "{name}: torch-saved file differs by {err}");
        }
    }
}

#[test]
fn a_missing_unknown_token_gets_probability_zero() {
    let (name, dir) = fixtures()
        .into_iter()
        .find(|(n, _)| n.contains("nobias"))
        .unwrap();
    let vocab = std::fs::read_to_string(dir.join(format!("{name}.vocab.json"))).unwrap();
    let weights = std::fs::read(dir.join(format!("{name}.safetensors"))).unwrap();
    let imported = import(&weights, &vocab, &Options::default()).unwrap();
    let bytes = AlignedBytes::new(&imported.model.to_bytes().unwrap());
    let m = Model::from_bytes(bytes.as_slice()).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&m).unwrap()];
    let mut p = Predictor::new(&m, &mut buf).unwrap();
    p.feed_str("abc d.");
    let mut probs = vec![0f32; m.arch().vocab()];
    p.probabilities(&mut probs).unwrap();
    assert!(probs[0] < 1e-30, "token 0 has probability {}", probs[0]);
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("no unknown token"))
    );
    assert!(imported.notes.iter().any(|n| n.contains("bias=False")));
}
