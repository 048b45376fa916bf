#!/usr/bin/env bash
# The benchmark entry point: lowcloud against what users would pick instead,
# side by side in one run, on loopback.
#   1. builds lowcloud and the handlers in release mode (build-release/);
#   2. installs the peers from npm into one temporary prefix: dynalite@4,
#      serverless@3 + serverless-offline@13, @aws-sdk/client-dynamodb;
#   3. runs the suites, each alternating lowcloud and peer rounds so machine
#      drift cancels, driven by wrk:
#        dynamodb.sh   GetItem, PutItem, Query (10 items), BatchWriteItem (25),
#                      TransactWriteItems (2): lowcloud persisting to its data
#                      dir vs dynalite in memory and vs dynalite --path; start
#                      to ready with the 4136 watches, idle RSS, RSS over
#                      1,000,000 requests
#        apigateway.sh GET through the gateway to a no-op handler vs
#                      serverless-offline
#        watches.sh    GET /info/v2/watch/{sku}: gateway -> Lambda (both
#                      isolation modes) -> DynamoDB vs serverless-offline +
#                      a Node handler on @aws-sdk/client-dynamodb + dynalite
#                      (in memory)
#        lambda.sh     per-invocation Lambda overhead
#        runtimes.sh   zip functions through the control plane: 1 MB zip
#                      create -> first invoke, python3.12 / nodejs20.x cold
#                      starts, warm overhead per runtime (python, node,
#                      provided.al2023 native), warm Python Invoke vs
#                      serverless-offline's Python runner
#   4. prints Markdown tables of medians and ratios (tools/bench/report.py),
#      also written to --markdown FILE.
# A suite that cannot measure something says why on stderr ("!! SUITE: ..."
# lines: the server, the run, what wrk or the server said, the end of the
# server's log) and fails; the other suites still run, the report names the
# failed suites at the top, and run.sh ends with "!! failed suites: ..." and
# exit status 1. n/a in the report only marks what a peer does not support
# (labeled "unsupported"); a figure that could not be measured is "failed".
#
# Usage: tools/bench/run.sh [--smoke] [--markdown FILE] [--only SUITE...]
#   --smoke   tiny durations: checks every script still works (the test suite
#             runs this with the binary it built; nothing is built then)
# Environment: LOWCLOUD_BIN (use this binary and its build's handlers; skips
#   the release build), BENCH_NPM_DIR (an npm prefix already holding the
#   peers), BENCH_DURATION / BENCH_ROUNDS (per suite defaults: 5s / 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
smoke=()
markdown=""
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=(--smoke); shift ;;
    --markdown) markdown=$2; shift 2 ;;
    --only) shift; while [ $# -gt 0 ] && [[ "$1" != --* ]]; do only+=("$1"); shift; done ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
wanted() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }
for name in "${only[@]}"; do
  case $name in dynamodb|apigateway|watches|lambda|runtimes) ;; *) echo "unknown suite: $name (dynamodb, apigateway, watches, lambda, runtimes)" >&2; exit 2 ;; esac
done

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
command -v npm >/dev/null || { echo "npm (Node.js) is needed for the peers" >&2; exit 1; }

work=$(mktemp -d /tmp/lowcloud-bench-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
started=$(date -u '+%Y-%m-%d %H:%M UTC')

if [ -z "${LOWCLOUD_BIN:-}" ]; then
  echo "== building lowcloud (Release, build-release/)" >&2
  LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud test_handlers watches images >/dev/null
  export LOWCLOUD_BIN=$root/build-release/lowcloud
fi
build_dir=$(cd "$(dirname "$LOWCLOUD_BIN")" && pwd)

if [ -z "${BENCH_NPM_DIR:-}" ]; then
  export BENCH_NPM_DIR=$work/npm
  echo "== installing peers from npm into $BENCH_NPM_DIR" >&2
  for attempt in 1 2; do
    if npm install --silent --no-audit --no-fund --prefix "$BENCH_NPM_DIR" \
         dynalite@4 serverless@3 serverless-offline@13 @aws-sdk/client-dynamodb >"$work/npm.log" 2>&1; then break; fi
    [ "$attempt" = 2 ] && { echo "!! npm install of the peers failed twice:" >&2; tail -40 "$work/npm.log" >&2; exit 1; }
    sleep 5
  done
fi
export SLS_OFFLINE_DIR=${SLS_OFFLINE_DIR:-$BENCH_NPM_DIR}

# The repository's manifest (table project1 seeded with the watches, the
# Watches handlers) with absolute paths and this build's handler libraries.
sed -e "s#library: build/#library: $build_dir/#" \
    -e "s#\(spec\|file\): \(openapi\|fixtures\)/#\1: $root/\2/#" lowcloud.yaml > "$work/lowcloud.yaml"
export BENCH_MANIFEST=$work/lowcloud.yaml
export BENCH_RESULTS=$work/results.tsv BENCH_PROCESS_RESULTS=$work/process.tsv
: > "$BENCH_RESULTS"; : > "$BENCH_PROCESS_RESULTS"

failed=()
run_suite() {  # name file main
  wanted "$1" || return 0
  echo "== $1" >&2
  # Not in an `if`: there bash ignores `set -e`, also the suite's own.
  local rc=0
  set +e
  ( source "tools/bench/$2"; "$3" "${smoke[@]}" )
  rc=$?
  set -e
  if [ "$rc" != 0 ]; then
    echo "!! suite $1 failed (exit status $rc; its reasons are above)" >&2
    failed+=("$1")
  fi
}
run_suite dynamodb dynamodb.sh ddb_main
run_suite apigateway apigateway.sh apigw_main
run_suite watches watches.sh watches_main
run_suite lambda lambda.sh lambda_main
run_suite runtimes runtimes.sh runtimes_main

command=(tools/bench/run.sh "${smoke[@]}")
if [ ${#only[@]} -gt 0 ]; then command+=(--only "${only[@]}"); fi
report=(--command "${command[*]}" --date "$started")
if [ -n "$markdown" ]; then report+=(--out "$markdown"); fi
if [ ${#failed[@]} -gt 0 ]; then report+=(--failed "${failed[@]}"); fi
report_ok=1
/usr/bin/python3 tools/bench/report.py "$BENCH_RESULTS" "$BENCH_PROCESS_RESULTS" "${report[@]}" || report_ok=0
if [ "$report_ok" = 0 ]; then echo "!! report.py failed (above)" >&2; fi
if [ ${#failed[@]} -gt 0 ]; then echo "!! failed suites: ${failed[*]}" >&2; fi
if [ ${#failed[@]} -gt 0 ] || [ "$report_ok" = 0 ]; then exit 1; fi
