#!/usr/bin/env bash
# DynamoDB: lowcloud (persisting to a data directory, as users run it) vs
# dynalite@4 (npm, --createTableMs 0) run both ways users run it: in memory
# (dynalite-memory, no --path) and persisting with --path (dynalite-path).
# All on loopback, driven by wrk with keep-alive at 1 and 32 connections.
#   workloads  GetItem (1000 seeded items), PutItem, Query (a 10-item page of
#              one 100-item partition: sk BETWEEN n AND n+9), BatchWriteItem
#              (25 new items per request), TransactWriteItems (2 Puts per
#              request; n/a, labeled unsupported, for dynalite when it lacks
#              the operation) -- tools/bench/dynamodb_request.lua builds the
#              bodies. Each server gets a warm-up run per workload, then the
#              three servers alternate round by round so machine drift
#              cancels; prints medians (throughput, p50/p99 latency) and
#              lowcloud's throughput over each dynalite's.
#   process    lowcloud with the seeded manifest (table project1, 4136
#              watches): start to ready (exec to the "listening on" line,
#              --in-memory, median of 5 starts), idle RSS 1 s after ready,
#              and RSS while serving 1,000,000 requests (wrk at 32
#              connections, 90% GetItem of the watches / 10% PutItem of 1000
#              overwritten keys, in chunks; persisting to a data directory).
#              dynalite for context, both ways: start to ready and idle RSS
#              (empty), and (BENCH_DYNALITE_RSS) the same 1M-request run
#              after loading the 4136 watches.
#   Query flatness (lowcloud, persisting): the Query workload with 1,000
#              items in its table, then again after BatchWriteItem has grown
#              the table to BENCH_FLAT_ITEMS items in other partitions.
#
# Usage: tools/bench/dynamodb.sh [--smoke]
#   --smoke  1 s runs, 1 round, 1 start, 20,000 requests instead of 1,000,000,
#            a Query table grown to 20,000+ items
# Environment:
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_WARMUP (2s; 0 for none),
#   BENCH_CONNECTIONS ("1 32"), BENCH_STARTS (5), BENCH_REQUESTS (1000000),
#   BENCH_CHUNK (5s: wrk run length while counting requests or items),
#   BENCH_FLAT_ITEMS (1000000: the Query table's size for the flatness check)
#   LOWCLOUD_BIN        this binary, nothing is built (default: builds
#                       build-release/lowcloud, Release)
#   BENCH_MANIFEST      the seeded manifest for the process figures (default
#                       the repository's lowcloud.yaml; its handler libraries
#                       must exist, e.g. build/handlers/watches/*.so)
#   BENCH_NPM_DIR       an npm prefix already holding dynalite@4 (skips the
#                       npm install)
#   BENCH_DYNALITE_RSS  which dynalite serves the 1M requests after lowcloud
#                       (the slowest part): "path" (default; 1 means the
#                       same), "memory", "memory path", or 0 for none
#   BENCH_RESULTS       append one TSV line per measurement:
#                       suite workload conns server rps p50_ms p99_ms [note]
#                       (servers lowcloud, dynalite-memory, dynalite-path; an
#                       unsupported operation: n/a n/a n/a and the note
#                       "unsupported: ...")
#   BENCH_PROCESS_RESULTS  append one TSV line per process figure:
#                       suite metric server value unit, metrics
#                       start_to_ready_seeded, seed_4136_watches (lowcloud's
#                       own log), start_to_ready_empty (dynalite),
#                       idle_rss_seeded, idle_rss_empty, idle_wakeups, rss_start,
#                       rss_after_500000, rss_after_1000000 (the first sample
#                       at or past that count), rss_growth,
#                       query_C_conns_N_items (req/s, N the table's item
#                       count), query_C_conns_flatness (large / small)
#
# Relative paths are taken from the repository root.
# Failures are reported on stderr as "!! dynamodb: ..." lines: which server,
# which workload and run, what wrk or the server answered, whether the server
# still runs (else how it ended) and the end of its log.
# Exit codes: 0 measured; 1 a server did not start or stopped answering, a
# check failed, a run failed or answered non-2xx.
# Sourcing the file only defines functions; call ddb_main in a subshell (it
# sets an EXIT trap, strict mode (bench_strict) and LC_ALL=C):
# ( ddb_main --smoke ).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ddb_log() { echo "dynamodb bench [${SECONDS}s]: $*" >&2; }
# A server's VmRSS in kB, in DDB_RSS; fails (with the server's state and
# log) when it is no longer running.
ddb_rss_kb() {  # name what
  bench_server_check "$1" "$2" || return 1
  DDB_RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/${BENCH_SERVER_PID[$1]}/status" 2>/dev/null) || true
  if [ -z "$DDB_RSS" ]; then bench_fail "$1: no VmRSS in /proc/${BENCH_SERVER_PID[$1]}/status ($2)"; bench_server_report "$1"; return 1; fi
}
# Wake-ups per second of an idle server, in DDB_WAKE: its threads' context
# switches (voluntary and not) over 2 s, as a laptop's battery sees them.
ddb_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'; }
ddb_wakeups_per_s() {  # name
  local pid=${BENCH_SERVER_PID[$1]} a b
  bench_server_check "$1" "before counting its idle wake-ups" || return 1
  a=$(ddb_switches "$pid"); sleep 2
  bench_server_check "$1" "while counting its idle wake-ups" || return 1
  b=$(ddb_switches "$pid")
  DDB_WAKE=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 2 }')
}
ddb_ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
ddb_fmt_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ddb_fmt_rps() { if [ "$1" = n/a ]; then echo "n/a"; else printf '%.0f' "$1"; fi; }
ddb_fmt_lat() { if [ "$1" = n/a ]; then echo "n/a"; else echo "$(bench_fmt_ms "$1") / $(bench_fmt_ms "$2")"; fi; }

