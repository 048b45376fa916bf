#!/usr/bin/env python3
"""Turns the benchmark suites' TSV results into Markdown tables.

results.tsv: suite, workload, conns, server, rps, p50_ms, p99_ms ("n/a" when
a peer lacks the operation or could not be measured). Suites: dynamodb
(dynamodb.sh), apigateway (apigateway.sh), e2e (watches.sh), runtimes
(runtimes.sh: warm Python Invoke vs serverless-offline). For each (suite,
workload, conns) the lowcloud servers are compared with the peer (the server
whose name does not start with "lowcloud"): ratio = lowcloud rps / peer rps.

process.tsv: suite, metric, server, value, unit (dynamodb: start-up and RSS;
lambda: per-invocation overhead; runtimes: deploy to invocable, cold starts,
per-runtime overhead, first invoke after start). Where a peer has the same
(suite, metric, unit) and the unit is a cost (ms, us, s, MB: lower is
better), the lowcloud row gets ratio = peer value / lowcloud value, so in
both tables a ratio above 1 means lowcloud does better.
Prints the tables; --out also writes them."""
import argparse
import os
import platform
import subprocess
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


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def fmt_rps(v):
    return "n/a" if v is None else f"{v:,.0f}"


def fmt_ms(v):
    if v is None:
        return "n/a"
    return f"{v:.3g}" if v < 10 else f"{v:.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("process")
    ap.add_argument("--command", default="tools/bench/run.sh")
    ap.add_argument("--date", default="")
    ap.add_argument("--out")
    a = ap.parse_args()

    groups = OrderedDict()
    with open(a.results, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 7:
                continue
            suite, workload, conns, server, rps, p50, p99 = parts
            groups.setdefault((suite, workload, conns), []).append((server, num(rps), num(p50), num(p99)))

    out = [f"Run: `{a.command}`" + (f", {a.date}" if a.date else ""), "", f"Machine: {machine()}", ""]
    suites = OrderedDict()
    for key, rows in groups.items():
        suites.setdefault(key[0], []).append((key, rows))
    for suite, entries in suites.items():
        out += [f"### {suite}", "", "| workload | conns | server | req/s | p50 ms | p99 ms | vs peer |", "|---|---:|---|---:|---:|---:|---:|"]
        for (s, workload, conns), rows in entries:
            peers = [r for r in rows if not r[0].startswith("lowcloud")]
            peer_rps = peers[0][1] if peers else None
            for server, rps, p50, p99 in rows:
                ratio = ""
                if server.startswith("lowcloud") and rps and peer_rps:
                    ratio = f"**{rps / peer_rps:.1f}×**"
                out.append(f"| {workload} | {conns} | {server} | {fmt_rps(rps)} | {fmt_ms(p50)} | {fmt_ms(p99)} | {ratio} |")
        out.append("")
    proc = []
    if os.path.exists(a.process):
        with open(a.process, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 5:
                    proc.append(parts)
    if proc:
        peer_values = {}
        for suite, metric, server, value, unit in proc:
            if not server.startswith("lowcloud") and num(value) is not None:
                peer_values.setdefault((suite, metric, unit), num(value))
        out += ["### whole process", "", "| suite | metric | server | value | vs peer |", "|---|---|---|---:|---:|"]
        for suite, metric, server, value, unit in proc:
            ratio = ""
            peer, mine = peer_values.get((suite, metric, unit)), num(value)
            if server.startswith("lowcloud") and unit in COST_UNITS and peer is not None and mine:
                ratio = f"**{peer / mine:.1f}×**"
            out.append(f"| {suite} | {metric} | {server} | {value} {unit} | {ratio} |")
        out.append("")
    text = "\n".join(out)
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
