#!/usr/bin/env bash
# DynamoDB: lowcloud (persisting to a data directory, as users run it) vs
# dynalite@4 (npm, persisting with --path, --createTableMs 0), both on
# loopback, driven by wrk with keep-alive at 1 and 32 connections.
#   workloads  GetItem (1000 seeded items), PutItem, Query (a 10-item page of
#              one 100-item partition: sk BETWEEN n AND n+9), BatchWriteItem
#              (25 new items per request), TransactWriteItems (2 Puts per
#              request; n/a for dynalite when it lacks the operation)
#              -- tools/bench/dynamodb_request.lua builds the bodies. Each
#              server gets a warm-up run per workload, then the servers
#              alternate round by round so machine drift cancels; prints
#              medians (throughput, p50/p99 latency) and lowcloud/dynalite.
#   process    lowcloud with the seeded manifest (table project1, 4136
#              watches): start to ready (exec to the "listening on" line,
#              --in-memory, median of 5 starts), idle RSS 1 s after ready,
#              and RSS while serving 1,000,000 requests (wrk at 32
#              connections, 90% GetItem of the watches / 10% PutItem of 1000
#              overwritten keys, in chunks; persisting to a data directory).
#              dynalite for context: start to ready and idle RSS (empty), and
#              the same 1M-request run after loading the 4136 watches.
#
# Usage: tools/bench/dynamodb.sh [--smoke]
#   --smoke  1 s runs, 1 round, 1 start, 20,000 requests instead of 1,000,000
# Environment:
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_WARMUP (2s; 0 for none),
#   BENCH_CONNECTIONS ("1 32"), BENCH_STARTS (5), BENCH_REQUESTS (1000000),
#   BENCH_CHUNK (5s: wrk run length while counting requests)
#   LOWCLOUD_BIN        this binary, nothing is built (default: builds
#                       build-release/lowcloud, Release)
#   BENCH_MANIFEST      the seeded manifest for the process figures (default
#                       the repository's lowcloud.yaml; its handler libraries
#                       must exist, e.g. build/handlers/watches/*.so)
#   BENCH_NPM_DIR       an npm prefix already holding dynalite@4 (skips the
#                       npm install)
#   BENCH_DYNALITE_RSS  0: skip dynalite's 1M-request run (the slowest part)
#   BENCH_RESULTS       append one TSV line per measurement:
#                       suite workload conns server rps p50_ms p99_ms
#                       (dynalite TransactWriteItems: n/a n/a n/a when unsupported)
#   BENCH_PROCESS_RESULTS  append one TSV line per process figure:
#                       suite metric server value unit, metrics
#                       start_to_ready_seeded, seed_4136_watches (lowcloud's
#                       own log), start_to_ready_empty (dynalite),
#                       idle_rss_seeded, idle_rss_empty, idle_wakeups, rss_start,
#                       rss_after_500000, rss_after_1000000 (the first sample
#                       at or past that count), rss_growth
#
# Relative paths are taken from the repository root.
# Exit codes: 0 measured; 1 a server did not start, a check failed, or a run
# answered non-2xx.
# Sourcing the file only defines functions; call ddb_main in a subshell (it
# sets an EXIT trap, `set -euo pipefail` and LC_ALL=C): ( ddb_main --smoke ).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ddb_log() { echo "dynamodb bench [${SECONDS}s]: $*" >&2; }
ddb_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# Wake-ups per second of an idle process: its threads' context switches
# (voluntary and not) over 2 s, as a laptop's battery sees them.
ddb_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'; }
ddb_wakeups_per_s() {  # pid
  local a b; a=$(ddb_switches "$1"); sleep 2; b=$(ddb_switches "$1")
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 2 }'
}
ddb_ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
ddb_fmt_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ddb_fmt_rps() { if [ "$1" = n/a ]; then echo n/a; else printf '%.0f' "$1"; fi; }
ddb_fmt_lat() { if [ "$1" = n/a ]; then echo n/a; else echo "$(bench_fmt_ms "$1") / $(bench_fmt_ms "$2")"; fi; }

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
  if [ -n "$drain" ]; then wait "$drain" 2>/dev/null || true; fi
  for p in "${DDB_PIDS[@]}"; do if [ "$p" != "$pid" ] && [ "$p" != "$drain" ]; then rest+=("$p"); fi; done
  DDB_PIDS=("${rest[@]}")
}

