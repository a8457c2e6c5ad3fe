//! The character vocabulary: sorted unique chars, index 0 reserved for unknown/padding — the
//! order the model file requires.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vocab {
    /// Characters of token ids 1.., ascending.
    pub chars: Vec<char>,
}

impl Vocab {
    /// Chars seen at least `min_freq` times; rarer ones will map to index 0.
    pub fn build(text: &str, min_freq: usize) -> Result<Self, String> {
        let mut counts = BTreeMap::new();
        for c in text.chars() {
            *counts.entry(c).or_insert(0usize) += 1;
        }
        let chars: Vec<char> = counts
            .iter()
            .filter(|&(_, &n)| n >= min_freq)
            .map(|(&c, _)| c)
            .collect();
        if chars.len() < 2 {
            return Err(format!(
                "the corpus has {} distinct character(s) seen at least {min_freq} time(s); a language model \
                 needs at least 2 — use a longer corpus or a lower --min-freq",
                chars.len()
            ));
        }
        Ok(Vocab { chars })
    }

    /// Vocabulary size including index 0.
    pub fn len(&self) -> usize {
        self.chars.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn index_of(&self, c: char) -> u32 {
        self.chars.binary_search(&c).map_or(0, |i| i as u32 + 1)
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        text.chars().map(|c| self.index_of(c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_with_zero_reserved_and_rare_chars_folded() {
        let v = Vocab::build("banana!", 2).unwrap();
        assert_eq!(v.chars, vec!['a', 'n']);
        assert_eq!(v.encode("ban!"), vec![0, 1, 2, 0]);
        assert_eq!(
            Vocab::build("banana!", 1).unwrap().chars,
            vec!['!', 'a', 'b', 'n']
        );
        assert!(Vocab::build("aaaa", 1).unwrap_err().contains("at least 2"));
    }
}
