//! Words worth a tap: a lexicon restricts completion to real words, a block list keeps words
//! out, and the person's own words are learned, decay, survive a full store, and are saved and
//! restored as checked bytes.

use format::{Lexicon, build_lexicon};
use runtime::{
    DECAY_EVERY, Error, Key, LEARN_AFTER, Model, Session, SessionConfig, UserWords, WordLists,
};

#[repr(C, align(64))]
struct Aligned<T: ?Sized>(T);
static ENGLISH: &Aligned<[u8]> =
    &Aligned(*include_bytes!("../../models/english-gru-1x256-int8.quill"));

const TEXT: &str = "I will meet you at the restaurant tomorrow, and we can talk about the \
                    project then. Bring the drawings if you have them ready.";

fn store(capacity: usize) -> Vec<f32> {
    vec![0f32; UserWords::buffer_len(capacity).unwrap()]
}

#[test]
fn words_are_learned_after_two_uses_and_forgotten_on_request() {
    let mut buf = store(8);
    let mut u = UserWords::new(&mut buf);
    assert_eq!(u.capacity(), 8);
    assert!(u.learn("Quillsby"));
    assert_eq!(u.learned().count(), 0, "one use is not enough");
    assert!(u.learn("quillsby"), "any case is the same word");
    assert_eq!(
        u.learned().collect::<Vec<_>>(),
        vec![("Quillsby", LEARN_AFTER)]
    );
    assert_eq!(
        u.continuing("qui").collect::<Vec<_>>(),
        vec![("llsby", 1.0)]
    );
    assert!(!u.learn("a"), "one letter is not learned");
    assert!(
        !u.learn(&"x".repeat(25)),
        "longer than 24 bytes is not learned"
    );
    assert!(u.forget("QUILLSBY"));
    assert_eq!(u.words().count(), 0);
    u.learn("zed");
    u.clear();
    assert_eq!(u.words().count(), 0);
}

#[test]
fn a_full_store_keeps_what_was_learned_and_old_words_decay() {
    let mut buf = store(4);
    let mut u = UserWords::new(&mut buf);
    for w in ["alpha", "bravo", "charlie"] {
        u.learn(w);
        u.learn(w);
    }
    u.learn("delta");
    // Full: new one-off words replace the not-yet-learned one, never a learned word.
    for w in ["echo", "foxtrot", "golf"] {
        u.learn(w);
        assert_eq!(u.learned().count(), 3, "{w} pushed out a learned word");
    }
    assert!(u.words().any(|(w, _)| w == "golf"));
    // Four learned words: a fifth new one finds no room and is not stored.
    u.learn("golf");
    assert!(!u.learn("hotel"));
    assert_eq!(u.learned().count(), 4);
    // Decay: words unused over a whole round lose a use; "alpha", used all along, stays.
    for i in 0..(2 * DECAY_EVERY) {
        if i % 50 == 0 {
            u.learn("alpha");
        }
        u.learn(["xa", "xb"][i as usize % 2]);
    }
    let left: Vec<&str> = u.learned().map(|(w, _)| w).collect();
    assert!(left.contains(&"alpha"), "{left:?}");
    assert!(!left.contains(&"bravo"), "{left:?}");
}

#[test]
fn saved_words_come_back_and_damaged_bytes_are_refused() {
    let mut buf = store(6);
    let mut u = UserWords::new(&mut buf);
    for w in ["Zürich", "Zürich", "gRPC", "gRPC", "gRPC", "typo"] {
        u.learn(w);
    }
    let mut saved = vec![0u8; u.saved_size()];
    assert_eq!(u.save(&mut saved).unwrap(), saved.len());
    assert!(matches!(
        u.save(&mut [0u8; 10]),
        Err(Error::OutputTooSmall { .. })
    ));
    let mut buf2 = store(6);
    let mut back = UserWords::new(&mut buf2);
    back.restore(&saved).unwrap();
    assert_eq!(
        back.words().collect::<Vec<_>>(),
        u.words().collect::<Vec<_>>()
    );
    // Every flipped bit is refused and changes nothing.
    for i in 0..saved.len() {
        let mut bad = saved.clone();
        bad[i] ^= 0x04;
        assert!(
            matches!(back.restore(&bad), Err(Error::InvalidUserWords { .. })),
            "byte {i}"
        );
        assert_eq!(back.words().count(), 3);
    }
    // Another capacity, or bytes cut short.
    let mut buf3 = store(5);
    let mut other = UserWords::new(&mut buf3);
    assert!(other.restore(&saved).is_err());
    assert!(back.restore(&saved[..saved.len() - 1]).is_err());
    assert!(back.restore(b"not a save").is_err());
}

