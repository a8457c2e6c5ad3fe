#!/usr/bin/env python3
"""The README's results table, written by a program from recorded figures.

Every figure in the table is a row of benches/figures.tsv (key, value, date, machine and the
command that measured it). The commands that measure record what they measured here, and
recording rewrites the README's table, so no figure is copied by hand:

    python3 scripts/results.py record --command CMD KEY=VALUE ...     # a script's figures
    python3 scripts/results.py record-criterion                       # after cargo bench -p benches
    python3 scripts/results.py record-eval PREFIX MODEL FILE          # a `quill eval` output
    python3 scripts/results.py record-keys FILE                       # measure-keys.sh's keys.tsv
    python3 scripts/results.py record-targets FILE STEPS              # measure-targets.sh's rows.tsv
    python3 scripts/results.py record-cmsis FILE                      # the CMSIS-NN anchor's table
    python3 scripts/results.py record-web-step FILE                   # web/test/bench.mjs --out
    python3 scripts/results.py record-web-keys FILE                   # web/test/keys.mjs --out
    python3 scripts/results.py table                                  # print the table
    python3 scripts/results.py check                                  # CI: README matches, nothing missing

The recorders are called by the measuring scripts themselves (benches/report.py,
scripts/measure-keys.sh, scripts/measure-targets.sh, scripts/eval-english.sh,
web/test/bench.sh); by hand only to re-record a file those scripts left.
"""
import argparse
import datetime
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "benches" / "figures.tsv"
README = ROOT / "README.md"
BEGIN = "<!-- results table: written by `python3 scripts/results.py`, from benches/figures.tsv; do not edit -->"
END = "<!-- end of the results table -->"
HEADER = "key\tvalue\tdate\tmachine\tcommand"

# The table: what, the figure (a template over recorded keys, `{key:format}`; format `M` is
# millions with two decimals, `KB` thousands of bytes), where the method is described. The measuring command, date and
# machine are the recorded figures' own.
ROWS = [
    ("one model step, GRU 1×256 int8 with the input table, x86, 1 thread",
     "{x86.step.gru-1x256-int8-table.us:.2f} µs",
     "[RESULTS.md](benches/RESULTS.md#per-character-latency-on-x86_64)"),
    ("one key in the session (state, next characters, words), English model + lexicon, x86",
     "{x86.key.lexicon.us:.1f} µs ({x86.key.lexicon.stepeq:.1f} steps' worth)",
     "[RESULTS.md](benches/RESULTS.md#per-key-in-the-keyboard-session)"),
    ("one key on a Cortex-M4F, English GRU 1×256 + lexicon",
     "{m4.key.english-gru-1x256-int8.mean:M} est. cycles mean ({m4.key.english-gru-1x256-int8.ms168:.1f} ms at 168 MHz), "
     "{m4.key.english-gru-1x256-int8.worst:M} worst",
     "[RESULTS.md](benches/RESULTS.md#per-key-in-the-keyboard-session)"),
    ("one key on a Cortex-M0, English GRU 1×96 (the MCU model) + lexicon",
     "{m0.key.english-mcu-gru-1x96-int8.mean:M} est. cycles mean ({m0.key.english-mcu-gru-1x96-int8.ms48:.0f} ms at 48 MHz)",
     "[RESULTS.md](benches/RESULTS.md#per-key-in-the-keyboard-session)"),
    ("one key on aarch64 (phones; NEON, under QEMU), English GRU 1×256 + lexicon",
     "{a64.key.english-gru-1x256-int8.mean:M} instructions ({a64.key.english-gru-1x256-int8.stepeq:.1f} steps' worth)",
     "[RESULTS.md](benches/RESULTS.md#per-key-in-the-keyboard-session)"),
    ("one model step, Cortex-M4F GRU 1×256 int8 / Cortex-M0 GRU 1×128 int8",
     "{m4.step.gru-1x256-int8.cpm:.2f} / {m0.step.gru-1x128-int8.cpm:.1f} est. cycles per MAC",
     "[devices.md](docs/devices.md)"),
    ("one model step in Chromium, GRU 1×256 int8, relaxed SIMD",
     "{chromium.step.gru-1x256-int8.quill-relaxed.us:.1f} µs",
     "[web.md](docs/web.md)"),
    ("one key on the page (Chromium, English model + lexicon, relaxed SIMD: the build Chromium runs)",
     "{chromium.key.quill-relaxed.lexicon.us:.0f} µs ({chromium.key.quill-relaxed.lexicon.stepeq:.1f} steps' worth)",
     "[RESULTS.md](benches/RESULTS.md#per-key-in-the-keyboard-session)"),
    ("English model for phones and the web (GRU 1×256 int8)",
     "{english.gru-1x256.bytes:KB}; {english.gru-1x256.bpc:.2f} bits/char, keystroke savings "
     "{english.gru-1x256.ksr:.2f} %, {english.gru-1x256.words:.1f} % of completions real words",
     "[keyboard.md](docs/keyboard.md#the-english-models)"),
    ("English model for microcontrollers (GRU 1×96 int8)",
     "{english.mcu-gru-1x96.bytes:KB}; {english.mcu-gru-1x96.bpc:.2f} bits/char, keystroke savings "
     "{english.mcu-gru-1x96.ksr:.2f} %",
     "[keyboard.md](docs/keyboard.md#the-english-models)"),
]

