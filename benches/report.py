#!/usr/bin/env python3
"""Turns criterion's results (target/criterion) into the latency table of benches/RESULTS.md.

    cargo bench -p benches && python3 benches/report.py

It also records the figures the README's results table shows (scripts/results.py).
"""
import json
import pathlib
import re
import sys

# The README's x86 figures are recorded through scripts/results.py (benches/figures.tsv).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
import results  # noqa: E402

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def estimate(group, name):
    f = root / group / name / "new" / "estimates.json"
    if not f.exists():
        return None
    e = json.loads(f.read_text())
    return (e.get("median") or e["mean"])["point_estimate"]  # nanoseconds


rows = {}
for group, side in (("per_char", ""), ("per_char_table", "+table"), ("burn_per_char", "burn")):
    for d in sorted((root / group).glob("*")) if (root / group).exists() else []:
        m = re.fullmatch(r"(\w+)-(\d+)x(\d+)-(f32|int8)", d.name)
        if m:
            key = "burn" if side == "burn" else m[4] + side
            rows.setdefault((m[1], int(m[2]), int(m[3])), {})[key] = estimate(group, d.name)

sizes = {}
size_file = root / "quill-sizes.txt"
if size_file.exists():
    for line in size_file.read_text().splitlines():
        name, file_bytes, ram, ram_table = line.split()
        sizes[name] = (int(file_bytes), int(ram), int(ram_table))


def kb(n):
    return f"{n / 1024:,.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MB"


print(f"CPU: {results.machine()}, 1 thread, batch 1, embedding 42, vocabulary 85; `cargo bench -p benches`.")
print("µs per character. `+table`: the first layer's input side from the per-token table")
print("(`Predictor::with_table`). burn: the same f32 weights stepped through burn-ndarray.")
print("Speedup: burn's time over the fastest runtime variant. File: f32 / int8 model bytes.")
print("RAM: the predictor's whole buffer (state and scratch), per step / with the table.\n")
kinds = ("f32", "f32+table", "int8", "int8+table")
print("| model | " + " | ".join(kinds) + " | best chars/s | burn | speedup | file f32 / int8 | RAM |")
print("|---|" + "---:|" * (len(kinds) + 5))
order = {"rnn": 0, "gru": 1, "lstm": 2}
for (cell, layers, hidden), v in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1], kv[0][2])):
    cells = [f"{v[k] / 1000:.2f}" if v.get(k) else "–" for k in kinds]
    best = min((v[k] for k in kinds if v.get(k)), default=None)
    cells.append(f"{1e9 / best:,.0f}" if best else "–")
    burn = v.get("burn")
    cells.append(f"{burn / 1000:.1f}" if burn else "–")
    cells.append(f"{burn / best:.0f}×" if burn and best else "–")
    name = f"{cell}-{layers}x{hidden}"
    f32s, i8s = sizes.get(name + "-f32"), sizes.get(name + "-int8")
    cells.append(f"{kb(f32s[0])} / {kb(i8s[0])}" if f32s and i8s else "–")
    cells.append(f"{kb(f32s[1])} / {kb(f32s[2])}" if f32s else "–")
    print(f"| {name} | " + " | ".join(cells) + " |")

loads = sorted((root / "load").glob("*")) if (root / "load").exists() else []
if loads:
    print("\n| load + validate | time |")
    print("|---|---:|")
    for d in loads:
        ns = estimate("load", d.name)
        if ns:
            print(f"| {d.name} | {ns / 1000:.0f} µs |")

print()
results.record_criterion()
