//! Word completion by exact best-first search, over a cache of the prefixes it stepped that
//! lives across key presses.
//!
//! The beam search (`complete.rs`) steps the model about `beam × length` times on every key.
//! This search instead expands prefixes in order of probability, most probable first, and stops
//! as soon as no unexpanded prefix can beat the `k`-th best finished word or the probability
//! floor (a prefix's probability only falls as it grows, and a word's probability is its
//! prefix's times the chance that the word ends there). What it returns is therefore the exact
//! top `k` completions of at most `max_len` characters — at least as probable as the beam's.
//!
//! Each expanded prefix keeps its model state in a [`WordCache`] (caller memory, a fixed number
//! of nodes). When the person types the character a cached prefix starts with, that prefix
//! becomes the new root and everything expanded under it is reused: the next search steps only
//! the new frontier, and typing the character itself costs a copy instead of a step.
//!
//! Results are a function of the root state only: the order of expansion and every tie are
//! decided by probabilities, tokens and expansion order, never by where a node sits in the
//! cache, so a search over a warm cache returns bit for bit what a cold one returns.

use bytemuck::{Pod, Zeroable};

use crate::complete::{Completion, is_word_char};
use crate::layout::Layout;
use crate::math::exp;
use crate::user_words::fold;
use crate::words::{Learned, TypedWord, WordLists, WordState};
use crate::{Error, Predictor, scores};

/// No node (a root's parent; an exhausted child list).
const NONE: u32 = u32::MAX;

/// One cached prefix: its place in the trie, its state (in the cache's state rows) and the
/// search-time facts of the last search that reached it.
#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
struct Node {
    /// 1 when the slot holds a prefix (its state row is valid), 0 when free.
    live: u32,
    /// The prefix this one extends by `token` ([`NONE`] for a root).
    parent: u32,
    token: u32,
    /// The search (generation) that last reached this node; the fields below are valid only
    /// when it is the current one. Also the least-recently-used order for eviction.
    seen: u32,
    /// Characters below the search's root.
    depth: u32,
    /// Expansion order in that search (the root is 0): the tie-break between equal
    /// probabilities, independent of where the node sits in the cache.
    order: u32,
    /// P(this prefix | root).
    prob: f32,
    /// Softmax statistics of the node's (biased) logits: max and sum of `exp(score − max)`.
    max: f32,
    sum: f32,
    /// The next children to offer, best first (word characters by score, then token), found
    /// in one pass over the logits: `kids[kids_at..kids_len]` are still to offer. When they run
    /// out, the next ones are looked for below the last.
    kids: [u32; KIDS],
    kid_scores: [f32; KIDS],
    kids_len: u32,
    kids_at: u32,
    /// The next child's probability given the root: `prob × softmax(its score)` (0 when every
    /// child was offered).
    next_prob: f32,
    /// Where the prefix stands in the word lists (a [`WordState`] as plain numbers).
    lex: [u32; 2],
    blocked: [u32; 2],
    word_len: u32,
    /// The cache's scan epoch when `max`, `sum`, `end` and the first children were found
    /// (0: not since the node was made, or its child list was refilled since): while the
    /// epoch holds, a later search reads them instead of scanning the logits again.
    scan: u32,
    /// The chance that the word ends here (see [`WordCache::visit`]).
    end: f32,
}

impl Node {
    fn word_state(&self) -> WordState {
        let join = |w: [u32; 2]| u64::from(w[0]) | (u64::from(w[1]) << 32);
        WordState {
            lex: join(self.lex),
            blocked: join(self.blocked),
            len: self.word_len,
        }
    }

    fn set_word_state(&mut self, s: WordState) {
        let split = |v: u64| [v as u32, (v >> 32) as u32];
        self.lex = split(s.lex);
        self.blocked = split(s.blocked);
        self.word_len = s.len;
    }
}

/// What a search consults besides the model: the word lists, the learned words, and the part
/// of the word typed before the root.
#[derive(Clone, Copy)]
pub(crate) struct Words<'s, 'a, 'b> {
    pub lists: &'s WordLists<'a>,
    pub learned: Learned<'s, 'b>,
    pub typed: &'s TypedWord,
}

/// Children a node finds per pass over its logits: most searches offer a node's best one to
/// three before they stop.
const KIDS: usize = 4;

/// `f32`s of one node's bookkeeping.
const NODE_F32: usize = core::mem::size_of::<Node>() / 4;
const _: () =
    assert!(core::mem::size_of::<Node>().is_multiple_of(4) && core::mem::align_of::<Node>() == 4);

/// Cached prefixes with their model states, in caller memory; see the module docs. The node
/// the cache calls its root holds the predictor's current state; a search starts there.
pub struct WordCache<'b> {
    nodes: &'b mut [Node],
    states: &'b mut [f32],
    /// One bit per token: set for the tokens whose character continues a word.
    word_tokens: &'b mut [u32],
    /// Per token, its character in lower case (what the word lists hold), or 0.
    folded: &'b mut [u32],
    /// Sets of every layer's hidden side `W_hh·h + b_hh` (the caller chose how many), each of
    /// the prefix `sides_of` names: the next child stepped from that prefix reuses them instead
    /// of running the hidden-side products again (siblings share their parent's `h`; about
    /// three quarters of a GRU 1×256 step's multiply-accumulates).
    sides: &'b mut [f32],
    /// The node whose hidden sides each set holds ([`NONE`]: none). Reset whenever that
    /// node's state row is written.
    sides_of: &'b mut [u32],
    /// The step that last used each set (the least recent one is replaced).
    sides_used: &'b mut [u32],
    /// Steps taken (the clock of `sides_used`).
    clock: u32,
    /// Scans of a node's logits hold while this epoch does: it moves on when what a scan reads
    /// besides the logits (a bias, the word lists, learned words) may have changed.
    scan_epoch: u32,
    /// What the last search's scans read besides the logits (see [`scan_inputs`]); `None`
    /// when it had a bias or learned words.
    scan_inputs: Option<[u64; 3]>,
    /// `f32` per state row (the predictor's snapshot length).
    snap: usize,
    root: u32,
    generation: u32,
}

