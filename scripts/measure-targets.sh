#!/usr/bin/env bash
# Per-target cost of a character, measured under QEMU: guest instructions (all targets) and
# estimated cycles (Cortex-M, from the TRM timings in tools/qemu-count/count.c), load+validate,
# flash and RAM; then what the runtime costs in flash on Cortex-M.
#
#   bash scripts/measure-targets.sh            # rnn/gru/lstm 1x128 and 1x256, f32 and int8
#   bash scripts/measure-targets.sh --quick    # gru-1x128 only (CI: proves the tooling)
#   bash scripts/measure-targets.sh --sizes    # the flash breakdown only
#
# Kernels: the one the runtime picks on each target, and the portable one beside it (and on
# aarch64 the SDOT kernel, qemu-aarch64 -cpu max having the dot-product extension).
# Targets: Cortex-M4F (thumbv7em-none-eabihf on mps2-an386), Cortex-M0 (thumbv6m-none-eabi on
# the micro:bit: only the models that fit its 256 KB of flash and 16 KB of RAM), aarch64
# (Linux, qemu-aarch64). Models: random weights, embedding 42, vocabulary 85.
# Per character = (run feeding 100 characters - run feeding 0) / 100; load+validate = (run
# feeding 0) - (run doing nothing); the firmware is built with opt-level 3 (`--profile speed`).
# Beside them, CMSIS-NN's s8 products for the same shapes where a CMSIS-NN git dir is at hand
# (CMSIS_NN_GIT=… bash scripts/measure-targets.sh; see ../shared/reference/cmsis-nn/README.md).
# Output: target/measure/targets.md (also printed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
# Counts are of the shipped code: no debug assertions or overflow checks, whoever calls this.
unset CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS
out="$root/target/measure"
mkdir -p "$out"
models=(rnn-1x128 gru-1x128 lstm-1x128 rnn-1x256 gru-1x256 lstm-1x256)
[[ "${1:-}" == "--quick" ]] && models=(gru-1x128)
[[ "${1:-}" == "--sizes" ]] && models=()
steps=100

for tool in qemu-system-arm qemu-aarch64 arm-none-eabi-size gcc python3; do
  command -v "$tool" >/dev/null || { echo "measure-targets: $tool is missing (see the README's set-up for cross targets)" >&2; exit 1; }
done

bash tools/qemu-count/build.sh "$out/libcount.so"
[[ ${#models[@]} -gt 0 ]] &&
  cargo run --release --quiet -p quill-tests --bin random-models -- "$out/models" "${models[@]}" >/dev/null

declare -A TRIPLE=([m4]=thumbv7em-none-eabihf [m0]=thumbv6m-none-eabi [a64]=aarch64-unknown-linux-gnu)

# Kernels measured per target: the one the runtime picks, and the alternatives beside it.
declare -A KERNELS=([m4]="default portable" [m0]="default" [a64]="default dotprod portable")

# count TARGET ELF STEPS KERNEL -> "instructions cycles" of one run; its output in $out/last.txt
count() {
  local t=$1 elf=$2 arg="$3 $4" c="$out/count.txt"
  rm -f "$c"
  case $t in
    m4) timeout 600 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -monitor none -serial none \
          -semihosting-config "enable=on,target=native,arg=bench,arg=${arg// /,arg=}" \
          -plugin "$out/libcount.so,cpu=m4,out=$c,syms=$out/syms.txt" -kernel "$elf" > "$out/last.txt" ;;
    m0) timeout 600 qemu-system-arm -machine microbit -nographic -monitor none -serial none \
          -semihosting-config "enable=on,target=native,arg=bench,arg=${arg// /,arg=}" \
          -plugin "$out/libcount.so,cpu=m0,out=$c" -kernel "$elf" > "$out/last.txt" ;;
    a64) timeout 600 qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu -plugin "$out/libcount.so,out=$c" \
          "$elf" $arg > "$out/last.txt" ;;
  esac
  awk '/^instructions/{i=$2} /^cycles/{c=$2} END{print i, (c == "" ? "-" : c)}' "$c"
}

