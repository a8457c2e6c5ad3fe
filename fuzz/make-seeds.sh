#!/usr/bin/env bash
# Regenerates fuzz/seeds/: small model files exported by the real trainer (every cell, 1 and 2
# layers, f32 and int8), keystroke programs for the byte-stream target, and the importer's
# PyTorch fixtures packed for the torch_import target.
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
# torch_import inputs: flags byte, u16 LE vocabulary length, vocabulary JSON, safetensors bytes
# (see tests/src/fuzzing.rs); flags as each fixture needs them.
mkdir -p "$out/torch_import"
python3 - torch-import/tests/fixtures "$out/torch_import" <<'PY'
import glob, json, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
for exp in sorted(glob.glob(os.path.join(src, "*.expected.json"))):
    name = os.path.basename(exp)[: -len(".expected.json")]
    flags = json.load(open(exp))["flags"]
    bits = (1 if "--relu" in flags else 0) | (4 if "xxbos" in flags else 0) | (8 if "i_h.weight" in flags else 0)
    vocab = open(os.path.join(src, name + ".vocab.json"), "rb").read()
    weights = open(os.path.join(src, name + ".safetensors"), "rb").read()
    with open(os.path.join(dst, name), "wb") as f:
        f.write(bytes([bits]) + struct.pack("<H", len(vocab)) + vocab + weights)
PY
ls -l "$out"/*