/// How much a search may do and show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchLimits {
    /// Longest completion, in characters.
    pub max_len: usize,
    /// A completion below this probability is not shown (and no prefix below it expanded).
    pub floor: f32,
    /// Model steps the search may take (`None`: as many as exactness needs). When it runs
    /// out, the best completions found so far are returned as not exact.
    pub max_steps: Option<u32>,
}

/// What a search did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchOutcome {
    /// Completions written.
    pub found: usize,
    /// Model steps taken (prefixes not found in the cache).
    pub steps: u32,
    /// Prefixes expanded (stepped or found in the cache).
    pub expanded: u32,
    /// Of the steps, those that reused the hidden-side products a sibling's step from the
    /// same prefix left in the cache (the input side, gates and output layer only).
    pub shared: u32,
    /// True when the completions are the exact top ones; false when the step budget or the
    /// cache's capacity stopped the search first.
    pub exact: bool,
}

impl<'b> WordCache<'b> {
    /// `f32`s a cache of `nodes` prefixes with `sibling_sets` sets of hidden sides (see
    /// [`new`](Self::new)) needs beside a predictor of `layout` (usable in a `const` to size a
    /// static buffer); `None` on overflow.
    pub const fn buffer_len(layout: &Layout, nodes: usize, sibling_sets: usize) -> Option<usize> {
        let Some(row) = layout.snapshot().checked_add(NODE_F32) else {
            return None;
        };
        let Some(rows) = row.checked_mul(nodes) else {
            return None;
        };
        let Some(tables) = layout.vocab.checked_add(layout.vocab.div_ceil(32)) else {
            return None;
        };
        let Some(sides) = sides_len(layout.hidden_sides(), sibling_sets) else {
            return None;
        };
        let Some(fixed) = tables.checked_add(sides) else {
            return None;
        };
        rows.checked_add(fixed)
    }

    /// A cache in `buffer` holding as many prefixes as fit for predictor `p` (at least two: a
    /// root and one prefix) beside `sibling_sets` sets of hidden sides: the hidden-side
    /// products (`W_hh·h + b_hh`, every layer) of the last prefixes stepped from, which the
    /// next child of the same prefix reuses instead of computing them again. Each set takes
    /// [`Layout::hidden_sides`] `f32`; 0 turns the sharing off. Results are bit for bit the same
    /// with any number.
    pub fn new(
        p: &Predictor<'_, '_>,
        buffer: &'b mut [f32],
        sibling_sets: usize,
    ) -> Result<Self, Error> {
        let snap = p.snapshot_len();
        let vocab = p.logits().len();
        let sides_len =
            sides_len(p.layout().hidden_sides(), sibling_sets).ok_or(Error::ModelTooLarge)?;
        let mask_len = vocab
            .div_ceil(32)
            .saturating_add(vocab)
            .saturating_add(sides_len);
        let row = snap.checked_add(NODE_F32).ok_or(Error::ModelTooLarge)?;
        let capacity = buffer
            .len()
            .saturating_sub(mask_len)
            .checked_div(row)
            .unwrap_or(0);
        if capacity < 2 {
            return Err(Error::BufferTooSmall {
                needed: row.saturating_mul(2).saturating_add(mask_len),
                provided: buffer.len(),
            });
        }
        let (tables, rest) = buffer.split_at_mut(mask_len);
        let (sides, tables) = tables.split_at_mut(sides_len);
        let (tags, sides) = sides.split_at_mut(sibling_sets.saturating_mul(2));
        let (sides_of, sides_used) =
            bytemuck::cast_slice_mut::<f32, u32>(tags).split_at_mut(sibling_sets);
        sides_of.fill(NONE);
        sides_used.fill(0);
        let (word_tokens, folded) = tables.split_at_mut(vocab.div_ceil(32));
        let word_tokens: &mut [u32] = bytemuck::cast_slice_mut(word_tokens);
        let folded: &mut [u32] = bytemuck::cast_slice_mut(folded);
        word_tokens.fill(0);
        folded.fill(0);
        let v = p.model().vocab();
        for t in 1..vocab {
            let c = u32::try_from(t).ok().and_then(|t| v.char_at(t));
            if let Some(c) = c.filter(|&c| is_word_char(c)) {
                if let Some(w) = word_tokens.get_mut(t / 32) {
                    *w |= 1u32.wrapping_shl(t as u32);
                }
                if let Some(f) = folded.get_mut(t) {
                    *f = u32::from(fold(c));
                }
            }
        }
        let (nodes, states) = rest.split_at_mut(capacity.saturating_mul(NODE_F32));
        let nodes: &mut [Node] = bytemuck::cast_slice_mut(nodes);
        nodes.fill(Node::zeroed());
        Ok(WordCache {
            nodes,
            states,
            word_tokens,
            folded,
            sides,
            sides_of,
            sides_used,
            clock: 0,
            scan_epoch: 1,
            scan_inputs: None,
            snap,
            root: NONE,
            generation: 0,
        })
    }