FIELD = re.compile(r"\{([\w.+-]+)(?::([^}]*))?\}")


def load():
    figures = {}
    if not FIGURES.exists():
        return figures
    for n, line in enumerate(FIGURES.read_text().splitlines(), 1):
        if n == 1 and line == HEADER:
            continue
        parts = line.split("\t")
        if len(parts) != 5 or not all(parts):
            sys.exit(f"{FIGURES}:{n}: expected 5 tab-separated fields ({HEADER!r}), got {line!r}")
        figures[parts[0]] = dict(zip(("value", "date", "machine", "command"), parts[1:]))
    return figures


def save(figures):
    lines = [HEADER] + [
        "\t".join([k, f["value"], f["date"], f["machine"], f["command"]]) for k, f in sorted(figures.items())
    ]
    FIGURES.write_text("\n".join(lines) + "\n")


def machine():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def fmt(value, spec):
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{value} is not a finite number")
    if spec == "M":
        return f"{v / 1e6:.2f} M"
    if spec == "KB":
        return f"{v / 1000:,.0f} KB"
    return format(v, spec or "g")


def missing(figures):
    return [k for _, t, _ in ROWS for k, _ in FIELD.findall(t) if k not in figures]


def render(figures):
    """The table's lines, or exits naming the keys nothing has recorded."""
    if missing(figures):
        sys.exit("results: no recorded figure for " + ", ".join(missing(figures)) +
                 " (run the command that measures it; see scripts/results.py)")
    lines = ["| what | figure | measured by | method |", "|---|---|---|---|"]
    for what, template, method in ROWS:
        keys = [k for k, _ in FIELD.findall(template)]
        figure = FIELD.sub(lambda m: fmt(figures[m[1]]["value"], m[2]), template)
        sources = sorted({(figures[k]["command"], figures[k]["date"], figures[k]["machine"]) for k in keys})
        by = "; ".join(f"`{c}` ({d}, {m})" for c, d, m in sources)
        lines.append(f"| {what} | {figure} | {by} | {method} |")
    return lines


def readme_with(table):
    text = README.read_text()
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        sys.exit(f"results: {README} needs one {BEGIN!r} line and one {END!r} line around the table")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + "\n".join(table) + "\n" + END + tail


def record(values, command, when=None, where=None):
    """Stores `values` ({key: number}) as measured now, here, by `command`; rewrites the README."""
    figures = load()
    date = when or datetime.date.today().isoformat()
    for k, v in values.items():
        fmt(v, "")  # a number, finite
        if not re.fullmatch(r"[\w.+-]+", k) or "\t" in command:
            sys.exit(f"results: a key is letters, digits and . + - _ ({k!r}); no tabs in a command")
        figures[k] = {"value": f"{float(v):.6g}", "date": date,
                      "machine": where or machine(), "command": command}
    save(figures)
    if missing(figures):
        print("results: the README's table waits for " + ", ".join(missing(figures)), file=sys.stderr)
    else:
        README.write_text(readme_with(render(figures)))
    for k in sorted(values):
        print(f"recorded {k} = {figures[k]['value']}")


