#!/usr/bin/env bash
# The trainer's CUDA build on a real NVIDIA GPU, against PyTorch/cuDNN on the same GPU.
#
# Build here (no GPU needed; nothing CUDA at build time) and carry the stripped binary:
#   cargo build --release -p train --features cuda
#   mkdir -p .gpu && cp target/release/train .gpu/train && strip .gpu/train   # ~30 MB
# Run on the GPU machine, from the repository root (PyTorch with CUDA installed there):
#   bash scripts/gpu-check.sh [.gpu/train] [OUT_DIR]
#
# 1. the main job (GRU 1x256 on the built-in corpus, 7 epochs), as `cargo run -p train
#    --features cuda` runs it: per-epoch chars/s, the exported models' validation loss;
# 2. LSTM 2x512 (bs 64, bptt 64), one epoch: chars/s;
# 3. PyTorch (cuDNN) on the same problems: scripts/pytorch_train_bench.py;
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

run main 280
run lstm-2x512 120 --model lstm --layers 2 --hidden 512 --cycles 1

echo "== PyTorch"
pt_gru=$(timeout 60 python3 scripts/pytorch_train_bench.py gru 256 1 cuda 2>&1 | tail -n 1)
pt_lstm=$(timeout 60 python3 scripts/pytorch_train_bench.py lstm 512 2 cuda 2>&1 | tail -n 1)
echo "$pt_gru"
echo "$pt_lstm"

python3 - "$out" "$gpu" "$pt_gru" "$pt_lstm" <<'PY' | tee "$out/gpu-check.md"
import csv, re, sys
from pathlib import Path
out, gpu, pt_gru, pt_lstm = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def quill(name):
    m = out / name / "metrics.csv"
    if not m.exists():
        return "did not finish (see log)", ""
    rows = list(csv.DictReader(m.open()))
    if not rows:
        return "no epoch finished", ""
    speed = max(float(r.get("chars_per_sec") or 0) for r in rows)
    last = rows[-1]
    return f"{speed:,.0f}", f"epoch {last.get('epoch')}: val loss {last.get('val_loss')}"

def torch(line):
    m = re.search(r"([0-9]+) chars/s", line)
    return f"{int(m.group(1)):,}" if m else line

print(f"GPU: {gpu}\n")
print("| model (bs 64, bptt 64) | Quill --features cuda chars/s | PyTorch cuDNN chars/s | Quill's last epoch |")
print("|---|---:|---:|---|")
for name, label, pt in (("main", "GRU 1x256 (main job)", pt_gru), ("lstm-2x512", "LSTM 2x512", pt_lstm)):
    speed, last = quill(name)
    print(f"| {label} | {speed} | {torch(pt)} | {last} |")
log = (out / "main.log").read_text(errors="replace") if (out / "main.log").exists() else ""
for line in log.splitlines():
    if "val loss" in line and ".quill" in line:
        print(f"\n    {line.strip()}")
PY
