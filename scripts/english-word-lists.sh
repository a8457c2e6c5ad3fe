#!/usr/bin/env bash
# Builds the English word lists the page, the C example and the firmware ship with, from
# well-kept sources in the package registries (nothing here is committed but the results):
#   models/english.qlex      the lexicon: Debian's `wamerican` (SCOWL size 50, 104 k entries
#                            with possessives; its licence: "Permission to use, copy, modify,
#                            distribute and sell these word lists … is hereby granted without
#                            fee", Kevin Atkinson — see /usr/share/doc/wamerican/copyright),
#                            frequency classes counted in the training text of
#                            scripts/present-day-english.sh (nlp-corpus, MIT)
#   models/english-mcu.qlex  its 3,000 most frequent words (a microcontroller's flash)
#   models/blocked-en.qlex   the block list: the npm package `naughty-words` 1.2.0, the
#                            List of Dirty, Naughty, Obscene and Otherwise Bad Words (CC-BY-4.0,
#                            github.com/LDNOOBW), its English single words
#
#   bash scripts/english-word-lists.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/present-day-english.sh
for tool in apt-get dpkg-deb npm; do
  command -v "$tool" > /dev/null || { echo "english-word-lists.sh: $tool is missing" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download wamerican > /dev/null 2>&1) || {
  echo "english-word-lists.sh: cannot download wamerican (apt-get update first?)" >&2
  exit 1
}
dpkg-deb -x "$tmp"/wamerican_*.deb "$tmp/wamerican"
(cd "$tmp" && npm pack --silent naughty-words@1.2.0 > /dev/null && tar -xzf naughty-words-1.2.0.tgz)
cargo build --release --quiet -p quill
quill=target/release/quill
words="$tmp/wamerican/usr/share/dict/american-english"
"$quill" lexicon --words "$words" --counts data/english/corpus.txt --out models/english.qlex
"$quill" lexicon --words "$words" --counts data/english/corpus.txt --top 3000 --out models/english-mcu.qlex
"$quill" lexicon --words "$tmp/package/en.json" --out models/blocked-en.qlex
