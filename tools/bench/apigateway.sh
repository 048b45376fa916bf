#!/usr/bin/env bash
# API Gateway end to end: HTTP GET /noop -> REST API (proxy payload 1.0) ->
# a Lambda handler doing next to nothing, lowcloud (both isolation modes) vs
# serverless-offline@13 on serverless@3 (npm, a nodejs20.x handler returning
# {statusCode: 200, body: '{"ok":true}'}, run in worker threads, its
# default). Everything on loopback, driven by wrk with keep-alive at 1 and 32
# connections; each server gets a warm-up run first (serverless-offline starts
# one worker per concurrent request), then the servers alternate round by
# round so machine drift cancels. Prints medians of the rounds: throughput and
# the lowcloud/serverless-offline ratios, then p50/p99 latency.
#
# Usage: tools/bench/apigateway.sh [--smoke] [--check]
#   --smoke  1 s runs, 1 round: checks that everything starts and answers
#   --check  exit 3 when lowcloud (process isolation) is below BENCH_TARGET x
#            serverless-offline at some connection count
# Environment:
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_WARMUP (3s),
#   BENCH_CONNECTIONS ("1 32"), BENCH_TARGET (20)
#   LOWCLOUD_BIN             this binary, nothing is built (default: builds
#                            build-release/lowcloud and the test handlers, Release)
#   LOWCLOUD_HANDLER_LIB     the handler library (default: handlers/test/
#                            libtest_handlers.so next to the binary)
#   LOWCLOUD_HANDLER_SYMBOL  its handler (default: noop_handler when the library
#                            exports it, a fixed {statusCode: 200, body:
#                            '{"ok":true}'} like the peer's; else event_handler,
#                            200 with the proxy event as JSON body, ~1 KB)
#   SLS_OFFLINE_DIR          an npm prefix already holding serverless@3 and
#                            serverless-offline@13 (skips the npm install)
#   BENCH_SLS_IN_PROCESS=1   also measure serverless-offline --useInProcess
#   BENCH_RESULTS            append one TSV line per measurement: apigateway,
#                            workload, conns, server (lowcloud-process |
#                            lowcloud-in-process | serverless-offline), rps,
#                            p50_ms, p99_ms
#
# Failures are reported on stderr as "!! apigateway: ..." lines: which server,
# which run, what wrk said, whether the server still runs (else how it ended)
# and the end of its log.
# Exit codes: 0 measured; 1 a server did not start, stopped answering or
# answered non-2xx during a run; 3 --check and the target was missed.
# Sourcing the file only defines functions; call apigw_main in a subshell
# (it sets an EXIT trap and strict mode, bench_strict): ( apigw_main --smoke ).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

apigw_log() { echo "apigateway bench: $*" >&2; }
apigw_now_ms() { date +%s%3N; }

# Stops every process this script started: SIGTERM (lowcloud then stops its
# execution environments), SIGKILL after 5 s. Removes the work directory.
apigw_cleanup() {
  local p
  for p in "${APIGW_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${APIGW_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  APIGW_PIDS=()
  if [ -n "${APIGW_WORK:-}" ]; then rm -rf "$APIGW_WORK"; fi
  return 0
}

# Waits until GET url answers 200 while the server (registered with
# bench_server) runs; records the milliseconds since start_ms in
# APIGW_STARTUP[name]. Fails (saying whether it ended or timed out, with its
# log) on exit or after timeout_s. Runs in the main shell so a signal stops
# it soon.
apigw_wait_200() {  # name url server start_ms timeout_s
  local name=$1 url=$2 server=$3 start=$4 deadline=$(( $(apigw_now_ms) + $5 * 1000 )) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url" 2>/dev/null) || true
    if [ "$code" = 200 ]; then
      APIGW_STARTUP[$name]=$(( $(apigw_now_ms) - start )); return 0
    fi
    if ! bench_server_alive "$server"; then
      bench_fail "$name: $server ended before GET $url answered 200"; bench_server_report "$server"; return 1
    fi
    if [ "$(apigw_now_ms)" -gt "$deadline" ]; then
      bench_fail "$name: no 200 from GET $url within $5 s (last answer: HTTP ${code:-none})"; bench_server_report "$server"; return 1
    fi
    sleep 0.05
  done
}

