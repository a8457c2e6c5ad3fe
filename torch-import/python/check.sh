#!/usr/bin/env bash
# Regenerates the importer's fixtures from scratch — numpy and safetensors from PyPI in a
# throwaway virtualenv — checks they are byte for byte the committed ones, and runs the parity
# test on the fresh set: the committed fixtures cannot drift from the script that documents them.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r torch-import/python/requirements.txt
"$work/venv/bin/python" torch-import/python/make_fixtures.py "$work/fixtures"
for f in "$work/fixtures"/*; do
  if ! cmp -s "$f" "torch-import/tests/fixtures/$(basename "$f")"; then
    echo "torch-import/tests/fixtures/$(basename "$f") differs from what make_fixtures.py writes now:"
    echo "regenerate with: python torch-import/python/make_fixtures.py torch-import/tests/fixtures --check-torch"
    exit 1
  fi
done
QUILL_TORCH_FIXTURES="$work/fixtures" cargo test --quiet -p torch-import --test parity