# Stops every process this script started (SIGTERM, SIGKILL after 5 s) and
# removes the work directory.
ddb_cleanup() {
  local p
  for p in "${DDB_PIDS[@]}"; do ddb_stop "$p"; done
  DDB_PIDS=()
  if [ -n "${DDB_WORK:-}" ]; then rm -rf "$DDB_WORK"; fi
  return 0
}

ddb_stop() {  # pid: a server this script started (its stdout drain ends with it)
  local pid=$1 drain=${DDB_DRAIN[$1]:-} p rest=()
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -n "$drain" ]; then  # ends at EOF; bounded: a stray child could hold the FIFO open
    for _ in $(seq 20); do kill -0 "$drain" 2>/dev/null || break; sleep 0.1; done
    kill "$drain" 2>/dev/null || true
    wait "$drain" 2>/dev/null || true
  fi
  for p in "${DDB_PIDS[@]}"; do if [ "$p" != "$pid" ] && [ "$p" != "$drain" ]; then rest+=("$p"); fi; done
  DDB_PIDS=("${rest[@]}")
}

# Starts a server with its stdout on a FIFO and reads it until a line
# containing `ready`; sets DDB_PID, DDB_READY_MS (from just before the fork to
# that line) and DDB_LINE, and registers it (bench_server) as `name`. stdout
# keeps draining to name.out, stderr goes to name.err. Fails (saying whether
# it ended or timed out, with its logs) on exit or after timeout_s.
ddb_start() {  # name ready timeout_s command...
  local name=$1 ready=$2 timeout=$3; shift 3
  local fifo=$DDB_WORK/$name.fifo t0 fd line found=0
  rm -f "$fifo"; mkfifo "$fifo"
  t0=$EPOCHREALTIME
  "$@" > "$fifo" 2> "$DDB_WORK/$name.err" &
  DDB_PID=$!
  DDB_PIDS+=("$DDB_PID")
  bench_server "$name" "$DDB_PID" "$DDB_WORK/$name.out" "$DDB_WORK/$name.err"
  exec {fd}< "$fifo"
  while IFS= read -r -t "$timeout" -u "$fd" line; do
    if [[ $line == *"$ready"* ]]; then found=1; break; fi
    echo "$line" >> "$DDB_WORK/$name.out"
  done
  DDB_READY_MS=$(ddb_ms_since "$t0")
  DDB_LINE=$line
  if [ "$found" = 1 ]; then
    echo "$line" >> "$DDB_WORK/$name.out"
    cat <&"$fd" >> "$DDB_WORK/$name.out" &
    DDB_DRAIN[$DDB_PID]=$!
  fi
  exec {fd}<&-
  rm -f "$fifo"
  if [ "$found" != 1 ]; then
    if bench_server_alive "$name"; then bench_fail "$name did not print \"$ready\" within $timeout s: $*"
    else bench_fail "$name ended before printing \"$ready\": $*"; fi
    bench_server_report "$name"
    return 1
  fi
}

ddb_start_lowcloud() {  # name args... -> DDB_PID, DDB_READY_MS, DDB_PORT
  local name=$1; shift
  ddb_start "$name" "listening on http://" 60 "$DDB_BIN" serve --port 0 "$@" || return 1
  DDB_PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' <<< "$DDB_LINE")
  if [ -z "$DDB_PORT" ]; then bench_fail "$name: unexpected line: $DDB_LINE"; return 1; fi
  DDB_NAME[$DDB_PORT]=$name
}

# dynalite in memory when data_dir is "", else persisting there (--path).
ddb_start_dynalite() {  # name data_dir -> DDB_PID, DDB_READY_MS, DDB_PORT
  local path=()
  if [ -n "$2" ]; then path=(--path "$2"); fi
  DDB_PORT=$(bench_free_port)
  ddb_start "$1" "Dynalite listening at" 60 node "$DDB_NPM/node_modules/dynalite/cli.js" \
    --host 127.0.0.1 --port "$DDB_PORT" "${path[@]}" --createTableMs 0 || return 1
  bench_server_owns_port "$1" "$DDB_PORT" || return 1
  DDB_NAME[$DDB_PORT]=$1
}

