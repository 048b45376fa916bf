#!/usr/bin/env bash
# Lambda per-invocation overhead: a no-op handler invoked synchronously with
# one connection, in both isolation modes, against the same server's
# health endpoint as the HTTP baseline. Overhead = invoke latency - baseline
# latency (medians of alternating runs).
#
# Usage: tools/bench/lambda.sh [--smoke]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${BENCH_DURATION:-5s}
rounds=${BENCH_ROUNDS:-3}
if [ "${1:-}" = "--smoke" ]; then duration=1s; rounds=1; fi
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud test_handlers >/dev/null
work=$(mktemp -d /tmp/lowcloud-bench-lambda.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
lib=$PWD/build-release/handlers/test/libtest_handlers.so
cat > "$work/lowcloud.yaml" <<YAML
functions:
  - {name: noop, library: $lib, handler: echo_handler, isolation: process}
  - {name: noop_inproc, library: $lib, handler: echo_handler, isolation: in-process}
YAML
build-release/lowcloud serve --port 0 --in-memory --log-level warn --config "$work/lowcloud.yaml" > "$work/out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$work/out")

latency_us() {  # wrk's 50th percentile in microseconds
  wrk -t 1 -c 1 -d "$duration" --latency -s tools/bench/lambda_request.lua "$url" |
    awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); print v } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 } else { sub(/s$/, "", v); print v * 1000000 } }'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

base=(); proc=(); inproc=()
for _ in $(seq "$rounds"); do
  base+=("$(PATH_ONLY=/_lowcloud/health latency_us)")
  proc+=("$(FUNCTION=noop latency_us)")
  inproc+=("$(FUNCTION=noop_inproc latency_us)")
done
b=$(printf "%s\n" "${base[@]}" | median); p=$(printf "%s\n" "${proc[@]}" | median); i=$(printf "%s\n" "${inproc[@]}" | median)
printf "%-28s %10s\n" measure "p50 (us)"
printf "%-28s %10.1f\n" "HTTP baseline (health)" "$b" "invoke, process isolation" "$p" "invoke, in-process" "$i"
printf "%-28s %10.1f\n" "overhead, process" "$(echo "$p - $b" | bc -l)" "overhead, in-process" "$(echo "$i - $b" | bc -l)"
echo "(1 connection, $duration x $rounds rounds, $(nproc) cores, $(date -u +%F))"