apigw_start_lowcloud() {  # bin lib symbol max_connections
  local bin=$1 lib=$2 symbol=$3 cap=$4 w=$APIGW_WORK start port
  if [ "$cap" -lt 10 ]; then cap=10; fi  # reserved_concurrency: no 429 at any measured connection count
  cat > "$w/noop_openapi.yaml" <<'YAML'
openapi: 3.0.1
info: {title: lowcloud bench, version: "1.0"}
paths:
  /noop:
    get:
      operationId: noop
      responses: {"200": {description: ok}}
YAML
  cat > "$w/lowcloud.yaml" <<YAML
functions:
  - {name: noop-process, library: "$lib", handler: $symbol, isolation: process, reserved_concurrency: $cap}
  - {name: noop-in-process, library: "$lib", handler: $symbol, isolation: in-process, reserved_concurrency: $cap}
apis:
  - {name: bench-process, spec: noop_openapi.yaml, type: rest, base_paths: [/process], functions: {noop: noop-process}}
  - {name: bench-in-process, spec: noop_openapi.yaml, type: rest, base_paths: [/in-process], functions: {noop: noop-in-process}}
YAML
  start=$(apigw_now_ms)
  "$bin" serve --port 0 --in-memory --config "$w/lowcloud.yaml" --log-level warn > "$w/lowcloud.out" 2>&1 &
  APIGW_PIDS+=($!)
  bench_server lowcloud $! "$w/lowcloud.out"
  bench_server_wait_line lowcloud "$w/lowcloud.out" "^listening on" 20 || return 1
  port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$w/lowcloud.out" | head -1)
  if [ -z "$port" ]; then bench_fail "lowcloud: unexpected \"listening on\" line"; bench_server_report lowcloud; return 1; fi
  APIGW_URL[lowcloud-process]="http://127.0.0.1:$port/process/noop"
  APIGW_URL[lowcloud-in-process]="http://127.0.0.1:$port/in-process/noop"
  APIGW_SERVER[lowcloud-process]=lowcloud APIGW_SERVER[lowcloud-in-process]=lowcloud
  apigw_wait_200 lowcloud-process "${APIGW_URL[lowcloud-process]}" lowcloud "$start" 20 || return 1
  apigw_wait_200 lowcloud-in-process "${APIGW_URL[lowcloud-in-process]}" lowcloud "$start" 20
}

apigw_install_peer() {  # -> APIGW_SLS_DIR, an npm prefix with serverless@3 and serverless-offline@13
  if [ -n "${SLS_OFFLINE_DIR:-}" ]; then
    APIGW_SLS_DIR=$SLS_OFFLINE_DIR
  else
    APIGW_SLS_DIR=$APIGW_WORK/npm
    mkdir -p "$APIGW_SLS_DIR"
    if ! npm install --no-audit --no-fund --prefix "$APIGW_SLS_DIR" serverless@3 serverless-offline@13 > "$APIGW_WORK/npm.log" 2>&1; then
      bench_fail "npm install of serverless@3 serverless-offline@13 failed:"; bench_tail 20 "$APIGW_WORK/npm.log"; return 1
    fi
  fi
  if [ ! -f "$APIGW_SLS_DIR/node_modules/serverless/bin/serverless.js" ] || [ ! -d "$APIGW_SLS_DIR/node_modules/serverless-offline" ]; then
    bench_fail "no serverless / serverless-offline under $APIGW_SLS_DIR/node_modules"; return 1
  fi
}

apigw_start_peer() {  # name [extra serverless-offline flags...]
  local name=$1; shift
  local svc=$APIGW_WORK/$name port lambda_port start
  mkdir -p "$svc/home"
  ln -s "$APIGW_SLS_DIR/node_modules" "$svc/node_modules"  # the plugin is resolved from the service directory
  cat > "$svc/serverless.yml" <<'YAML'
service: lowcloud-bench
frameworkVersion: "3"
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  stage: dev
plugins:
  - serverless-offline
functions:
  noop:
    handler: handler.noop
    events:
      - http:   # REST API, Lambda proxy integration, payload 1.0
          path: noop
          method: get
YAML
  cat > "$svc/handler.js" <<'JS'
"use strict"
module.exports.noop = async () => ({ statusCode: 200, body: '{"ok":true}' })
JS
  port=$(bench_free_port); lambda_port=$(bench_free_port)
  start=$(apigw_now_ms)
  # Offline and quiet: no telemetry, no notifications, no deprecation notices,
  # no per-request log lines (SLS_LOG_LEVEL=warning, like lowcloud's --log-level
  # warn), dummy credentials, a private HOME for ~/.serverless.
  (cd "$svc" && exec env HOME="$svc/home" SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
     SLS_DEPRECATION_DISABLE='*' SLS_LOG_LEVEL=warning AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
     node "$APIGW_SLS_DIR/node_modules/serverless/bin/serverless.js" offline --host 127.0.0.1 \
       --httpPort "$port" --lambdaPort "$lambda_port" --noPrependStageInUrl --noSponsor "$@") > "$APIGW_WORK/$name.out" 2>&1 &
  APIGW_PIDS+=($!)
  bench_server "$name" $! "$APIGW_WORK/$name.out"
  APIGW_URL[$name]="http://127.0.0.1:$port/noop"
  APIGW_SERVER[$name]=$name
  apigw_wait_200 "$name" "${APIGW_URL[$name]}" "$name" "$start" 180 || return 1
  bench_server_owns_port "$name" "$port"  # the 200 was its own
}

