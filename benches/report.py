#!/usr/bin/env python3
"""Turns criterion's results (target/criterion) into the README's latency table.

    cargo bench -p benches && python3 benches/report.py
"""
import json
import pathlib
import platform
import re

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def estimate(group, name):
    f = root / group / name / "new" / "estimates.json"
    if not f.exists():
        return None
    e = json.loads(f.read_text())
    return (e.get("median") or e["mean"])["point_estimate"]  # nanoseconds


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


rows = {}
for group, side in (("per_char", ""), ("per_char_table", "+table")):
    for d in sorted((root / group).glob("*")) if (root / group).exists() else []:
        m = re.fullmatch(r"(\w+)-(\d+)x(\d+)-(f32|int8)", d.name)
        if m:
            rows.setdefault((m[1], int(m[2]), int(m[3])), {})[m[4] + side] = estimate(group, d.name)

print(f"CPU: {cpu_name()}, 1 thread, batch 1, embedding 42, vocabulary 85; `cargo bench -p benches`.")
print("µs per character; `+table`: the first layer's input side from the per-token table")
print("(`Predictor::with_table`); chars/s of the fastest.\n")
kinds = ("f32", "f32+table", "int8", "int8+table")
print("| model | " + " | ".join(kinds) + " | best chars/s |")
print("|---|" + "---:|" * (len(kinds) + 1))
order = {"rnn": 0, "gru": 1, "lstm": 2}
for (cell, layers, hidden), v in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1], kv[0][2])):
    cells = [f"{v[k] / 1000:.2f}" if v.get(k) else "–" for k in kinds]
    best = min((x for x in v.values() if x), default=None)
    cells.append(f"{1e9 / best:,.0f}" if best else "–")
    print(f"| {cell}-{layers}x{hidden} | " + " | ".join(cells) + " |")

loads = sorted((root / "load").glob("*")) if (root / "load").exists() else []
if loads:
    print("\n| load + validate | time |")
    print("|---|---:|")
    for d in loads:
        ns = estimate("load", d.name)
        if ns:
            print(f"| {d.name} | {ns / 1000:.0f} µs |")