    /// Prefixes the cache holds at most.
    pub fn capacity(&self) -> usize {
        self.nodes.len()
    }

    /// Prefixes held now (the root included).
    pub fn len(&self) -> usize {
        self.nodes.iter().filter(|n| n.live != 0).count()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.root == NONE
    }

    /// Forgets everything (a new text, a cursor jump, a word boundary).
    pub fn clear(&mut self) {
        for n in self.nodes.iter_mut() {
            n.live = 0;
        }
        self.root = NONE;
        self.sides_of.fill(NONE);
    }

    /// Makes `p`'s current state the only prefix: the root of the next search, standing at
    /// `words` in the word lists (the walk of the word typed so far).
    pub(crate) fn reset_to(
        &mut self,
        p: &Predictor<'_, '_>,
        words: WordState,
    ) -> Result<(), Error> {
        self.clear();
        let slot = 0u32;
        p.snapshot(self.state_mut(slot)?)?;
        self.set(slot, NONE, 0, words);
        self.root = slot;
        Ok(())
    }

    /// Where the root stands in the word lists.
    pub(crate) fn root_words(&self) -> Option<WordState> {
        self.node(self.root).map(Node::word_state)
    }

    /// The person typed word character `c`, which the predictor has *not* been fed yet. If
    /// the cache holds the root's child for it, that becomes the root and its state is
    /// restored into `p` (a copy instead of a step): returns true. Otherwise nothing changes:
    /// the caller feeds `c` and calls [`grow`](Self::grow).
    pub(crate) fn descend(&mut self, p: &mut Predictor<'_, '_>, c: char) -> Result<bool, Error> {
        let token = p.model().vocab().index_of(c);
        let Some(child) = self.child(self.root, token) else {
            return Ok(false);
        };
        p.restore_own(self.state(child)?)?;
        self.root = child;
        Ok(true)
    }

    /// After `p` was fed word character `c` from the root's state: the new state becomes the
    /// root, a child of the old one (so Backspace can climb back).
    pub(crate) fn grow(
        &mut self,
        p: &Predictor<'_, '_>,
        c: char,
        lists: &WordLists<'_>,
    ) -> Result<(), Error> {
        let token = p.model().vocab().index_of(c);
        let words = lists.step(self.root_words().unwrap_or_else(|| lists.start()), c);
        if self.root == NONE {
            return self.reset_to(p, words);
        }
        let Some(slot) = self.allocate(false) else {
            return self.reset_to(p, words);
        };
        p.snapshot(self.state_mut(slot)?)?;
        self.set(slot, self.root, token, words);
        self.root = slot;
        Ok(())
    }

    /// Feeds the typed character `c` to `p`, which stands at the root's state: with the root's
    /// hidden sides when a set holds them (a search stepped the root's children), keeping them
    /// otherwise. Returns whether they were reused. The caller then moves the root
    /// ([`grow`](Self::grow), or [`reset_to`](Self::reset_to) after a word).
    pub(crate) fn feed(&mut self, p: &mut Predictor<'_, '_>, c: char) -> Result<bool, Error> {
        let token = p.model().vocab().index_of(c);
        if self.root == NONE {
            p.feed_token(token)?;
            return Ok(false);
        }
        self.step_sharing(p, self.root, token)
    }

    /// Backspace: the root's parent becomes the root, when the cache still holds it (its
    /// state is the predictor's after the exact Backspace). Returns false when it does not:
    /// the caller resets the cache to the predictor's state.
    pub(crate) fn ascend(&mut self) -> bool {
        let parent = self.node(self.root).map_or(NONE, |n| n.parent);
        if self.node(parent).is_some_and(|n| n.live != 0) {
            self.root = parent;
            true
        } else {
            false
        }
    }

    /// The exact top completions from the root (see the module docs), most probable first,
    /// into `out` (its length is how many are wanted); `p` is left in the root's state. The
    /// root holds `p`'s state (set when the cache is reset to a state); with an empty cache, `p`'s
    /// state becomes the root.
    pub fn search<const L: usize>(
        &mut self,
        p: &mut Predictor<'_, '_>,
        bias: Option<&[f32]>,
        limits: SearchLimits,
        out: &mut [Completion<L>],
    ) -> Result<SearchOutcome, Error> {
        let lists = WordLists::default();
        let typed = TypedWord::default();
        let words = Words {
            lists: &lists,
            learned: Learned::NONE,
            typed: &typed,
        };
        self.search_words(p, bias, words, limits, out)
    }

