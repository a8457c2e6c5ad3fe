//! Building a lexicon file (feature `alloc`): a trie of the words, minimised into a DAWG (equal
//! subtrees, frequency classes included, stored once), laid out as `lexicon.rs` reads it.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::header::CRC;
use crate::lexicon::{LEXICON_MAGIC, LEXICON_VERSION, LexiconError, MAX_EDGES, MAX_LETTERS};

/// The frequency class of a word seen `count` times: `1 + round(20·log10(1 + count))`, at
/// most 255 (never 0: 0 means "not a word").
pub fn frequency_class(count: u64) -> u8 {
    let c = 1.0 + 20.0 * libm_log10(1.0 + count as f64);
    let rounded = (c + 0.5) as u64; // saturating float-to-int conversion
    rounded.clamp(1, 255) as u8
}

/// log10 without `std`: ln by the series of atanh, enough for a frequency class.
fn libm_log10(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    // x = m · 2^e with m in [1, 2).
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64;
    let e = e.saturating_sub(1023);
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let y = (m - 1.0) / (m + 1.0);
    let y2 = y * y;
    let mut term = y;
    let mut ln_m = 0.0;
    let mut k = 1.0;
    for _ in 0..30 {
        ln_m += term / k;
        term *= y2;
        k += 2.0;
    }
    (2.0 * ln_m + e as f64 * core::f64::consts::LN_2) / core::f64::consts::LN_10
}

/// Why words cannot be made into a lexicon.
fn refuse(what: &'static str) -> LexiconError {
    LexiconError::Invalid { offset: 0, what }
}

#[derive(Default)]
struct TrieNode {
    /// letter → (child, frequency class of the word ending there)
    children: BTreeMap<char, (usize, u8)>,
}

