#!/usr/bin/env bash
# Lambda per-invocation overhead: a no-op handler invoked synchronously with
# one connection, in both isolation modes, against the same server's
# health endpoint as the HTTP baseline. Overhead = invoke latency - baseline
# latency (p50, medians of alternating runs).
#
# Usage: tools/bench/lambda.sh [--smoke]    (--smoke: 1 s runs, 1 round)
# Environment: LOWCLOUD_BIN (else builds build-release/lowcloud, Release),
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_PROCESS_RESULTS (a file to
#   which `lambda metric server value unit` lines are appended).
# Sourcing the file only defines functions; lambda_main runs it (in a subshell:
# it sets an EXIT trap and `set -euo pipefail`).


source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

lambda_main() {
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3}
  if [ "${1:-}" = "--smoke" ]; then duration=1s; rounds=1; fi
  command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

  local bin=${LOWCLOUD_BIN:-}
  if [ -z "$bin" ]; then
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud test_handlers >/dev/null
    bin=$PWD/build-release/lowcloud
  fi
  local lib
  lib=$(dirname "$bin")/handlers/test/libtest_handlers.so
  work=$(mktemp -d /tmp/lowcloud-bench-lambda.XXXXXX)
  lambda_pid=
  trap '[ -n "$lambda_pid" ] && kill "$lambda_pid" 2>/dev/null; rm -rf "$work"' EXIT
  cat > "$work/lowcloud.yaml" <<YAML
functions:
  - {name: noop, library: $lib, handler: echo_handler, isolation: process}
  - {name: noop_inproc, library: $lib, handler: echo_handler, isolation: in-process}
YAML
  "$bin" serve --port 0 --in-memory --log-level warn --config "$work/lowcloud.yaml" > "$work/out" 2>&1 &
  lambda_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/out" && break; sleep 0.05; done
  url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$work/out")
  [ -n "$url" ] || { echo "lowcloud did not start: $(cat "$work/out")" >&2; return 1; }

  latency_us() {  # wrk's 50th percentile in microseconds
    wrk -t 1 -c 1 -d "$duration" --latency -s tools/bench/lambda_request.lua "$url" |
      awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); print v } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 } else { sub(/s$/, "", v); print v * 1000000 } }'
  }
  local base=() proc=() inproc=()
  for _ in $(seq "$rounds"); do
    base+=("$(PATH_ONLY=/_lowcloud/health latency_us)")
    proc+=("$(FUNCTION=noop latency_us)")
    inproc+=("$(FUNCTION=noop_inproc latency_us)")
  done
  local b p i
  b=$(printf "%s\n" "${base[@]}" | bench_median); p=$(printf "%s\n" "${proc[@]}" | bench_median); i=$(printf "%s\n" "${inproc[@]}" | bench_median)
  echo "Lambda per-invocation overhead (1 connection, p50, median of $rounds x $duration):"
  printf "  %-28s %10s\n" measure "p50 (us)"
  printf "  %-28s %10.1f\n" "HTTP baseline (health)" "$b" "invoke, process isolation" "$p" "invoke, in-process" "$i"
  printf "  %-28s %10.1f\n" "overhead, process" "$(echo "$p - $b" | bc -l)" "overhead, in-process" "$(echo "$i - $b" | bc -l)"
  if [ -n "${BENCH_PROCESS_RESULTS:-}" ]; then
    printf "lambda\tinvoke_overhead_process\tlowcloud\t%.0f\tus\n" "$(echo "$p - $b" | bc -l)" >> "$BENCH_PROCESS_RESULTS"
    printf "lambda\tinvoke_overhead_in_process\tlowcloud\t%.0f\tus\n" "$(echo "$i - $b" | bc -l)" >> "$BENCH_PROCESS_RESULTS"
    printf "lambda\thttp_baseline_p50\tlowcloud\t%.0f\tus\n" "$b" >> "$BENCH_PROCESS_RESULTS"
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then lambda_main "$@"; fi