    /// [`search`](Self::search) consulting word lists and learned words: with a lexicon, only
    /// its words and the learned ones are explored and shown. Never inlined into the session's
    /// refresh, whose frame would otherwise hold the search's locals beside its own (on the
    /// Cortex-M0 the two together took 3.4 KB of stack).
    #[inline(never)]
    pub(crate) fn search_words<const L: usize>(
        &mut self,
        p: &mut Predictor<'_, '_>,
        bias: Option<&[f32]>,
        words: Words<'_, '_, '_>,
        limits: SearchLimits,
        out: &mut [Completion<L>],
    ) -> Result<SearchOutcome, Error> {
        if let Some(b) = bias {
            scores::check_bias(p.logits().len(), b)?;
        }
        if self.root == NONE {
            let start = words.lists.start();
            let at = words
                .typed
                .chars()
                .fold(start, |s, c| words.lists.step(s, c));
            self.reset_to(p, at)?;
        }
        let max_len = limits.max_len.min(L);
        let mut outcome = SearchOutcome {
            exact: true,
            ..SearchOutcome::default()
        };
        if out.is_empty() || max_len == 0 {
            return Ok(outcome);
        }
        let generation = self.next_generation();
        // A search with a bias or with learned words in play (read through the typed word)
        // neither reuses scans nor leaves any for the next one.
        let inputs = (bias.is_none() && words.learned.is_empty()).then(|| scan_inputs(words.lists));
        if inputs.is_none() || inputs != self.scan_inputs {
            self.next_scan_epoch();
            self.scan_inputs = inputs;
        }
        let root = self.root;
        self.visit(p, root, 0, 1.0, 0, bias, words)?;
        let mut order = 0u32;
        let mut stepped = false;
        let result = loop {
            let Some((parent, prob)) = self.best_candidate(generation, max_len) else {
                break Ok(());
            };
            let worst_kept = out
                .get(outcome.found.wrapping_sub(1))
                .filter(|_| outcome.found == out.len())
                .map(|c| c.probability);
            // (Also stops on a NaN: no comparison holds.)
            let worth = prob > 0.0 && prob >= limits.floor;
            if !worth || worst_kept.is_some_and(|w| prob <= w) {
                break Ok(());
            }
            let token = self.nodes.get(parent as usize).map_or(NONE, Node::next_kid);
            self.offer_next(p, parent, bias, words);
            let child = match self.child(parent, token) {
                Some(c) => c,
                None => {
                    if limits.max_steps.is_some_and(|m| outcome.steps >= m) {
                        outcome.exact = false;
                        break Ok(());
                    }
                    let Some(slot) = self.allocate(true) else {
                        outcome.exact = false;
                        break Ok(());
                    };
                    match self.step_into(p, parent, token, slot, words.lists) {
                        Ok(reused) => outcome.shared = outcome.shared.saturating_add(reused.into()),
                        Err(e) => break Err(e),
                    }
                    stepped = true;
                    outcome.steps = outcome.steps.saturating_add(1);
                    slot
                }
            };
            order = order.saturating_add(1);
            outcome.expanded = outcome.expanded.saturating_add(1);
            let depth = self
                .nodes
                .get(parent as usize)
                .map_or(0, |n| n.depth)
                .saturating_add(1);
            let end = match self.visit(p, child, depth, prob, order, bias, words) {
                Ok(end) => end,
                Err(e) => break Err(e),
            };
            let word = prob * end * self.weight(p, child, words);
            if word > 0.0 && word >= limits.floor {
                outcome.found = self.insert(p.model().vocab(), out, outcome.found, child, word)?;
            }
        };
        // Leave the predictor as the caller had it, whatever happened.
        if stepped {
            p.restore_own(self.state(root)?)?;
        }
        result.map(|()| outcome)
    }

