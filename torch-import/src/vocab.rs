//! From PyTorch's index-to-token list to Quill's vocabulary: token 0 unknown/padding, then the
//! characters in ascending code-point order. The result says, for every Quill token, which row
//! of the source embedding and output layer it takes.

use std::collections::BTreeMap;

use crate::ImportError;

/// Source entries that stand for unknown/padding when `--unknown` is not given: the lesson's
/// `"\0"` padding, then fastai's `xxunk`.
const DEFAULT_UNKNOWN: [&str; 2] = ["\0", "xxunk"];

#[derive(Debug, Clone, PartialEq)]
pub struct VocabMap {
    /// Characters of Quill tokens 1.. (strictly ascending).
    pub chars: Vec<char>,
    /// For each Quill token 0..=chars.len(), its source row; `None` only for token 0 when the
    /// source has no unknown token.
    pub source_rows: Vec<Option<usize>>,
    /// How many entries the source vocabulary has (rows of its embedding and output layer).
    pub source_len: usize,
    /// The source entry used as token 0, if any.
    pub unknown: Option<String>,
    /// Source entries left out (`--drop`).
    pub dropped: Vec<String>,
}

/// Parses `json` (a JSON array of strings, the model's index-to-token list) and maps it.
pub fn map_vocab(
    json: &str,
    unknown: Option<&str>,
    drop: &[String],
) -> Result<VocabMap, ImportError> {
    let entries: Vec<String> = serde_json::from_str(json).map_err(|e| {
        ImportError::Vocab(format!(
            "the vocabulary file is not a JSON array of strings ({e}); write the model's \
             index-to-token list, e.g. json.dump(itos, open(\"vocab.json\", \"w\"))"
        ))
    })?;
    for d in drop {
        if !entries.contains(d) {
            return Err(ImportError::Vocab(format!(
                "--drop {d:?}: the vocabulary has no such entry"
            )));
        }
    }
    let unknown = match unknown {
        Some(u) => {
            if !entries.iter().any(|e| e == u) {
                return Err(ImportError::Vocab(format!(
                    "--unknown {u:?}: the vocabulary has no such entry"
                )));
            }
            Some(u.to_string())
        }
        None => DEFAULT_UNKNOWN
            .iter()
            .find(|u| entries.iter().any(|e| e == *u))
            .map(|u| u.to_string()),
    };
    let mut unknown_row = None;
    let mut by_char: BTreeMap<char, usize> = BTreeMap::new();
    let mut dropped = Vec::new();
    for (row, entry) in entries.iter().enumerate() {
        if unknown.as_deref() == Some(entry.as_str()) {
            if let Some(first) = unknown_row {
                return Err(ImportError::Vocab(format!(
                    "the unknown token {entry:?} appears twice (entries {first} and {row})"
                )));
            }
            unknown_row = Some(row);
            continue;
        }
        if drop.contains(entry) {
            dropped.push(entry.clone());
            continue;
        }
        let mut chars = entry.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(ImportError::Vocab(format!(
                "vocabulary entry {row} is {entry:?}, not a single character. Quill's vocabulary \
                 is characters plus one unknown token: pass --unknown {entry:?} if it stands for \
                 unknown/padding, or --drop {entry:?} to leave it out (the probability the model \
                 gives it is then shared among the other tokens)"
            )));
        };
        if let Some(first) = by_char.insert(c, row) {
            return Err(ImportError::Vocab(format!(
                "the character {c:?} appears twice in the vocabulary (entries {first} and {row})"
            )));
        }
    }
    let chars: Vec<char> = by_char.keys().copied().collect();
    let source_rows = std::iter::once(unknown_row)
        .chain(by_char.values().map(|&r| Some(r)))
        .collect();
    Ok(VocabMap {
        chars,
        source_rows,
        source_len: entries.len(),
        unknown,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lessons_padding_becomes_token_0_and_characters_are_sorted() {
        let m = map_vocab(r#"["\u0000", "b", " ", "a"]"#, None, &[]).unwrap();
        assert_eq!(m.chars, vec![' ', 'a', 'b']);
        assert_eq!(m.source_rows, vec![Some(0), Some(2), Some(3), Some(1)]);
        assert_eq!(m.unknown.as_deref(), Some("\0"));
    }

    #[test]
    fn without_an_unknown_entry_token_0_has_no_source_row() {
        let m = map_vocab(r#"["x", "y"]"#, None, &[]).unwrap();
        assert_eq!(m.source_rows, vec![None, Some(0), Some(1)]);
    }

    #[test]
    fn multi_character_entries_need_a_decision() {
        let e = map_vocab(r#"["xxbos", "a"]"#, None, &[]).unwrap_err();
        assert!(e.to_string().contains("--drop \"xxbos\""), "{e}");
        let m = map_vocab(r#"["xxunk", "xxbos", "a"]"#, None, &["xxbos".into()]).unwrap();
        assert_eq!(m.source_rows, vec![Some(0), Some(2)]);
        assert_eq!(m.dropped, vec!["xxbos".to_string()]);
        let m = map_vocab(r#"["<pad>", "a"]"#, Some("<pad>"), &[]).unwrap();
        assert_eq!(m.source_rows, vec![Some(0), Some(1)]);
    }

    #[test]
    fn duplicates_and_bad_json_are_refused() {
        assert!(map_vocab(r#"["a", "a"]"#, None, &[]).is_err());
        assert!(map_vocab(r#"{"a": 1}"#, None, &[]).is_err());
        assert!(map_vocab(r#"["", "a"]"#, None, &[]).is_err());
        assert!(map_vocab(r#"["a"]"#, Some("?"), &[]).is_err());
        assert!(map_vocab(r#"["a"]"#, None, &["?".into()]).is_err());
    }
}
