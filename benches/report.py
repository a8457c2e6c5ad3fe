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
for d in sorted((root / "per_char").glob("*")) if (root / "per_char").exists() else []:
    m = re.fullmatch(r"(\w+)-(\d+)x(\d+)-(f32|int8)", d.name)
    if m:
        rows.setdefault((m[1], int(m[2]), int(m[3])), {})[m[4]] = estimate("per_char", d.name)

print(f"CPU: {cpu_name()}, 1 thread, batch 1, embedding 42, vocabulary 85; `cargo bench -p benches`.\n")
print("| model | f32 µs/char | f32 chars/s | int8 µs/char | int8 chars/s |")
print("|---|---:|---:|---:|---:|")
order = {"rnn": 0, "gru": 1, "lstm": 2}
for (cell, layers, hidden), v in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1], kv[0][2])):
    cells = []
    for dt in ("f32", "int8"):
        ns = v.get(dt)
        cells += [f"{ns / 1000:.2f}", f"{1e9 / ns:,.0f}"] if ns else ["–", "–"]
    print(f"| {cell}-{layers}x{hidden} | " + " | ".join(cells) + " |")

loads = sorted((root / "load").glob("*")) if (root / "load").exists() else []
if loads:
    print("\n| load + validate | time |")
    print("|---|---:|")
    for d in loads:
        ns = estimate("load", d.name)
        if ns:
            print(f"| {d.name} | {ns / 1000:.0f} µs |")
