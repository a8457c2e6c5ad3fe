"""The per-target table and the flash breakdown from scripts/measure-targets.sh's raw results.

usage: python3 scripts/targets_table.py OUT_DIR KEYBOARD_MODEL_BYTES STEPS
"""
import sys
from pathlib import Path

from targets_macs import macs

out, kb_model, steps = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
TARGET = {"m4": "Cortex-M4F", "m0": "Cortex-M0", "a64": "aarch64"}


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def k(n):
    return f"{n / 1000:,.1f} k" if n < 1e6 else f"{n / 1e6:,.2f} M"


print("| target | model | weights | kernel | instructions/char | per MAC | est. cycles/char | per MAC "
      "| load+validate | model bytes | RAM: buffer / statics + stack | loader's stack |")
print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
# (`--sizes` on a fresh checkout has no per-step rows yet: the table is then empty.)
rows_tsv = out / "rows.tsv"
for row in (rows_tsv.read_text().splitlines() if rows_tsv.exists() else []):
    f = row.split("\t")
    t, model, w = f[0], f[1], f[2]
    if f[3] == "does-not-fit":
        print(f"| {TARGET[t]} | {model} | {w} | — | does not fit the board | | | | | {int(f[4]):,} | | |")
        continue
    i_none, c_none, i_zero, c_zero, i_run, c_run = f[3:9]
    model_bytes, line = int(f[9]), fields(f[10])
    per_char = (int(i_run) - int(i_zero)) / steps
    load = int(i_zero) - int(i_none)
    if c_run != "-":
        cyc = (int(c_run) - int(c_zero)) / steps
        cycles = f"{k(cyc)} | {cyc / macs(model):.2f}"
    else:
        cycles = "— | —"
    ram = f"{int(line['buffer']):,} B"
    if "statics" in line:
        ram += f" / {int(line['statics']):,} + {int(line['stack']):,} B"
    loader = f[11] if len(f) > 11 and f[11] != "-" else None
    loader = f"{int(loader):,} B" if loader else "—"
    print(f"| {TARGET[t]} | {model} | {w} | {line['kernel']} | {k(per_char)} | "
          f"{per_char / macs(model):.2f} | {cycles} | {k(load)} instr | {model_bytes:,} | {ram} | {loader} |")


def flash(t, profile, build, probe):
    size = (out / f"size-{t}-{profile}-{build}-{probe}.txt").read_text().split("\n")
    return sum(int(l.split()[1]) for l in size
               if l.split() and l.split()[0] in (".vector_table", ".text", ".rodata", ".data"))


def builtins(t, profile, build, probe):
    """memcpy/memset/memmove code: compiler builtins every firmware links anyway."""
    total = 0
    for l in (out / f"nm-{t}-{profile}-{build}-{probe}.txt").read_text().splitlines():
        p = l.split(None, 3)
        if len(p) == 4 and any(s in p[3] for s in ("memcpy", "memset", "memmove", "memclr")):
            total += int(p[1], 16)
    return total


print()
print(f"Flash the runtime costs (probe − empty firmware − the {kb_model:,}-byte model; "
      "the keyboard's GRU 1×64 int8):")
print()
print("| target | opt-level | build | predict + top-3 | + History + word completion | of which memcpy/memset/memmove |")
print("|---|---|---|---:|---:|---:|")
BUILD = {"all": "every model", "lean": "lean: GRU, int8, CRC without table"}
seen = set()
for l in (out / "sizes.tsv").read_text().splitlines():
    t, profile, build, _ = l.split("\t")
    if (t, profile, build) in seen:
        continue
    seen.add((t, profile, build))
    empty = flash(t, profile, build, "size-empty")
    pred = flash(t, profile, build, "size-predict") - empty - kb_model
    kbd = flash(t, profile, build, "size-keyboard") - empty - kb_model
    level = {"release": '"s"', "speed": "3"}[profile]
    print(f"| {TARGET[t]} | {level} | {BUILD[build]} | {pred:,} B ({pred / 1024:.1f} KiB) "
          f"| {kbd:,} B ({kbd / 1024:.1f} KiB) "
          f"| {builtins(t, profile, build, 'size-predict'):,} / {builtins(t, profile, build, 'size-keyboard'):,} B |")

# CMSIS-NN beside Quill: the GRU 1x256 step's three int8 products (W_ih 768x42, W_hh 768x256,
# the output layer 85x256). CMSIS-NN's per shape from benches/figures.tsv (recorded by the
# anchor script where a CMSIS-NN checkout was at hand); Quill's together, from this run (one
# function serves the three, so the counter cannot split them).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import load  # noqa: E402

SHAPES = ("768x256", "768x42", "85x256")
figures = load()
products = out / "products.tsv"
ours = [r.split("\t") for r in products.read_text().splitlines()] if products.exists() else []
ours = [(kernel, float(c)) for model, kernel, c in ours if model == "gru-1x256"]
cmsis = [figures.get(f"cmsis.fc.{s}.cycles") for s in SHAPES]
if all(cmsis) or ours:
    total_macs = sum(int(r) * int(c) for r, c in (s.split("x") for s in SHAPES))
    print()
    print(f"Beside CMSIS-NN, Cortex-M4F est. cycles: the three int8 products of a GRU 1×256 step "
          f"({', '.join(s.replace('x', '×') for s in SHAPES)}; {total_macs:,} MACs), on the same counter:")
    print()
    print("| products | " + " | ".join(s.replace("x", "×") for s in SHAPES) + " | the three | per MAC | measured |")
    print("|---|" + "---:|" * (len(SHAPES) + 2) + "---|")
    if all(cmsis):
        cyc = [float(f["value"]) for f in cmsis]
        print(f"| CMSIS-NN `arm_nn_vec_mat_mult_t_s8` | " + " | ".join(k(c) for c in cyc)
              + f" | {k(sum(cyc))} | {sum(cyc) / total_macs:.2f} | {cmsis[0]['date']}: {cmsis[0]['command']} |")
    for kernel, c in ours:
        print(f"| Quill, {kernel} (activations quantised, rows scaled) | — | — | — | {k(c)} | "
              f"{c / total_macs:.2f} | this run |")
