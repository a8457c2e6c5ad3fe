//! The keyboard session and its word search: the search is exact (the brute-force top words),
//! never less probable than the beam search it replaced, returns the same over a warm cache as
//! over a cold one, and says when a budget or a small cache stopped it; the session's keys do
//! what the panel promised (Tab types what was shown, Backspace undoes exactly).

use format::CellKind;
use quill_tests::abc_model;
use runtime::{
    Completion, Key, Model, Panel, Predictor, SearchLimits, Session, SessionConfig, WordCache,
    complete_words, completion_buffer_len, is_word_char,
};

#[repr(C, align(64))]
struct Aligned<T: ?Sized>(T);
static ENGLISH: &Aligned<[u8]> =
    &Aligned(*include_bytes!("../../models/english-gru-1x256-int8.quill"));

const TEXT: &str = "I will meet you at the restaurant tomorrow, and we can talk about the \
                    project then. Bring the drawings if you have them ready.";

fn probs_after(model: &Model<'_>, text: &str) -> Vec<f64> {
    let mut buf = vec![0f32; Predictor::buffer_len(model).unwrap()];
    let mut p = Predictor::new(model, &mut buf).unwrap();
    p.feed_str(text);
    let mut v = vec![0f32; p.logits().len()];
    p.probabilities(&mut v).unwrap();
    v.into_iter().map(f64::from).collect()
}

/// Every word of 1..=max_len characters with its probability, most probable first.
fn brute_force(model: &Model<'_>, prefix: &str, max_len: usize) -> Vec<(String, f64)> {
    let chars: Vec<char> = model.vocab().chars().collect();
    let mut out = Vec::new();
    let mut frontier = vec![(String::new(), 1.0f64)];
    for depth in 0..=max_len {
        let mut next = Vec::new();
        for (w, pw) in frontier {
            let pr = probs_after(model, &format!("{prefix}{w}"));
            if depth > 0 {
                let end: f64 = chars
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !is_word_char(**c))
                    .map(|(t, _)| pr[t + 1])
                    .sum();
                out.push((w.clone(), pw * end));
            }
            if depth < max_len {
                for (t, &c) in chars.iter().enumerate() {
                    if is_word_char(c) {
                        next.push((format!("{w}{c}"), pw * pr[t + 1]));
                    }
                }
            }
        }
        frontier = next;
    }
    out.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    out
}

fn words(out: &[Completion<8>], n: usize) -> Vec<(String, f32)> {
    out[..n]
        .iter()
        .map(|c| (c.suffix.iter().collect(), c.probability))
        .collect()
}

fn limits(max_len: usize) -> SearchLimits {
    SearchLimits {
        max_len,
        floor: 0.0,
        max_steps: None,
    }
}

#[test]
fn the_search_finds_exactly_the_brute_force_top_words() {
    for cell in [CellKind::Gru, CellKind::Lstm, CellKind::RnnTanh] {
        for seed in 0..4 {
            let bytes = abc_model(cell, seed);
            let model = Model::from_bytes(&bytes).unwrap();
            for prefix in ["", "ab", "c a", "ba."] {
                let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
                let mut p = Predictor::new(&model, &mut buf).unwrap();
                p.feed_str(prefix);
                let before = p.logits().to_vec();
                let mut cache_buf = vec![0f32; 400 * (p.snapshot_len() + 16)];
                let mut cache = WordCache::new(&p, &mut cache_buf, 2).unwrap();
                let mut out: [Completion<8>; 5] = Default::default();
                let o = cache.search(&mut p, None, limits(4), &mut out).unwrap();
                assert!(o.exact, "{cell:?} {seed} {prefix:?}");
                assert_eq!(p.logits(), &before[..], "the predictor moved");
                let got = words(&out, o.found);
                let want = brute_force(&model, prefix, 4);
                assert_eq!(got.len(), 5);
                for (i, ((gw, gp), (ww, wp))) in got.iter().zip(&want).enumerate() {
                    let tol = 1e-5 * wp.max(1e-12);
                    assert!(
                        (f64::from(*gp) - wp).abs() <= tol.max(1e-7),
                        "{cell:?} seed {seed} {prefix:?} #{i}: {gw} {gp} vs {ww} {wp}"
                    );
                    // Near-ties may swap; a clear winner must match.
                    if want.get(i + 1).is_none_or(|n| wp - n.1 > 1e-6) && i == 0 {
                        assert_eq!(gw, ww, "{cell:?} seed {seed} {prefix:?}");
                    }
                }
                // Fewer steps than prefixes enumerated: the search prunes.
                assert!(o.steps < 3 + 9 + 27 + 81, "{o:?}");
            }
        }
    }
}

fn session_with(config: SessionConfig) -> (Vec<f32>, Model<'static>) {
    let model = Model::from_bytes(&ENGLISH.0).unwrap();
    let buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    (buf, model)
}