# Starts a server with its stdout on a FIFO and reads it until a line
# containing `ready`; sets DDB_PID, DDB_READY_MS (from just before the fork to
# that line) and DDB_LINE. stdout keeps draining to name.out, stderr goes to
# name.err. Fails (showing the log) on exit or after timeout_s.
ddb_start() {  # name ready timeout_s command...
  local name=$1 ready=$2 timeout=$3; shift 3
  local fifo=$DDB_WORK/$name.fifo t0 fd line found=0
  rm -f "$fifo"; mkfifo "$fifo"
  t0=$EPOCHREALTIME
  "$@" > "$fifo" 2> "$DDB_WORK/$name.err" &
  DDB_PID=$!
  DDB_PIDS+=("$DDB_PID")
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
    ddb_log "$name did not print \"$ready\" within $timeout s: $*"
    tail -40 "$DDB_WORK/$name.out" "$DDB_WORK/$name.err" >&2 2>/dev/null || true
    return 1
  fi
}

ddb_start_lowcloud() {  # name args... -> DDB_PID, DDB_READY_MS, DDB_PORT
  local name=$1; shift
  ddb_start "$name" "listening on http://" 60 "$DDB_BIN" serve --port 0 "$@"
  DDB_PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' <<< "$DDB_LINE")
  if [ -z "$DDB_PORT" ]; then ddb_log "$name: unexpected line: $DDB_LINE"; return 1; fi
}

