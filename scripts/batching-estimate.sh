#!/usr/bin/env bash
# Would batched stepping pay in the exact word search (issue 26, item 2)? The search expands
# prefixes one at a time, best first, so a batch of B states would have to take the next best
# prefixes along before it knows it needs them. This counts, over held-out English typed key
# by key (the shipped English model with its lexicon and block list), how often a step has a
# runner-up that needs a full step of its own (another parent, its hidden sides not kept), and
# how many of those runner-ups the same search expands anyway (a batch of two would have been
# right) or never (a batched step wasted).
#
# It instruments a copy of the runtime (counters in search_words, nothing else changed) in
# target/batching-estimate; the tree itself is untouched.
#
#   bash scripts/batching-estimate.sh [KEYS]     # default 4000
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
keys="${1:-4000}"
bash scripts/present-day-english.sh > /dev/null
copy="$root/target/batching-estimate/src"
rm -rf "$copy" && mkdir -p "$copy"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$copy"
ln -s "$root/data" "$copy/data" # the held-out text (not in git)
python3 - "$copy/runtime/src" <<'PY'
import pathlib, sys
d = pathlib.Path(sys.argv[1])
def sub(path, old, new):
    s = path.read_text()
    if old not in s:
        sys.exit(f"batching-estimate: {path.name} no longer has the code this script instruments:\n{old}")
    path.write_text(s.replace(old, new, 1))
search, lib = d / "search.rs", d / "lib.rs"
sub(search, "/// No node (a root's parent; an exhausted child list).", """#[allow(missing_docs)]
pub static PAIRABLE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
#[allow(missing_docs)]
pub static PAIRED_LATER: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
#[allow(missing_docs)]
pub static STEPS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
/// No node (a root's parent; an exhausted child list).""")
sub(search, """        let mut order = 0u32;
        let mut stepped = false;""", """        let mut order = 0u32;
        let mut runner_ups = [(0u32, 0u32); 64];
        let mut runner_up_count = 0usize;
        let mut stepped = false;""")
sub(search, """                    let Some(slot) = self.allocate(true) else {""", """                    if let Some((p2, _)) = self.best_candidate(generation, max_len) {
                        let t2 = self.nodes.get(p2 as usize).map_or(NONE, Node::next_kid);
                        if p2 != parent && self.child(p2, t2).is_none() && !self.sides_of.contains(&p2) {
                            PAIRABLE.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                            if let Some(r) = runner_ups.get_mut(runner_up_count) {
                                *r = (p2, t2);
                                runner_up_count += 1;
                            }
                        }
                    }
                    let Some(slot) = self.allocate(true) else {""")
sub(search, """        // Leave the predictor as the caller had it, whatever happened.""", """        for &(p2, t2) in runner_ups.iter().take(runner_up_count) {
            let later = self.child(p2, t2).and_then(|c| self.nodes.get(c as usize));
            if later.is_some_and(|n| n.seen == generation) {
                PAIRED_LATER.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            }
        }
        STEPS.fetch_add(outcome.steps, core::sync::atomic::Ordering::Relaxed);
        // Leave the predictor as the caller had it, whatever happened.""")
sub(lib, "pub use search::{", "pub use search::{PAIRABLE, PAIRED_LATER, STEPS, ")
(d.parent / "examples" / "batching.rs").write_text('''
use std::sync::atomic::Ordering::Relaxed;
use runtime::*;
fn main() {
    let keys: usize = std::env::args().nth(1).and_then(|k| k.parse().ok()).unwrap_or(4000);
    let bytes = format::AlignedBytes::new(&std::fs::read("models/english-gru-1x256-int8.quill").unwrap());
    let model = Model::from_bytes(&bytes).unwrap();
    let lexicon = std::fs::read("models/english.qlex").unwrap();
    let blocked = std::fs::read("models/blocked-en.qlex").unwrap();
    let text = std::fs::read_to_string("data/english/heldout.txt").unwrap();
    let config = SessionConfig { input: InputSide::Table, ..SessionConfig::DEFAULT };
    let mut buf = vec![0f32; config.buffer_len(model.arch()).unwrap()];
    let mut s = Session::new(&model, &mut buf, config).unwrap();
    s.set_word_lists(WordLists {
        lexicon: Some(Lexicon::from_bytes(&lexicon).unwrap()),
        blocked: Some(Lexicon::from_bytes(&blocked).unwrap()),
        others: 0.0,
    }).unwrap();
    s.reprime("").unwrap();
    for c in text.chars().take(keys) {
        s.press(Key::Char(c)).unwrap();
    }
    let (steps, pairable, later) = (STEPS.load(Relaxed), PAIRABLE.load(Relaxed), PAIRED_LATER.load(Relaxed));
    println!("{keys} keys: {steps} search steps ({:.2} a key)", steps as f64 / keys as f64);
    println!("steps with a runner-up needing a full step from another prefix: {pairable} ({:.1} % of steps)",
             100.0 * pairable as f64 / steps as f64);
    println!("  of those runner-ups, expanded later by the same search: {later} ({:.1} %); never: {} ({:.1} % of steps)",
             100.0 * later as f64 / pairable as f64, pairable - later, 100.0 * (pairable - later) as f64 / steps as f64);
}
''')
PY
cd "$copy"
CARGO_TARGET_DIR="$root/target/batching-estimate/target" cargo run --release --quiet -p runtime \
  --example batching -- "$keys"