fn panel_after(text: &str, config: SessionConfig) -> Panel {
    let (mut buf, model) = session_with(config);
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    s.reprime(text).unwrap();
    s.panel().clone()
}

/// Typing key by key reuses the cache; a fresh session primed with the same text searches
/// cold. Both show bit for bit the same panel after every key.
#[test]
fn a_warm_cache_shows_what_a_cold_search_shows() {
    let config = SessionConfig::DEFAULT;
    let (mut buf, model) = session_with(config);
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    let mut typed = String::new();
    let mut steps = 0;
    for c in TEXT.chars().take(60) {
        s.press(Key::Char(c)).unwrap();
        typed.push(c);
        steps += s.cost().steps;
        assert!(s.cost().exact);
        assert_eq!(s.panel(), &panel_after(&typed, config), "after {typed:?}");
    }
    // And the cache saves work: fewer steps than a step per character plus a cold search.
    let cold: u32 = (1..=60)
        .map(|n| {
            let (mut b, m) = session_with(config);
            let mut fresh = Session::new(&m, &mut b, config).unwrap();
            let t: String = TEXT.chars().take(n).collect();
            fresh.reprime(&t).unwrap();
            // The re-prime's steps are the text's; the rest is the cold search.
            fresh.cost().steps - n as u32 + 1
        })
        .sum();
    assert!(steps < cold, "warm {steps} steps, cold {cold}");
}

/// Siblings that share their parent's hidden-side products change nothing but the work: with
/// 0, 1 and 4 sets of them the session shows bit for bit the same panel after every key of an
/// English sentence and takes the same steps; with sets, some steps share.
#[test]
fn shared_hidden_sides_show_bit_for_bit_what_plain_steps_show() {
    let run = |sets: usize| {
        let config = SessionConfig {
            sibling_sets: sets,
            ..SessionConfig::DEFAULT
        };
        let (mut buf, model) = session_with(config);
        let mut s = Session::new(&model, &mut buf, config).unwrap();
        let (mut panels, mut steps, mut shared) = (Vec::new(), 0, 0);
        for c in TEXT.chars() {
            s.press(Key::Char(c)).unwrap();
            panels.push(s.panel().clone());
            steps += s.cost().steps;
            shared += s.cost().shared;
        }
        (panels, steps, shared)
    };
    let (plain, plain_steps, none) = run(0);
    assert_eq!(none, 0);
    for sets in [1, 4] {
        let (panels, steps, shared) = run(sets);
        assert_eq!(steps, plain_steps, "{sets} sets");
        for (i, (a, b)) in plain.iter().zip(&panels).enumerate() {
            assert_eq!(a, b, "{sets} sets, key {i}");
        }
        assert!(
            shared > steps / 10,
            "{sets} sets: {shared} of {steps} steps shared"
        );
    }
}

/// A warm cache reuses a prefix's scan of its logits only when nothing the search weighs them
/// with can have changed: searches with one bias, another, none, none again and the first
/// again each return bit for bit what a cold cache returns with that bias.
#[test]
fn a_warm_search_with_another_bias_returns_what_a_cold_one_does() {
    let model = Model::from_bytes(&ENGLISH.0).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut buf).unwrap();
    p.feed_str("I will meet you at the rest");
    let vocab = p.logits().len();
    let a: Vec<f32> = (0..vocab)
        .map(|t| if t % 3 == 0 { -2.0 } else { 0.0 })
        .collect();
    let b: Vec<f32> = (0..vocab)
        .map(|t| if t % 2 == 0 { 1.5 } else { 0.0 })
        .collect();
    let cache_len = 64 * (p.snapshot_len() + 64) + 4096;
    let mut warm_buf = vec![0f32; cache_len];
    let mut warm = WordCache::new(&p, &mut warm_buf, 2).unwrap();
    let search = |cache: &mut WordCache<'_>, p: &mut Predictor<'_, '_>, bias: Option<&[f32]>| {
        let mut out: [Completion<8>; 3] = Default::default();
        let o = cache.search(p, bias, limits(8), &mut out).unwrap();
        words(&out, o.found)
    };
    for bias in [Some(&a[..]), Some(&b[..]), None, None, Some(&a[..])] {
        let got = search(&mut warm, &mut p, bias);
        let mut cold_buf = vec![0f32; cache_len];
        let mut cold = WordCache::new(&p, &mut cold_buf, 2).unwrap();
        assert_eq!(
            got,
            search(&mut cold, &mut p, bias),
            "bias {:?}",
            bias.map(|b| b[0])
        );
    }
}