# One DynamoDB request on loopback; prints the response body. Fails, showing
# the body, unless the status is 200 and the body satisfies the jq filter.
ddb_call() {  # port target body [jq filter]
  local out=$DDB_WORK/response code url="http://127.0.0.1:$1/"  # loopback only
  code=$(curl -s -o "$out" -w '%{http_code}' --max-time 30 -X POST "$url" \
    -H "Content-Type: application/x-amz-json-1.0" -H "X-Amz-Target: DynamoDB_20120810.$2" \
    -H "X-Amz-Date: 20260101T000000Z" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0" \
    --data-binary "$3") || code=000
  if [ "$code" != 200 ] || { [ -n "${4:-}" ] && ! jq -e "$4" "$out" >/dev/null 2>&1; }; then
    bench_fail "${DDB_NAME[$1]:-port $1}: $2 -> HTTP $code: $(head -c 600 "$out" 2>/dev/null)${4:+ (expected: $4)}"
    bench_fail "  request: ${3:0:300}"
    return 1
  fi
  cat "$out"
}

# The item the .lua script writes, keyed by key_name = key.
ddb_item() {  # key_name key
  printf '{"%s":{"S":"%s"},"type":{"S":"chrono"},"status":{"S":"current"},"gender":{"S":"man"},"year":{"N":"2004"},"movement":{"S":"CALIBRE_17_AUTO"},"case_material":{"S":"STEEL"}}' "$1" "$2"
}

ddb_create_table() {  # port name key_schema_json attribute_definitions_json
  ddb_call "$1" CreateTable "{\"TableName\":\"$2\",\"KeySchema\":$3,\"AttributeDefinitions\":$4,\"BillingMode\":\"PAY_PER_REQUEST\"}" >/dev/null
  for _ in $(seq 100); do
    if ddb_call "$1" DescribeTable "{\"TableName\":\"$2\"}" '.Table.TableStatus == "ACTIVE"' >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  bench_fail "${DDB_NAME[$1]:-port $1}: table $2 not ACTIVE after 5 s"; return 1
}

# Sends BatchWriteItem bodies (one JSON per line on stdin) over one keep-alive
# connection; fails unless each answers 200 with no UnprocessedItems.
ddb_batch_load() {  # port
  python3 -c '
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
           "X-Amz-Date": "20260101T000000Z",
           "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"}
for line in sys.stdin:
    if not line.strip():
        continue
    try:
        conn.request("POST", "/", body=line.encode(), headers=headers)
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as e:
        sys.exit("!! dynamodb: BatchWriteItem to %s failed: %r" % (sys.argv[2], e))
    if response.status != 200 or json.loads(body).get("UnprocessedItems"):
        sys.exit("!! dynamodb: BatchWriteItem to %s -> HTTP %d: %s" % (sys.argv[2], response.status, body[:600].decode(errors="replace")))
' "$1" "${DDB_NAME[$1]:-port $1}"
}

# Tables bench (id) and bench_query (pk, sk: N): DDB_KEYS items seed-<n> for
# GetItem (shaped like the .lua items), 100 items in partition p0 for Query.
ddb_setup_workload_tables() {  # port
  ddb_create_table "$1" bench '[{"AttributeName":"id","KeyType":"HASH"}]' '[{"AttributeName":"id","AttributeType":"S"}]'
  ddb_create_table "$1" bench_query '[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]' \
    '[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}]'
  jq -nc --argjson n "$DDB_KEYS" --argjson item "$(ddb_item id KEY)" '
    (range(0; $n; 25) as $i | {RequestItems: {bench: [range($i; [$i + 25, $n] | min) | . as $k
      | {PutRequest: {Item: ($item | .id.S = "seed-\($k)")}}]}}),
    (range(0; 100; 25) as $i | {RequestItems: {bench_query: [range($i; $i + 25) | {PutRequest: {Item:
      {pk: {S: "p0"}, sk: {N: tostring}, type: {S: "chrono"}, status: {S: "current"}, year: {N: "2004"}, movement: {S: "CALIBRE_17_AUTO"}}}}]}})' |
    ddb_batch_load "$1"
}

# One request of each workload, shaped like the .lua ones, with its answer
# checked (and the written items read back).
ddb_check_workloads() {  # port transact(0|1)
  local port=$1 i puts=()
  ddb_call "$port" GetItem '{"TableName":"bench","Key":{"id":{"S":"seed-999"}}}' '.Item.id.S == "seed-999" and .Item.year.N == "2004"' >/dev/null
  ddb_call "$port" PutItem "{\"TableName\":\"bench\",\"Item\":$(ddb_item id check-put)}" >/dev/null
  ddb_call "$port" GetItem '{"TableName":"bench","Key":{"id":{"S":"check-put"}}}' '.Item.id.S == "check-put"' >/dev/null
  ddb_call "$port" Query '{"TableName":"bench_query","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"p0"},":a":{"N":"90"},":b":{"N":"99"}}}' \
    '.Count == 10 and ([.Items[].sk.N | tonumber] == [range(90; 100)]) and (has("LastEvaluatedKey") | not)' >/dev/null
  for i in $(seq 25); do puts+=("{\"PutRequest\":{\"Item\":$(ddb_item id "check-batch-$i")}}"); done
  ddb_call "$port" BatchWriteItem "{\"RequestItems\":{\"bench\":[$(IFS=,; echo "${puts[*]}")]}}" '(.UnprocessedItems // {}) | length == 0' >/dev/null
  ddb_call "$port" GetItem '{"TableName":"bench","Key":{"id":{"S":"check-batch-25"}}}' '.Item.id.S == "check-batch-25"' >/dev/null
  if [ "$2" = 1 ]; then
    ddb_call "$port" TransactWriteItems "{\"TransactItems\":[{\"Put\":{\"TableName\":\"bench\",\"Item\":$(ddb_item id check-tx-1)}},{\"Put\":{\"TableName\":\"bench\",\"Item\":$(ddb_item id check-tx-2)}}]}" >/dev/null
    ddb_call "$port" GetItem '{"TableName":"bench","Key":{"id":{"S":"check-tx-2"}}}' '.Item.id.S == "check-tx-2"' >/dev/null
  fi
}

# One wrk run of dynamodb_request.lua against a server (bench_wrk: sets
# BENCH_WRK to "rps p50_ms p99_ms non2xx socket_errors requests"). Extra
# environment for the .lua script comes first: OP=GetItem ddb_run ...
# Fails, saying why, with the server's state and log, when wrk fails or
# completes no request, or the server has ended.
ddb_run() {  # name connections duration kind
  local threads=$(( $2 < 2 ? $2 : 2 )) port=${DDB_PORT_OF[$1]}
  local what="$1, ${OP:-?}, $2 connections, $3 $4 run"
  if ! RUN=${EPOCHREALTIME/./} KEYS=$DDB_KEYS bench_wrk "$what" -t "$threads" -c "$2" -d "$3" --timeout 10s --latency \
         -s "$DDB_ROOT/tools/bench/dynamodb_request.lua" "http://127.0.0.1:$port/"; then
    bench_server_report "$1"; return 1
  fi
  bench_server_check "$1" "after the $what"
}

