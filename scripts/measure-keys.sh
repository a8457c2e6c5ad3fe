#!/usr/bin/env bash
# What a key costs on a microcontroller: the keyboard session (firmware/src/keys.rs, the
# firmware's own config: exact Backspace over 4 keys, 3 completions of up to 12 characters, at
# most 9 model steps of word search a key) types the first 400 characters of held-out English
# (data/english/heldout.txt, scripts/present-day-english.sh), counted under QEMU with
# tools/qemu-count: the plugin logs its running totals at every `key_done` marker, so each key's
# cycles are the difference of two lines. Beside it, one plain model step of the same build
# (the measuring firmware `bench`: 100 characters fed, minus none), so a key is also given in
# step-equivalents.
#
# Cortex-M4F: thumbv7em-none-eabihf on mps2-an386 (the M4 cost model). Cortex-M0: the
# thumbv6m-none-eabi build, on mps2-an385 (the micro:bit's 16 KB of RAM do not hold the
# English session; the M3 runs the M0's instructions) with the M0 cost model. aarch64: the
# same session built for Linux (NEON kernel) under qemu-aarch64, in executed instructions
# (the plugin has no cycle model for it): a phone core's cost in step-equivalents.
#
#   bash scripts/measure-keys.sh            # writes target/measure/keys.md (also printed)
#   bash scripts/measure-keys.sh --quick    # the MCU model on the Cortex-M4F only (CI: proves the tooling)
#   bash scripts/measure-keys.sh --only english-gru-1x256-int8-free m4   # one row
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
unset CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS
out="$root/target/measure"
mkdir -p "$out"
for tool in qemu-system-arm python3; do
  command -v "$tool" >/dev/null || { echo "measure-keys: $tool is missing" >&2; exit 1; }
done
bash scripts/present-day-english.sh
bash tools/qemu-count/build.sh "$out/libcount.so"
text="$root/data/english/heldout.txt"

# name model lexicon ("-": none, what the lexicon's cost is measured against)
runs=(
  "english-gru-1x256-int8 models/english-gru-1x256-int8.quill models/english.qlex"
  "english-mcu-gru-1x96-int8 models/english-mcu-gru-1x96-int8.quill models/english-mcu.qlex"
  "english-gru-1x256-int8-free models/english-gru-1x256-int8.quill -"
)
targets=(m4 m0 a64)
if [[ "${1:-}" == "--quick" ]]; then
  runs=("${runs[1]}")
  targets=(m4)
elif [[ "${1:-}" == "--only" ]]; then
  mapfile -t runs < <(printf '%s\n' "${runs[@]}" | awk -v n="${2:?--only NAME TARGET}" '$1 == n')
  [ "${#runs[@]}" -eq 1 ] || { echo "measure-keys: no run named $2" >&2; exit 1; }
  targets=("${3:?--only NAME TARGET (m4, m0 or a64)}")
fi
declare -A TRIPLE=([m4]=thumbv7em-none-eabihf [m0]=thumbv6m-none-eabi [a64]=aarch64-unknown-linux-gnu)
declare -A MACHINE=([m4]="-cpu cortex-m4 -machine mps2-an386" [m0]="-machine mps2-an385" [a64]="")
declare -A BOARD=([m4]=mps2-an386 [m0]=mps2-an385 [a64]=linux)

qemu() { # target elf plugin-args [semihosting args…]
  local t=$1 elf=$2 plugin=$3
  shift 3
  if [ "$t" = a64 ]; then
    timeout 900 qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu -plugin "$out/libcount.so,${plugin#cpu=a64,}" \
      "$elf" "$@"
    return
  fi
  local sh="enable=on,target=native"
  for a in "$@"; do sh+=",arg=$a"; done
  timeout 900 qemu-system-arm ${MACHINE[$t]} -nographic -monitor none -serial none \
    -semihosting-config "$sh" -plugin "$out/libcount.so,$plugin" -kernel "$elf"
}
# The cost a target is counted in: estimated cycles on Cortex-M, instructions on aarch64.
cost() { awk -v w="$([ "$2" = a64 ] && echo instructions || echo cycles)" '$1 == w {print $2}' "$1"; }

rows="$out/keys.tsv"
: > "$rows"
for t in "${targets[@]}"; do
  for spec in "${runs[@]}"; do
    read -r name model lexicon <<< "$spec"
    [ -f "$model" ] || { echo "measure-keys: $model is missing (scripts/english-models.sh)" >&2; exit 1; }
    lex=()
    [ "$lexicon" = - ] || lex=(QUILL_LEXICON="$root/$lexicon")
    (cd firmware && env -u QUILL_LEXICON -u QUILL_BLOCKED "${lex[@]}" QUILL_BOARD=${BOARD[$t]} QUILL_MODEL="$root/$model" \
      QUILL_TEXT="$text" cargo build --profile speed --quiet --target "${TRIPLE[$t]}" --bin keys --bin bench)
    elf="firmware/target/${TRIPLE[$t]}/speed"
    line=$(qemu "$t" "$elf/keys" "cpu=$t,out=$out/keys-count.txt,mark=key_done,marks=$out/keys-marks.txt")
    grep -q '^keys ' <<< "$line" || { echo "measure-keys: $t $name: $line" >&2; exit 1; }
    qemu "$t" "$elf/bench" "cpu=$t,out=$out/step0.txt" bench 0 > /dev/null
    qemu "$t" "$elf/bench" "cpu=$t,out=$out/step100.txt" bench 100 > /dev/null
    step=$(( ($(cost "$out/step100.txt" "$t") - $(cost "$out/step0.txt" "$t")) / 100 ))
    python3 - "$out/keys-marks.txt" "$t" "$name" "$step" "$line" >> "$rows" <<'PY'
import sys
marks, t, name, step, line = sys.argv[1:6]
v = [list(map(int, l.split())) for l in open(marks)]
col = 0 if t == "a64" else 1  # instructions on aarch64, estimated cycles on Cortex-M
d = sorted(b[col] - a[col] for a, b in zip(v, v[1:]))
mean = sum(d) / len(d)
f = line.split()
print("\t".join([t, name, str(len(d)), f"{mean:.0f}", str(d[len(d) // 2]), str(d[-1]), step,
                 f[3], f[5]]))
PY
    echo "$t $name: $line"
  done
done

python3 - "$rows" <<'PY' | tee "$out/keys.md"
import sys
TARGET = {"m4": "Cortex-M4F", "m0": "Cortex-M0", "a64": "aarch64 (instructions)"}
M = lambda n: f"{int(n) / 1e6:.2f} M"
print("| target | model (lexicon) | keys | est. cycles/key: mean | median | worst | a plain step "
      "| mean in step-equivalents | model steps/key (worst) | ms/key at 168 MHz / 64 MHz |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for row in open(sys.argv[1]).read().splitlines():
    t, name, keys, mean, median, worst, step, steps, worst_steps = row.split("\t")
    per = float(mean)
    ms = "—" if t == "a64" else f"{per / 168e3:.1f} / {per / 64e3:.1f}"
    print(f"| {TARGET[t]} | {name} | {keys} | {M(mean)} | {M(median)} | {M(worst)} | {M(step)} | "
          f"{per / int(step):.2f} | {int(steps) / int(keys):.2f} ({worst_steps}) | {ms} |")
PY
# The README's per-key figures come from these rows (benches/figures.tsv).
python3 scripts/results.py record-keys "$rows" --command "bash scripts/measure-keys.sh${1:+ $*}"