/// On every key of an English sentence the search's words are at least as probable, rank by
/// rank, as the beam search's (beam 4) above the same floor.
#[test]
fn the_search_is_never_less_probable_than_the_beam() {
    // The model's words alone (learned words mix their own frequency in).
    let config = SessionConfig {
        user_words: 0,
        ..SessionConfig::DEFAULT
    };
    let (mut buf, model) = session_with(config);
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    let mut pbuf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
    let mut p = Predictor::new(&model, &mut pbuf).unwrap();
    let mut scratch = vec![0f32; completion_buffer_len(&p, 4).unwrap()];
    let mut better = 0;
    for c in TEXT.chars() {
        s.press(Key::Char(c)).unwrap();
        p.feed_char(c);
        let mut beam: [Completion<24>; 3] = Default::default();
        let n = complete_words::<4, 24>(&mut p, &mut scratch, None, &mut beam).unwrap();
        let beam: Vec<f32> = beam[..n]
            .iter()
            .map(|w| w.probability)
            .filter(|&p| p >= config.floor)
            .collect();
        let ours: Vec<f32> = s.panel().words.iter().map(|w| w.probability).collect();
        assert!(ours.len() >= beam.len(), "{c:?}: {ours:?} vs beam {beam:?}");
        for (o, b) in ours.iter().zip(&beam) {
            assert!(*o >= b * (1.0 - 1e-5), "{c:?}: {ours:?} vs beam {beam:?}");
            better += usize::from(*o > b * (1.0 + 1e-5));
        }
    }
    eprintln!("keys where a word beat the beam's: {better}");
}

#[test]
fn budgets_and_small_caches_say_the_result_is_not_exact() {
    let budget = SessionConfig {
        max_steps: Some(1),
        floor: 0.01,
        ..SessionConfig::DEFAULT
    };
    let (mut buf, model) = session_with(budget);
    let mut s = Session::new(&model, &mut buf, budget).unwrap();
    s.reprime("I will meet you at the restau").unwrap();
    assert!(!s.cost().exact);
    assert!(s.cost().steps <= 1 + 29, "{:?}", s.cost());
    let small = SessionConfig {
        cache: 3,
        floor: 0.01,
        ..SessionConfig::DEFAULT
    };
    let (mut buf, model) = session_with(small);
    let mut s = Session::new(&model, &mut buf, small).unwrap();
    for c in "meet you at the restaurant tom".chars() {
        s.press(Key::Char(c)).unwrap();
    }
    assert!(!s.cost().exact);
    // What it shows is still a completion the exact search ranks, with its exact probability.
    let full = panel_after("meet you at the restaurant tom", SessionConfig::DEFAULT);
    for w in &s.panel().words {
        assert!(full.words.iter().any(|f| f == w) || w.probability < full.words[0].probability);
    }
}

/// Tab types exactly the first word shown (no space), Accept(n) the n-th; Backspace undoes
/// each key exactly, within the history and past it.
#[test]
fn keys_do_what_the_panel_promised() {
    let config = SessionConfig {
        history: 4,
        ..SessionConfig::DEFAULT
    };
    let (mut buf, model) = session_with(config);
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    s.reprime("I will meet you at the resta").unwrap();
    let shown = s.panel().words.clone();
    assert!(!shown.is_empty());
    let before = s.panel().clone();
    s.press(Key::Accept(0)).unwrap();
    let typed: String = s.text().collect();
    let first: String = shown[0].suffix.iter().collect();
    assert!(typed.ends_with(&format!("resta{first}")), "{typed:?}");
    assert_eq!(s.typed_word().collect::<String>(), format!("resta{first}"));
    assert_eq!(
        s.panel(),
        &panel_after(&format!("I will meet you at the resta{first}"), config)
    );
    // Accepting a word that is not shown does nothing.
    let now = s.panel().clone();
    s.press(Key::Accept(9)).unwrap();
    assert_eq!(s.panel(), &now);
    // Backspace over the accepted word: back to the panel before Tab (exact for the last 4,
    // re-primed from the text before that).
    for _ in 0..first.chars().count() {
        s.press(Key::Backspace).unwrap();
    }
    assert_eq!(s.panel(), &before);
    // Backspace on an empty text does nothing.
    let mut buf2 = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut e = Session::new(&model, &mut buf2, config).unwrap();
    let start = e.panel().clone();
    e.press(Key::Backspace).unwrap();
    assert_eq!(e.panel(), &start);
}

#[test]
fn a_buffer_too_small_is_refused_with_the_size_needed() {
    let config = SessionConfig::DEFAULT;
    let model = Model::from_bytes(&ENGLISH.0).unwrap();
    let need = config.buffer_len(model.arch()).unwrap();
    let mut buf = vec![0f32; need - 1];
    match Session::new(&model, &mut buf, config) {
        Err(runtime::Error::BufferTooSmall { needed, provided }) => {
            assert_eq!((needed, provided), (need, need - 1));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("accepted a short buffer"),
    }
}