/// A lexicon file holding `words` with their counts (a word listed twice keeps the larger
/// count). Empty words are skipped; at most 128 distinct letters.
pub fn build_lexicon<'w>(
    words: impl IntoIterator<Item = (&'w str, u64)>,
) -> Result<alloc::vec::Vec<u8>, LexiconError> {
    let mut trie = alloc::vec![TrieNode::default()];
    let mut count = 0u32;
    for (word, n) in words {
        if word.is_empty() {
            continue;
        }
        let class = frequency_class(n);
        let mut at = 0usize;
        let letters: Vec<char> = word.chars().collect();
        for (i, &c) in letters.iter().enumerate() {
            let last = i.saturating_add(1) == letters.len();
            let next_id = trie.len();
            let node = trie.get_mut(at).ok_or(refuse("trie"))?;
            let entry = node.children.entry(c).or_insert((next_id, 0));
            if last {
                if entry.1 == 0 {
                    count = count.saturating_add(1);
                }
                entry.1 = entry.1.max(class);
            }
            let child = entry.0;
            if child == next_id {
                trie.push(TrieNode::default());
            }
            at = child;
        }
    }
    if trie.first().is_none_or(|r| r.children.is_empty()) {
        return Err(refuse("a lexicon needs at least one word"));
    }
    let letters: Vec<char> = {
        let mut set: Vec<char> = trie
            .iter()
            .flat_map(|n| n.children.keys().copied())
            .collect();
        set.sort_unstable();
        set.dedup();
        set
    };
    if letters.len() > MAX_LETTERS {
        return Err(refuse("the words use more than 128 distinct letters"));
    }
    let index_of = |c: char| letters.binary_search(&c).unwrap_or(0) as u32;

    // Minimise: nodes with equal (letter, class, canonical child) lists become one, bottom up.
    let mut canonical = alloc::vec![usize::MAX; trie.len()];
    let mut signatures: BTreeMap<Vec<(char, u8, usize)>, usize> = BTreeMap::new();
    let mut unique: Vec<Vec<(char, u8, usize)>> = Vec::new();
    // Post-order without recursion: children always have larger ids than their parent, so
    // visiting ids from the last to the first sees every child first.
    for id in (0..trie.len()).rev() {
        let node = trie.get(id).ok_or(refuse("trie"))?;
        let sig: Vec<(char, u8, usize)> = node
            .children
            .iter()
            .map(|(&c, &(child, class))| (c, class, canonical.get(child).copied().unwrap_or(0)))
            .collect();
        let next = unique.len();
        let canon = *signatures.entry(sig.clone()).or_insert_with(|| {
            unique.push(sig);
            next
        });
        if let Some(slot) = canonical.get_mut(id) {
            *slot = canon;
        }
    }
    // Lay out every canonical node with children as a run of edges; the root's first.
    let root = canonical.first().copied().ok_or(refuse("trie"))?;
    let mut start: Vec<Option<u32>> = alloc::vec![None; unique.len()];
    let mut order: Vec<usize> = alloc::vec![root];
    let mut next_start = 0u32;
    let mut i = 0;
    while let Some(&node) = order.get(i) {
        i = i.saturating_add(1);
        let sig = unique.get(node).ok_or(refuse("trie"))?;
        if sig.is_empty() || start.get(node).copied().flatten().is_some() {
            continue;
        }
        if let Some(s) = start.get_mut(node) {
            *s = Some(next_start);
        }
        next_start = next_start.saturating_add(sig.len() as u32);
        order.extend(sig.iter().map(|&(_, _, child)| child));
    }
    let edges_len = next_start as usize;
    if edges_len > MAX_EDGES {
        return Err(refuse("the words need more than 2^24 edges"));
    }
    let mut edges = alloc::vec![0u32; edges_len];
    let mut classes = alloc::vec![0u8; edges_len];
    for (node, sig) in unique.iter().enumerate() {
        let Some(first) = start.get(node).copied().flatten() else {
            continue;
        };
        for (k, &(c, class, child)) in sig.iter().enumerate() {
            let target = start.get(child).copied().flatten().unwrap_or(0);
            let last = if k.saturating_add(1) == sig.len() {
                1u32 << 7
            } else {
                0
            };
            let at = (first as usize).saturating_add(k);
            if let (Some(e), Some(cl)) = (edges.get_mut(at), classes.get_mut(at)) {
                *e = index_of(c) | last | (target << 8);
                *cl = class;
            }
        }
    }
    let mut payload = Vec::new();
    payload.extend_from_slice(&(letters.len() as u32).to_le_bytes());
    for &c in &letters {
        payload.extend_from_slice(&u32::from(c).to_le_bytes());
    }
    payload.extend_from_slice(&count.to_le_bytes());
    payload.extend_from_slice(&(edges_len as u32).to_le_bytes());
    for e in &edges {
        payload.extend_from_slice(&e.to_le_bytes());
    }
    payload.extend_from_slice(&classes);
    let len = u32::try_from(payload.len()).map_err(|_| refuse("the lexicon exceeds 4 GiB"))?;
    let mut out = Vec::with_capacity(payload.len().saturating_add(16));
    out.extend_from_slice(&LEXICON_MAGIC);
    out.extend_from_slice(&LEXICON_VERSION.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&payload);
    let crc = CRC.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Every word of a lexicon with its class, in the automaton's order (for tests and tools).
pub fn lexicon_words(lex: &crate::lexicon::Lexicon<'_>) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, crate::lexicon::LexState)> =
        alloc::vec![(String::new(), lex.root())];
    while let Some((prefix, state)) = stack.pop() {
        let mut next: Vec<(String, crate::lexicon::LexState)> = Vec::new();
        for c in lex.next_letters(state) {
            if let Some(s) = lex.step(state, c) {
                let mut w = prefix.clone();
                w.push(c);
                if s.is_word() {
                    out.push((w.clone(), s.word_class()));
                }
                next.push((w, s));
            }
        }
        stack.extend(next.into_iter().rev());
    }
    out.sort();
    out
}