    /// Marks `node` reached by this search at `depth` with probability `prob`, computes its
    /// softmax statistics and first child, and returns its chance of ending the word here
    /// (the probability of every non-word character).
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        p: &Predictor<'_, '_>,
        node: u32,
        depth: u32,
        prob: f32,
        order: u32,
        bias: Option<&[f32]>,
        words: Words<'_, '_, '_>,
    ) -> Result<f32, Error> {
        let (generation, epoch) = (self.generation, self.scan_epoch);
        let scanned = self.node(node).is_some_and(|n| n.scan == epoch);
        let kids = if scanned {
            None
        } else {
            let allowed = self.allowed(p, node, words)?;
            let logits = self.state(node)?.get(self.logits_range(p)).unwrap_or(&[]);
            Some(scan(logits, bias, self.word_tokens, &allowed, self.folded))
        };
        let n = self
            .nodes
            .get_mut(node as usize)
            .ok_or(Error::ModelTooLarge)?;
        n.seen = generation;
        n.depth = depth;
        n.order = order;
        n.prob = prob;
        match kids {
            // The same logits, bias and word lists: the same statistics and first children.
            None => {
                n.kids_at = 0;
                n.update_next_prob();
            }
            Some((max, sum, end, kids)) => {
                n.max = max;
                n.sum = sum;
                n.end = end;
                n.scan = epoch;
                n.take(kids);
            }
        }
        Ok(n.end)
    }

    /// The most probable prefix not yet expanded: the best next child over the nodes this
    /// search reached (above `max_len`), as (parent, probability). Ties go to the parent
    /// expanded first (its child was offered first in a search without a cache).
    fn best_candidate(&self, generation: u32, max_len: usize) -> Option<(u32, f32)> {
        let mut best: Option<(u32, f32, u32)> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            if n.live == 0 || n.seen != generation || n.kids_at >= n.kids_len {
                continue;
            }
            if n.depth as usize >= max_len {
                continue;
            }
            let prob = n.next_prob;
            let better = match best {
                None => true,
                Some((_, bp, bo)) => prob > bp || (prob == bp && n.order < bo),
            };
            if better {
                best = Some((u32::try_from(i).ok()?, prob, n.order));
            }
        }
        best.map(|(i, p, _)| (i, p))
    }

    /// Moves `node`'s offer on to its next child (below the one just taken), looking for more
    /// in its logits when the list runs out.
    fn offer_next(
        &mut self,
        p: &Predictor<'_, '_>,
        node: u32,
        bias: Option<&[f32]>,
        words: Words<'_, '_, '_>,
    ) {
        let range = self.logits_range(p);
        let Some(mut n) = self.nodes.get(node as usize).copied() else {
            return;
        };
        n.kids_at = n.kids_at.saturating_add(1);
        if n.kids_at >= n.kids_len && n.kids_len as usize == KIDS {
            // The list ran out with children possibly left: the next best after its last.
            let last = KIDS.saturating_sub(1);
            let after = n
                .kid_scores
                .get(last)
                .copied()
                .zip(n.kids.get(last).copied());
            let mut kids = Kids::default();
            let allowed = self.allowed(p, node, words).unwrap_or_default();
            if let Some(logits) = self.state(node).ok().and_then(|s| s.get(range)) {
                kids.fill(logits, bias, self.word_tokens, &allowed, self.folded, after);
            }
            n.take(kids);
            n.scan = 0; // the first children are gone from the list
        } else {
            n.update_next_prob();
        }
        if let Some(slot) = self.nodes.get_mut(node as usize) {
            *slot = n;
        }
    }

    /// Steps the model from `parent`'s state with `token` into free slot `slot`; returns
    /// whether the step reused a sibling's hidden sides.
    fn step_into(
        &mut self,
        p: &mut Predictor<'_, '_>,
        parent: u32,
        token: u32,
        slot: u32,
        lists: &WordLists<'_>,
    ) -> Result<bool, Error> {
        p.restore_own(self.state(parent)?)?;
        let reuse = self.step_sharing(p, parent, token)?;
        p.snapshot(self.state_mut(slot)?)?;
        let c = p.model().vocab().char_at(token).unwrap_or('\0');
        let words = lists.step(
            self.node(parent).map(Node::word_state).unwrap_or_default(),
            c,
        );
        self.set(slot, parent, token, words);
        Ok(reuse)
    }

    /// Feeds `token` to `p`, which stands at `parent`'s state. A sibling stepped from this
    /// parent left its hidden sides: they are reused (returns true). Otherwise they are
    /// computed into the least recently used set (with none, every step computes them).
    fn step_sharing(
        &mut self,
        p: &mut Predictor<'_, '_>,
        parent: u32,
        token: u32,
    ) -> Result<bool, Error> {
        let found = self.sides_of.iter().position(|&n| n == parent);
        let set = found.unwrap_or_else(|| {
            let lru = self
                .sides_used
                .iter()
                .enumerate()
                .min_by_key(|&(_, &used)| used);
            lru.map_or(0, |(k, _)| k)
        });
        let width = p.layout().hidden_sides();
        let start = set.saturating_mul(width);
        match self.sides.get_mut(start..start.saturating_add(width)) {
            Some(sides) if !self.sides_of.is_empty() => {
                p.feed_token_sharing(token, sides, found.is_some())?;
            }
            _ => p.feed_token(token)?,
        }
        self.clock = self.clock.wrapping_add(1);
        if let (Some(of), Some(used)) = (self.sides_of.get_mut(set), self.sides_used.get_mut(set)) {
            *of = parent;
            *used = self.clock;
        }
        Ok(found.is_some())
    }

    /// Which characters may follow `node` in the search: every word character without a
    /// lexicon; with one, the letters a lexicon word or a learned word continues with.
    fn allowed(
        &self,
        p: &Predictor<'_, '_>,
        node: u32,
        words: Words<'_, '_, '_>,
    ) -> Result<Allowed, Error> {
        let Some(lex) = words.lists.lexicon.filter(|_| words.lists.restricts()) else {
            return Ok(Allowed::Any);
        };
        let state = self.node(node).map(Node::word_state).unwrap_or_default();
        let mut allowed = Allowed::none();
        if let Some(s) = state.lexicon_state() {
            for c in lex.next_letters(s) {
                allowed.add(c);
            }
        }
        if !words.learned.is_empty() {
            let mut suffix: heapless::Vec<char, MAX_DEPTH> = heapless::Vec::new();
            self.suffix_into(p.model().vocab(), node, &mut suffix)?;
            for c in words.learned.next_letters(&suffix) {
                allowed.add(c);
            }
        }
        Ok(allowed)
    }

    /// What the word ending at `node` is worth (see [`WordLists::weight`]).
    fn weight(&self, p: &Predictor<'_, '_>, node: u32, words: Words<'_, '_, '_>) -> f32 {
        let state = self.node(node).map(Node::word_state).unwrap_or_default();
        let mut suffix: heapless::Vec<char, MAX_DEPTH> = heapless::Vec::new();
        if !words.learned.is_empty()
            && self
                .suffix_into(p.model().vocab(), node, &mut suffix)
                .is_err()
        {
            return 0.0;
        }
        words.lists.weight(&state, &words.learned, &suffix)
    }

    /// Inserts the completion ending at `node` into `out[..len]` (descending probability,
    /// earlier first on ties); returns the new length.
    fn insert<const L: usize>(
        &self,
        vocab: &format::Vocab<'_>,
        out: &mut [Completion<L>],
        len: usize,
        node: u32,
        prob: f32,
    ) -> Result<usize, Error> {
        let pos = out
            .iter()
            .take(len)
            .take_while(|e| e.probability >= prob)
            .count();
        if pos >= out.len() {
            return Ok(len);
        }
        let new_len = len.saturating_add(1).min(out.len());
        if let Some(tail) = out.get_mut(pos..new_len) {
            tail.rotate_right(1);
            if let Some(slot) = tail.first_mut() {
                slot.probability = prob;
                self.suffix_into(vocab, node, &mut slot.suffix)?;
            }
        }
        Ok(new_len)
    }

    /// The characters from the root (exclusive) down to `node`.
    fn suffix_into<const L: usize>(
        &self,
        vocab: &format::Vocab<'_>,
        node: u32,
        suffix: &mut heapless::Vec<char, L>,
    ) -> Result<(), Error> {
        let depth = self.nodes.get(node as usize).map_or(0, |n| n.depth) as usize;
        // Walk up `depth` parents, filling from the end.
        let mut chars = ['\0'; L];
        let mut at = node;
        for i in (0..depth.min(L)).rev() {
            let n = self.nodes.get(at as usize).ok_or(Error::NoPrediction)?;
            if let Some(c) = chars.get_mut(i) {
                *c = vocab.char_at(n.token).ok_or(Error::NoPrediction)?;
            }
            at = n.parent;
        }
        suffix.clear();
        for &c in chars.iter().take(depth) {
            let _ = suffix.push(c);
        }
        Ok(())
    }

    fn child(&self, parent: u32, token: u32) -> Option<u32> {
        if parent == NONE {
            return None;
        }
        self.nodes
            .iter()
            .position(|n| n.live != 0 && n.parent == parent && n.token == token)
            .and_then(|i| u32::try_from(i).ok())
    }

    /// A free slot: an empty one, else the least recently used prefix other than the root
    /// and (during a search, `in_search`) the prefixes this search reached, freed with
    /// everything cached below it. `None` when every slot is in use.
    fn allocate(&mut self, in_search: bool) -> Option<u32> {
        if let Some(i) = self.nodes.iter().position(|n| n.live == 0) {
            return u32::try_from(i).ok();
        }
        let generation = self.generation;
        let root = self.root;
        let victim = self
            .nodes
            .iter()
            .enumerate()
            .filter(|&(i, n)| !(in_search && n.seen == generation) && i as u32 != root)
            .min_by_key(|&(_, n)| n.seen)
            .map(|(i, _)| i as u32)?;
        self.evict(victim);
        Some(victim)
    }

    /// Frees `victim` and every prefix cached below it. If the root is below it, the root is
    /// cut loose first (it stays, without the parent Backspace could climb to).
    fn evict(&mut self, victim: u32) {
        if self.is_ancestor(victim, self.root)
            && let Some(r) = self.nodes.get_mut(self.root as usize)
        {
            r.parent = NONE;
        }
        if let Some(v) = self.nodes.get_mut(victim as usize) {
            v.live = 0;
        }
        let cap = self.nodes.len();
        for i in 0..cap {
            let Some(&n) = self.nodes.get(i) else {
                continue;
            };
            if n.live == 0 || i as u32 == self.root {
                continue;
            }
            // Walk up to a root (kept) or to a freed node (freed with it). A chain longer than
            // the cache cannot be (every parent was live when its child was made); treat it as
            // broken.
            let mut at = n.parent;
            let mut dead = true;
            for _ in 0..cap {
                match self.nodes.get(at as usize) {
                    None => {
                        dead = false; // reached a root (parent NONE)
                        break;
                    }
                    Some(a) if a.live == 0 => break,
                    Some(_) if at == self.root => {
                        dead = false;
                        break;
                    }
                    Some(a) => at = a.parent,
                }
            }
            if dead && let Some(m) = self.nodes.get_mut(i) {
                m.live = 0;
            }
        }
    }

    /// Whether `a` is a proper ancestor of `b`.
    fn is_ancestor(&self, a: u32, b: u32) -> bool {
        let mut at = self.nodes.get(b as usize).map_or(NONE, |n| n.parent);
        for _ in 0..self.nodes.len() {
            if at == NONE {
                return false;
            }
            if at == a {
                return true;
            }
            at = self.nodes.get(at as usize).map_or(NONE, |n| n.parent);
        }
        false
    }

    fn set(&mut self, slot: u32, parent: u32, token: u32, words: WordState) {
        if let Some(n) = self.nodes.get_mut(slot as usize) {
            *n = Node {
                live: 1,
                parent,
                token,
                seen: self.generation,
                ..Node::zeroed()
            };
            n.set_word_state(words);
        }
    }

    fn node(&self, i: u32) -> Option<&Node> {
        self.nodes.get(i as usize)
    }

    /// Moves the scan epoch on; when it would wrap, every node's scan is forgotten instead
    /// (so an old epoch can never come back and match).
    fn next_scan_epoch(&mut self) {
        if self.scan_epoch == u32::MAX {
            self.nodes.iter_mut().for_each(|n| n.scan = 0);
            self.scan_epoch = 1;
        } else {
            self.scan_epoch = self.scan_epoch.wrapping_add(1);
        }
    }

    fn next_generation(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Wrapped: no node may look reached by the new search.
            for n in self.nodes.iter_mut() {
                n.seen = 0;
            }
            self.generation = 1;
        }
        self.generation
    }

    fn state(&self, i: u32) -> Result<&[f32], Error> {
        let start = (i as usize)
            .checked_mul(self.snap)
            .ok_or(Error::ModelTooLarge)?;
        let end = start.checked_add(self.snap).ok_or(Error::ModelTooLarge)?;
        self.states.get(start..end).ok_or(Error::ModelTooLarge)
    }

    fn state_mut(&mut self, i: u32) -> Result<&mut [f32], Error> {
        for of in self.sides_of.iter_mut().filter(|of| **of == i) {
            *of = NONE; // its state is about to change
        }
        let start = (i as usize)
            .checked_mul(self.snap)
            .ok_or(Error::ModelTooLarge)?;
        let end = start.checked_add(self.snap).ok_or(Error::ModelTooLarge)?;
        self.states.get_mut(start..end).ok_or(Error::ModelTooLarge)
    }

    /// Where the logits sit in a state row (after the recurrent state).
    fn logits_range(&self, p: &Predictor<'_, '_>) -> core::ops::Range<usize> {
        let state = p.layout().state;
        state..state.saturating_add(p.logits().len())
    }
}