# Drives OP=Mixed at 32 connections in chunks until `target` requests were
# served; samples VmRSS before and after each chunk. Sets DDB_SAMPLES, one
# line per sample: "requests rss_kb"; fails on non-2xx answers or a stalled
# or ended server.
ddb_million() {  # name target chunk
  local name=$1 target=$2 chunk=$3 total=0 rps p50 p99 bad sock n
  ddb_rss_kb "$name" "before the ${target}-request run" || return 1
  DDB_SAMPLES="0 $DDB_RSS"
  while [ "$total" -lt "$target" ]; do
    OP=Mixed TABLE=project1 SKUS_FILE="$DDB_WORK/skus.txt" PUT_EVERY=10 ddb_run "$name" 32 "$chunk" "RSS (after $total requests)" || return 1
    read -r rps p50 p99 bad sock n <<< "$BENCH_WRK"
    if [ "$bad" -gt 0 ]; then
      bench_fail "$name: $bad non-2xx answers ($n requests, $sock socket errors) in a $chunk chunk of the RSS run, after $total requests"
      return 1
    fi
    total=$(( total + n ))
    ddb_rss_kb "$name" "after $total requests of the RSS run" || return 1
    DDB_SAMPLES+=$'\n'"$total $DDB_RSS"
  done
}

# bench_query's ItemCount on a server, in DDB_COUNT.
ddb_query_table_count() {  # port
  DDB_COUNT=$(ddb_call "$1" DescribeTable '{"TableName":"bench_query"}' | jq '.Table.ItemCount') || return 1
}

# Grows bench_query with OP=Fill (BatchWriteItem, 25 new items a request,
# 32 connections) in chunks until it holds at least `items` items (its
# ItemCount, which unprocessed items would not raise); fails on non-2xx
# answers. Leaves the final count in DDB_COUNT.
ddb_fill() {  # name items chunk
  local name=$1 items=$2 chunk=$3 port=${DDB_PORT_OF[$1]} rps p50 p99 bad sock n
  ddb_query_table_count "$port" || return 1
  while [ "$DDB_COUNT" -lt "$items" ]; do
    OP=Fill ddb_run "$name" 32 "$chunk" "fill (bench_query at $DDB_COUNT items)" || return 1
    read -r rps p50 p99 bad sock n <<< "$BENCH_WRK"
    if [ "$bad" -gt 0 ]; then bench_fail "$name: $bad non-2xx answers filling bench_query (at $DDB_COUNT items)"; return 1; fi
    ddb_query_table_count "$port" || return 1
  done
}

# The 4136 watches as BatchWriteItem bodies of 25 (year: N, nulls omitted,
# everything else S), one per line.
ddb_watch_batches() {  # watches.json
  jq -c '[.[] | with_entries(select(.value != null)
          | .value = (if .key == "year" then {N: (.value | tostring)} else {S: (.value | tostring)} end))]
         | range(0; length; 25) as $i | {RequestItems: {project1: [.[$i:$i+25][] | {PutRequest: {Item: .}}]}}' "$1"
}