def criterion(group, name):
    """Criterion's estimate in nanoseconds and the date it was measured (its file's), or None."""
    f = ROOT / "target" / "criterion" / group / name / "new" / "estimates.json"
    if not f.exists():
        return None
    e = json.loads(f.read_text())
    when = datetime.date.fromtimestamp(f.stat().st_mtime).isoformat()
    return (e.get("median") or e["mean"])["point_estimate"], when


def record_criterion(_args=None):
    """The latency and per-key benches' figures that criterion left in target/criterion."""
    for group, side in (("per_char", ""), ("per_char_table", "-table")):
        for name in ("gru-1x256-int8", "gru-1x256-f32"):
            found = criterion(group, name)
            if found:
                record({f"x86.step.{name}{side}.us": found[0] / 1000},
                       "cargo bench -p benches --bench latency && python3 benches/report.py", when=found[1])
    plain = criterion("per_key", "plain_step")
    for name, fn in (("lexicon", "session_lexicon"), ("free", "session")):
        found = criterion("per_key", fn)
        # The per-key bench times 1,000 keys (and 1,000 plain steps) per iteration.
        if found and plain:
            record({f"x86.key.{name}.us": found[0] / 1000 / 1000, f"x86.key.{name}.stepeq": found[0] / plain[0]},
                   "cargo bench -p benches --bench per_key && python3 benches/report.py", when=found[1])


def record_eval(args):
    """`quill eval`'s output in `args.file` for the model file `args.model`."""
    text = Path(args.file).read_text()

    def grab(pattern, what):
        m = re.search(pattern, text)
        if not m:
            sys.exit(f"results: {args.file} has no {what} (is it a `quill eval --lexicon` output?)")
        return float(m[1])

    record({
        f"{args.prefix}.bytes": Path(args.model).stat().st_size,
        f"{args.prefix}.bpc": grab(r"bits/char ([\d.]+)", "bits/char"),
        f"{args.prefix}.ksr": grab(r"keystroke savings ([\d.]+)%", "keystroke savings"),
        f"{args.prefix}.words": grab(r"([\d.]+)% of them words", "share of completions that are words"),
    }, args.command or "bash scripts/eval-english.sh")


TARGETS = {"m4": 168e6, "m0": 48e6}


def record_keys(args):
    values = {}
    for line in Path(args.file).read_text().splitlines():
        f = line.split("\t")
        if len(f) < 8:
            continue
        target, model, _keys, mean, median, worst, step = f[:7]
        p = f"{target}.key.{model}"
        values.update({f"{p}.mean": float(mean), f"{p}.median": float(median), f"{p}.worst": float(worst),
                       f"{p}.stepeq": float(mean) / float(step)})
        if target in TARGETS:  # Cortex-M: estimated cycles (aarch64 rows are instructions)
            values[f"{p}.ms168"] = float(mean) / 168e6 * 1e3
            values[f"{p}.ms48"] = float(mean) / 48e6 * 1e3
    if not values:
        sys.exit(f"results: {args.file} holds no per-key rows")
    record(values, args.command or "bash scripts/measure-keys.sh", where="QEMU, tools/qemu-count")


def record_targets(args):
    sys.path.insert(0, str(ROOT / "scripts"))
    from targets_macs import macs  # the one definition of a model's MACs per character

    values = {}
    for row in Path(args.file).read_text().splitlines():
        f = row.split("\t")
        if len(f) < 11 or f[3] == "does-not-fit" or f[8] == "-" or f[0] not in TARGETS:
            continue
        target, model, weights = f[0], f[1], f[2]
        # The kernel the runtime picks (the M4F rows also time the portable one beside it).
        if target == "m4" and "kernel=portable" in f[10]:
            continue
        cycles = (int(f[8]) - int(f[6])) / args.steps
        values[f"{target}.step.{model}-{weights}.cpm"] = cycles / macs(model)
        values[f"{target}.step.{model}-{weights}.cycles"] = cycles
    if not values:
        sys.exit(f"results: {args.file} holds no Cortex-M rows")
    record(values, args.command or "bash scripts/measure-targets.sh", where="QEMU, tools/qemu-count")


