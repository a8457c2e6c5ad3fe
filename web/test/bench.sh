#!/usr/bin/env bash
# GRU 1x256 per character in headless Chromium (each quill.wasm build) beside native on the
# same machine (AVX2 and the portable kernel, `benches/examples/step_loop`), plus load + validate
# and the module sizes: the README's "WebAssembly in Chromium" table; then what a key costs on
# the page with the English model, lexicon and block list over held-out text (keys.mjs).
# Run on a quiet machine.
#
#   bash web/test/bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bash web/build.sh > /dev/null
(cd web/test && npm ci --silent --no-audit --no-fund)
dir=target/web-bench
cargo build --release --quiet -p quill-tests --bin random-models
cargo build --release --quiet -p benches --example step_loop
target/release/random-models "$dir" gru-1x256 > /dev/null
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), one thread"
(cd web/test && node bench.mjs --out "../../$dir/step.json" "../../$dir/gru-1x256-f32.quill" "../../$dir/gru-1x256-int8.quill")
echo
echo "native (same weights' shapes, benches::model; one feed_token per character):"
for w in f32 int8; do
  for k in "" portable; do
    target/release/examples/step_loop gru 1 256 "$w" step 200000 $k
  done
done
echo
bash scripts/present-day-english.sh > /dev/null
(cd web/test && node keys.mjs ../../data/english/heldout.txt --out "../../$dir/keys.json")
echo
for f in web/pkg/*.wasm; do
  printf '%-24s %6d bytes, %6d gzipped\n' "$f" "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
# The README's Chromium figures (benches/figures.tsv, the README's results table).
python3 scripts/results.py record-web-step "$dir/step.json"
python3 scripts/results.py record-web-keys "$dir/keys.json"