impl Node {
    /// Takes `kids` as the children to offer next.
    fn take(&mut self, kids: Kids) {
        self.kids = kids.tokens;
        self.kid_scores = kids.scores;
        self.kids_len = kids.len;
        self.kids_at = 0;
        self.update_next_prob();
    }

    fn update_next_prob(&mut self) {
        let at = self.kids_at as usize;
        self.next_prob = match self.kid_scores.get(at) {
            Some(&s) if at < self.kids_len as usize => self.prob * (exp(s - self.max) / self.sum),
            _ => 0.0,
        };
    }

    /// The child offered now (`NONE` when none).
    fn next_kid(&self) -> u32 {
        let at = self.kids_at as usize;
        if at < self.kids_len as usize {
            self.kids.get(at).copied().unwrap_or(NONE)
        } else {
            NONE
        }
    }
}

/// The longest suffix a search builds (the session's longest completion).
const MAX_DEPTH: usize = crate::session::MAX_SUFFIX;

/// The letters (lower case) a node may be continued with: a bit per ASCII letter, a short
/// list for the rest; a token is admitted by its folded character.
#[derive(Clone, Debug, Default)]
enum Allowed {
    /// Every word character (no lexicon).
    #[default]
    Any,
    Some {
        ascii: [u32; 4],
        others: heapless::Vec<u32, 32>,
    },
}