# One wrk run against a server (bench_wrk: sets BENCH_WRK to "rps p50_ms
# p99_ms non2xx socket_errors requests"). Fails, saying why, with the
# server's state and log, when wrk fails or completes no request, or the
# server has ended.
apigw_run() {  # name connections duration kind
  local threads=$(( $2 < 2 ? $2 : 2 )) what="$1, GET /noop, $2 connections, $3 $4 run"
  if ! bench_wrk "$what" -t "$threads" -c "$2" -d "$3" --timeout 10s --latency "${APIGW_URL[$1]}"; then
    bench_server_report "${APIGW_SERVER[$1]}"; return 1
  fi
  bench_server_check "${APIGW_SERVER[$1]}" "after the $what"
}

apigw_main() {
  bench_strict apigateway
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3} warmup=${BENCH_WARMUP:-3s}
  local conns_list=${BENCH_CONNECTIONS:-1 32} target=${BENCH_TARGET:-20} check=0 arg
  for arg in "$@"; do
    case $arg in
      --smoke) duration=1s; rounds=1; warmup=1s ;;
      --check) check=1 ;;
      -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) bench_fail "unknown argument $arg"; return 1 ;;
    esac
  done
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  local load_at_start; load_at_start=$(cut -d' ' -f1 /proc/loadavg)  # other work on the machine skews the numbers

  bench_need_tools bench_fail node npm curl

  local bin lib symbol=${LOWCLOUD_HANDLER_SYMBOL:-}
  if [ -n "${LOWCLOUD_BIN:-}" ]; then
    bin=$LOWCLOUD_BIN
  else
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud test_handlers >/dev/null
    bin=$PWD/build-release/lowcloud
  fi
  lib=${LOWCLOUD_HANDLER_LIB:-$(cd "$(dirname "$bin")" && pwd)/handlers/test/libtest_handlers.so}
  [ -x "$bin" ] || { bench_fail "no lowcloud binary at $bin"; return 1; }
  [ -f "$lib" ] || { bench_fail "no handler library at $lib"; return 1; }
  lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
  if [ -z "$symbol" ]; then
    symbol=event_handler
    if nm -D --defined-only "$lib" 2>/dev/null | awk '{print $NF}' | grep -qx noop_handler; then symbol=noop_handler; fi
  fi

  APIGW_PIDS=()
  APIGW_WORK=$(mktemp -d /tmp/lowcloud-bench-apigw.XXXXXX)
  declare -gA APIGW_URL=() APIGW_STARTUP=() APIGW_SERVER=()  # name -> URL, ms to the first 200, registered server
  trap apigw_cleanup EXIT
  trap 'exit 130' INT TERM

  local max_conns=0 c
  for c in $conns_list; do if [ "$c" -gt "$max_conns" ]; then max_conns=$c; fi; done
  local servers=(lowcloud-process lowcloud-in-process sls-offline)
  if [ "${BENCH_SLS_IN_PROCESS:-0}" = 1 ]; then servers+=(sls-offline-in-process); fi
  declare -A label=([lowcloud-process]="lowcloud process" [lowcloud-in-process]="lowcloud in-process"
                    [sls-offline]="sls-offline" [sls-offline-in-process]="sls-offline inproc")

  apigw_start_lowcloud "$bin" "$lib" "$symbol" "$max_conns"
  local t0; t0=$(apigw_now_ms)
  apigw_install_peer
  if [ -z "${SLS_OFFLINE_DIR:-}" ]; then apigw_log "npm install took $(( ($(apigw_now_ms) - t0) / 1000 )) s"; fi
  apigw_start_peer sls-offline
  if [ "${BENCH_SLS_IN_PROCESS:-0}" = 1 ]; then apigw_start_peer sls-offline-in-process --useInProcess; fi
  local s
  for s in "${servers[@]}"; do apigw_log "${label[$s]}: ${APIGW_URL[$s]} (first 200 after ${APIGW_STARTUP[$s]} ms)"; done

  declare -A rps=() p50=() p99=() bad=() sock=()
  local key a b d e f
  for c in $conns_list; do
    for s in "${servers[@]}"; do BENCH_WRK_EMPTY_OK=1 apigw_run "$s" "$c" "$warmup" warm-up; done  # cold workers may outlast it
    for _ in $(seq "$rounds"); do
      for s in "${servers[@]}"; do
        apigw_run "$s" "$c" "$duration" measured; key="$s|$c"
        read -r a b d e f _ <<< "$BENCH_WRK"
        rps[$key]+="$a "; p50[$key]+="$b "; p99[$key]+="$d "
        bad[$key]=$(( ${bad[$key]:-0} + e )); sock[$key]=$(( ${sock[$key]:-0} + f ))
      done
    done
  done

  # Medians, then the tables.
  declare -A mrps=() m50=() m99=()
  bench_medians rps mrps; bench_medians p50 m50; bench_medians p99 m99
  local workload="GET /noop"
  if [ -n "${BENCH_RESULTS:-}" ]; then  # suite workload conns server rps p50_ms p99_ms
    declare -A result_name=([lowcloud-process]=lowcloud-process [lowcloud-in-process]=lowcloud-in-process [sls-offline]=serverless-offline)
    for c in $conns_list; do
      for s in "${servers[@]}"; do
        printf "apigateway\t%s\t%s\t%s\t%.0f\t%.3f\t%.3f\n" "$workload (no-op handler)" "$c" "${result_name[$s]:-$s}" "${mrps[$s|$c]}" \
          "${m50[$s|$c]}" "${m99[$s|$c]}" >> "$BENCH_RESULTS"
      done
    done
  fi
  echo "throughput (requests/s, median of $rounds):"
  printf "%-10s %5s" workload conns
  for s in "${servers[@]}"; do printf " %20s" "${label[$s]}"; done
  printf " %15s %15s\n" "process/sls" "in-process/sls"
  local min_ratio=""
  for c in $conns_list; do
    printf "%-10s %5s" "$workload" "$c"
    for s in "${servers[@]}"; do printf " %20.0f" "${mrps[$s|$c]}"; done
    printf " %15s %15s\n" "$(bench_ratio "${mrps[lowcloud-process|$c]}" "${mrps[sls-offline|$c]}")" \
      "$(bench_ratio "${mrps[lowcloud-in-process|$c]}" "${mrps[sls-offline|$c]}")"
    min_ratio=$(awk -v a="${mrps[lowcloud-process|$c]}" -v b="${mrps[sls-offline|$c]}" -v m="$min_ratio" \
      'BEGIN { r = b > 0 ? a / b : 0; print (m == "" || r < m) ? r : m }')
  done
  echo
  echo "latency (ms, p50 / p99, median of $rounds):"
  printf "%-10s %5s" workload conns
  for s in "${servers[@]}"; do printf " %20s" "${label[$s]}"; done
  echo
  for c in $conns_list; do
    printf "%-10s %5s" "$workload" "$c"
    for s in "${servers[@]}"; do printf " %20s" "$(bench_fmt_ms "${m50[$s|$c]}") / $(bench_fmt_ms "${m99[$s|$c]}")"; done
    echo
  done

  local failed=0
  for c in $conns_list; do
    for s in "${servers[@]}"; do
      key="$s|$c"
      if [ "${bad[$key]}" -gt 0 ] || [ "${sock[$key]}" -gt 0 ]; then
        echo "errors: ${label[$s]}, $c connections: ${bad[$key]} non-2xx responses, ${sock[$key]} socket errors/timeouts"
      fi
      if [ "${bad[$key]}" -gt 0 ]; then failed=1; bench_fail "${label[$s]}, $c connections: ${bad[$key]} non-2xx responses in the measured runs"; fi
    done
  done
  echo
  echo "handlers: lowcloud $(basename "$lib"):$symbol; serverless-offline handler.js (nodejs20.x, {statusCode: 200, body: '{\"ok\":true}'})"
  printf "first 200 after start:"
  for s in "${servers[@]}"; do printf " %s %s ms;" "${label[$s]}" "${APIGW_STARTUP[$s]}"; done
  echo
  echo "(wrk keep-alive, $duration x $rounds rounds after a $warmup warm-up, $(nproc) cores," \
       "load average $load_at_start at start, $(date -u +%F);" \
       "serverless $(node -p "require('$APIGW_SLS_DIR/node_modules/serverless/package.json').version")," \
       "serverless-offline $(node -p "require('$APIGW_SLS_DIR/node_modules/serverless-offline/package.json').version"), node $(node --version))"
  local met; met=$(awk -v m="$min_ratio" -v t="$target" 'BEGIN { print (m >= t) ? "met" : "NOT met" }')
  printf "target lowcloud (process) >= %sx serverless-offline: %s (lowest ratio %.1fx)\n" "$target" "$met" "$min_ratio"

  if [ "$failed" = 1 ]; then return 1; fi
  if [ "$check" = 1 ] && [ "$met" != met ]; then return 3; fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  apigw_main "$@"
fi
