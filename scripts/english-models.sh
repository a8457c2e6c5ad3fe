#!/usr/bin/env bash
# Trains the present-day English models Quill ships, builds their word lists, and measures
# them on held-out text they never saw:
#   models/english-gru-1x256-int8.quill      phones and the web page (GRU 1x256, int8, 268 KB)
#   models/english-mcu-gru-1x96-int8.quill   microcontrollers (GRU 1x96, int8, ≤ 64 KB of flash)
#   models/english.qlex, english-mcu.qlex, blocked-en.qlex   (scripts/english-word-lists.sh)
# from nlp-corpus 4.4.0 (scripts/present-day-english.sh; MIT), characters seen fewer than 200
# times folded into the unknown token (84 tokens). About 25 minutes on 2 cores.
#
#   bash scripts/english-models.sh
# Results: runs/english-*/heldout.txt and the README's model figures (scripts/eval-english.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/present-day-english.sh
bash scripts/english-word-lists.sh
cargo build --release -p train -p quill
frac=$(cat data/english/valid-frac.txt)
train() { # run-dir hidden emb
  target/release/train --corpus data/english/corpus.txt --valid-frac "$frac" --min-freq 200 \
    --model gru --layers 1 --hidden "$2" --emb "$3" --bs 64 --bptt 64 --jitter --lr 3e-3 \
    --cycles 3 --run-dir "$1" --overwrite
}
train runs/english-gru-1x256 256 42
train runs/english-gru-1x96 96 24
cp runs/english-gru-1x256/model-int8.quill models/english-gru-1x256-int8.quill
cp runs/english-gru-1x96/model-int8.quill models/english-mcu-gru-1x96-int8.quill
bash scripts/eval-english.sh
