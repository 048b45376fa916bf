#!/usr/bin/env bash
# Lambda runtimes for zip packages (python3.x, nodejs*.x, provided.al2023),
# deployed through the control plane, side by side in one run:
#   1. deploy to invocable: CreateFunction of a ~1 MB zip (1 MiB of random,
#      incompressible bytes in an extra file plus a two-line python3.12
#      handler) until its first Invoke returns: create alone, first (cold)
#      invoke alone and the sum, medians over BENCH_TRIES functions with
#      distinct names and distinct zips (lowcloud stores a package once per
#      content). Sent over plain HTTP by tools/bench/runtimes_lambda.py with
#      the JSON body built before the clock starts: no CLI/SDK start-up. The
#      server's first Python environment is reported apart (try 0; it also
#      compiles the Python runtime client and the standard library to
#      bytecode, once per server). Target (issue): invocable within 100 ms.
#   2. cold start of a trivial handler, python3.12 and nodejs20.x: the Init
#      Duration of the REPORT line (X-Amz-Log-Type: Tail) and the wall time
#      of the first Invoke, medians over BENCH_TRIES new functions; next to
#      the bare interpreter's start-up (python3 -u -c pass, node -e 0).
#   3. warm per-invocation overhead, as lambda.sh measures it: p50 of a
#      synchronous Invoke at 1 connection (wrk, tools/bench/lambda_request.lua)
#      minus the p50 of GET / (DynamoDB's health check, as lambda.sh) on
#      the same server, for python3.12, nodejs20.x and a provided.al2023
#      native package (`lowcloud package` of handlers/test/libtest_handlers.so, handler
#      libtest_handlers.so:echo_handler), next to the manifest's native
#      function (echo_handler, process and in-process isolation). Rounds
#      alternate the functions.
#   4. lowcloud vs serverless-offline@13 (serverless@3, npm) running the SAME
#      trivial Python handler through its Python child-process runner
#      (`python3 -u invoke.py`, one process per concurrent request), both
#      through their Lambda Invoke endpoint (POST /2015-03-31/functions/
#      {name}/invocations; serverless-offline's --lambdaPort), warm: a warm-up
#      per server and connection count, then alternating rounds; requests/s,
#      p50/p99 at BENCH_CONNECTIONS. Both run the same interpreter: the python3
#      lowcloud resolves (LOWCLOUD_PYTHON, else python3 on PATH with a pyenv
#      shim resolved) comes first on serverless-offline's PATH. Also the first
#      Python invoke after each server's start.
# lowcloud's log (--log-level warn) is printed at the end when it holds more
# than the expected "python3.12 runs on this machine's Python 3.x" notice.
#
# Usage: tools/bench/runtimes.sh [--smoke] [--check]
#   --smoke  1 s runs, 1 round, 2 tries, 1 s warm-ups: checks that everything
#            starts and answers
#   --check  exit 3 when the median create-to-first-invoke exceeds
#            BENCH_TARGET_MS
# Environment:
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_WARMUP (3s), BENCH_TRIES (10),
#   BENCH_CONNECTIONS ("1 8"), BENCH_TARGET_MS (100)
#   LOWCLOUD_BIN     this binary, nothing is built; the test handler library is
#                    taken from handlers/test/ next to it (default: builds
#                    build-release/lowcloud and the test handlers, Release)
#   SLS_OFFLINE_DIR, BENCH_NPM_DIR   an npm prefix already holding serverless@3
#                    and serverless-offline@13 (skips the npm install)
#   BENCH_RESULTS    append `runtimes workload conns server rps p50_ms p99_ms`
#                    lines (the comparison of 4; "failed failed failed" and
#                    the reason as an 8th column for a server that could not
#                    be measured)
#   BENCH_PROCESS_RESULTS   append `runtimes metric server value unit` lines
#                    (1, 2, 3 and the first invoke after start of 4)
#
# Failures are reported on stderr as "!! runtimes: ..." lines: which server,
# which run, what wrk said, whether the server still runs (else how it ended)
# and the end of its log. A failure of lowcloud stops the suite; one of
# serverless-offline stops measuring it (lowcloud's figures are still
# printed and recorded).
# Exit codes: 0 measured; 1 something could not be measured (the reason is
# printed); 3 --check and the target was missed.
# Sourcing the file only defines functions; call runtimes_main in a subshell
# (it sets an EXIT trap, strict mode (bench_strict) and LC_ALL=C):
# ( runtimes_main --smoke ).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNTIMES_PEER=serverless-offline
RUNTIMES_PEER_FUNCTION=lowcloud-bench-dev-noop   # service-stage-function
RUNTIMES_WORKLOAD="Invoke python3.12 (trivial handler)"