fn english() -> Model<'static> {
    Model::from_bytes(&ENGLISH.0).unwrap()
}

/// A small lexicon of the words in TEXT and their neighbours, and a block list.
fn lists() -> (Vec<u8>, Vec<u8>) {
    let words = [
        "i",
        "will",
        "meet",
        "you",
        "at",
        "the",
        "restaurant",
        "restaurants",
        "rest",
        "tomorrow",
        "and",
        "we",
        "can",
        "talk",
        "about",
        "project",
        "then",
        "there",
        "bring",
        "drawings",
        "drawing",
        "if",
        "have",
        "them",
        "ready",
        "tomato",
        "tom",
        "they",
        "this",
        "that",
    ];
    let lexicon = build_lexicon(words.iter().map(|w| (*w, 10))).unwrap();
    let blocked = build_lexicon([("tomorrow", 1), ("damn", 1)]).unwrap();
    (lexicon, blocked)
}

#[test]
fn a_lexicon_restricts_completions_to_its_words_and_a_block_list_removes_some() {
    let (lexicon, blocked) = lists();
    let lex = Lexicon::from_bytes(&lexicon).unwrap();
    let model = english();
    let config = SessionConfig {
        user_words: 0,
        floor: 0.01,
        ..SessionConfig::DEFAULT
    };
    let mut buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    let (mut free_steps, mut lex_steps, mut shown) = (0, 0, 0);
    let mut plain_buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut plain = Session::new(&model, &mut plain_buf, config).unwrap();
    s.set_word_lists(WordLists {
        lexicon: Some(lex),
        blocked: Some(Lexicon::from_bytes(&blocked).unwrap()),
        others: 0.0,
    })
    .unwrap();
    for c in TEXT.chars() {
        s.press(Key::Char(c)).unwrap();
        plain.press(Key::Char(c)).unwrap();
        lex_steps += s.cost().steps;
        free_steps += plain.cost().steps;
        let typed: String = s.typed_word().collect();
        for w in &s.panel().words {
            let word = format!("{typed}{}", w.suffix.iter().collect::<String>()).to_lowercase();
            assert!(lex.class_of(&word) > 0, "{word:?} is not in the lexicon");
            assert_ne!(word, "tomorrow", "a blocked word was shown");
            assert!(w.probability >= config.floor);
            shown += 1;
        }
    }
    assert!(shown > 20, "{shown} completions shown");
    // Only lexicon prefixes are explored: no more work than without the lexicon.
    assert!(lex_steps <= free_steps, "{lex_steps} vs {free_steps}");
    // "Tom" capitalised walks the lower-case lexicon.
    s.reprime("See you Tom").unwrap();
    let shown: Vec<String> = s
        .panel()
        .words
        .iter()
        .map(|w| w.suffix.iter().collect())
        .collect();
    assert!(!shown.contains(&"orrow".to_string()), "{shown:?}");
}

