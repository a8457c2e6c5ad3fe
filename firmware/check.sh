#!/usr/bin/env bash
# The firmware on both Cortex-M boards under QEMU, checked line for line against the host.
#
#   bash firmware/check.sh
#
# 1. The keyboard session on the host (portable kernel) is the reference.
# 2. The same session on the Cortex-M4F board (mps2-an386, thumbv7em-none-eabihf) and the
#    Cortex-M0 board (micro:bit, thumbv6m-none-eabi) must print identical lines (lines that
#    start with '#' name the kernel and RAM use, which differ by target).
# 3. The kernel each board picks agrees with the portable kernel on every shape class.
# 4. A byte flipped in the model inside the M4F and M0 images must be reported over
#    semihosting as a damaged model, with a failing exit status, not a panic or a hang.
# 5. The English model the web page ships runs the same session on the M4F as on the host.
# 6. The microcontroller English model with its lexicon and a block list (QUILL_LEXICON,
#    QUILL_BLOCKED) runs the same session on the M0 as on the host, and never offers a
#    blocked word that it offers without the block list.
# 7. The lean build (`--no-default-features --features runtime/gru`: the GRU cell and int8
#    products only, the checksum a bit at a time) runs the same session on the M4F as the host,
#    and refuses an LSTM model and an f32 GRU by name (which feature builds them in).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never
out=target/check
mkdir -p "$out"

declare -A QEMU=(
  [thumbv7em-none-eabihf]="qemu-system-arm -cpu cortex-m4 -machine mps2-an386"
  [thumbv6m-none-eabi]="qemu-system-arm -machine microbit"
)
run_qemu() { # target elf
  timeout 300 ${QEMU[$1]} -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$2"
}

echo "-- host (portable kernel)"
cargo build --release --quiet --bin keyboard
target/release/keyboard > "$out/host.txt"
grep -v '^#' "$out/host.txt" > "$out/host.lines"
cat "$out/host.txt"

status=0
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
  echo "-- $target under QEMU (${QEMU[$target]})"
  cargo build --release --quiet --target "$target" --bin keyboard
  elf="target/$target/release/keyboard"
  arm-none-eabi-size "$elf"
  run_qemu "$target" "$elf" > "$out/$target.txt"
  grep '^#' "$out/$target.txt" || true
  grep -v '^#' "$out/$target.txt" > "$out/$target.lines"
  if diff -u "$out/host.lines" "$out/$target.lines"; then
    echo "   identical to the host: $(wc -l < "$out/host.lines") lines"
  else
    echo "FAIL: $target printed something else than the host (diff above)"
    status=1
  fi

  echo "-- $target: the kernel it picks against the portable kernel (Kernel::verify)"
  cargo build --release --quiet --target "$target" --bin kernel-check
  if ! run_qemu "$target" "target/$target/release/kernel-check"; then
    echo "FAIL: $target's kernel disagrees with the portable kernel"; status=1
  fi

  echo "-- $target with one byte of the model flipped in flash"
  python3 - "$elf" models/keyboard-gru-1x64-int8.quill "$out/$target-corrupt.elf" <<'PY'
import sys
elf, model, dst = (open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read(), sys.argv[3])
at = elf.find(model)
if at < 0:
    sys.exit(f"the model's bytes are not in {sys.argv[1]}")