ddb_main() {
  bench_strict dynamodb
  export LC_ALL=C
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3} warmup=${BENCH_WARMUP:-2s}
  local conns_list=${BENCH_CONNECTIONS:-1 32} starts=${BENCH_STARTS:-5} target=${BENCH_REQUESTS:-1000000}
  local chunk=${BENCH_CHUNK:-5s} flat_items=${BENCH_FLAT_ITEMS:-1000000} arg
  for arg in "$@"; do
    case $arg in
      --smoke) duration=1s; rounds=1; warmup=1s; starts=1; target=20000; chunk=1s; flat_items=20000 ;;
      -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) bench_fail "unknown argument $arg"; return 1 ;;
    esac
  done
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  DDB_ROOT=$PWD
  SECONDS=0

  bench_need_tools bench_fail node npm jq curl python3 bc

  if [ -n "${LOWCLOUD_BIN:-}" ]; then
    DDB_BIN=$LOWCLOUD_BIN
  else
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud >/dev/null
    DDB_BIN=$PWD/build-release/lowcloud
  fi
  [ -x "$DDB_BIN" ] || { bench_fail "no lowcloud binary at $DDB_BIN"; return 1; }
  DDB_BIN=$(cd "$(dirname "$DDB_BIN")" && pwd)/$(basename "$DDB_BIN")
  local manifest=${BENCH_MANIFEST:-$PWD/lowcloud.yaml}
  [ -f "$manifest" ] || { bench_fail "no manifest at $manifest"; return 1; }
  manifest=$(cd "$(dirname "$manifest")" && pwd)/$(basename "$manifest")

  DDB_PIDS=()
  declare -gA DDB_DRAIN=() DDB_NAME=()
  DDB_WORK=$(mktemp -d /tmp/lowcloud-bench-ddb.XXXXXX)
  DDB_KEYS=1000
  trap ddb_cleanup EXIT
  trap 'exit 130' INT TERM

  if [ -n "${BENCH_NPM_DIR:-}" ]; then
    DDB_NPM=$(cd "$BENCH_NPM_DIR" && pwd)
  else
    DDB_NPM=$DDB_WORK/npm
    mkdir -p "$DDB_NPM"
    local t0=$EPOCHREALTIME
    if ! npm install --no-audit --no-fund --prefix "$DDB_NPM" dynalite@4 > "$DDB_WORK/npm.log" 2>&1; then
      bench_fail "npm install dynalite@4 failed:"; bench_tail 20 "$DDB_WORK/npm.log"; return 1
    fi
    ddb_log "npm install dynalite@4 took $(ddb_ms_since "$t0" | awk '{printf "%.0f", $1 / 1000}') s"
  fi
  [ -f "$DDB_NPM/node_modules/dynalite/cli.js" ] || { bench_fail "no dynalite under $DDB_NPM/node_modules"; return 1; }
  local dyn_version dyn_transact=0
  dyn_version=$(node -p "require('$DDB_NPM/node_modules/dynalite/package.json').version")
  # dynalite answers UnknownOperationException for operations missing here.
  if grep -q "'TransactWriteItems'" "$DDB_NPM/node_modules/dynalite/index.js"; then dyn_transact=1; fi
  jq -r '.[].sku' "$DDB_ROOT/fixtures/watches.json" > "$DDB_WORK/skus.txt"

  local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)

  # The dynalites: name -> --path data directory ("" in memory).
  local dynalites=(dynalite-memory dynalite-path) d
  declare -A dyn_path=([dynalite-memory]="" [dynalite-path]="$DDB_WORK/dynalite-data")
  local dyn_rss=${BENCH_DYNALITE_RSS:-path} rss_dynalites=()
  case $dyn_rss in
    0) ;;
    1|path) rss_dynalites=(dynalite-path) ;;
    memory) rss_dynalites=(dynalite-memory) ;;
    "memory path"|"path memory"|both) rss_dynalites=(dynalite-memory dynalite-path) ;;
    *) bench_fail "BENCH_DYNALITE_RSS=$dyn_rss: expected 0, path, memory or \"memory path\""; return 1 ;;
  esac

  # ---- Process figures: start to ready, idle RSS -------------------------
  local i seeded
  declare -A ready=() idle=() wake=()  # server -> samples
  local low_seed=()
  for i in $(seq "$starts"); do
    ddb_start_lowcloud "lowcloud-start-$i" --in-memory --config "$manifest"
    ready[lowcloud]+="$DDB_READY_MS "
    sleep 1
    ddb_rss_kb "lowcloud-start-$i" "1 s after ready"; idle[lowcloud]+="$DDB_RSS "
    ddb_wakeups_per_s "lowcloud-start-$i"; wake[lowcloud]+="$DDB_WAKE "
    seeded=$(sed -n 's/.*seeded table project1 with \([0-9]*\) items .* in \([0-9]*\) ms$/\1 \2/p' "$DDB_WORK/lowcloud-start-$i.err")
    if [ "${seeded%% *}" != 4136 ]; then
      bench_fail "lowcloud did not log \"seeded table project1 with 4136 items\" ($manifest):"; bench_tail 40 "$DDB_WORK/lowcloud-start-$i.err"; return 1
    fi
    low_seed+=("${seeded##* }")
    ddb_stop "$DDB_PID"
    for d in "${dynalites[@]}"; do
      ddb_start_dynalite "$d-start-$i" "${dyn_path[$d]:+${dyn_path[$d]}-start-$i}"
      ready[$d]+="$DDB_READY_MS "
      sleep 1
      ddb_rss_kb "$d-start-$i" "1 s after ready"; idle[$d]+="$DDB_RSS "
      ddb_wakeups_per_s "$d-start-$i"; wake[$d]+="$DDB_WAKE "
      ddb_stop "$DDB_PID"
    done
  done
  declare -A m_ready=() m_idle=() m_wake=()
  bench_medians ready m_ready; bench_medians idle m_idle; bench_medians wake m_wake
  local m_low_seed; m_low_seed=$(printf '%s\n' "${low_seed[@]}" | bench_median)
  ddb_log "start to ready (ms): lowcloud ${ready[lowcloud]% }, dynalite in memory ${ready[dynalite-memory]% }, --path ${ready[dynalite-path]% };" \
          "idle RSS (kB): lowcloud ${idle[lowcloud]% }, dynalite in memory ${idle[dynalite-memory]% }, --path ${idle[dynalite-path]% }"

  # ---- Workloads -----------------------------------------------------------
  local servers=(lowcloud "${dynalites[@]}") s
  declare -gA DDB_PORT_OF=()
  : > "$DDB_WORK/empty.yaml"
  ddb_start_lowcloud lowcloud --data-dir "$DDB_WORK/lowcloud-data" --config "$DDB_WORK/empty.yaml" --log-level warn
  DDB_PORT_OF[lowcloud]=$DDB_PORT
  for d in "${dynalites[@]}"; do
    ddb_start_dynalite "$d" "${dyn_path[$d]}"
    DDB_PORT_OF[$d]=$DDB_PORT
  done
  for s in "${servers[@]}"; do
    ddb_setup_workload_tables "${DDB_PORT_OF[$s]}"
    if [ "$s" = lowcloud ]; then ddb_check_workloads "${DDB_PORT_OF[$s]}" 1; else ddb_check_workloads "${DDB_PORT_OF[$s]}" "$dyn_transact"; fi
  done
  ddb_log "lowcloud on port ${DDB_PORT_OF[lowcloud]}, dynalite $dyn_version in memory on port ${DDB_PORT_OF[dynalite-memory]}" \
          "and with --path on port ${DDB_PORT_OF[dynalite-path]}; tables seeded and checked"

  local workloads=(GetItem PutItem Query BatchWriteItem TransactWriteItems) w c key a b p e f n items
  declare -A rps=() p50=() p99=() bad=() sock=() unsupported=()
  for w in "${workloads[@]}"; do
    local active=()
    for s in "${servers[@]}"; do
      if [ "$s" != lowcloud ] && [ "$w" = TransactWriteItems ] && [ "$dyn_transact" = 0 ]; then
        unsupported[$w|$s]="unsupported: dynalite $dyn_version has no TransactWriteItems"; continue
      fi
      active+=("$s")
    done
    if [ "$warmup" != 0 ]; then
      for s in "${active[@]}"; do BENCH_WRK_EMPTY_OK=1 OP=$w ddb_run "$s" 32 "$warmup" warm-up; done
    fi
    for c in $conns_list; do
      for _ in $(seq "$rounds"); do
        for s in "${active[@]}"; do
          OP=$w ddb_run "$s" "$c" "$duration" measured; key="$w|$s|$c"
          read -r a b p e f n _ <<< "$BENCH_WRK"
          rps[$key]+="$a "; p50[$key]+="$b "; p99[$key]+="$p "
          bad[$key]=$(( ${bad[$key]:-0} + e )); sock[$key]=$(( ${sock[$key]:-0} + f ))
        done
      done
      ddb_log "$w, $c connections: done"
    done
    # lowcloud's write rates fall as its table grows (more B-tree pages
    # written per put; see BENCHMARKS.md, sessions 27 and 28); dynalite's in
    # memory do not. Logged so that a run's write ratios can be read.
    case $w in PutItem | BatchWriteItem | TransactWriteItems)
      items=$(ddb_call "${DDB_PORT_OF[lowcloud]}" DescribeTable '{"TableName":"bench"}' '.Table.ItemCount >= 0' | jq -r .Table.ItemCount) || return 1
      ddb_log "$w: lowcloud's table bench holds $items items" ;;
    esac
  done
  for s in "${servers[@]}"; do ddb_stop "${BENCH_SERVER_PID[$s]}"; done

  # ---- Process figures: RSS while serving `target` requests --------------
  declare -A rss_lines=()
  local rss_servers=(lowcloud "${rss_dynalites[@]}")
  ddb_start_lowcloud lowcloud-rss --data-dir "$DDB_WORK/lowcloud-rss-data" --config "$manifest" --log-level warn
  DDB_PORT_OF[lowcloud-rss]=$DDB_PORT
  ddb_call "$DDB_PORT" GetItem "{\"TableName\":\"project1\",\"Key\":{\"sku\":{\"S\":\"$(head -1 "$DDB_WORK/skus.txt")\"}}}" '.Item.sku.S != null' >/dev/null
  sleep 1
  ddb_log "lowcloud: serving $target requests (project1 seeded, persisting)"
  ddb_million lowcloud-rss "$target" "$chunk"
  rss_lines[lowcloud]=$DDB_SAMPLES
  ddb_stop "${BENCH_SERVER_PID[lowcloud-rss]}"
  ddb_log "lowcloud: $(tail -1 <<< "${rss_lines[lowcloud]}" | cut -d' ' -f1) requests served"
  for d in "${rss_dynalites[@]}"; do
    ddb_start_dynalite "$d-rss" "${dyn_path[$d]:+${dyn_path[$d]}-rss}"
    DDB_PORT_OF[$d-rss]=$DDB_PORT
    ddb_create_table "$DDB_PORT" project1 '[{"AttributeName":"sku","KeyType":"HASH"}]' '[{"AttributeName":"sku","AttributeType":"S"}]'
    ddb_watch_batches "$DDB_ROOT/fixtures/watches.json" | ddb_batch_load "$DDB_PORT"
    ddb_call "$DDB_PORT" GetItem "{\"TableName\":\"project1\",\"Key\":{\"sku\":{\"S\":\"$(tail -1 "$DDB_WORK/skus.txt")\"}}}" '.Item.sku.S != null' >/dev/null
    sleep 1
    ddb_log "$d: 4136 watches loaded, serving $target requests"
    ddb_million "$d-rss" "$target" "$chunk"
    rss_lines[$d]=$DDB_SAMPLES
    ddb_stop "${BENCH_SERVER_PID[$d-rss]}"
    ddb_log "$d: $(tail -1 <<< "${rss_lines[$d]}" | cut -d' ' -f1) requests served"
  done

  # ---- Query flatness: the same Query (10 of partition p0's 100 items) with
  # 1,000 items in the table and with `flat_items`, lowcloud persisting ------
  ddb_start_lowcloud lowcloud-flat --data-dir "$DDB_WORK/lowcloud-flat-data" --config "$DDB_WORK/empty.yaml" --log-level warn
  DDB_PORT_OF[lowcloud-flat]=$DDB_PORT
  ddb_setup_workload_tables "$DDB_PORT"
  jq -nc '[range(0; 900)] | range(0; 900; 25) as $i | {RequestItems: {bench_query: [range($i; $i + 25) | {PutRequest: {Item:
      {pk: {S: "small-\(. / 25 | floor)"}, sk: {N: tostring}, type: {S: "chrono"}, status: {S: "current"}, year: {N: "2004"}, movement: {S: "CALIBRE_17_AUTO"}}}}]}}' |
    ddb_batch_load "$DDB_PORT"
  declare -A flat_rps=() flat_n=()
  local size
  for size in small large; do
    if [ "$size" = large ]; then
      ddb_log "lowcloud: filling bench_query to $flat_items items"
      ddb_fill lowcloud-flat "$flat_items" "$chunk"
    else
      ddb_query_table_count "${DDB_PORT_OF[lowcloud-flat]}"
    fi
    flat_n[$size]=$DDB_COUNT
    for c in $conns_list; do
      local runs=""
      for _ in $(seq "$rounds"); do
        OP=Query ddb_run lowcloud-flat "$c" "$duration" "Query with ${flat_n[$size]} items in the table"
        read -r a b p e f n _ <<< "$BENCH_WRK"
        if [ "$e" -gt 0 ]; then bench_fail "lowcloud-flat: $e non-2xx answers to Query with ${flat_n[$size]} items"; return 1; fi
        runs+="$a"$'\n'
      done
      flat_rps[$size|$c]=$(printf '%s' "$runs" | bench_median)
    done
    ddb_log "Query with ${flat_n[$size]} items in the table: done"
  done
  ddb_stop "${BENCH_SERVER_PID[lowcloud-flat]}"

  # ---- Results -------------------------------------------------------------
  declare -A mrps=() m50=() m99=()
  bench_medians rps mrps; bench_medians p50 m50; bench_medians p99 m99
  for w in "${workloads[@]}"; do
    for c in $conns_list; do
      for s in "${servers[@]}"; do
        key="$w|$s|$c"
        if [ -n "${unsupported[$w|$s]:-}" ]; then mrps[$key]=n/a m50[$key]=n/a m99[$key]=n/a; continue; fi
        if [ -z "${mrps[$key]:-}" ]; then bench_fail "no figures for $s, $w, $c connections"; return 1; fi
      done
    done
  done
  local kl km kp
  echo "DynamoDB workloads, throughput (median of $rounds; requests/s; lowcloud persisting to its data directory):"
  printf "%-19s %5s %12s %16s %16s %12s %12s\n" workload conns lowcloud "dynalite memory" "dynalite --path" "vs memory" "vs --path"
  for w in "${workloads[@]}"; do
    for c in $conns_list; do
      kl="$w|lowcloud|$c" km="$w|dynalite-memory|$c" kp="$w|dynalite-path|$c"
      printf "%-19s %5s %12s %16s %16s %12s %12s\n" "$w" "$c" "$(ddb_fmt_rps "${mrps[$kl]}")" \
        "$(ddb_fmt_rps "${mrps[$km]}")" "$(ddb_fmt_rps "${mrps[$kp]}")" \
        "$( [ "${mrps[$km]}" = n/a ] && echo n/a || bench_ratio "${mrps[$kl]}" "${mrps[$km]}")" \
        "$( [ "${mrps[$kp]}" = n/a ] && echo n/a || bench_ratio "${mrps[$kl]}" "${mrps[$kp]}")"
    done
  done
  echo
  echo "Latency (median of $rounds; ms, p50 / p99):"
  printf "%-19s %5s %20s %20s %20s\n" workload conns lowcloud "dynalite memory" "dynalite --path"
  for w in "${workloads[@]}"; do
    for c in $conns_list; do
      kl="$w|lowcloud|$c" km="$w|dynalite-memory|$c" kp="$w|dynalite-path|$c"
      printf "%-19s %5s %20s %20s %20s\n" "$w" "$c" "$(ddb_fmt_lat "${m50[$kl]}" "${m99[$kl]}")" \
        "$(ddb_fmt_lat "${m50[$km]}" "${m99[$km]}")" "$(ddb_fmt_lat "${m50[$kp]}" "${m99[$kp]}")"
    done
  done
  if [ "$dyn_transact" = 0 ]; then echo "(n/a: unsupported, dynalite $dyn_version has no TransactWriteItems)"; fi

  local failed=0
  for key in "${!bad[@]}"; do
    if [ "${bad[$key]}" -gt 0 ] || [ "${sock[$key]}" -gt 0 ]; then
      echo "errors: ${key//|/, } connections: ${bad[$key]} non-2xx responses, ${sock[$key]} socket errors/timeouts"
    fi
    if [ "${bad[$key]}" -gt 0 ]; then
      failed=1
      bench_fail "${key//|/, } connections: ${bad[$key]} non-2xx responses in the measured runs"
    fi
  done

  echo
  echo "Whole process (lowcloud: $(basename "$manifest"), table project1 seeded with 4136 watches):"
  printf "  start to ready (exec to \"listening on\", --in-memory), median of %s: lowcloud %s ms (seeding %s ms);" \
    "$starts" "$(bench_fmt_ms "${m_ready[lowcloud]}")" "$m_low_seed"
  printf " dynalite (empty) %s ms in memory, %s ms with --path\n" "$(bench_fmt_ms "${m_ready[dynalite-memory]}")" "$(bench_fmt_ms "${m_ready[dynalite-path]}")"
  printf "  idle RSS 1 s after ready: lowcloud %s MB; dynalite (empty) %s MB in memory, %s MB with --path\n" \
    "$(ddb_fmt_mb "${m_idle[lowcloud]}")" "$(ddb_fmt_mb "${m_idle[dynalite-memory]}")" "$(ddb_fmt_mb "${m_idle[dynalite-path]}")"
  printf "  idle wake-ups (context switches/s): lowcloud %s; dynalite %s in memory, %s with --path\n" \
    "${m_wake[lowcloud]}" "${m_wake[dynalite-memory]}" "${m_wake[dynalite-path]}"
  printf "  RSS while serving %s requests (32 connections, 90%% GetItem / 10%% PutItem on project1, lowcloud persisting, %s chunks):\n" "$target" "$chunk"
  printf "    %-16s %9s %24s %24s %10s %16s\n" server "start MB" "after $(( target / 2 ))+ MB (n)" "after $target+ MB (n)" "growth MB" "2nd half MB"
  declare -A rss_start=() rss_half=() rss_end=() n_half=() n_end=()
  for s in "${rss_servers[@]}"; do
    rss_start[$s]=$(head -1 <<< "${rss_lines[$s]}" | cut -d' ' -f2)
    read -r n_half[$s] rss_half[$s] <<< "$(awk -v t=$(( target / 2 )) '$1 >= t { print; exit }' <<< "${rss_lines[$s]}")"
    read -r n_end[$s] rss_end[$s] <<< "$(tail -1 <<< "${rss_lines[$s]}")"
    printf "    %-16s %9s %24s %24s %10s %16s\n" "$s" "$(ddb_fmt_mb "${rss_start[$s]}")" \
      "$(ddb_fmt_mb "${rss_half[$s]}") (${n_half[$s]})" "$(ddb_fmt_mb "${rss_end[$s]}") (${n_end[$s]})" \
      "$(ddb_fmt_mb $(( rss_end[$s] - rss_start[$s] )))" "$(ddb_fmt_mb $(( rss_end[$s] - rss_half[$s] )))"
    echo "      samples (requests:MB): $(awk '{ printf "%s:%.1f ", $1, $2 / 1024 }' <<< "${rss_lines[$s]}")"
  done
  printf "  Query (10 items of a 100-item partition) as the table grows, lowcloud persisting (median of %s, requests/s):\n" "$rounds"
  for c in $conns_list; do
    printf "    %2s connections: %s with %s items, %s with %s items (%s)\n" "$c" "$(ddb_fmt_rps "${flat_rps[small|$c]}")" "${flat_n[small]}" \
      "$(ddb_fmt_rps "${flat_rps[large|$c]}")" "${flat_n[large]}" "$(bench_ratio "${flat_rps[large|$c]}" "${flat_rps[small|$c]}")"
  done
  # lowcloud's own complaints: anything but INFO lines on its stderr.
  local complaints; complaints=$(cat "$DDB_WORK"/lowcloud*.err | grep -v '^[0-9TZ:.-]* INFO ' || true)
  if [ -n "$complaints" ]; then
    echo "  lowcloud logged $(wc -l <<< "$complaints") warning/error lines, first ones:"
    head -5 <<< "$complaints" | sed 's/^/    /'
  fi
  echo
  echo "(wrk keep-alive, $duration x $rounds rounds after a $warmup warm-up, lowcloud --log-level warn, $(nproc) cores," \
       "load average $load_before before / $(cut -d' ' -f1 /proc/loadavg) after, $(date -u +%F);" \
       "$("$DDB_BIN" --version 2>/dev/null | head -1), dynalite $dyn_version, node $(node --version))"

  if [ -n "${BENCH_RESULTS:-}" ]; then
    for w in "${workloads[@]}"; do
      for c in $conns_list; do
        for s in "${servers[@]}"; do
          key="$w|$s|$c"
          if [ -n "${unsupported[$w|$s]:-}" ]; then
            printf 'dynamodb\t%s\t%s\t%s\tn/a\tn/a\tn/a\t%s\n' "$w" "$c" "$s" "${unsupported[$w|$s]}"
          else
            printf 'dynamodb\t%s\t%s\t%s\t%.0f\t%.3f\t%.3f\n' "$w" "$c" "$s" "${mrps[$key]}" "${m50[$key]}" "${m99[$key]}"
          fi
        done
      done
    done >> "$BENCH_RESULTS"
  fi
  if [ -n "${BENCH_PROCESS_RESULTS:-}" ]; then
    {
      printf 'dynamodb\tstart_to_ready_seeded\tlowcloud\t%.1f\tms\n' "${m_ready[lowcloud]}"
      printf 'dynamodb\tseed_4136_watches\tlowcloud\t%s\tms\n' "$m_low_seed"
      for d in "${dynalites[@]}"; do printf 'dynamodb\tstart_to_ready_empty\t%s\t%.1f\tms\n' "$d" "${m_ready[$d]}"; done
      printf 'dynamodb\tidle_rss_seeded\tlowcloud\t%s\tMB\n' "$(ddb_fmt_mb "${m_idle[lowcloud]}")"
      for d in "${dynalites[@]}"; do printf 'dynamodb\tidle_rss_empty\t%s\t%s\tMB\n' "$d" "$(ddb_fmt_mb "${m_idle[$d]}")"; done
      for s in "${servers[@]}"; do printf 'dynamodb\tidle_wakeups\t%s\t%s\t/s\n' "$s" "${m_wake[$s]}"; done
      for c in $conns_list; do
        printf 'dynamodb\tquery_%s_conns_%s_items\tlowcloud\t%.0f\treq/s\n' "$c" "${flat_n[small]}" "${flat_rps[small|$c]}"
        printf 'dynamodb\tquery_%s_conns_%s_items\tlowcloud\t%.0f\treq/s\n' "$c" "${flat_n[large]}" "${flat_rps[large|$c]}"
        printf 'dynamodb\tquery_%s_conns_flatness\tlowcloud\t%.2f\tx (large/small)\n' "$c" "$(echo "${flat_rps[large|$c]} / ${flat_rps[small|$c]}" | bc -l)"
      done
      for s in "${rss_servers[@]}"; do
        printf 'dynamodb\trss_start\t%s\t%s\tMB\n' "$s" "$(ddb_fmt_mb "${rss_start[$s]}")"
        printf 'dynamodb\trss_after_%s\t%s\t%s\tMB\n' $(( target / 2 )) "$s" "$(ddb_fmt_mb "${rss_half[$s]}")"
        printf 'dynamodb\trss_after_%s\t%s\t%s\tMB\n' "$target" "$s" "$(ddb_fmt_mb "${rss_end[$s]}")"
        printf 'dynamodb\trss_growth\t%s\t%s\tMB\n' "$s" "$(ddb_fmt_mb $(( rss_end[$s] - rss_start[$s] )))"
      done
    } >> "$BENCH_PROCESS_RESULTS"
  fi

  if [ "$failed" = 1 ]; then return 1; fi
  return 0
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  ddb_main "$@"
fi
