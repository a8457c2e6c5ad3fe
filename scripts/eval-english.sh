#!/usr/bin/env bash
# Measures the shipped English models on held-out text they never saw (quill eval on
# data/english/heldout.txt, from scripts/present-day-english.sh: bits/char, keystroke savings
# with the lexicon, block list and learned words, the share of completions that are words, the
# per-key cost) and records the README's model figures (scripts/results.py). A few minutes.
#
#   bash scripts/eval-english.sh
# Results: runs/english-*/heldout.txt, benches/figures.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/present-day-english.sh
cargo build --release --quiet -p quill
for spec in "english-gru-1x256 english-gru-1x256-int8 english" "english-gru-1x96 english-mcu-gru-1x96-int8 english-mcu"; do
  read -r run model lexicon <<< "$spec"
  mkdir -p "runs/$run"
  target/release/quill eval --model "models/$model.quill" --text data/english/heldout.txt \
    --lexicon "models/$lexicon.qlex" --block models/blocked-en.qlex | tee "runs/$run/heldout.txt"
  short=${model#english-}
  python3 scripts/results.py record-eval "english.${short%-int8}" "models/$model.quill" "runs/$run/heldout.txt"
done
