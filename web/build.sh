#!/usr/bin/env bash
# Builds the web page's files into web/pkg/ (not committed):
#   quill-relaxed.wasm  SIMD128 with relaxed SIMD's i8 x i7 dot product for int8 (Chrome 114+)
#   quill-simd.wasm     the SIMD128 kernel (every current browser)
#   quill.wasm          without SIMD (engines without SIMD128)
# The page takes the first of these that validates and passes Kernel::verify in the browser.
#   *.quill          the model the page opens by default (models/english-gru-1x256-int8.quill)
#   *.qlex           its word lists: the lexicon completion offers, the words it never offers
# Then serve web/ as static files, e.g. `python3 -m http.server -d web 8000`, and open
# http://localhost:8000/.
#
#   bash web/build.sh
set -euo pipefail
cd "$(dirname "$0")"
rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  echo "web/build.sh: the wasm32-unknown-unknown target is missing: rustup target add wasm32-unknown-unknown" >&2
  exit 1
}
mkdir -p pkg
stack='-C\x1flink-arg=-zstack-size=65536'
build() { # name rustflags(0x1f-separated)
  (cd wasm && CARGO_ENCODED_RUSTFLAGS=$(printf -- "$2") cargo build --release --quiet \
    --target wasm32-unknown-unknown --target-dir "target/$1")
  cp "wasm/target/$1/wasm32-unknown-unknown/release/quill.wasm" "pkg/$1.wasm"
}
build quill "$stack"
build quill-simd "$stack"'\x1f-C\x1ftarget-feature=+simd128'
build quill-relaxed "$stack"'\x1f-C\x1ftarget-feature=+simd128,+relaxed-simd'
cp ../models/english-gru-1x256-int8.quill ../models/english.qlex ../models/blocked-en.qlex pkg/
for f in pkg/quill.wasm pkg/quill-simd.wasm pkg/quill-relaxed.wasm; do
  printf '%-20s %6d bytes, %6d gzipped\n' "$f" "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