ddb_start_dynalite() {  # name data_dir -> DDB_PID, DDB_READY_MS, DDB_PORT
  DDB_PORT=$(bench_free_port)
  ddb_start "$1" "Dynalite listening at" 60 node "$DDB_NPM/node_modules/dynalite/cli.js" \
    --host 127.0.0.1 --port "$DDB_PORT" --path "$2" --createTableMs 0
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
    ddb_log "port $1 $2 -> HTTP $code: $(head -c 600 "$out" 2>/dev/null)"
    ddb_log "  request: ${3:0:300}"
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
  ddb_log "port $1: table $2 not ACTIVE"; return 1
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
    conn.request("POST", "/", body=line.encode(), headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200 or json.loads(body).get("UnprocessedItems"):
        sys.exit("BatchWriteItem on port %s -> HTTP %d: %s" % (sys.argv[1], response.status, body[:600].decode(errors="replace")))
' "$1"
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

# One wrk run; prints "rps p50_ms p99_ms non2xx socket_errors requests".
# Extra environment for the .lua script comes first: OP=GetItem ddb_wrk ...
ddb_wrk() {  # port connections duration
  local threads=$(( $2 < 2 ? $2 : 2 ))
  RUN=${EPOCHREALTIME/./} KEYS=$DDB_KEYS wrk -t "$threads" -c "$2" -d "$3" --timeout 10s --latency \
    -s "$DDB_ROOT/tools/bench/dynamodb_request.lua" "http://127.0.0.1:$1/" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v + 0 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    / requests in / { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { sock = $4 + $6 + $8 + $10 }
    END { printf "%.2f %.4f %.4f %d %d %d\n", rps, p50, p99, bad, sock, n }'
}

# Drives OP=Mixed at 32 connections in chunks until `target` requests were
# served; samples VmRSS before and after each chunk. Prints one line per
# sample: "requests rss_kb"; fails on non-2xx answers or a stalled server.
ddb_million() {  # port pid target chunk
  local port=$1 pid=$2 target=$3 chunk=$4 total=0 out rps p50 p99 bad sock n
  echo "0 $(ddb_rss_kb "$pid")"
  while [ "$total" -lt "$target" ]; do
    out=$(OP=Mixed TABLE=project1 SKUS_FILE="$DDB_WORK/skus.txt" PUT_EVERY=10 ddb_wrk "$port" 32 "$chunk")
    read -r rps p50 p99 bad sock n <<< "$out"
    if [ "$bad" -gt 0 ] || [ "$n" -eq 0 ]; then ddb_log "port $port: $n requests, $bad non-2xx, $sock socket errors in a chunk"; return 1; fi
    total=$(( total + n ))
    echo "$total $(ddb_rss_kb "$pid")"
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
  set -euo pipefail
  export LC_ALL=C
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3} warmup=${BENCH_WARMUP:-2s}
  local conns_list=${BENCH_CONNECTIONS:-1 32} starts=${BENCH_STARTS:-5} target=${BENCH_REQUESTS:-1000000}
  local chunk=${BENCH_CHUNK:-5s} arg
  for arg in "$@"; do
    case $arg in
      --smoke) duration=1s; rounds=1; warmup=1s; starts=1; target=20000; chunk=1s ;;
      -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) ddb_log "unknown argument $arg"; return 1 ;;
    esac
  done
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  DDB_ROOT=$PWD
  SECONDS=0

  bench_need_tools ddb_log node npm jq curl python3

  if [ -n "${LOWCLOUD_BIN:-}" ]; then
    DDB_BIN=$LOWCLOUD_BIN
  else
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud >/dev/null
    DDB_BIN=$PWD/build-release/lowcloud
  fi
  [ -x "$DDB_BIN" ] || { ddb_log "no lowcloud binary at $DDB_BIN"; return 1; }
  DDB_BIN=$(cd "$(dirname "$DDB_BIN")" && pwd)/$(basename "$DDB_BIN")
  local manifest=${BENCH_MANIFEST:-$PWD/lowcloud.yaml}
  [ -f "$manifest" ] || { ddb_log "no manifest at $manifest"; return 1; }
  manifest=$(cd "$(dirname "$manifest")" && pwd)/$(basename "$manifest")

  DDB_PIDS=()
  declare -gA DDB_DRAIN=()
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
      ddb_log "npm install failed:"; tail -20 "$DDB_WORK/npm.log" >&2; return 1
    fi
    ddb_log "npm install dynalite@4 took $(ddb_ms_since "$t0" | awk '{printf "%.0f", $1 / 1000}') s"
  fi
  [ -f "$DDB_NPM/node_modules/dynalite/cli.js" ] || { ddb_log "no dynalite under $DDB_NPM/node_modules"; return 1; }
  local dyn_version dyn_transact=0
  dyn_version=$(node -p "require('$DDB_NPM/node_modules/dynalite/package.json').version")
  # dynalite answers UnknownOperationException for operations missing here.
  if grep -q "'TransactWriteItems'" "$DDB_NPM/node_modules/dynalite/index.js"; then dyn_transact=1; fi
  jq -r '.[].sku' "$DDB_ROOT/fixtures/watches.json" > "$DDB_WORK/skus.txt"

  local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)

  # ---- Process figures: start to ready, idle RSS -------------------------
  local i low_ready=() low_idle=() low_seed=() dyn_ready=() dyn_idle=() low_wake=() dyn_wake=() seeded
  for i in $(seq "$starts"); do
    ddb_start_lowcloud "lowcloud-start-$i" --in-memory --config "$manifest"
    low_ready+=("$DDB_READY_MS")
    sleep 1
    low_idle+=("$(ddb_rss_kb "$DDB_PID")")
    low_wake+=("$(ddb_wakeups_per_s "$DDB_PID")")
    seeded=$(sed -n 's/.*seeded table project1 with \([0-9]*\) items .* in \([0-9]*\) ms$/\1 \2/p' "$DDB_WORK/lowcloud-start-$i.err")
    if [ "${seeded%% *}" != 4136 ]; then
      ddb_log "lowcloud did not log \"seeded table project1 with 4136 items\" ($manifest):"; cat "$DDB_WORK/lowcloud-start-$i.err" >&2; return 1
    fi
    low_seed+=("${seeded##* }")
    ddb_stop "$DDB_PID"
    ddb_start_dynalite "dynalite-start-$i" "$DDB_WORK/dynalite-start-$i"
    dyn_ready+=("$DDB_READY_MS")
    sleep 1
    dyn_idle+=("$(ddb_rss_kb "$DDB_PID")")
    dyn_wake+=("$(ddb_wakeups_per_s "$DDB_PID")")
    ddb_stop "$DDB_PID"
  done
  local m_low_ready m_low_idle m_low_seed m_dyn_ready m_dyn_idle
  m_low_ready=$(printf '%s\n' "${low_ready[@]}" | bench_median)
  m_low_idle=$(printf '%s\n' "${low_idle[@]}" | bench_median)
  m_low_seed=$(printf '%s\n' "${low_seed[@]}" | bench_median)
  m_dyn_ready=$(printf '%s\n' "${dyn_ready[@]}" | bench_median)
  m_dyn_idle=$(printf '%s\n' "${dyn_idle[@]}" | bench_median)
  local m_low_wake m_dyn_wake
  m_low_wake=$(printf '%s\n' "${low_wake[@]}" | bench_median)
  m_dyn_wake=$(printf '%s\n' "${dyn_wake[@]}" | bench_median)
  ddb_log "start to ready: lowcloud ${low_ready[*]} ms, dynalite ${dyn_ready[*]} ms; idle RSS: lowcloud ${low_idle[*]} kB, dynalite ${dyn_idle[*]} kB"

  # ---- Workloads -----------------------------------------------------------
  local low_port dyn_port low_pid dyn_pid
  : > "$DDB_WORK/empty.yaml"
  ddb_start_lowcloud lowcloud --data-dir "$DDB_WORK/lowcloud-data" --config "$DDB_WORK/empty.yaml" --log-level warn
  low_port=$DDB_PORT low_pid=$DDB_PID
  ddb_start_dynalite dynalite "$DDB_WORK/dynalite-data"
  dyn_port=$DDB_PORT dyn_pid=$DDB_PID
  ddb_setup_workload_tables "$low_port"
  ddb_setup_workload_tables "$dyn_port"
  ddb_check_workloads "$low_port" 1
  ddb_check_workloads "$dyn_port" "$dyn_transact"
  ddb_log "lowcloud on port $low_port, dynalite $dyn_version on port $dyn_port; tables seeded and checked"

  local workloads=(GetItem PutItem Query BatchWriteItem TransactWriteItems) w s c key out a b d e f n
  local servers=(lowcloud dynalite)
  declare -A port=([lowcloud]=$low_port [dynalite]=$dyn_port)
  declare -A rps=() p50=() p99=() bad=() sock=()
  for w in "${workloads[@]}"; do
    local active=()
    for s in "${servers[@]}"; do
      if [ "$s" = dynalite ] && [ "$w" = TransactWriteItems ] && [ "$dyn_transact" = 0 ]; then continue; fi
      active+=("$s")
    done
    if [ "$warmup" != 0 ]; then
      for s in "${active[@]}"; do OP=$w ddb_wrk "${port[$s]}" 32 "$warmup" >/dev/null; done
    fi
    for c in $conns_list; do
      for _ in $(seq "$rounds"); do
        for s in "${active[@]}"; do
          out=$(OP=$w ddb_wrk "${port[$s]}" "$c" "$duration"); key="$w|$s|$c"
          read -r a b d e f n <<< "$out"
          rps[$key]+="$a "; p50[$key]+="$b "; p99[$key]+="$d "
          bad[$key]=$(( ${bad[$key]:-0} + e )); sock[$key]=$(( ${sock[$key]:-0} + f ))
        done
      done
      ddb_log "$w, $c connections: done"
    done
  done
  ddb_stop "$low_pid"
  ddb_stop "$dyn_pid"

  # ---- Process figures: RSS while serving `target` requests --------------
  declare -A rss_lines=()
  ddb_start_lowcloud lowcloud-rss --data-dir "$DDB_WORK/lowcloud-rss-data" --config "$manifest" --log-level warn
  low_port=$DDB_PORT low_pid=$DDB_PID
  ddb_call "$low_port" GetItem "{\"TableName\":\"project1\",\"Key\":{\"sku\":{\"S\":\"$(head -1 "$DDB_WORK/skus.txt")\"}}}" '.Item.sku.S != null' >/dev/null
  sleep 1
  ddb_log "lowcloud: serving $target requests (project1 seeded, persisting)"
  rss_lines[lowcloud]=$(ddb_million "$low_port" "$low_pid" "$target" "$chunk")
  ddb_stop "$low_pid"
  ddb_log "lowcloud: $(tail -1 <<< "${rss_lines[lowcloud]}" | cut -d' ' -f1) requests served"
  local rss_servers=(lowcloud)
  if [ "${BENCH_DYNALITE_RSS:-1}" != 0 ]; then
    ddb_start_dynalite dynalite-rss "$DDB_WORK/dynalite-rss-data"
    dyn_port=$DDB_PORT dyn_pid=$DDB_PID
    ddb_create_table "$dyn_port" project1 '[{"AttributeName":"sku","KeyType":"HASH"}]' '[{"AttributeName":"sku","AttributeType":"S"}]'
    ddb_watch_batches "$DDB_ROOT/fixtures/watches.json" | ddb_batch_load "$dyn_port"
    ddb_call "$dyn_port" GetItem "{\"TableName\":\"project1\",\"Key\":{\"sku\":{\"S\":\"$(tail -1 "$DDB_WORK/skus.txt")\"}}}" '.Item.sku.S != null' >/dev/null
    sleep 1
    ddb_log "dynalite: 4136 watches loaded, serving $target requests"
    rss_lines[dynalite]=$(ddb_million "$dyn_port" "$dyn_pid" "$target" "$chunk")
    ddb_stop "$dyn_pid"
    ddb_log "dynalite: $(tail -1 <<< "${rss_lines[dynalite]}" | cut -d' ' -f1) requests served"
    rss_servers+=(dynalite)
  fi

  # ---- Results -------------------------------------------------------------
  declare -A mrps=() m50=() m99=()
  for w in "${workloads[@]}"; do
    for c in $conns_list; do
      for s in "${servers[@]}"; do
        key="$w|$s|$c"
        if [ -z "${rps[$key]:-}" ]; then mrps[$key]=n/a m50[$key]=n/a m99[$key]=n/a; continue; fi
        mrps[$key]=$(tr ' ' '\n' <<< "${rps[$key]}" | grep . | bench_median)
        m50[$key]=$(tr ' ' '\n' <<< "${p50[$key]}" | grep . | bench_median)
        m99[$key]=$(tr ' ' '\n' <<< "${p99[$key]}" | grep . | bench_median)
      done
    done
  done
  echo "DynamoDB workloads (median of $rounds; requests/s, latency ms p50 / p99):"
  printf "%-19s %5s %12s %12s %8s %20s %20s\n" workload conns "lowcloud rps" "dynalite rps" ratio "lowcloud p50/p99" "dynalite p50/p99"
  for w in "${workloads[@]}"; do
    for c in $conns_list; do
      local kl="$w|lowcloud|$c" kd="$w|dynalite|$c"
      printf "%-19s %5s %12s %12s %8s %20s %20s\n" "$w" "$c" "$(ddb_fmt_rps "${mrps[$kl]}")" "$(ddb_fmt_rps "${mrps[$kd]}")" \
        "$( [ "${mrps[$kd]}" = n/a ] && echo n/a || bench_ratio "${mrps[$kl]}" "${mrps[$kd]}")" \
        "$(ddb_fmt_lat "${m50[$kl]}" "${m99[$kl]}")" "$(ddb_fmt_lat "${m50[$kd]}" "${m99[$kd]}")"
    done
  done
  if [ "$dyn_transact" = 0 ]; then echo "(dynalite $dyn_version has no TransactWriteItems: n/a)"; fi

  local failed=0
  for key in "${!bad[@]}"; do
    if [ "${bad[$key]}" -gt 0 ] || [ "${sock[$key]}" -gt 0 ]; then
      echo "errors: ${key//|/, } connections: ${bad[$key]} non-2xx responses, ${sock[$key]} socket errors/timeouts"
    fi
    if [ "${bad[$key]}" -gt 0 ]; then failed=1; fi
  done

  echo
  echo "Whole process (lowcloud: $(basename "$manifest"), table project1 seeded with 4136 watches):"
  printf "  start to ready (exec to \"listening on\", --in-memory), median of %s: lowcloud %s ms (seeding %s ms); dynalite %s ms (empty)\n" \
    "$starts" "$(bench_fmt_ms "$m_low_ready")" "$m_low_seed" "$(bench_fmt_ms "$m_dyn_ready")"
  printf "  idle RSS 1 s after ready: lowcloud %s MB; dynalite %s MB (empty)\n" "$(ddb_fmt_mb "$m_low_idle")" "$(ddb_fmt_mb "$m_dyn_idle")"
  printf "  idle wake-ups (context switches/s): lowcloud %s; dynalite %s\n" "$m_low_wake" "$m_dyn_wake"
  printf "  RSS while serving %s requests (32 connections, 90%% GetItem / 10%% PutItem on project1, persisting, %s chunks):\n" "$target" "$chunk"
  printf "    %-9s %9s %24s %24s %10s %16s\n" server "start MB" "after $(( target / 2 ))+ MB (n)" "after $target+ MB (n)" "growth MB" "2nd half MB"
  declare -A rss_start=() rss_half=() rss_end=() n_half=() n_end=()
  for s in "${rss_servers[@]}"; do
    rss_start[$s]=$(head -1 <<< "${rss_lines[$s]}" | cut -d' ' -f2)
    read -r n_half[$s] rss_half[$s] <<< "$(awk -v t=$(( target / 2 )) '$1 >= t { print; exit }' <<< "${rss_lines[$s]}")"
    read -r n_end[$s] rss_end[$s] <<< "$(tail -1 <<< "${rss_lines[$s]}")"
    printf "    %-9s %9s %24s %24s %10s %16s\n" "$s" "$(ddb_fmt_mb "${rss_start[$s]}")" \
      "$(ddb_fmt_mb "${rss_half[$s]}") (${n_half[$s]})" "$(ddb_fmt_mb "${rss_end[$s]}") (${n_end[$s]})" \
      "$(ddb_fmt_mb $(( rss_end[$s] - rss_start[$s] )))" "$(ddb_fmt_mb $(( rss_end[$s] - rss_half[$s] )))"
    echo "      samples (requests:MB): $(awk '{ printf "%s:%.1f ", $1, $2 / 1024 }' <<< "${rss_lines[$s]}")"
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
          if [ "${mrps[$key]}" = n/a ]; then
            printf 'dynamodb\t%s\t%s\t%s\tn/a\tn/a\tn/a\n' "$w" "$c" "$s"
          else
            printf 'dynamodb\t%s\t%s\t%s\t%.0f\t%.3f\t%.3f\n' "$w" "$c" "$s" "${mrps[$key]}" "${m50[$key]}" "${m99[$key]}"
          fi
        done
      done
    done >> "$BENCH_RESULTS"
  fi
  if [ -n "${BENCH_PROCESS_RESULTS:-}" ]; then
    {
      printf 'dynamodb\tstart_to_ready_seeded\tlowcloud\t%.1f\tms\n' "$m_low_ready"
      printf 'dynamodb\tseed_4136_watches\tlowcloud\t%s\tms\n' "$m_low_seed"
      printf 'dynamodb\tstart_to_ready_empty\tdynalite\t%.1f\tms\n' "$m_dyn_ready"
      printf 'dynamodb\tidle_rss_seeded\tlowcloud\t%s\tMB\n' "$(ddb_fmt_mb "$m_low_idle")"
      printf 'dynamodb\tidle_rss_empty\tdynalite\t%s\tMB\n' "$(ddb_fmt_mb "$m_dyn_idle")"
      printf 'dynamodb\tidle_wakeups\tlowcloud\t%s\t/s\n' "$m_low_wake"
      printf 'dynamodb\tidle_wakeups\tdynalite\t%s\t/s\n' "$m_dyn_wake"
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
