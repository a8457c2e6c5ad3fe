#!/usr/bin/env bash
# Trains the English model the web page and the firmware example ship with
# (models/english-gru-1x256-int8.quill), from the public-domain Shakespeare corpus
# (scripts/shakespeare.sh fetches it; it is not committed), and measures it on the held-out
# last 10 % of the text through the runtime: bits/char, top-1/top-3 and keystroke savings.
#
#   bash scripts/web-model.sh        # ~25 min on 2 cores (GRU 1x256, 7 epochs)
set -euo pipefail
cd "$(dirname "$0")/.."
FETCH_ONLY=1 bash scripts/shakespeare.sh
run=runs/english-gru-1x256
cargo build --release -p train -p quill
target/release/train --corpus data/shakespeare.txt --model gru --layers 1 --hidden 256 --emb 42 \
  --bs 64 --bptt 64 --jitter --lr 3e-3 --cycles 3 --run-dir "$run"
mkdir -p models
cp "$run/model-int8.quill" models/english-gru-1x256-int8.quill
# The trainer's validation split: the last 10 % of the characters.
python3 - data/shakespeare.txt "$run/valid.txt" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
open(sys.argv[2], 'w', encoding='utf-8').write(text[round(len(text) * 0.9):])
PY
for m in "$run/model.quill" models/english-gru-1x256-int8.quill; do
  target/release/quill eval --model "$m" --text "$run/valid.txt"
done