impl Allowed {
    fn none() -> Self {
        Allowed::Some {
            ascii: [0; 4],
            others: heapless::Vec::new(),
        }
    }

    fn add(&mut self, letter: char) {
        let Allowed::Some { ascii, others } = self else {
            return;
        };
        let c = u32::from(letter);
        match ascii.get_mut(c as usize / 32) {
            Some(w) => *w |= 1u32.wrapping_shl(c),
            None if !others.contains(&c) => drop(others.push(c)),
            None => {}
        }
    }

    /// Whether token `t` (its folded character from `folded`) may come next.
    fn admits(&self, folded: &[u32], t: usize) -> bool {
        match self {
            Allowed::Any => true,
            Allowed::Some { ascii, others } => {
                let c = folded.get(t).copied().unwrap_or(0);
                match ascii.get(c as usize / 32) {
                    Some(w) => w & 1u32.wrapping_shl(c) != 0,
                    None => others.contains(&c),
                }
            }
        }
    }
}

/// Up to [`KIDS`] children, best first.
#[derive(Clone, Copy)]
struct Kids {
    tokens: [u32; KIDS],
    scores: [f32; KIDS],
    len: u32,
}

impl Default for Kids {
    fn default() -> Self {
        Kids {
            tokens: [NONE; KIDS],
            scores: [f32::NEG_INFINITY; KIDS],
            len: 0,
        }
    }
}

impl Kids {
    /// The best word-character tokens after `after` (score, token) in the order (score
    /// descending, token ascending), skipping NaN and −∞ scores.
    fn fill(
        &mut self,
        logits: &[f32],
        bias: Option<&[f32]>,
        word_tokens: &[u32],
        allowed: &Allowed,
        folded: &[u32],
        after: Option<(f32, u32)>,
    ) {
        for t in 1..logits.len() {
            if !is_word(word_tokens, t) {
                continue;
            }
            if !allowed.admits(folded, t) {
                continue;
            }
            let s = scores::score(logits, bias, t);
            if s.is_nan() || s == f32::NEG_INFINITY {
                continue;
            }
            let Ok(token) = u32::try_from(t) else {
                continue;
            };
            if let Some((after_score, after_token)) = after
                && !(s < after_score || (s == after_score && token > after_token))
            {
                continue;
            }
            self.insert(token, s);
        }
    }

