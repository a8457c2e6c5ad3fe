#!/usr/bin/env bash
# The trainer's CUDA build on a real NVIDIA GPU, against PyTorch/cuDNN on the same GPU.
#
# Build here (no GPU needed; nothing CUDA at build time) and carry the stripped binary:
#   cargo build --release -p train --features cuda
#   mkdir -p .gpu && cp target/release/train .gpu/train && strip .gpu/train   # ~40 MB (the carry limit is 64 MiB)
# Run on the GPU machine, from the repository root (PyTorch with CUDA installed there):
#   bash scripts/gpu-check.sh [.gpu/train] [OUT_DIR]
#
# To also train on Shakespeare there, carry data/shakespeare.txt (FETCH_ONLY=1 bash
# scripts/shakespeare.sh fetches it here; `data/` is ignored by git, so name it in the carry).
#
# 1. the main job (GRU 1x256 on the built-in corpus, 7 epochs), as `cargo run -p train
#    --features cuda` runs it, and the same on the CPU (--device cpu): the exported models'
#    validation loss on both (the goal: within 0.01 nats/char);
# 2. training throughput, `train bench --backend cuda` (random batches, bs 64, bptt 64: the
#    problem scripts/pytorch_train_bench.py runs): GRU 1x256 and LSTM 2x512, each with the
#    whole-sequence GPU layer (the default: one kernel launch per layer each way) and the
#    per-step one (`--gpu-layer per-step`), to choose between them by measurement;
# 3. PyTorch (cuDNN) on the same problems: scripts/pytorch_train_bench.py;
# 4. with data/shakespeare.txt: GRU 1x256 and LSTM 2x512 for 300 steps each, validation loss;
# then one table, OUT_DIR/gpu-check.md. Each step has its own time limit (about 8 minutes in all).
set -uo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.gpu/train}"
out="${2:-${OUT:-target/gpu-check}}"
mkdir -p "$out"
[[ -x "$bin" ]] || { echo "gpu-check: no trainer binary at $bin (see the build steps at the top of this script)" >&2; exit 1; }

# libcuda comes with the driver; libnvrtc with the CUDA toolkit or PyTorch's pip packages.
for d in /usr/local/cuda/lib64 /usr/local/nvidia/lib64 \
  $(python3 -c 'import glob, nvidia, os; [print(p) for p in glob.glob(os.path.join(list(nvidia.__path__)[0], "*", "lib"))]' 2>/dev/null); do
  [[ -d "$d" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
ls /usr/local/cuda/lib64/libnvrtc* 2>/dev/null | head -n 3

gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -n 1)
echo "GPU: $gpu"

run() { # name seconds args...
  local name=$1 secs=$2
  shift 2
  echo "== $name"
  local start=$SECONDS
  # --overwrite: a rerun into the same OUT_DIR replaces its own earlier run (the trainer keeps
  # an earlier run otherwise).
  timeout "$secs" "$bin" "$@" --run-dir "$out/$name" --overwrite > "$out/$name.log" 2>&1
  local rc=$?
  echo "rc=$rc wall=$((SECONDS - start))s" | tee -a "$out/$name.log"
  tail -n 25 "$out/$name.log"
}

run main 150
run main-cpu 120 --device cpu

echo "== train bench (cuda)"
q_gru=$(timeout 60 "$bin" bench --backend cuda --model gru --hidden 256 2>&1 | tail -n 1)
q_lstm=$(timeout 60 "$bin" bench --backend cuda --model lstm --layers 2 --hidden 512 2>&1 | tail -n 1)
s_gru=$(timeout 60 "$bin" bench --backend cuda --model gru --hidden 256 --gpu-layer per-step 2>&1 | tail -n 1)
s_lstm=$(timeout 60 "$bin" bench --backend cuda --model lstm --layers 2 --hidden 512 --gpu-layer per-step 2>&1 | tail -n 1)
printf '%s\n' "$q_gru" "$q_lstm" "$s_gru" "$s_lstm"

if [[ -s data/shakespeare.txt ]]; then
  run shakespeare-gru 60 --corpus data/shakespeare.txt --max-steps 300
  run shakespeare-lstm 90 --corpus data/shakespeare.txt --model lstm --layers 2 --hidden 512 --max-steps 300
fi

echo "== PyTorch"
pt_gru=$(timeout 60 python3 scripts/pytorch_train_bench.py gru 256 1 cuda 2>&1 | tail -n 1)
pt_lstm=$(timeout 60 python3 scripts/pytorch_train_bench.py lstm 512 2 cuda 2>&1 | tail -n 1)
echo "$pt_gru"
echo "$pt_lstm"

python3 - "$out" "$gpu" "$q_gru" "$q_lstm" "$pt_gru" "$pt_lstm" "$s_gru" "$s_lstm" <<'PY' | tee "$out/gpu-check.md"
import re, sys
from pathlib import Path
out, gpu, q_gru, q_lstm, pt_gru, pt_lstm, s_gru, s_lstm = Path(sys.argv[1]), *sys.argv[2:]

def speed(line):
    m = re.search(r"([0-9]+) chars/s", line)
    return (int(m.group(1)), f"{int(m.group(1)):,}") if m else (None, line or "no result")

def val_loss(name):
    log = out / f"{name}.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    m = re.search(r"model\.quill\s+\d+ bytes\s+val loss ([0-9.]+)", text)
    return float(m.group(1)) if m else None

print(f"GPU: {gpu}\n")
print("| bs 64, bptt 64 | Quill whole-sequence chars/s | Quill per-step chars/s | PyTorch cuDNN chars/s | Quill (best) / PyTorch |")
print("|---|---:|---:|---:|---:|")
for label, q, st, pt in (("GRU 1x256", q_gru, s_gru, pt_gru), ("LSTM 2x512", q_lstm, s_lstm, pt_lstm)):
    (qv, qs), (sv, ss), (pv, ps) = speed(q), speed(st), speed(pt)
    best = max(v for v in (qv, sv, 0) if v is not None)
    ratio = f"{best / pv:.2f}x" if best and pv else "-"
    print(f"| {label} | {qs} | {ss} | {ps} | {ratio} |")
gpu_loss, cpu_loss = val_loss("main"), val_loss("main-cpu")
print("\n| main job (GRU 1x256, built-in corpus, 7 epochs) | val loss nats/char |")
print("|---|---:|")
print(f"| --device cuda | {gpu_loss} |")
print(f"| --device cpu | {cpu_loss} |")
if gpu_loss is not None and cpu_loss is not None:
    print(f"| difference | {abs(gpu_loss - cpu_loss):.4f} (goal ≤ 0.01) |")
for name in ("shakespeare-gru", "shakespeare-lstm"):
    if (out / f"{name}.log").exists():
        print(f"\n{name}, 300 steps: val loss {val_loss(name)} nats/char")
PY