#[test]
fn preferring_the_lexicon_weighs_other_words_down_instead_of_hiding_them() {
    let (lexicon, _) = lists();
    let lex = Lexicon::from_bytes(&lexicon).unwrap();
    let model = english();
    let config = SessionConfig {
        user_words: 0,
        floor: 0.0,
        ..SessionConfig::DEFAULT
    };
    let panel_after = |others: Option<f32>, text: &str| {
        let mut buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
        let mut s = Session::new(&model, &mut buf, config).unwrap();
        if let Some(others) = others {
            s.set_word_lists(WordLists {
                lexicon: Some(lex),
                blocked: None,
                others,
            })
            .unwrap();
        }
        for c in text.chars() {
            s.press(Key::Char(c)).unwrap();
        }
        let typed: String = s.typed_word().collect();
        s.panel()
            .words
            .iter()
            .map(|w| {
                (
                    format!("{typed}{}", w.suffix.iter().collect::<String>()),
                    w.probability,
                )
            })
            .collect::<Vec<_>>()
    };
    let text = "We will meet at the rest";
    let free = panel_after(None, text);
    let restricted = panel_after(Some(0.0), text);
    let preferred = panel_after(Some(0.25), text);
    assert_eq!(
        panel_after(Some(1.0), text),
        free,
        "weight 1 ignores the lexicon"
    );
    // The lexicon's words keep their probability; the others are shown at a quarter of it.
    let others: Vec<_> = preferred
        .iter()
        .filter(|(w, _)| lex.class_of(&w.to_lowercase()) == 0)
        .collect();
    assert!(!others.is_empty(), "no other word shown: {preferred:?}");
    // (A word the free panel lacks was beyond its last place.)
    let last = free.last().map_or(1.0, |(_, p)| *p);
    for (word, p) in &preferred {
        let weight = if lex.class_of(&word.to_lowercase()) > 0 {
            1.0
        } else {
            0.25
        };
        match free.iter().find(|(w, _)| w == word) {
            Some((_, free_p)) => {
                assert!(
                    (p - free_p * weight).abs() <= 1e-6,
                    "{word}: {p} vs {free_p}"
                )
            }
            None => assert!(
                p / weight <= last + 1e-6,
                "{word}: {p} missing from {free:?}"
            ),
        }
    }
    // Every word the restricted panel shows keeps its probability, or was beyond the end.
    let last = preferred.last().map_or(1.0, |(_, p)| *p);
    for (word, p) in &restricted {
        match preferred.iter().find(|(w, _)| w == word) {
            Some((_, q)) => assert_eq!(p, q, "{word}"),
            None => assert!(*p <= last, "{word} ({p}) lost from {preferred:?}"),
        }
    }
    assert!(
        preferred.windows(2).all(|w| w[0].1 >= w[1].1),
        "{preferred:?}"
    );
    // Weights outside [0, 1] are refused and change nothing.
    let mut buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    for others in [-0.5, 1.5, f32::NAN] {
        let refused = s.set_word_lists(WordLists {
            lexicon: Some(lex),
            blocked: None,
            others,
        });
        assert!(
            matches!(refused, Err(Error::InvalidWordWeight { .. })),
            "{refused:?}"
        );
        assert!(s.word_lists().lexicon.is_none());
    }
}

#[test]
fn the_session_learns_new_words_and_offers_them() {
    let (lexicon, blocked) = lists();
    let model = english();
    let config = SessionConfig {
        floor: 0.01,
        ..SessionConfig::DEFAULT
    };
    let mut buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    s.set_word_lists(WordLists {
        lexicon: Some(Lexicon::from_bytes(&lexicon).unwrap()),
        blocked: Some(Lexicon::from_bytes(&blocked).unwrap()),
        others: 0.0,
    })
    .unwrap();
    let suggests = |s: &Session<'_, '_>, suffix: &str| {
        s.panel()
            .words
            .iter()
            .any(|w| w.suffix.iter().copied().eq(suffix.chars()))
    };
    // A name the lexicon lacks: nothing after one use, suggested after two.
    s.type_text("meet Quillsby at the restaurant. ".chars())
        .unwrap();
    s.type_text("Qui".chars()).unwrap();
    assert!(!suggests(&s, "llsby"));
    s.type_text("llsby then. Qui".chars()).unwrap();
    assert!(suggests(&s, "llsby"), "{:?}", s.panel());
    // Tab types it.
    let first = s
        .panel()
        .words
        .iter()
        .position(|w| w.suffix.iter().copied().eq("llsby".chars()));
    s.press(Key::Accept(first.unwrap())).unwrap();
    assert!(s.text().collect::<String>().ends_with("Quillsby"));
    // Lexicon words and blocked words are not learned.
    let users = s.user_words().unwrap();
    assert!(
        users
            .words()
            .all(|(w, _)| w.eq_ignore_ascii_case("quillsby"))
    );
    s.type_text(" damn damn damn then. ".chars()).unwrap();
    assert!(s.user_words().unwrap().words().all(|(w, _)| w != "damn"));
    // Forgetting it: no longer suggested.
    s.user_words_mut().unwrap().forget("quillsby");
    s.type_text("Qui".chars()).unwrap();
    assert!(!suggests(&s, "llsby"));
}
