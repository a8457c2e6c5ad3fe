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
for row in (out / "rows.tsv").read_text().splitlines():
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


def flash(t, profile, probe):
    size = (out / f"size-{t}-{profile}-{probe}.txt").read_text().split("\n")
    return sum(int(l.split()[1]) for l in size
               if l.split() and l.split()[0] in (".vector_table", ".text", ".rodata", ".data"))


def builtins(t, profile, probe):
    """memcpy/memset/memmove code: compiler builtins every firmware links anyway."""
    total = 0
    for l in (out / f"nm-{t}-{profile}-{probe}.txt").read_text().splitlines():
        p = l.split(None, 3)
        if len(p) == 4 and any(s in p[3] for s in ("memcpy", "memset", "memmove", "memclr")):
            total += int(p[1], 16)
    return total


print()
print(f"Flash the runtime costs (probe − empty firmware − the {kb_model:,}-byte model; "
      "the keyboard's GRU 1×64 int8):")
print()
print("| target | opt-level | predict + top-3 | + History + word completion | of which memcpy/memset/memmove |")
print("|---|---|---:|---:|---:|")
seen = set()
for l in (out / "sizes.tsv").read_text().splitlines():
    t, profile, _ = l.split("\t")
    if (t, profile) in seen:
        continue
    seen.add((t, profile))
    empty = flash(t, profile, "size-empty")
    pred = flash(t, profile, "size-predict") - empty - kb_model
    kbd = flash(t, profile, "size-keyboard") - empty - kb_model
    level = {"release": '"s"', "speed": "3"}[profile]
    print(f"| {TARGET[t]} | {level} | {pred:,} B ({pred / 1024:.1f} KiB) | {kbd:,} B ({kbd / 1024:.1f} KiB) "
          f"| {builtins(t, profile, 'size-predict'):,} / {builtins(t, profile, 'size-keyboard'):,} B |")
