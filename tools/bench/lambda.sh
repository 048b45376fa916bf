#!/usr/bin/env bash
# Lambda per-invocation overhead: a no-op handler invoked synchronously with
# one connection, in both isolation modes, against the same server's
# cheapest HTTP answer as the baseline: GET /, DynamoDB's health check (a
# fixed text; /_lowcloud/health gathers every service's state, slow enough
# that on some VMs wrk's vCPU halts before it comes, which made the
# overhead negative). Overhead = invoke latency - baseline latency (p50,
# medians of alternating runs).
#
# Usage: tools/bench/lambda.sh [--smoke]    (--smoke: 1 s runs, 1 round)
# Environment: LOWCLOUD_BIN (else builds build-release/lowcloud, Release),
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_PROCESS_RESULTS (a file to
#   which `lambda metric server value unit` lines are appended: metrics
#   invoke_overhead_process, invoke_overhead_in_process, http_baseline_p50,
#   in us).
# Failures are reported on stderr as "!! lambda: ..." lines (which run, what
# wrk said -- tools/bench/lambda_request.lua stops wrk on any answer but a
# 200 without a function error --, whether lowcloud still runs, the end of
# its log); the exit status is then 1.
# Sourcing the file only defines functions; lambda_main runs it (in a subshell:
# it sets an EXIT trap and strict mode, bench_strict).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The p50 latency in microseconds of one wrk run (1 connection) of
# lambda_request.lua, in LAMBDA_P50_US: an Invoke of FUNCTION, or GET
# PATH_ONLY (set before the call). Fails, saying why, when wrk does.
lambda_p50_us() {  # what duration
  if ! bench_wrk "lowcloud, $1, 1 connection, $2 run" -t 1 -c 1 -d "$2" --latency -s tools/bench/lambda_request.lua "$LAMBDA_URL"; then
    bench_server_report lowcloud; return 1
  fi
  bench_server_check lowcloud "after the $1 run" || return 1
  local p50_ms; read -r _ p50_ms _ <<< "$BENCH_WRK"
  LAMBDA_P50_US=$(awk -v m="$p50_ms" 'BEGIN { printf "%.1f", m * 1000 }')
}

lambda_main() {
  bench_strict lambda
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3}
  if [ "${1:-}" = "--smoke" ]; then duration=1s; rounds=1; fi
  bench_need_tools bench_fail bc

  local bin=${LOWCLOUD_BIN:-}
  if [ -z "$bin" ]; then
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud test_handlers >/dev/null
    bin=$PWD/build-release/lowcloud
  fi
  [ -x "$bin" ] || { bench_fail "no lowcloud binary at $bin"; return 1; }
  local lib
  lib=$(dirname "$bin")/handlers/test/libtest_handlers.so
  [ -f "$lib" ] || { bench_fail "no handler library at $lib"; return 1; }
  LAMBDA_WORK=$(mktemp -d /tmp/lowcloud-bench-lambda.XXXXXX)
  LAMBDA_PID=
  # (`|| true`: under `set -e` a failed kill -- lowcloud already gone --
  # would end the trap before the rm.)
  trap 'if [ -n "$LAMBDA_PID" ]; then kill "$LAMBDA_PID" 2>/dev/null || true; fi; rm -rf "$LAMBDA_WORK"' EXIT
  cat > "$LAMBDA_WORK/lowcloud.yaml" <<YAML
functions:
  - {name: noop, library: $lib, handler: echo_handler, isolation: process}
  - {name: noop_inproc, library: $lib, handler: echo_handler, isolation: in-process}
YAML
  "$bin" serve --port 0 --in-memory --log-level warn --config "$LAMBDA_WORK/lowcloud.yaml" > "$LAMBDA_WORK/out" 2>&1 &
  LAMBDA_PID=$!
  bench_server lowcloud "$LAMBDA_PID" "$LAMBDA_WORK/out"
  bench_server_wait_line lowcloud "$LAMBDA_WORK/out" "^listening on http:" 20
  LAMBDA_URL=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$LAMBDA_WORK/out" | head -1)
  [ -n "$LAMBDA_URL" ] || { bench_fail "lowcloud: unexpected \"listening on\" line"; bench_server_report lowcloud; return 1; }

  local base=() proc=() inproc=()
  for _ in $(seq "$rounds"); do
    PATH_ONLY=/ lambda_p50_us "GET /" "$duration"; base+=("$LAMBDA_P50_US")
    FUNCTION=noop lambda_p50_us "Invoke noop (process isolation)" "$duration"; proc+=("$LAMBDA_P50_US")
    FUNCTION=noop_inproc lambda_p50_us "Invoke noop_inproc (in-process)" "$duration"; inproc+=("$LAMBDA_P50_US")
  done
  local b p i
  b=$(printf "%s\n" "${base[@]}" | bench_median); p=$(printf "%s\n" "${proc[@]}" | bench_median); i=$(printf "%s\n" "${inproc[@]}" | bench_median)
  echo "Lambda per-invocation overhead (1 connection, p50, median of $rounds x $duration):"
  printf "  %-28s %10s\n" measure "p50 (us)"
  printf "  %-28s %10.1f\n" "HTTP baseline (GET /)" "$b" "invoke, process isolation" "$p" "invoke, in-process" "$i"
  printf "  %-28s %10.1f\n" "overhead, process" "$(echo "$p - $b" | bc -l)" "overhead, in-process" "$(echo "$i - $b" | bc -l)"
  if [ -n "${BENCH_PROCESS_RESULTS:-}" ]; then
    printf "lambda\tinvoke_overhead_process\tlowcloud\t%.0f\tus\n" "$(echo "$p - $b" | bc -l)" >> "$BENCH_PROCESS_RESULTS"
    printf "lambda\tinvoke_overhead_in_process\tlowcloud\t%.0f\tus\n" "$(echo "$i - $b" | bc -l)" >> "$BENCH_PROCESS_RESULTS"
    printf "lambda\thttp_baseline_p50\tlowcloud\t%.0f\tus\n" "$b" >> "$BENCH_PROCESS_RESULTS"
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then lambda_main "$@"; fi
