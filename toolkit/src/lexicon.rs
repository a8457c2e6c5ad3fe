//! `quill lexicon`: a lexicon file (QLEX, see `format::Lexicon`) from word lists — plain text,
//! one word per line (Debian's `/usr/share/dict/*`), or a JSON array of strings (an npm word
//! list) — with each word's frequency class counted in a text.
//!
//! Words are folded to lower case (completion matches any case); entries that are not one
//! word (a space, punctuation other than the apostrophe) are left out and counted.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use runtime::is_word_char;

use crate::Error;

/// A word list file: one word per line, or a JSON array of strings.
pub fn read_words(path: &Path) -> Result<Vec<String>, Error> {
    // A word list is text: a few MB at most.
    const MAX: u64 = 64 << 20;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX + 1).read_to_string(&mut text))
        .map_err(|source| Error::Read {
            what: "the word list",
            path: path.into(),
            source,
        })?;
    if text.len() as u64 > MAX {
        return Err(Error::Refused(format!(
            "the word list {} is larger than {} MB; pass a word list, not a corpus",
            path.display(),
            MAX >> 20
        )));
    }
    if text.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<String>>(&text).map_err(|e| {
            Error::Refused(format!(
                "the word list {} starts like JSON but is not an array of strings: {e}",
                path.display()
            ))
        });
    }
    Ok(text.lines().map(str::to_string).collect())
}

/// What [`build`] made.
pub struct Built {
    pub bytes: Vec<u8>,
    pub words: usize,
    /// Entries left out: not one word.
    pub skipped: usize,
    /// Words the counting text holds (0 without one).
    pub counted: usize,
}

/// The lexicon of `entries` (folded to lower case; entries that are not one word left out),
/// with frequencies counted in `counts` (a text; every word's class is the lowest without),
/// keeping the `top` most frequent if given.
pub fn build(entries: &[String], counts: Option<&str>, top: Option<usize>) -> Result<Built, Error> {
    let mut skipped = 0;
    let mut words: HashMap<String, u64> = HashMap::new();
    for e in entries {
        let w = e.trim();
        if w.is_empty() {
            continue;
        }
        if !w.chars().all(is_word_char) {
            skipped += 1;
            continue;
        }
        words.entry(w.to_lowercase()).or_insert(0);
    }
    let mut counted = 0;
    if let Some(text) = counts {
        for token in text
            .split(|c: char| !is_word_char(c))
            .filter(|t| !t.is_empty())
        {
            counted += 1;
            if let Some(n) = words.get_mut(&token.to_lowercase()) {
                *n += 1;
            }
        }
    }
    let mut list: Vec<(String, u64)> = words.into_iter().collect();
    // Most frequent first, then alphabetical: `top` keeps a stable choice.
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if let Some(n) = top {
        list.truncate(n);
    }
    if list.is_empty() {
        return Err(Error::Refused(
            "the word lists hold no word (one per line, or a JSON array)".into(),
        ));
    }
    let bytes = format::build_lexicon(list.iter().map(|(w, n)| (w.as_str(), *n)))
        .map_err(|e| Error::Refused(format!("cannot build the lexicon: {e}")))?;
    Ok(Built {
        bytes,
        words: list.len(),
        skipped,
        counted,
    })
}
