//! The bodies of the fuzz targets (`fuzz/fuzz_targets/`), kept here so that the stable test
//! suite replays the seed corpus and every past finding through exactly the same code
//! (`tests/tests/fuzz_replay.rs`). Each function must never panic on any input; the checks it
//! makes (`assert!`) are the invariants a fuzzer should report when they break.

use std::sync::OnceLock;

use format::{AlignedBytes, CellKind};
use runtime::{
    Completion, History, InputSide, Kernel, Model, Predictor, SmallRng, complete_words,
    completion_buffer_len,
};

/// Bytes the loader refuses to even try: a model this large would not come from an honest
/// file of the fuzzer's sizes, and allocating its buffer only slows the fuzzer.
const MAX_BUFFER_F32: usize = 1 << 22;

/// Target `model_bytes`: arbitrary bytes as a model file → validate → predictor (both input
/// sides, both kernels) → self-test → 20 steps → top-k, probabilities, sampling.
/// The bytes are tried as they are and again with the header's length and the CRC trailer
/// rewritten to match, so that mutations reach the parser and validator behind the checksum.
pub fn model_bytes(data: &[u8]) {
    // As a device would hold it (aligned) and as a careless caller might (off by one byte).
    run_model(&AlignedBytes::new(data));
    let mut shifted = vec![0u8; data.len() + 1];
    shifted[1..].copy_from_slice(data);
    let _ = Model::from_bytes(&shifted[1..]);
    let mut fixed = data.to_vec();
    if crate::fix_checksum(&mut fixed) {
        run_model(&AlignedBytes::new(&fixed));
    }
}

fn run_model(bytes: &[u8]) {
    let Ok(model) = Model::from_bytes(bytes) else {
        return;
    };
    // Tokens to feed: taken from the file's own bytes so the fuzzer controls them.
    let tokens: Vec<u32> = bytes.iter().rev().take(20).map(|&b| u32::from(b)).collect();
    for kernel in [Kernel::Portable, Kernel::detect()] {
        for side in [InputSide::PerStep, InputSide::Table] {
            let Ok(len) = Predictor::buffer_len_for(&model, side) else {
                continue;
            };
            if len > MAX_BUFFER_F32 {
                continue;
            }
            let mut too_small = vec![0f32; len.saturating_sub(1)];
            assert!(
                Predictor::with_options(&model, &mut too_small, kernel, side).is_err(),
                "a buffer one f32 short was accepted"
            );
            let mut buf = vec![0f32; len];
            let p = Predictor::with_options(&model, &mut buf, kernel, side);
            let mut p = p.expect("buffer_len_for is enough");
            let _ = p.self_test();
            for &t in &tokens {
                let vocab = model.arch().vocab();
                match p.feed_token(t) {
                    Ok(()) => assert!((t as usize) < vocab),
                    Err(_) => assert!((t as usize) >= vocab),
                }
                check_outputs(&p);
            }
        }
    }
}

/// What must hold after any step, whatever the weights.
fn check_outputs(p: &Predictor<'_, '_>) {
    let vocab = p.model().arch().vocab();
    let mut top = [('\0', 0f32); 5];
    let n = p.top_k_into(&mut top);
    assert!(n <= 5 && n < vocab);
    for w in top[..n].windows(2) {
        // Probabilities may be NaN only when every logit is infinite; order holds otherwise.
        assert!(
            w[0].1.partial_cmp(&w[1].1) != Some(std::cmp::Ordering::Less),
            "top-k out of order: {:?}",
            &top[..n]
        );
    }
    let mut probs = vec![0f32; vocab];
    p.probabilities(&mut probs).expect("vocab-sized output");
    if p.logits().iter().all(|l| l.is_finite()) {
        let sum: f32 = probs.iter().sum();
        assert!((sum - 1.0).abs() < 1e-3, "probabilities sum to {sum}");
    }
    let mut rng = SmallRng::new(7);
    for t in [0.0, 0.8, 1e30] {
        if let Ok(c) = p.sample(t, &mut rng) {
            assert!(
                p.model().vocab().index_of(c) != 0,
                "sampled the unknown token"
            );
        }
    }
    assert!(p.sample(f32::NAN, &mut rng).is_err());
}

/// The models the byte-stream target types into: one per cell, f32 and int8.
fn stream_models() -> &'static [AlignedBytes] {
    static MODELS: OnceLock<Vec<AlignedBytes>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let mut v = Vec::new();
        for (i, cell) in [CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh]
            .into_iter()
            .enumerate()
        {
            // Vocabulary with multi-byte characters so UTF-8 decoding matters.
            let chars = "\n !,.?abcdefghijklmnopqrstuvwxyzéü€😀";
            let vocab = chars.chars().count() as u32 + 1;
            let mut m = crate::random_model(cell, 1 + (i % 2) as u8, 6, 12, vocab, i as u64);
            m.vocab = chars.chars().collect();
            m.vocab.sort_unstable();
            for int8 in [false, true] {
                let m = if int8 { m.quantized_int8() } else { m.clone() };
                let bytes = m.to_bytes().expect("encodable model");
                v.push(AlignedBytes::new(&bytes));
            }
        }
        v
    })
}