    /// Inserts in order; equal scores keep the lower token (seen first) ahead.
    fn insert(&mut self, token: u32, score: f32) {
        let len = self.len as usize;
        // Full, and the last kept is at least as good: it would not get in (most tokens).
        if len == KIDS
            && self
                .scores
                .get(KIDS.wrapping_sub(1))
                .is_some_and(|&s| s >= score)
        {
            return;
        }
        let pos = self
            .scores
            .iter()
            .take(len)
            .take_while(|&&s| s >= score)
            .count();
        if pos >= KIDS {
            return;
        }
        let mut carry = (token, score);
        for i in pos..len.saturating_add(1).min(KIDS) {
            if let (Some(t), Some(s)) = (self.tokens.get_mut(i), self.scores.get_mut(i)) {
                carry = (
                    core::mem::replace(t, carry.0),
                    core::mem::replace(s, carry.1),
                );
            }
        }
        self.len = u32::try_from(len.saturating_add(1).min(KIDS)).unwrap_or(0);
    }
}

/// `f32`s of `sets` sets of hidden sides of `width` each, with each set's two tags (the node
/// it holds, when it was last used).
const fn sides_len(width: usize, sets: usize) -> Option<usize> {
    match width.checked_add(2) {
        Some(set) => set.checked_mul(sets),
        None => None,
    }
}

/// What a scan without a bias reads besides the node's logits: the lexicon (by its sizes: a
/// session resets its cache when its word lists change) and whether it restricts.
fn scan_inputs(lists: &WordLists<'_>) -> [u64; 3] {
    [
        lists.lexicon.map_or(0, |l| u64::from(l.word_count())),
        lists.lexicon.map_or(0, |l| l.size() as u64),
        u64::from(lists.restricts()),
    ]
}

/// One node's logits read in two passes over plain slices: the max; then the sum of
/// `exp(score − max)`, the chance that the word ends here (the probability of every non-word
/// character; token 0, unknown, neither continues nor ends one) and the best children the
/// word lists allow. Sums run in token order on every target, so results agree bit for bit.
fn scan(
    logits: &[f32],
    bias: Option<&[f32]>,
    word_tokens: &[u32],
    allowed: &Allowed,
    folded: &[u32],
) -> (f32, f32, f32, Kids) {
    let score = |t: usize, l: f32| l + bias.and_then(|b| b.get(t)).copied().unwrap_or(0.0);
    // A bias as long as the logits (what the session passes, when it passes one) lets the
    // loops below run over plain slices, which the compiler vectorises; the results are the
    // same element by element (adding 0.0 where there is no bias changes no exponential).
    let full_bias = bias.filter(|b| b.len() >= logits.len());
    // The max ignores NaN as `f32::max` does (a NaN never compares greater), in eight lanes
    // the compiler vectorises; the max of the lanes is the same value in any order.
    let mut lanes = [f32::NEG_INFINITY; 8];
    let keep = |m: &mut f32, v: f32| {
        if v > *m {
            *m = v;
        }
    };
    match (bias, full_bias) {
        (None, _) => {
            for chunk in logits.chunks(8) {
                lanes.iter_mut().zip(chunk).for_each(|(m, &l)| keep(m, l));
            }
        }
        (_, Some(b)) => {
            for (chunk, bc) in logits.chunks(8).zip(b.chunks(8)) {
                for ((m, &l), &b) in lanes.iter_mut().zip(chunk).zip(bc) {
                    keep(m, l + b);
                }
            }
        }
        (Some(_), None) => {
            for (t, &l) in logits.iter().enumerate() {
                if let Some(m) = lanes.get_mut(t & 7) {
                    keep(m, score(t, l));
                }
            }
        }
    }
    let mut max = f32::NEG_INFINITY;
    lanes.iter().for_each(|&l| keep(&mut max, l));
    let (mut sum, mut end) = (0f32, 0f32);
    let mut kids = Kids::default();
    // The exponentials a chunk at a time into a local array (a loop the compiler vectorises),
    // then summed in token order (the order, and so the bits, every target shares).
    const CHUNK: usize = 64;
    let mut e = [0f32; CHUNK];
    for (c, chunk) in logits.chunks(CHUNK).enumerate() {
        let base = c.saturating_mul(CHUNK);
        let chunk_bias = full_bias.and_then(|b| b.get(base..base.saturating_add(chunk.len())));
        match (bias, chunk_bias) {
            (None, _) => {
                for (slot, &l) in e.iter_mut().zip(chunk) {
                    *slot = exp(l - max);
                }
            }
            (_, Some(b)) => {
                for ((slot, &l), &b) in e.iter_mut().zip(chunk).zip(b) {
                    *slot = exp((l + b) - max);
                }
            }
            (Some(_), None) => {
                for (i, (slot, &l)) in e.iter_mut().zip(chunk).enumerate() {
                    *slot = exp(score(base.saturating_add(i), l) - max);
                }
            }
        }
        for (i, (&ei, &l)) in e.iter().zip(chunk).enumerate() {
            let t = base.saturating_add(i);
            sum += ei;
            if t == 0 {
                continue;
            }
            if !is_word(word_tokens, t) {
                if ei > 0.0 {
                    end += ei;
                }
                continue;
            }
            let s = score(t, l);
            if !(s.is_nan() || s == f32::NEG_INFINITY)
                && allowed.admits(folded, t)
                && let Ok(token) = u32::try_from(t)
            {
                kids.insert(token, s);
            }
        }
    }
    (max, sum, end / sum, kids)
}

/// Whether token `t` continues a word (its bit in `mask`).
fn is_word(mask: &[u32], t: usize) -> bool {
    mask.get(t / 32)
        .is_some_and(|w| w & 1u32.wrapping_shl(t as u32) != 0)
}
