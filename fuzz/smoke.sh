#!/usr/bin/env bash
# A short run of every fuzz target (CI): builds them with cargo-fuzz on nightly and fuzzes each
# from its seeds for SECONDS (default 25). A finding fails the run and leaves the input in
# fuzz/artifacts/<target>/. The long campaign and how to reproduce a finding: fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_PER_TARGET:-25}
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "WARNING: no nightly toolchain (rustup toolchain install nightly): fuzz smoke run SKIPPED;"
  echo "         the seeds and findings were still replayed on stable by tests/tests/fuzz_replay.rs"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
cargo +nightly fuzz build -O
for target in model_bytes byte_stream torch_import; do
  mkdir -p "corpus/$target"
  echo "-- fuzzing $target for ${seconds}s"
  log=$(mktemp)
  status=0
  cargo +nightly fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "DONE|number_of_executed_units|peak_rss" "$log" || true
  if [ "$status" -ne 0 ]; then
    grep -v "^ *[0-9]*: \| at " "$log" | tail -40
    echo "FAILED: fuzz target $target (exit $status); the input is in fuzz/artifacts/$target/"
    exit 1
  fi
done