runtimes_log() { echo "runtimes bench [${SECONDS}s]: $*" >&2; }
runtimes_now_ms() { date +%s%3N; }

# The pids of every descendant of a pid (serverless-offline's Python
# processes run under a /bin/sh it spawns).
runtimes_descendants() {  # pid
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do echo "$child"; runtimes_descendants "$child"; done
}

# Stops every process this script started (SIGTERM: lowcloud then stops its
# execution environments; SIGKILL after 5 s), then any of their descendants
# still alive, and removes the work directory.
runtimes_cleanup() {
  local p d=()
  for p in "${RUNTIMES_PIDS[@]}"; do
    d+=($(runtimes_descendants "$p"))
    kill "$p" 2>/dev/null || true
  done
  for p in "${RUNTIMES_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  for p in "${d[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  RUNTIMES_PIDS=()
  if [ -n "${RUNTIMES_WORK:-}" ]; then rm -rf "$RUNTIMES_WORK"; fi
  return 0
}

# One wrk run of lambda_request.lua against a server (lowcloud or
# serverless-offline): an Invoke of `function`, or GET `path` when function
# is "". Sets RUNTIMES_OUT to "rps p50_us p99_us". Fails, saying why (with
# wrk's output, the server's state and log), when wrk does (the script stops
# it on any answer but a 200 without a function error), completes no request
# (unless BENCH_WRK_EMPTY_OK=1) or reports socket errors or timeouts, or when
# the server has ended.
runtimes_run() {  # server connections duration function [path]
  local threads=$(( $2 < 2 ? $2 : 2 )) what="$1, ${4:+Invoke $4}${5:+GET $5}, $2 connections, $3 run" rc=0
  if [ -n "$4" ]; then
    FUNCTION=$4 bench_wrk "$what" -t "$threads" -c "$2" -d "$3" --timeout 10s --latency -s tools/bench/lambda_request.lua "${RUNTIMES_SRV_URL[$1]}" || rc=1
  else
    PATH_ONLY=$5 bench_wrk "$what" -t "$threads" -c "$2" -d "$3" --timeout 10s --latency -s tools/bench/lambda_request.lua "${RUNTIMES_SRV_URL[$1]}" || rc=1
  fi
  if [ "$rc" != 0 ]; then bench_server_report "$1"; return 1; fi
  local rps p50 p99 sock
  read -r rps p50 p99 _ sock _ <<< "$BENCH_WRK"
  if [ "$sock" -gt 0 ]; then bench_fail "$what: $sock socket errors/timeouts"; bench_server_report "$1"; return 1; fi
  bench_server_check "$1" "after the $what" || return 1
  RUNTIMES_OUT=$(awk -v r="$rps" -v a="$p50" -v b="$p99" 'BEGIN { printf "%.2f %.0f %.0f\n", r, a * 1000, b * 1000 }')
}

# Starts lowcloud with the manifest's native functions (process and
# in-process isolation, echo_handler); sets RUNTIMES_URL.
runtimes_start_lowcloud() {  # bin lib concurrency
  local w=$RUNTIMES_WORK pid
  cat > "$w/lowcloud.yaml" <<YAML
functions:
  - {name: noop, library: "$2", handler: echo_handler, isolation: process, reserved_concurrency: $3}
  - {name: noop_inproc, library: "$2", handler: echo_handler, isolation: in-process, reserved_concurrency: $3}
YAML
  "$1" serve --port 0 --in-memory --log-level warn --config "$w/lowcloud.yaml" > "$w/lowcloud.out" 2>&1 &
  pid=$!
  RUNTIMES_PIDS+=("$pid")
  bench_server lowcloud "$pid" "$w/lowcloud.out"
  bench_server_wait_line lowcloud "$w/lowcloud.out" "^listening on" 20 || return 1
  RUNTIMES_URL=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$w/lowcloud.out" | head -1)
  if [ -z "$RUNTIMES_URL" ]; then bench_fail "lowcloud: unexpected \"listening on\" line"; bench_server_report lowcloud; return 1; fi
  RUNTIMES_SRV_URL[lowcloud]=$RUNTIMES_URL
}

# The trivial handler's functions, created through the control plane and
# invoked once: py (python3.12), node (nodejs20.x), native (provided.al2023,
# the `lowcloud package` zip).
runtimes_deploy() {  # bin lib concurrency
  local w=$RUNTIMES_WORK conc=() cold
  if [ "$3" -gt 10 ]; then conc=("$3"); fi  # lowcloud's default cap is 10 environments per function
  if ! "$1" package -o "$w/native.zip" "$2" > "$w/package.out" 2>&1; then
    bench_fail "lowcloud package failed:"; bench_tail 20 "$w/package.out"; return 1
  fi
  cold=$(python3 tools/bench/runtimes_lambda.py deploy "$RUNTIMES_URL" py python3.12 "" "" "${conc[@]}") || {
    bench_fail "could not deploy the python3.12 function (above)"; bench_server_report lowcloud; return 1; }
  runtimes_log "python3.12 function created (first invoke $cold ms)"
  cold=$(python3 tools/bench/runtimes_lambda.py deploy "$RUNTIMES_URL" node nodejs20.x "" "" "${conc[@]}") || {
    bench_fail "could not deploy the nodejs20.x function (above)"; bench_server_report lowcloud; return 1; }
  runtimes_log "nodejs20.x function created (first invoke $cold ms)"
  cold=$(python3 tools/bench/runtimes_lambda.py deploy "$RUNTIMES_URL" native provided.al2023 \
           "$(basename "$2"):echo_handler" "$w/native.zip" "${conc[@]}") || {
    bench_fail "could not deploy the provided.al2023 function (above)"; bench_server_report lowcloud; return 1; }
  runtimes_log "provided.al2023 native function created ($(stat -c %s "$w/native.zip") byte zip, first invoke $cold ms)"
}

runtimes_install_peer() {  # -> RUNTIMES_SLS_DIR
  local prefix=${SLS_OFFLINE_DIR:-${BENCH_NPM_DIR:-}}
  if [ -n "$prefix" ]; then
    RUNTIMES_SLS_DIR=$(cd "$prefix" && pwd)
  else
    RUNTIMES_SLS_DIR=$RUNTIMES_WORK/npm
    local t0=$SECONDS
    mkdir -p "$RUNTIMES_SLS_DIR"
    if ! npm install --no-audit --no-fund --prefix "$RUNTIMES_SLS_DIR" serverless@3 serverless-offline@13 > "$RUNTIMES_WORK/npm.log" 2>&1; then
      bench_fail "npm install of serverless@3 serverless-offline@13 failed:"; bench_tail 20 "$RUNTIMES_WORK/npm.log"; return 1
    fi
    runtimes_log "npm install took $(( SECONDS - t0 )) s"
  fi
  if [ ! -f "$RUNTIMES_SLS_DIR/node_modules/serverless/bin/serverless.js" ] || \
     [ ! -f "$RUNTIMES_SLS_DIR/node_modules/serverless-offline/src/lambda/handler-runner/python-runner/invoke.py" ]; then
    bench_fail "no serverless / serverless-offline (with its Python runner) under $RUNTIMES_SLS_DIR/node_modules"; return 1
  fi
}

# Starts serverless-offline with the trivial Python handler; sets
# RUNTIMES_PEER_URL (its Lambda endpoint) and RUNTIMES_PEER_FIRST_MS (the
# wall time of its first Invoke, which starts its Python process). Called in
# `if` (where bash ignores `set -e`): every step is checked.
runtimes_start_peer() {  # python
  local svc=$RUNTIMES_WORK/sls port lambda_port pid deadline code
  mkdir -p "$svc/home" "$svc/bin" || return 1
  ln -s "$RUNTIMES_SLS_DIR/node_modules" "$svc/node_modules" || return 1  # the plugin is resolved from the service directory
  # It runs `python3 -u invoke.py` through /bin/sh with its PATH: the same
  # interpreter as lowcloud's comes first.
  ln -s "$1" "$svc/bin/python3" || return 1
  # serverless 3's configuration schema predates python3.12, which
  # serverless-offline 13 runs; without configValidationMode: off it warns.
  cat > "$svc/serverless.yml" <<'YAML'
service: lowcloud-bench
frameworkVersion: "3"
configValidationMode: off
provider:
  name: aws
  runtime: python3.12
  region: us-east-1
  stage: dev
plugins:
  - serverless-offline
functions:
  noop:
    handler: lambda_function.handler
YAML
  python3 tools/bench/runtimes_lambda.py python-handler "$svc" || { bench_fail "could not write the peer's Python handler"; return 1; }
  port=$(bench_free_port) && lambda_port=$(bench_free_port) || return 1
  # Offline and quiet as in apigateway.sh: no telemetry, notifications or
  # deprecation notices, warnings only, dummy credentials, a private HOME.
  (cd "$svc" && exec env PATH="$svc/bin:$PATH" HOME="$svc/home" SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 \
     SLS_NOTIFICATIONS_MODE=off SLS_DEPRECATION_DISABLE='*' SLS_LOG_LEVEL=warning \
     AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
     node "$RUNTIMES_SLS_DIR/node_modules/serverless/bin/serverless.js" offline --host 127.0.0.1 \
       --httpPort "$port" --lambdaPort "$lambda_port" --noPrependStageInUrl --noSponsor) > "$RUNTIMES_WORK/sls.out" 2>&1 &
  pid=$!
  RUNTIMES_PIDS+=("$pid")
  bench_server "$RUNTIMES_PEER" "$pid" "$RUNTIMES_WORK/sls.out"
  RUNTIMES_PEER_URL="http://127.0.0.1:$lambda_port"
  RUNTIMES_SRV_URL[$RUNTIMES_PEER]=$RUNTIMES_PEER_URL
  deadline=$(( SECONDS + 180 ))
  while :; do  # any HTTP answer (a 404 for GET /): the Lambda endpoint listens
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$RUNTIMES_PEER_URL/" 2>/dev/null) || true
    if [ -n "$code" ] && [ "$code" != 000 ]; then break; fi
    if ! bench_server_alive "$RUNTIMES_PEER"; then
      bench_fail "serverless-offline ended before its Lambda endpoint came up on $RUNTIMES_PEER_URL"; bench_server_report "$RUNTIMES_PEER"; return 1
    fi
    if [ "$SECONDS" -gt "$deadline" ]; then
      bench_fail "serverless-offline's Lambda endpoint did not come up on $RUNTIMES_PEER_URL within 180 s"; bench_server_report "$RUNTIMES_PEER"; return 1
    fi
    sleep 0.1
  done
  bench_server_owns_port "$RUNTIMES_PEER" "$lambda_port" || return 1
  local t0 body
  t0=$(runtimes_now_ms)
  body=$(curl -s --max-time 60 -D "$RUNTIMES_WORK/sls.headers" -X POST -H 'Content-Type: application/json' \
           -d '{"sku":"CV2115.FC6186"}' "$RUNTIMES_PEER_URL/2015-03-31/functions/$RUNTIMES_PEER_FUNCTION/invocations") || true
  RUNTIMES_PEER_FIRST_MS=$(( $(runtimes_now_ms) - t0 ))
  if [ "$body" != '{"ok":true}' ] || ! head -1 "$RUNTIMES_WORK/sls.headers" | grep -q ' 200' || \
     grep -qi '^x-amz-function-error' "$RUNTIMES_WORK/sls.headers"; then
    bench_fail "serverless-offline's Python handler did not answer {\"ok\":true}: $(head -1 "$RUNTIMES_WORK/sls.headers" 2>/dev/null) $body"
    bench_server_report "$RUNTIMES_PEER"; return 1
  fi
}

runtimes_main() {
  bench_strict runtimes
  export LC_ALL=C
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3} warmup=${BENCH_WARMUP:-3s} tries=${BENCH_TRIES:-10}
  local conns_list=${BENCH_CONNECTIONS:-1 8} target=${BENCH_TARGET_MS:-100} check=0 arg
  for arg in "$@"; do
    case $arg in
      --smoke) duration=1s; rounds=1; warmup=1s; tries=2 ;;
      --check) check=1 ;;
      -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) bench_fail "unknown argument $arg"; return 1 ;;
    esac
  done
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  local load_at_start; load_at_start=$(cut -d' ' -f1 /proc/loadavg)  # other work on the machine skews the numbers
  bench_need_tools bench_fail curl python3 node npm bc

  local bin lib
  if [ -n "${LOWCLOUD_BIN:-}" ]; then
    bin=$LOWCLOUD_BIN
  else
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud test_handlers >/dev/null
    bin=$PWD/build-release/lowcloud
  fi
  [ -x "$bin" ] || { bench_fail "no lowcloud binary at $bin"; return 1; }
  lib=$(cd "$(dirname "$bin")" && pwd)/handlers/test/libtest_handlers.so
  [ -f "$lib" ] || { bench_fail "no handler library at $lib"; return 1; }
  # The interpreter lowcloud runs python3.x with (runtimes.cpp: LOWCLOUD_PYTHON,
  # else python3 on PATH, a version manager's shim resolved).
  local python python_version
  python=$("${LOWCLOUD_PYTHON:-python3}" -c 'import sys; print(sys.executable)' 2>/dev/null) || true
  [ -x "$python" ] || { bench_fail "no Python: ${LOWCLOUD_PYTHON:-python3} -c 'import sys; print(sys.executable)' failed"; return 1; }
  python_version=$("$python" -c 'import platform; print(platform.python_version())') || return 1

  RUNTIMES_PIDS=()
  declare -gA RUNTIMES_SRV_URL=()  # server -> base URL for runtimes_run
  RUNTIMES_WORK=$(mktemp -d /tmp/lowcloud-bench-runtimes.XXXXXX)
  trap runtimes_cleanup EXIT
  trap 'exit 130' INT TERM

  local max_conns=1 c
  for c in $conns_list; do if [ "$c" -gt "$max_conns" ]; then max_conns=$c; fi; done
  local conc=$(( max_conns > 10 ? max_conns : 10 ))
  local reasons=()
  declare -A proc=()  # metric -> "value unit" for BENCH_PROCESS_RESULTS, lowcloud
  local proc_order=()
  put() { proc[$1]="$2 $3"; proc_order+=("$1"); }  # metric value unit

  runtimes_start_lowcloud "$bin" "$lib" "$conc" || return 1
  runtimes_log "lowcloud on $RUNTIMES_URL"

  # 1. CreateFunction of a 1 MB zip -> first Invoke returned.
  local h=tools/bench/runtimes_lambda.py
  python3 "$h" create-to-invoke "$RUNTIMES_URL" "$tries" > "$RUNTIMES_WORK/zip.txt" || {
    bench_fail "create-to-invoke failed (above)"; bench_server_report lowcloud; return 1; }
  local zip_bytes first_total first_invoke m_create m_invoke m_total m_init
  if ! read -r _ _ _ first_invoke first_total _ zip_bytes < <(awk '$2 == 0' "$RUNTIMES_WORK/zip.txt"); then
    bench_fail "create-to-invoke printed no line for try 0:"; bench_tail 20 "$RUNTIMES_WORK/zip.txt"; return 1
  fi
  m_create=$(awk '$2 > 0 { print $3 }' "$RUNTIMES_WORK/zip.txt" | bench_median)
  m_invoke=$(awk '$2 > 0 { print $4 }' "$RUNTIMES_WORK/zip.txt" | bench_median)
  m_total=$(awk '$2 > 0 { print $5 }' "$RUNTIMES_WORK/zip.txt" | bench_median)
  m_init=$(awk '$2 > 0 { print $6 }' "$RUNTIMES_WORK/zip.txt" | bench_median)
  put create_1mb_zip "$m_create" ms
  put first_invoke_after_create "$m_invoke" ms
  put create_to_first_invoke "$m_total" ms
  put create_to_first_invoke_fresh_server "$first_total" ms

  # 2. Cold starts of the trivial handler.
  local rt py_init py_wall node_init node_wall
  for rt in python3.12 nodejs20.x; do
    python3 "$h" cold "$RUNTIMES_URL" "$rt" "$tries" > "$RUNTIMES_WORK/cold-$rt.txt" || {
      bench_fail "cold start of $rt failed (above)"; bench_server_report lowcloud; return 1; }
  done
  # Context: the bare interpreters' start-up on this machine (python3 -u -c
  # pass, node -e 0), a floor under their cold starts.
  local py_bare node_bare
  py_bare=$(python3 "$h" start-time 5 "$python" -u -c pass) || return 1
  node_bare=$(python3 "$h" start-time 5 node -e 0) || return 1
  py_init=$(awk '{ print $3 }' "$RUNTIMES_WORK/cold-python3.12.txt" | bench_median)
  py_wall=$(awk '{ print $4 }' "$RUNTIMES_WORK/cold-python3.12.txt" | bench_median)
  node_init=$(awk '{ print $3 }' "$RUNTIMES_WORK/cold-nodejs20.x.txt" | bench_median)
  node_wall=$(awk '{ print $4 }' "$RUNTIMES_WORK/cold-nodejs20.x.txt" | bench_median)
  put cold_init_python3.12 "$py_init" ms
  put cold_invoke_python3.12 "$py_wall" ms
  put cold_init_nodejs20.x "$node_init" ms
  put cold_invoke_nodejs20.x "$node_wall" ms

  # 3. Warm per-invocation overhead at 1 connection.
  runtimes_deploy "$bin" "$lib" "$conc" || return 1
  local fns=(baseline noop noop_inproc native py node) f out a b d
  declare -A p50s=() p99s=() m50=() m99=()
  for _ in $(seq "$rounds"); do
    for f in "${fns[@]}"; do
      if [ "$f" = baseline ]; then runtimes_run lowcloud 1 "$duration" "" /
      else runtimes_run lowcloud 1 "$duration" "$f"; fi
      read -r a b d <<< "$RUNTIMES_OUT"
      p50s[$f]+="$b "; p99s[$f]+="$d "
    done
  done
  bench_medians p50s m50; bench_medians p99s m99
  declare -A fn_label=([baseline]="HTTP baseline (GET /)" [noop]="manifest native, process" [noop_inproc]="manifest native, in-process"
                       [native]="provided.al2023 native zip" [py]="python3.12" [node]="nodejs20.x")
  declare -A fn_metric=([noop]=manifest_process [noop_inproc]=manifest_in_process [native]=provided.al2023_native_zip
                        [py]=python3.12 [node]=nodejs20.x)
  for f in noop noop_inproc native py node; do
    put "invoke_overhead_${fn_metric[$f]}" "$(echo "${m50[$f]} - ${m50[baseline]}" | bc -l)" us
  done
  put http_baseline_p50 "${m50[baseline]}" us

  # 4. lowcloud vs serverless-offline, the same Python handler, warm Invoke.
  declare -A rps=() lat50=() lat99=() mrps=() ml50=() ml99=()
  local peer_ok=1 s
  if ! runtimes_install_peer; then
    peer_ok=0; reasons+=("serverless-offline could not be installed (see above)")
  elif ! runtimes_start_peer "$python"; then
    peer_ok=0; reasons+=("serverless-offline did not run the Python handler (see above)")
  else
    runtimes_log "serverless-offline on $RUNTIMES_PEER_URL (function $RUNTIMES_PEER_FUNCTION, first invoke $RUNTIMES_PEER_FIRST_MS ms)"
  fi
  declare -A srv_fn=([lowcloud]=py [$RUNTIMES_PEER]=$RUNTIMES_PEER_FUNCTION)
  # A failure of lowcloud stops the suite; one of the peer stops measuring
  # the peer (the lowcloud numbers are still reported).
  # Called in `if`/`||` (no `set -e` there): every step is checked.
  measure() {  # server connections duration [warmup] -> appends to rps/lat50/lat99 unless a warm-up
    local empty_ok=0
    if [ "${4:-}" = warmup ]; then empty_ok=1; fi
    if ! BENCH_WRK_EMPTY_OK=$empty_ok runtimes_run "$1" "$2" "$3" "${srv_fn[$1]}"; then
      if [ "$1" = lowcloud ]; then return 1; fi
      peer_ok=0; reasons+=("serverless-offline stopped answering in the $2-connection ${4:-measured} run (see above)"); return 0
    fi
    if [ "${4:-}" != warmup ]; then read -r a b d <<< "$RUNTIMES_OUT"; rps[$1|$2]+="$a "; lat50[$1|$2]+="$b "; lat99[$1|$2]+="$d "; fi
  }
  for c in $conns_list; do
    for s in lowcloud "$RUNTIMES_PEER"; do
      if [ "$s" = lowcloud ] || [ "$peer_ok" = 1 ]; then measure "$s" "$c" "$warmup" warmup || return 1; fi
    done
    for _ in $(seq "$rounds"); do
      for s in lowcloud "$RUNTIMES_PEER"; do
        if [ "$s" = lowcloud ] || [ "$peer_ok" = 1 ]; then measure "$s" "$c" "$duration" || return 1; fi
      done
    done
  done
  bench_medians rps mrps; bench_medians lat50 ml50; bench_medians lat99 ml99

  # Tables.
  local ms_fmt
  echo "Deploy to invocable: CreateFunction of a $zip_bytes-byte zip (1 MiB random + python3.12 handler) -> first Invoke returned"
  echo "(median of $tries functions; the server's first Python environment apart):"
  printf "  %-44s %10s\n" measure ms
  printf "  %-44s %10s\n" "CreateFunction (1 MB zip)" "$(bench_fmt_ms "$m_create")" \
    "first Invoke (cold, python3.12)" "$(bench_fmt_ms "$m_invoke")" \
    "  of which Init Duration" "$(bench_fmt_ms "$m_init")" \
    "create -> first Invoke returned" "$(bench_fmt_ms "$m_total")" \
    "same, server's first Python environment" "$(bench_fmt_ms "$first_total")"
  local met; met=$(awk -v m="$m_total" -v t="$target" 'BEGIN { print (m <= t) ? "met" : "NOT met" }')
  echo "  target: invocable within $target ms of CreateFunction: $met"
  echo
  echo "Cold start, trivial handler (median of $tries new functions):"
  printf "  %-20s %18s %22s %28s\n" runtime "Init Duration ms" "first Invoke wall ms" "bare interpreter start ms"
  printf "  %-20s %18s %22s %28s\n" "python3.12" "$(bench_fmt_ms "$py_init")" "$(bench_fmt_ms "$py_wall")" "$(bench_fmt_ms "$py_bare") (python3 -c pass)" \
    "nodejs20.x" "$(bench_fmt_ms "$node_init")" "$(bench_fmt_ms "$node_wall")" "$(bench_fmt_ms "$node_bare") (node -e 0)"
  echo
  echo "Warm per-invocation overhead (1 connection, p50 minus the GET / p50, median of $rounds x $duration):"
  printf "  %-30s %10s %10s %14s\n" function "p50 us" "p99 us" "overhead us"
  for f in "${fns[@]}"; do
    printf "  %-30s %10.0f %10.0f %14s\n" "${fn_label[$f]}" "${m50[$f]}" "${m99[$f]}" \
      "$([ "$f" = baseline ] && echo - || printf "%.0f" "$(echo "${m50[$f]} - ${m50[baseline]}" | bc -l)")"
  done
  echo
  echo "$RUNTIMES_WORKLOAD, warm, lowcloud vs serverless-offline (median of $rounds x $duration after a $warmup warm-up):"
  printf "  %5s %14s %14s %8s %20s %20s\n" conns "lowcloud rps" "sls rps" ratio "lowcloud p50/p99 ms" "sls p50/p99 ms"
  for c in $conns_list; do
    if [ "$peer_ok" = 1 ]; then
      printf "  %5s %14.0f %14.0f %8s %20s %20s\n" "$c" "${mrps[lowcloud|$c]}" "${mrps[$RUNTIMES_PEER|$c]}" \
        "$(bench_ratio "${mrps[lowcloud|$c]}" "${mrps[$RUNTIMES_PEER|$c]}")" \
        "$(bench_fmt_ms "$(echo "${ml50[lowcloud|$c]} / 1000" | bc -l)") / $(bench_fmt_ms "$(echo "${ml99[lowcloud|$c]} / 1000" | bc -l)")" \
        "$(bench_fmt_ms "$(echo "${ml50[$RUNTIMES_PEER|$c]} / 1000" | bc -l)") / $(bench_fmt_ms "$(echo "${ml99[$RUNTIMES_PEER|$c]} / 1000" | bc -l)")"
    else
      printf "  %5s %14.0f %14s %8s %20s %20s\n" "$c" "${mrps[lowcloud|$c]}" "not measured" n/a \
        "$(bench_fmt_ms "$(echo "${ml50[lowcloud|$c]} / 1000" | bc -l)") / $(bench_fmt_ms "$(echo "${ml99[lowcloud|$c]} / 1000" | bc -l)")" n/a
    fi
  done
  printf "  first Python invoke after the server started: lowcloud %s ms" "$(bench_fmt_ms "$first_invoke")"
  if [ "$peer_ok" = 1 ]; then printf ", serverless-offline %s ms\n" "$RUNTIMES_PEER_FIRST_MS"; else echo ", serverless-offline not measured"; fi
  echo
  local sls_versions=""
  if [ -f "${RUNTIMES_SLS_DIR:-/nonexistent}/node_modules/serverless-offline/package.json" ]; then
    sls_versions="; serverless $(node -p "require('$RUNTIMES_SLS_DIR/node_modules/serverless/package.json').version"), serverless-offline $(node -p "require('$RUNTIMES_SLS_DIR/node_modules/serverless-offline/package.json').version")"
  fi
  echo "(Python $python_version at $python, node $(node --version)$sls_versions; $(nproc) cores," \
       "load average $load_at_start at start, $(date -u +%F))"

  if [ -n "${BENCH_PROCESS_RESULTS:-}" ]; then
    local m v u
    for m in "${proc_order[@]}"; do
      read -r v u <<< "${proc[$m]}"
      if [ "$u" = us ]; then v=$(printf "%.0f" "$v"); else v=$(printf "%.1f" "$v"); fi
      printf "runtimes\t%s\tlowcloud\t%s\t%s\n" "$m" "$v" "$u" >> "$BENCH_PROCESS_RESULTS"
    done
    printf "runtimes\tpython_first_invoke_after_start\tlowcloud\t%.1f\tms\n" "$first_invoke" >> "$BENCH_PROCESS_RESULTS"
    if [ "$peer_ok" = 1 ]; then
      printf "runtimes\tpython_first_invoke_after_start\t%s\t%.1f\tms\n" "$RUNTIMES_PEER" "$RUNTIMES_PEER_FIRST_MS" >> "$BENCH_PROCESS_RESULTS"
    fi
  fi
  if [ -n "${BENCH_RESULTS:-}" ]; then  # suite workload conns server rps p50_ms p99_ms
    for c in $conns_list; do
      for s in lowcloud "$RUNTIMES_PEER"; do
        if [ "$s" = lowcloud ] || [ "$peer_ok" = 1 ]; then
          printf "runtimes\t%s\t%s\t%s\t%.0f\t%s\t%s\n" "$RUNTIMES_WORKLOAD" "$c" "$s" "${mrps[$s|$c]}" \
            "$(bench_fmt_ms "$(echo "${ml50[$s|$c]} / 1000" | bc -l)")" "$(bench_fmt_ms "$(echo "${ml99[$s|$c]} / 1000" | bc -l)")" >> "$BENCH_RESULTS"
        else
          printf "runtimes\t%s\t%s\t%s\tfailed\tfailed\tfailed\t%s\n" "$RUNTIMES_WORKLOAD" "$c" "$s" "${reasons[0]:-not measured}" >> "$BENCH_RESULTS"
        fi
      done
    done
  fi

  # Anything lowcloud logged at warn or above, but the expected notice that
  # python3.12 runs on this machine's other Python version.
  local logged
  logged=$(grep -v -e '^listening on ' -e 'python3.12 runs on this machine' "$RUNTIMES_WORK/lowcloud.out" || true)
  if [ -n "$logged" ]; then echo "lowcloud logged (warn and above):"; head -20 <<< "$logged"; fi

  if [ ${#reasons[@]} -gt 0 ]; then
    local r
    for r in "${reasons[@]}"; do bench_fail "not measured: $r"; done
    return 1
  fi
  if [ "$check" = 1 ] && [ "$met" != met ]; then return 3; fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  runtimes_main "$@"
fi