/// Target `byte_stream`: the first byte picks a model and input side; the rest is a program of
/// keyboard events (UTF-8 bytes, snapshot, restore, reset, sampling, word completion,
/// History typing and Backspace, raw tokens).
/// Checks that restore returns the exact state of its snapshot.
pub fn byte_stream(data: &[u8]) {
    let Some((&head, mut rest)) = data.split_first() else {
        return;
    };
    let models = stream_models();
    let bytes = &models[usize::from(head) % models.len()];
    let model = Model::from_bytes(bytes).expect("the stream models are valid");
    let side = if head & 0x80 != 0 {
        InputSide::Table
    } else {
        InputSide::PerStep
    };
    let mut buf = vec![0f32; Predictor::buffer_len_for(&model, side).expect("small model")];
    let mut p = Predictor::with_options(&model, &mut buf, Kernel::detect(), side)
        .expect("buffer_len_for is enough");
    let snap_len = p.snapshot_len();
    let mut snap = vec![0f32; snap_len];
    let mut at_snap: Option<Vec<f32>> = None;
    let mut rng = SmallRng::new(u64::from(head));
    let mut ring = vec![0f32; History::buffer_len(&p, 4).expect("small model")];
    let mut history = History::new(&p, &mut ring).expect("sized for this predictor");
    let mut scratch = vec![0f32; completion_buffer_len(&p, 3).expect("small model")];
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 11 {
            // Most events are typing: the op byte's high bits pick how many bytes follow.
            0..=2 => {
                let n = usize::from(op >> 3).min(rest.len());
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                let fed = p.feed_bytes(chunk);
                assert!(fed <= chunk.len() + 3);
            }
            3 => {
                p.snapshot(&mut snap).expect("snapshot_len sized");
                at_snap = Some(p.logits().to_vec());
                assert!(p.snapshot(&mut snap[..snap_len - 1]).is_err());
            }
            4 => {
                if let Some(logits) = &at_snap {
                    p.restore(&snap).expect("snapshot_len sized");
                    assert_eq!(
                        bits(p.logits()),
                        bits(logits),
                        "restore did not return the logits of its snapshot"
                    );
                }
            }
            5 => p.reset(),
            6 => {
                let t = f32::from(op >> 3) / 8.0;
                let _ = p.sample(t, &mut rng);
                check_outputs(&p);
            }
            7 => {
                // Completion must leave the predictor exactly as it was.
                let before = bits(p.logits());
                let mut out: [Completion<6>; 3] = Default::default();
                let n = complete_words::<3, 6>(&mut p, &mut scratch, None, &mut out)
                    .expect("scratch sized by completion_buffer_len");
                assert_eq!(bits(p.logits()), before, "complete_words moved the state");
                for w in out[..n].windows(2) {
                    assert!(w[0].probability >= w[1].probability);
                }
            }
            8 => {
                // Typing through the history, then Backspace restores the state before it.
                let before = bits(p.logits());
                let c = char::from(op >> 3 | 0x60);
                history.type_char(&mut p, c).expect("same predictor");
                history.backspace(&mut p).expect("just saved");
                assert_eq!(bits(p.logits()), before, "backspace did not undo the char");
                let _ = history.type_char(&mut p, c);
            }
            9 => {
                let _ = history.backspace(&mut p);
            }
            _ => {
                let token = u32::from(op >> 3).wrapping_mul(3);
                let ok = p.feed_token(token).is_ok();
                assert_eq!(ok, (token as usize) < model.arch().vocab());
            }
        }
    }
    check_outputs(&p);
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Target `torch_import`: a PyTorch state dict and vocabulary into the importer (input laid
/// out as [`torch_import_input`] reads it). Whatever the importer accepts must encode to a valid
/// file that runs.
pub fn torch_import(data: &[u8]) {
    let (opts, vocab, weights) = torch_import_input(data);
    let Ok(imported) = torch_import::import(weights, &vocab, &opts) else {
        return;
    };
    let m = &imported.model;
    let buffer = m
        .arch
        .hidden()
        .saturating_mul(m.arch.layers())
        .saturating_mul(8);
    if m.arch.vocab().saturating_mul(m.arch.embed()) > MAX_BUFFER_F32 || buffer > MAX_BUFFER_F32 {
        return;
    }
    for model in [m.clone(), m.quantized_int8()] {
        let bytes = model
            .to_bytes()
            .expect("the importer accepted a model the format refuses");
        let bytes = AlignedBytes::new(&bytes);
        let loaded = Model::from_bytes(&bytes).expect("an encoded import does not load");
        let mut buf = vec![0f32; Predictor::buffer_len(&loaded).expect("sized by the format")];
        let mut p = Predictor::new(&loaded, &mut buf).expect("buffer from buffer_len");
        for c in imported.model.vocab.iter().cycle().take(8) {
            p.feed_char(*c);
        }
        check_outputs(&p);
    }
}

/// Splits a `torch_import` input: one flags byte (bit 0 `--relu`, bit 1 `--allow-unused`, bit 2
/// `--drop xxbos`, bit 3 fastai key names `i_h.weight`/`h_o.`), a u16 LE length, that many bytes
/// of vocabulary JSON, then the safetensors bytes.
pub fn torch_import_input(data: &[u8]) -> (torch_import::Options, String, &[u8]) {
    let (flags, rest) = data.split_first().unwrap_or((&0, &[]));
    let (len, rest) = match rest {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, rest),
    };
    let (vocab, weights) = rest.split_at(len.min(rest.len()));
    let mut opts = torch_import::Options {
        relu: flags & 1 != 0,
        allow_unused: flags & 2 != 0,
        ..Default::default()
    };
    if flags & 4 != 0 {
        opts.drop.push("xxbos".into());
    }
    if flags & 8 != 0 {
        opts.keys.embedding = "i_h.weight".into();
        opts.keys.output_prefix = "h_o.".into();
    }
    (opts, String::from_utf8_lossy(vocab).into_owned(), weights)
}