def record_cmsis(args):
    """CMSIS-NN's s8 fully-connected product per shape, from the shared anchor script's table."""
    text = Path(args.file).read_text()
    head = re.search(r"arm-none-eabi-gcc (\S+); CMSIS-NN ([0-9a-f]+)", text)
    if not head:
        sys.exit(f"results: {args.file} does not name its compiler and CMSIS-NN commit")
    values = {}
    for m in re.finditer(r"^\| -O3 \| fc \| (\d+)x(\d+) \| \d+ \| (\d+) \| [\d.]+ \| (\d+) \|", text, re.M):
        rows, cols, insns, cycles = m.groups()
        values[f"cmsis.fc.{rows}x{cols}.insns"] = int(insns)
        values[f"cmsis.fc.{rows}x{cols}.cycles"] = int(cycles)
    if len(values) != 6:
        sys.exit(f"results: {args.file}: expected the -O3 fc rows for 768x256, 768x42 and 85x256")
    gcc, commit = head.groups()
    record(values, f"{args.command} (CMSIS-NN {commit[:7]}, arm-none-eabi-gcc {gcc} -O3)",
           where="QEMU, tools/qemu-count")


def record_web_step(args):
    data = json.loads(Path(args.file).read_text())
    values = {}
    for r in data["rows"]:
        model = r["model"].removesuffix(".quill")
        values[f"chromium.step.{model}.{r['build']}.us"] = r["usPerChar"]
    record(values, args.command or "bash web/test/bench.sh", where=f"Chromium {data.get('chromium', '?')}, {machine()}")


def record_web_keys(args):
    data = json.loads(Path(args.file).read_text())
    values = {}
    for r in data["rows"]:
        p = f"chromium.key.{r['build']}.{'lexicon' if r['lists'] else 'free'}"
        values[f"{p}.us"] = r["usPerKey"]
        values[f"{p}.stepeq"] = r["usPerKey"] / r["usPerStep"]
    record(values, args.command or "bash web/test/bench.sh", where=f"Chromium {data.get('chromium', '?')}, {machine()}")


def check(_args):
    figures = load()
    want = readme_with(render(figures))
    if README.read_text() != want:
        sys.exit("results: the README's results table is not what benches/figures.tsv gives: "
                 "run `python3 scripts/results.py table --write` (and never edit the table by hand)")
    print(f"results: the README's table matches benches/figures.tsv ({len(figures)} figures)")


def table(args):
    lines = render(load())
    if args.write:
        README.write_text(readme_with(lines))
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="record KEY=VALUE figures measured by --command")
    r.add_argument("--command", required=True)
    r.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    sub.add_parser("record-criterion")
    for name, extra in (("record-eval", ["prefix", "model"]), ("record-keys", []), ("record-targets", []),
                        ("record-cmsis", []),
                        ("record-web-step", []), ("record-web-keys", [])):
        p = sub.add_parser(name)
        for e in extra:
            p.add_argument(e)
        p.add_argument("file")
        if name == "record-targets":
            p.add_argument("steps", type=int)
        p.add_argument("--command")
    t = sub.add_parser("table")
    t.add_argument("--write", action="store_true", help="also write it into the README")
    sub.add_parser("check")
    args = ap.parse_args()
    if args.cmd == "record-cmsis" and not args.command:
        args.command = "CMSIS_NN_GIT=<CMSIS-NN git dir> bash scripts/measure-targets.sh"
    if args.cmd == "record":
        values = {}
        for pair in args.pairs:
            k, sep, v = pair.partition("=")
            if not sep:
                sys.exit(f"results: {pair!r} is not KEY=VALUE")
            values[k] = v
        record(values, args.command)
        return
    {"record-criterion": record_criterion, "record-eval": record_eval, "record-keys": record_keys,
     "record-targets": record_targets, "record-cmsis": record_cmsis, "record-web-step": record_web_step,
     "record-web-keys": record_web_keys, "table": table, "check": check}[args.cmd](args)


if __name__ == "__main__":
    main()
