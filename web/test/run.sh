#!/usr/bin/env bash
# The web page's tests (CI runs them through scripts/cross-check.sh):
#  1. build quill.wasm twice (SIMD128 and portable) and copy the default model: web/build.sh;
#  2. the Rust API's transcript of a scripted typing session on the default model (top-3 and
#     completions after every key, Backspace and Tab included; tests/src/bin/keyboard-transcript);
#  3. quill.js over both builds in Node: every suggestion equal to the transcript, bit for bit;
#  4. the page in headless Chromium (Debian's /usr/bin/chromium via playwright-core from npm,
#     no browser download), typed key by key, with and without SIMD128: every suggestion it shows
#     equal to the transcript; a damaged model from the file picker refused with the runtime's
#     message; a screenshot mid-typing in target/web/page.png (web/screenshot.png is a copy);
#  5. the page's text box under 200 seeded random edits (typing, Backspace, Tab, word taps,
#     arrows, selections deleted or typed over, pastes, select-all): after each, the panel equal
#     to the Rust API's following the same states (edits.mjs; keyboard-transcript --field).
#
#   bash web/test/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/web
mkdir -p "$out"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || {
  echo "web/test/run.sh: no Chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install chromium (or set CHROMIUM)" >&2
  exit 1
}
command -v npm > /dev/null || {
  echo "web/test/run.sh: npm is missing (it comes with Node.js: install nodejs with its npm)" >&2
  exit 1
}
bash web/build.sh
(cd web/test && npm ci --silent --no-audit --no-fund)
cargo build --release --quiet -p quill-tests --bin keyboard-transcript
model=web/pkg/english-gru-1x256-int8.quill
keys=$(cd web/test && node -e "import('./transcript.mjs').then(m => process.stdout.write(m.KEYS))")
target/release/keyboard-transcript "$model" "$keys" web/pkg/english.qlex web/pkg/blocked-en.qlex \
  > "$out/transcript.jsonl"
echo "-- quill.js in Node ($(node --version)), both builds, against the Rust API"
(cd web/test && node agree.mjs "../../$model" "../../$out/transcript.jsonl" ../pkg/quill.wasm ../pkg/quill-simd.wasm ../pkg/quill-relaxed.wasm &&
  node --experimental-wasm-relaxed-simd agree.mjs "../../$model" "../../$out/transcript.jsonl" ../pkg/quill-relaxed.wasm)
echo "-- the page in headless Chromium, against the Rust API"
cargo run --release --quiet -p quill-tests --bin random-models -- "$out/big" gru-1x2048 > /dev/null
(cd web/test && node browser.mjs "../../$out/transcript.jsonl" \
  ../../firmware/models/keyboard-gru-1x64-int8.quill "../../$out/page.png" \
  "../../$out/big/gru-1x2048-f32.quill")
echo "-- the page's text box under random edits, against the Rust API"
(cd web/test && node edits.mjs ../../target/release/keyboard-transcript "../../$model" \
  ../pkg/english.qlex ../pkg/blocked-en.qlex "../../$out" "${EDITS:-200}" "${SEED:-27}")
