#!/usr/bin/env python3
"""Turns the benchmark suites' TSV results into Markdown tables.

Usage: report.py RESULTS_TSV PROCESS_TSV [--command CMD] [--date DATE]
                 [--failed SUITE ...] [--out FILE]

results.tsv: suite, workload, conns, server, rps, p50_ms, p99_ms and an
optional note. The three figures are numbers, or "n/a" for an operation the
server does not support (the note must say so: "unsupported: ..."), or
"failed" for a server the suite could not measure (the note says why).
Suites: dynamodb (dynamodb.sh; peers dynalite-memory and dynalite-path),
apigateway (apigateway.sh), e2e (watches.sh), runtimes (runtimes.sh: warm
Python Invoke vs serverless-offline). For each (suite, workload, conns) the
lowcloud servers are compared with every peer (a server whose name does not
start with "lowcloud"): one "vs PEER" column per peer of the suite, ratio =
lowcloud rps / peer rps.

process.tsv: suite, metric, server, value, unit (dynamodb: start-up and RSS;
lambda: per-invocation overhead; runtimes: deploy to invocable, cold starts,
per-runtime overhead, first invoke after start); one table per suite. Where a
peer has the same (suite, metric, unit) and the unit is a cost (ms, us, s,
MB: lower is better), the lowcloud row gets ratio = peer value / lowcloud
value, one column per peer, so in both tables a ratio above 1 means lowcloud
does better.

--failed names the suites run.sh saw fail: the report says so at the top
(their figures are missing or incomplete; the reasons are on the run's
stderr).

Prints the tables; --out also writes them. Exits 1 (after printing) when a
line of either file is malformed or an n/a has no "unsupported" note."""
import argparse
import os
import platform
import sys
from collections import OrderedDict


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    distro = ""
    try:
        with open("/etc/debian_version") as f:
            distro = f"Debian {f.read().strip()}, "
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}; {distro}Linux {platform.release()}"


COST_UNITS = {"ms", "us", "s", "MB"}  # lower is better
MARKERS = {"n/a", "failed"}  # the figures a row may hold instead of numbers


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def fmt_rps(v, raw):
    return raw if v is None else f"{v:,.0f}"


def fmt_ms(v, raw):
    if v is None:
        return raw
    return f"{v:.3g}" if v < 10 else f"{v:.0f}"


def is_peer(server):
    return not server.startswith("lowcloud")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("process")
    ap.add_argument("--command", default="tools/bench/run.sh")
    ap.add_argument("--date", default="")
    ap.add_argument("--failed", nargs="*", default=[])
    ap.add_argument("--out")
    a = ap.parse_args()

    problems = []
    groups = OrderedDict()
    with open(a.results, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 7:
                parts.append("")
            if len(parts) != 8:
                problems.append(f"{a.results}:{lineno}: {len(parts)} fields, expected 7 or 8: {line.strip()!r}")
                continue
            suite, workload, conns, server, rps, p50, p99, note = parts
            figures = (rps, p50, p99)
            if any(num(v) is None and v not in MARKERS for v in figures):
                problems.append(f"{a.results}:{lineno}: figures must be numbers, n/a or failed: {line.strip()!r}")
                continue
            if "n/a" in figures and not note.startswith("unsupported"):
                problems.append(f"{a.results}:{lineno}: n/a without an \"unsupported: ...\" note: {line.strip()!r}")
            groups.setdefault((suite, workload, conns), []).append((server, rps, p50, p99, note))

    out = [f"Run: `{a.command}`" + (f", {a.date}" if a.date else ""), "", f"Machine: {machine()}", ""]
    if a.failed:
        out += [f"**FAILED: {', '.join(a.failed)}** — figures missing or incomplete; the reasons are on the run's stderr "
                "(lines starting with `!!`).", ""]
    suites = OrderedDict()
    for key, rows in groups.items():
        suites.setdefault(key[0], []).append((key, rows))
    for suite, entries in suites.items():
        peers = list(OrderedDict.fromkeys(r[0] for _, rows in entries for r in rows if is_peer(r[0])))
        notes = any(r[4] for _, rows in entries for r in rows)
        head = ["workload", "conns", "server", "req/s", "p50 ms", "p99 ms"] + [f"vs {p}" for p in peers] + (["note"] if notes else [])
        align = ["---", "---:", "---", "---:", "---:", "---:"] + ["---:"] * len(peers) + (["---"] if notes else [])
        out += [f"### {suite}", "", "| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
        for (_, workload, conns), rows in entries:
            peer_rps = {r[0]: r[1] for r in rows if is_peer(r[0])}
            for server, rps, p50, p99, note in rows:
                cells = [workload, conns, server, fmt_rps(num(rps), rps), fmt_ms(num(p50), p50), fmt_ms(num(p99), p99)]
                for p in peers:
                    ratio = ""
                    mine, theirs = num(rps), num(peer_rps.get(p, ""))
                    if not is_peer(server):
                        if mine and theirs:
                            ratio = f"**{mine / theirs:.1f}×**"
                        elif peer_rps.get(p) in MARKERS:
                            ratio = peer_rps[p]
                    cells.append(ratio)
                if notes:
                    cells.append(note)
                out.append("| " + " | ".join(cells) + " |")
        out.append("")

    proc = OrderedDict()
    if os.path.exists(a.process):
        with open(a.process, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 5 or num(parts[3]) is None:
                    problems.append(f"{a.process}:{lineno}: expected suite, metric, server, a number, unit: {line.strip()!r}")
                    continue
                proc.setdefault(parts[0], []).append(parts)
    for suite, rows in proc.items():
        peer_values = {(r[1], r[4], r[2]): num(r[3]) for r in rows if is_peer(r[2])}
        # A column per peer that shares a costed metric with lowcloud.
        peers = list(OrderedDict.fromkeys(
            p for r in rows if not is_peer(r[2]) and r[4] in COST_UNITS
            for (metric, unit, p) in peer_values if (metric, unit) == (r[1], r[4])))
        head = ["metric", "server", "value"] + [f"vs {p}" for p in peers]
        out += [f"### whole process: {suite}", "", "| " + " | ".join(head) + " |",
                "|" + "|".join(["---", "---", "---:"] + ["---:"] * len(peers)) + "|"]
        for _, metric, server, value, unit in rows:
            cells = [metric, server, f"{value} {unit}"]
            for p in peers:
                ratio = ""
                theirs, mine = peer_values.get((metric, unit, p)), num(value)
                if not is_peer(server) and unit in COST_UNITS and theirs is not None and mine:
                    ratio = f"**{theirs / mine:.1f}×**"
                cells.append(ratio)
            out.append("| " + " | ".join(cells) + " |")
        out.append("")

    text = "\n".join(out)
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    for p in problems:
        print(f"!! report: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
