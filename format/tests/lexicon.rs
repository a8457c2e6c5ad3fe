//! The lexicon file: built from words and counts, read back in place, walked letter by letter;
//! equal subtrees stored once; every damaged or foreign byte string refused with a typed error.

use format::{Lexicon, LexiconError, build_lexicon, frequency_class, lexicon_words};

fn words() -> Vec<(&'static str, u64)> {
    vec![
        ("the", 1_000_000),
        ("then", 20_000),
        ("there", 50_000),
        ("tomorrow", 3_000),
        ("tomato", 40),
        ("walking", 900),
        ("talking", 900),
        ("walked", 700),
        ("talked", 700),
        ("don't", 8_000),
        ("café", 12),
    ]
}

#[test]
fn words_come_back_with_their_classes() {
    let bytes = build_lexicon(words()).unwrap();
    let lex = Lexicon::from_bytes(&bytes).unwrap();
    assert_eq!(lex.word_count(), 11);
    let mut want: Vec<(String, u8)> = words()
        .into_iter()
        .map(|(w, n)| (w.to_string(), frequency_class(n)))
        .collect();
    want.sort();
    assert_eq!(lexicon_words(&lex), want);
    assert_eq!(lex.class_of("the"), frequency_class(1_000_000));
    assert!(lex.class_of("the") > lex.class_of("then"));
    assert_eq!(lex.class_of("th"), 0);
    assert_eq!(lex.class_of("thee"), 0);
    assert_eq!(lex.class_of("The"), 0, "case matters in the file");
    // Walking letter by letter: "tom" continues, is no word; "tomato" ends one.
    let s = lex.walk("tom".chars()).unwrap();
    assert!(s.continues() && !s.is_word());
    assert_eq!(lex.next_letters(s).collect::<String>(), "ao");
    let s = lex.walk("tomato".chars()).unwrap();
    assert!(s.is_word() && !s.continues());
    assert!(lex.walk("tomatoes".chars()).is_none());
    assert!(lex.walk("x".chars()).is_none());
}

#[test]
fn equal_subtrees_are_stored_once() {
    // "walk"/"talk" + {ing, ed} with equal classes share their endings.
    let shared =
        build_lexicon([("walking", 9), ("talking", 9), ("walked", 9), ("talked", 9)]).unwrap();
    let apart =
        build_lexicon([("walking", 9), ("talking", 1), ("walked", 9), ("talked", 1)]).unwrap();
    assert!(
        shared.len() < apart.len(),
        "{} vs {}",
        shared.len(),
        apart.len()
    );
    // A larger list: about 6,000 words of three parts; the automaton is far smaller than a trie.
    let stems = [
        "re", "un", "pre", "over", "under", "out", "mis", "de", "dis", "in",
    ];
    let roots = [
        "play", "walk", "talk", "work", "load", "build", "turn", "fold", "pack", "set",
    ];
    let ends = ["", "s", "ed", "ing", "er", "ers", "able"];
    let mut list = Vec::new();
    for a in stems {
        for b in roots {
            for c in ends {
                list.push(format!("{a}{b}{c}"));
            }
        }
    }
    let bytes = build_lexicon(list.iter().map(|w| (w.as_str(), 5))).unwrap();
    let lex = Lexicon::from_bytes(&bytes).unwrap();
    assert_eq!(lex.word_count() as usize, list.len());
    let letters: usize = list.iter().map(|w| w.len()).sum();
    assert!(
        bytes.len() * 4 < letters,
        "{} bytes for {letters} letters",
        bytes.len()
    );
    for w in &list {
        assert_eq!(lex.class_of(w), frequency_class(5), "{w}");
    }
}

#[test]
fn damaged_and_foreign_bytes_are_refused() {
    let bytes = build_lexicon(words()).unwrap();
    assert!(matches!(
        Lexicon::from_bytes(&bytes[..10]),
        Err(LexiconError::TooShort { .. })
    ));
    assert!(matches!(
        Lexicon::from_bytes(&bytes[..bytes.len() - 1]),
        Err(LexiconError::LengthMismatch { .. })
    ));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Lexicon::from_bytes(&longer),
        Err(LexiconError::LengthMismatch { .. })
    ));
    let mut model = bytes.clone();
    model[..4].copy_from_slice(b"QUIL");
    let e = Lexicon::from_bytes(&model).unwrap_err();
    assert!(e.to_string().contains("not a Quill lexicon"), "{e}");
    // Every single flipped bit: refused (the checksum), never a panic.
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = bytes.clone();
            bad[i] ^= bit;
            assert!(Lexicon::from_bytes(&bad).is_err(), "byte {i} bit {bit:#x}");
        }
    }
    // Structure checked behind a valid checksum: an edge past the end, a letter outside the
    // alphabet, an unterminated list.
    let payload_edit = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut p = bytes[12..bytes.len() - 4].to_vec();
        edit(&mut p);
        let mut out = b"QLEX\x01\x00\x00\x00".to_vec();
        out.extend((p.len() as u32).to_le_bytes());
        out.extend(&p);
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&out);
        out.extend(crc.to_le_bytes());
        Lexicon::from_bytes(&out).map(|_| ())
    };
    let letters = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let edges_at = 4 + letters * 4 + 8;
    assert!(payload_edit(&|p| p[edges_at + 3] = 0xff).is_err());
    assert!(payload_edit(&|p| p[edges_at] = 0x7f).is_err());
    // No edge closes a list: a walk could run off the end.
    assert!(
        payload_edit(&|p| {
            let n = u32::from_le_bytes(p[edges_at - 4..edges_at].try_into().unwrap()) as usize;
            for k in 0..n {
                p[edges_at + 4 * k] &= 0x7f;
            }
        })
        .is_err()
    );
    assert!(payload_edit(&|p| p.truncate(p.len() - 1)).is_err());
    assert!(payload_edit(&|p| p[4..8].copy_from_slice(&0xD800u32.to_le_bytes())).is_err());
    // An empty list: nothing to build.
    assert!(build_lexicon(std::iter::empty()).is_err());
}
