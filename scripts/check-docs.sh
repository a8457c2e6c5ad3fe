#!/usr/bin/env bash
# The command blocks of the README and the docs, checked (CI runs this after the tests).
#
# Every ```sh block in README.md, docs/*.md, firmware/README.md and benches/RESULTS.md is one of
#   ```sh            run here, from the repository root (firmware/README.md: from firmware/),
#                    in order, each block in its own shell with `set -euo pipefail`;
#   ```sh example    shown, not run (training for minutes, a server, a GPU, your own files):
#                    only checked to be valid shell (bash -n).
# Any other fence on a shell block (```bash, ```shell, ```console) fails, so a new block is
# always one or the other.
#
#   bash scripts/check-docs.sh          # run the runnable blocks
#   bash scripts/check-docs.sh --list   # say what each block is, run nothing
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
list=false
[[ "${1:-}" == "--list" ]] && list=true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
ran=0
examples=0
for doc in README.md docs/*.md firmware/README.md benches/RESULTS.md; do
  # Split the doc into blocks: work/N.sh with the block, work/N.kind with "run" or "example".
  rm -f "$work"/block-*
  if ! python3 - "$doc" "$work" <<'PY'
import re, sys
doc, work = sys.argv[1], sys.argv[2]
lines = open(doc, encoding='utf-8').read().split('\n')
n, i, bad = 0, 0, []
while i < len(lines):
    m = re.match(r'^```(\S*)\s*(.*)$', lines[i])
    if not m or (not m.group(1) and not m.group(2)):
        i += 1
        continue
    lang, rest = m.group(1), m.group(2).strip()
    j = i + 1
    while j < len(lines) and lines[j] != '```':
        j += 1
    if lang in ('bash', 'shell', 'console', 'shell-session', 'zsh'):
        bad.append(f'{doc}:{i + 1}: a ```{lang} block: fence it ```sh (CI runs it) or ```sh example')
    elif lang == 'sh':
        if rest not in ('', 'example'):
            bad.append(f'{doc}:{i + 1}: ```sh {rest}: the only word allowed after sh is "example"')
        n += 1
        open(f'{work}/block-{n:03}.sh', 'w').write('\n'.join(lines[i + 1:j]) + '\n')
        open(f'{work}/block-{n:03}.kind', 'w').write(f"{'example' if rest == 'example' else 'run'} {i + 1}\n")
    i = j + 1
for b in bad:
    print(f'FAIL {b}')
sys.exit(1 if bad else 0)
PY
  then
    status=1
  fi
  for block in "$work"/block-*.sh; do
    [ -e "$block" ] || continue
    read -r kind line < "${block%.sh}.kind"
    where="$doc:$line"
    if ! bash -n "$block" 2> "$work/syntax"; then
      echo "FAIL $where: not valid shell: $(cat "$work/syntax")"
      status=1
      continue
    fi
    if [ "$kind" = example ]; then
      examples=$((examples + 1))
      $list && echo "example  $where"
      continue
    fi
    if $list; then
      echo "run      $where"
      continue
    fi
    dir=$root
    [ "$doc" = firmware/README.md ] && dir=$root/firmware
    echo "-- $where"
    sed 's/^/   $ /' "$block"
    if (cd "$dir" && bash -euo pipefail "$block") > "$work/out" 2>&1; then
      tail -n 3 "$work/out" | sed 's/^/   /'
      ran=$((ran + 1))
    else
      echo "FAIL $where: the block failed:"
      tail -n 20 "$work/out" | sed 's/^/   /'
      status=1
    fi
  done
done
$list || echo "docs: $ran command blocks run, $examples shown as examples (bash -n), $( [ $status -eq 0 ] && echo 'all good' || echo 'FAILURES above')"
exit $status