rows="$out/rows.tsv"
products="$out/products.tsv"
[[ ${#models[@]} -gt 0 ]] && : > "$rows" && : > "$products"
for t in m4 m0 a64; do
  for m in "${models[@]+"${models[@]}"}"; do
    for w in f32 int8; do
      file="$out/models/$m-$w.quill"
      log="$out/build-$t-$m-$w.log"
      if ! (cd firmware && QUILL_MODEL="$file" cargo build --profile speed --quiet \
              --target "${TRIPLE[$t]}" --bin bench) > "$log" 2>&1; then
        if grep -q "will not fit in region\|overflowed" "$log"; then
          printf '%s\t%s\t%s\tdoes-not-fit\t%s\n' "$t" "$m" "$w" "$(stat -c %s "$file")" >> "$rows"
          echo "$t $m $w: does not fit the board"
          continue
        fi
        cat "$log" >&2; exit 1
      fi
      elf="firmware/target/${TRIPLE[$t]}/speed/bench"
      cp "$elf" "$out/bench-$t-$m-$w.elf"
      for kernel in ${KERNELS[$t]}; do
        read -r i_none c_none < <(count "$t" "$elf" none "$kernel")
        # The loader's stack: the high-water mark loading only, over the bench's own (none).
        stack_none=$(grep -o 'stack=[0-9]*' "$out/last.txt" | cut -d= -f2 || true)
        count "$t" "$elf" load "$kernel" > /dev/null
        stack_load=$(grep -o 'stack=[0-9]*' "$out/last.txt" | cut -d= -f2 || true)
        loader=$([[ -n "$stack_none" && -n "$stack_load" ]] && echo $((stack_load - stack_none)) || echo -)
        read -r i_zero c_zero < <(count "$t" "$elf" 0 "$kernel")
        [[ $t == m4 ]] && cp "$out/syms.txt" "$out/syms-zero.txt"
        read -r i_run c_run < <(count "$t" "$elf" "$steps" "$kernel")
        line=$(cat "$out/last.txt")
        grep -q '^bench ' <<< "$line" || { echo "$t $m $w $kernel: the bench failed: $line" >&2; exit 1; }
        # The Cortex-M4F int8 rows: the cycles in the products alone (runtime::kernels, the
        # plan's bias copies left out), to set beside CMSIS-NN's for the same shapes.
        if [[ $t == m4 && $w == int8 ]]; then
          product=$(awk -v steps="$steps" 'FNR==NR && $3 ~ /7runtime7kernels/ && $3 !~ /4plan/ {z+=$2}
            FNR!=NR && $3 ~ /7runtime7kernels/ && $3 !~ /4plan/ {r+=$2} END{print (r - z) / steps}' \
            "$out/syms-zero.txt" "$out/syms.txt")
          printf '%s\t%s\t%s\n' "$m" "$(grep -o 'kernel=[^ ]*' <<< "$line" | cut -d= -f2)" "$product" >> "$products"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$m" "$w" \
          "$i_none" "$c_none" "$i_zero" "$c_zero" "$i_run" "$c_run" "$(stat -c %s "$file")" "$line" \
          "$loader" >> "$rows"
        echo "$t $m $w: $line"
      done
    done
  done
done

# Flash: the size probes against an empty firmware, with the keyboard's GRU 1x64 int8 model;
# built with every model (the default features) and lean (the GRU cell and int8 products
# only, the checksum without its 1 KiB table: what a firmware shipping one int8 GRU needs).
sizes="$out/sizes.tsv"
: > "$sizes"
kb_model="$root/firmware/models/keyboard-gru-1x64-int8.quill"
for spec in "m4 release all" "m4 speed all" "m0 release all" "m4 release lean" "m0 release lean"; do
  read -r t profile set <<< "$spec"
  features=()
  [[ $set == lean ]] && features=(--no-default-features --features runtime/gru)
  (cd firmware && QUILL_MODEL="$kb_model" cargo build --profile "$profile" --quiet --target "${TRIPLE[$t]}" \
     "${features[@]}" --bin size-empty --bin size-predict --bin size-keyboard)
  for probe in size-empty size-predict size-keyboard; do
    elf="firmware/target/${TRIPLE[$t]}/$profile/$probe"
    arm-none-eabi-size -A "$elf" > "$out/size-$t-$profile-$set-$probe.txt"
    arm-none-eabi-nm -S --size-sort -C "$elf" > "$out/nm-$t-$profile-$set-$probe.txt"
    printf '%s\t%s\t%s\t%s\n' "$t" "$profile" "$set" "$probe" >> "$sizes"
  done
done

# CMSIS-NN beside Quill (issue 28): its s8 products for the GRU 1x256 step's shapes, from the
# shared anchor script where a git dir of github.com/ARM-software/CMSIS-NN is at hand
# (CMSIS_NN_GIT); elsewhere (CI: no checkout, no network) the table keeps the last measurement,
# with its date and commit, from benches/figures.tsv.
cmsis_run="${CMSIS_NN_RUN:-$root/../shared/reference/cmsis-nn/run.sh}"
if [[ -n "${CMSIS_NN_GIT:-}" && -f "$cmsis_run" ]] && command -v arm-none-eabi-gcc > /dev/null; then
  OPTS=O3 BUILD="$out/cmsis-nn" bash "$cmsis_run" > "$out/cmsis-nn.md"
  python3 scripts/results.py record-cmsis "$out/cmsis-nn.md" \
    --command "CMSIS_NN_GIT=<CMSIS-NN git dir> bash scripts/measure-targets.sh"
else
  echo "measure-targets: CMSIS-NN not measured here (it needs CMSIS_NN_GIT, a git dir of github.com/ARM-software/CMSIS-NN, $cmsis_run and arm-none-eabi-gcc); its rows are the last recorded"
fi

python3 scripts/targets_table.py "$out" "$(stat -c %s "$kb_model")" "$steps" | tee "$out/targets.md"
# The README's per-step figures come from these rows (benches/figures.tsv).
[[ ${#models[@]} -gt 0 ]] &&
  python3 scripts/results.py record-targets "$rows" "$steps" --command "bash scripts/measure-targets.sh${1:+ $1}"
# What a key costs in the keyboard session (the per-key rows).
if [[ "${1:-}" != "--sizes" ]]; then
  bash scripts/measure-keys.sh ${1:+"$1"}
  { echo; echo "Per key:"; echo; cat "$out/keys.md"; } >> "$out/targets.md"
fi
