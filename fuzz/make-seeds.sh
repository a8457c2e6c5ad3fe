#!/usr/bin/env bash
# Regenerates fuzz/seeds/: small model files exported by the real trainer (every cell, 1 and 2
# layers, f32 and int8), and keystroke programs for the byte-stream target.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q -p train
mkdir -p "$out/model_bytes" "$out/byte_stream"
for spec in "rnn 1" "rnn-relu 2" "gru 1" "gru 2" "lstm 1" "lstm 2"; do
  set -- $spec
  ./target/debug/train --model "$1" --layers "$2" --hidden 8 --emb 4 --bs 8 --bptt 8 \
    --max-steps 3 --run-dir "$work/$1-$2" --quiet
  cp "$work/$1-$2/model.quill" "$out/model_bytes/$1-$2-f32.quill"
  cp "$work/$1-$2/model-int8.quill" "$out/model_bytes/$1-$2-int8.quill"
done
# Byte-stream programs: first byte picks the model and input side, then events (see
# tests/src/fuzzing.rs): typing chunks, snapshot (3), restore (4), reset (5), sample (6).
python3 - "$out/byte_stream" <<'PY'
import sys, os
d = sys.argv[1]
def typing(text):
    b = text.encode()
    out = bytearray()
    for i in range(0, len(b), 8):
        chunk = b[i:i+8]
        out += bytes([len(chunk) << 3]) + chunk
    return out
progs = {
    "plain": bytes([0]) + typing("the quick brown fox jumps over the lazy dog. "),
    "backspace": bytes([1]) + typing("hello wor") + b"\x03" + typing("ld") + b"\x04" + typing("k!") + b"\x06",
    "unicode": bytes([0x82]) + typing("caf\u00e9 \u20ac5 \U0001F600 \u00fcber") + b"\x05" + typing("ok"),
    "invalid-utf8": bytes([0x83]) + bytes([4 << 3]) + b"\xff\xc3\x28\xe2" + b"\x03\x1e\x04\x0e",
    "tokens": bytes([4]) + bytes([7, 15, 23, 31, 255, 6, 14]),
}
for name, p in progs.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(p)
PY
ls -l "$out"/*