bad = bytearray(elf)
bad[at + len(model) // 2] ^= 0x10
open(dst, 'wb').write(bad)
PY
  if run_qemu "$target" "$out/$target-corrupt.elf" > "$out/$target-corrupt.txt"; then
    echo "FAIL: the damaged model was accepted"; cat "$out/$target-corrupt.txt"; status=1
  elif ! grep -q '^error: .*checksum' "$out/$target-corrupt.txt"; then
    echo "FAIL: no damaged-model error over semihosting:"; cat "$out/$target-corrupt.txt"; status=1
  else
    grep '^error' "$out/$target-corrupt.txt"
  fi
done

# The English model the web page ships (GRU 1x256 int8, 269 KB: the M4F board's flash, not the
# micro:bit's 256 KB) through the same session, host against Cortex-M4F.
english=../models/english-gru-1x256-int8.quill
echo "-- the English model ($english) on the host and the Cortex-M4F"
# Same target folders as above: only the firmware crate rebuilds (build.rs reruns when
# QUILL_MODEL changes), not its dependencies.
export QUILL_MODEL=$english
cargo build --release --quiet --bin keyboard
target/release/keyboard | grep -v '^#' > "$out/english-host.lines"
cargo build --release --quiet --target thumbv7em-none-eabihf --bin keyboard
run_qemu thumbv7em-none-eabihf target/thumbv7em-none-eabihf/release/keyboard \
  > "$out/english-m4f.txt"
grep -v '^#' "$out/english-m4f.txt" > "$out/english-m4f.lines"
if diff -u "$out/english-host.lines" "$out/english-m4f.lines"; then
  echo "   identical to the host: $(wc -l < "$out/english-host.lines") lines"
  head -n 3 "$out/english-m4f.lines"
else
  echo "FAIL: the English model on the M4F printed something else than the host"
  status=1
fi
unset QUILL_MODEL

# The MCU English model with its 3,000-word lexicon on a Cortex-M0 (the thumbv6m build on
# mps2-an385: this session's ~12 KB of statics and ~8 KB of stack do not fit the micro:bit's
# 16 KB of RAM), and "hundred" (which the session completes after "one hun") on a block list
# built by `quill lexicon`.
echo "-- the MCU English model with its lexicon and a block list, host against the Cortex-M0"
export QUILL_MODEL=../models/english-mcu-gru-1x96-int8.quill QUILL_LEXICON=../models/english-mcu.qlex
printf 'hundred\n' > "$out/blocked.txt"
(cd .. && cargo run --release --quiet -p quill -- lexicon --words "firmware/$out/blocked.txt" \
  --out "firmware/$out/blocked.qlex" --force > /dev/null)
cargo build --release --quiet --bin keyboard
target/release/keyboard | grep -v '^#' > "$out/mcu-free.lines"
export QUILL_BLOCKED=$out/blocked.qlex
cargo build --release --quiet --bin keyboard
target/release/keyboard | grep -v '^#' > "$out/mcu-host.lines"
QUILL_BOARD=mps2-an385 cargo build --release --quiet --target thumbv6m-none-eabi --bin keyboard
timeout 300 qemu-system-arm -machine mps2-an385 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel target/thumbv6m-none-eabi/release/keyboard \
  > "$out/mcu-m0.txt"
grep '^#' "$out/mcu-m0.txt" | tail -n 1
grep -v '^#' "$out/mcu-m0.txt" > "$out/mcu-m0.lines"
offered() { sed -n 's/.*words:\(.*\)/\1/p' "$1" | grep -c 'dred' || true; }
if ! diff -u "$out/mcu-host.lines" "$out/mcu-m0.lines"; then
  echo "FAIL: the MCU English model with word lists on the M0 printed something else than the host"
  status=1
elif [ "$(offered "$out/mcu-free.lines")" -eq 0 ] || [ "$(offered "$out/mcu-m0.lines")" -ne 0 ]; then
  echo "FAIL: \"hundred\" offered $(offered "$out/mcu-free.lines") times without the block list," \
    "$(offered "$out/mcu-m0.lines") with it (expected some, then none)"
  status=1
else
  echo "   identical to the host: $(wc -l < "$out/mcu-m0.lines") lines;" \
    "\"hundred\" offered $(offered "$out/mcu-free.lines") times without the block list, never with it"
fi
unset QUILL_MODEL QUILL_LEXICON QUILL_BLOCKED

echo "-- the lean build (GRU and int8 only, CRC without a table) on the Cortex-M4F"
lean=(--no-default-features --features runtime/gru)
cargo build --release --quiet --target thumbv7em-none-eabihf --bin keyboard "${lean[@]}"
run_qemu thumbv7em-none-eabihf target/thumbv7em-none-eabihf/release/keyboard > "$out/lean-m4f.txt" || true
grep -v '^#' "$out/lean-m4f.txt" > "$out/lean-m4f.lines"
if diff -u "$out/host.lines" "$out/lean-m4f.lines"; then
  echo "   identical to the host: $(wc -l < "$out/lean-m4f.lines") lines"
else
  echo "FAIL: the lean build on the M4F printed something else than the host"
  status=1
fi
(cd .. && cargo run --release --quiet -p quill-tests --bin random-models -- \
  "firmware/$out/models" lstm-1x32 gru-1x32 > /dev/null)
for spec in "lstm-1x32-int8:lstm" "gru-1x32-f32:f32-weights"; do
  model=${spec%%:*} feature=${spec#*:}
  QUILL_MODEL="$out/models/$model.quill" cargo build --release --quiet --bin keyboard "${lean[@]}"
  if target/release/keyboard > "$out/lean-$model.txt"; then
    echo "FAIL: the lean build ran $model"; status=1
  elif ! grep -q "^error: the model needs .*\`$feature\` feature" "$out/lean-$model.txt"; then
    echo "FAIL: the lean build refused $model without naming the \`$feature\` feature:"
    cat "$out/lean-$model.txt"; status=1
  else
    echo "   $model refused: $(grep '^error' "$out/lean-$model.txt")"
  fi
done
# Leave the default micro:bit image built, as the steps above made it.
cargo build --release --quiet --target thumbv6m-none-eabi --bin keyboard
exit $status
