#!/usr/bin/env bash
# The flagship scenario end to end: GET /info/v2/watch/{sku} through API
# Gateway -> Lambda -> DynamoDB, lowcloud vs the stack a user would otherwise
# assemble.
#   lowcloud      the repository's lowcloud.yaml (table project1 seeded with
#                 the 4136 watches of fixtures/watches.json, handler
#                 watches-get of build/handlers/watches/libwatches.so), run
#                 twice: watches-get in `isolation: process` (the default) and
#                 in `isolation: in-process`, both with reserved_concurrency
#                 raised to the largest connection count (lowcloud's default
#                 cap of 10 throttles the 11th concurrent request: API
#                 Gateway answers 502); a data dir of its own (DynamoDB persisted, as users run it), --log-level warn.
#   peer          serverless-offline@13 on serverless@3 (npm): a REST `http`
#                 event GET info/v2/watch/{sku} (so the URL path is the same;
#                 --noPrependStageInUrl) to a nodejs20.x handler doing GetItem
#                 with @aws-sdk/client-dynamodb (one client per worker, made
#                 outside the handler) against dynalite@4 IN MEMORY (no
#                 --path; dynamodb.sh compares lowcloud with dynalite both in
#                 memory and with --path), --createTableMs 0, seeded with
#                 the same 4136 items by BatchWriteItem. The handler answers
#                 as handlers/watches/watches.cpp: 200 with the watch as JSON
#                 (year an integer, Cache-Control: public, max-age=300) or
#                 404 {"message":"Watch not found"}. Function timeout 29 s
#                 (see watches_write_peer: a timed-out worker is never
#                 replaced).
# Before measuring, every server must answer a sample of SKUs (and a missing
# one) exactly as the fixture says. wrk (keep-alive) GETs 200 real SKUs in
# turn (a generated .lua script that counts non-200 answers) at 1 and 32
# connections; each server gets a warm-up per connection count (ramping up
# the connections, then until throughput settles: serverless-offline starts
# one worker thread per concurrent request, see watches_warmup), then the
# servers alternate round by round so machine drift cancels. Prints medians:
# requests/s, p50/p99 latency and the lowcloud/peer throughput ratios.
# A server that answers the check wrongly, or stops answering during a run
# (wrk fails, completes no request, or the server exits), is reported on
# stderr ("!! watches: ..." lines: which server, which run, what wrk said, the
# server's state and the end of its log) and not measured further; the suite
# then fails.
#
# Usage: tools/bench/watches.sh [--smoke] [--check]
#   --smoke  1 s runs, 1 round, 1 s warm-ups: checks that everything starts
#            and answers
#   --check  exit 3 when a lowcloud variant is below BENCH_TARGET x the peer
#            at some connection count
# Environment:
#   BENCH_DURATION (5s), BENCH_ROUNDS (3), BENCH_WARMUP (3s),
#   BENCH_CONNECTIONS ("1 32"), BENCH_TARGET (20), BENCH_SKUS (200)
#   LOWCLOUD_BIN    this binary, nothing is built; the handler libraries are
#                   taken from handlers/watches/ next to it (default: builds
#                   build-release/lowcloud and the watches handlers, Release)
#   BENCH_NPM_DIR   an npm prefix already holding dynalite@4 serverless@3
#                   serverless-offline@13 @aws-sdk/client-dynamodb (skips the
#                   npm install)
#   BENCH_RESULTS   append one TSV line per measurement:
#                   suite workload conns server rps p50_ms p99_ms
#                   (suite e2e, workload "GET /info/v2/watch/{sku}", server
#                   lowcloud-process | lowcloud-in-process |
#                   serverless-offline+dynalite), then an 8th column, a
#                   note; a server that could not be measured at some
#                   connection count gets "failed failed failed" and the
#                   reason as the note
#
# Exit codes: 0 measured; 1 a server did not start, answered wrongly, stopped
# answering or answered non-200 during a measured run (the reasons are on
# stderr); 3 --check and the target was missed.
# Sourcing the file only defines functions; call watches_main in a subshell
# (it sets an EXIT trap, strict mode (bench_strict) and LC_ALL=C):
# ( watches_main --smoke ).

WATCHES_WORKLOAD="GET /info/v2/watch/{sku}"
WATCHES_PEER=serverless-offline+dynalite

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

watches_log() { echo "watches bench [${SECONDS}s]: $*" >&2; }

# Stops every process this script started (SIGTERM: lowcloud then stops its
# execution environments; SIGKILL after 5 s) and removes the work directory.
watches_cleanup() {
  local p
  for p in "${WATCHES_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${WATCHES_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  WATCHES_PIDS=()
  if [ -n "${WATCHES_WORK:-}" ]; then rm -rf "$WATCHES_WORK"; fi
  return 0
}

# The repository's lowcloud.yaml with absolute paths (as tests/integration/
# conftest.py's repo_manifest()): libraries from the build under test,
# spec/file paths into the repository; watches-get in `isolation` with
# reserved_concurrency `cap` (replacing any the manifest sets): lowcloud's
# default of 10 environments throttles the 11th concurrent request, which
# API Gateway answers 502, and the peer has no such cap.
watches_manifest() {  # isolation cap out
  local libs; libs=$(dirname "$WATCHES_BIN")/handlers/watches
  sed -e "s|library: build/handlers/watches/|library: $libs/|" \
      -e "s#\(spec\|file\): \(openapi\|fixtures\)/#\1: $WATCHES_ROOT/\2/#" "$WATCHES_ROOT/lowcloud.yaml" |
    awk -v iso="$1" -v cap="$2" '
      /^[^ #]/ || /^  - / { inside = 0 }
      inside && /^    (isolation|reserved_concurrency):/ { next }
      { print }
      /^  - name: watches-get *$/ { inside = 1; print "    isolation: " iso; print "    reserved_concurrency: " cap }' > "$3"
  if ! grep -q "^    isolation: $1$" "$3" || ! grep -q "^spec: $WATCHES_ROOT/\|^    spec: $WATCHES_ROOT/" "$3"; then
    bench_fail "could not rewrite $WATCHES_ROOT/lowcloud.yaml for watches-get in $1 isolation:"; bench_tail 100 "$3"; return 1
  fi
}

watches_start_lowcloud() {  # name isolation cap -> WATCHES_URL[name]
  local name=$1 w=$WATCHES_WORK port pid
  watches_manifest "$2" "$3" "$w/$name.yaml"
  "$WATCHES_BIN" serve --port 0 --data-dir "$w/$name-data" --log-level warn --config "$w/$name.yaml" > "$w/$name.out" 2> "$w/$name.err" &
  pid=$!; WATCHES_PIDS+=("$pid")
  bench_server "$name" "$pid" "$w/$name.out" "$w/$name.err"
  bench_server_wait_line "$name" "$w/$name.out" "^listening on http://" 60
  port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$w/$name.out" | head -1)
  if [ -z "$port" ]; then bench_fail "$name: unexpected output"; bench_server_report "$name"; return 1; fi
  WATCHES_URL[$name]="http://127.0.0.1:$port"
  WATCHES_DDB[$name]="http://127.0.0.1:$port"
}

# What lowcloud said about a server's failed check: its log (warn and up)
# and the watches-get function's own log lines (not START/END/REPORT).
watches_lowcloud_said() {  # name
  local lines
  if [ -s "$WATCHES_WORK/$1.err" ]; then echo "lowcloud's log:"; tail -n 5 "$WATCHES_WORK/$1.err"; fi
  lines=$(curl -s --max-time 10 "${WATCHES_URL[$1]}/_lowcloud/lambda/watches-get/logs" |
    jq -r '.lines[]? | select(test("^(START|END|REPORT) ") | not)' 2>/dev/null | tail -n 3) || true
  if [ -n "$lines" ]; then echo "watches-get's log (GET /_lowcloud/lambda/watches-get/logs), the last lines:"; echo "$lines"; fi
}

watches_install_npm() {  # -> WATCHES_NPM
  local t0=$SECONDS
  if [ -n "${BENCH_NPM_DIR:-}" ]; then
    WATCHES_NPM=$(cd "$BENCH_NPM_DIR" && pwd)
  else
    WATCHES_NPM=$WATCHES_WORK/npm
    mkdir -p "$WATCHES_NPM"
    if ! npm install --no-audit --no-fund --prefix "$WATCHES_NPM" dynalite@4 serverless@3 serverless-offline@13 \
         @aws-sdk/client-dynamodb > "$WATCHES_WORK/npm.log" 2>&1; then
      bench_fail "npm install of the peer failed:"; bench_tail 20 "$WATCHES_WORK/npm.log"; return 1
    fi
    watches_log "npm install took $(( SECONDS - t0 )) s"
  fi
  local f
  for f in dynalite/cli.js serverless/bin/serverless.js serverless-offline/package.json @aws-sdk/client-dynamodb/package.json; do
    [ -f "$WATCHES_NPM/node_modules/$f" ] || { bench_fail "no node_modules/$f under $WATCHES_NPM"; return 1; }
  done
}

# The peer's service directory: serverless.yml, handler.js and tool.js (seeds
# and counts a table, checks the servers' answers). node_modules is a link to
# the npm prefix: the plugin and the SDK are resolved from here.
watches_write_peer() {  # dynalite_port
  local svc=$WATCHES_WORK/peer
  mkdir -p "$svc/home"
  ln -s "$WATCHES_NPM/node_modules" "$svc/node_modules"
  cat > "$svc/serverless.yml" <<YAML
service: lowcloud-bench-watches
frameworkVersion: "3"
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  stage: dev
  # API Gateway's longest integration timeout. A cold worker thread loading
  # the SDK can take longer than the default 6 s when 32 start at once on a
  # small machine, and serverless-offline 13 never replaces a timed-out
  # worker (it terminates the thread but keeps the instance in its pool:
  # every later request given to it times out too).
  timeout: 29
  environment:
    TABLE: project1
    DYNAMODB_ENDPOINT: http://127.0.0.1:$1
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"  # "will require node >= 22", once per worker
plugins:
  - serverless-offline
functions:
  watches-get:
    handler: handler.getWatch
    events:
      - http:   # REST API, Lambda proxy integration, payload 1.0
          path: info/v2/watch/{sku}
          method: get
YAML
  cat > "$svc/handler.js" <<'JS'
"use strict"
// GET /info/v2/watch/{sku}, as handlers/watches/watches.cpp's get_watch.
const { DynamoDBClient, GetItemCommand } = require("@aws-sdk/client-dynamodb")

const client = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
})
const TABLE = process.env.TABLE || "project1"

const respond = (statusCode, body, headers = {}) => ({
  statusCode,
  headers: { ...headers, "Content-Type": "application/json" },
  body: JSON.stringify(body),
  isBase64Encoded: false,
})

module.exports.getWatch = async (event) => {
  const sku = event.pathParameters && event.pathParameters.sku
  if (typeof sku !== "string") return respond(400, { message: "missing path parameter 'sku'" })
  let got
  try {
    got = await client.send(new GetItemCommand({ TableName: TABLE, Key: { sku: { S: sku } } }))
  } catch (e) {
    console.error(`GetItem ${sku} failed: ${e.name}: ${e.message}`)
    return respond(500, { message: "Internal server error" })
  }
  if (!got.Item) return respond(404, { message: "Watch not found" })
  const watch = {}
  for (const name of Object.keys(got.Item).sort()) {
    const value = got.Item[name]
    if (name === "year" && value.N !== undefined) watch.year = /^-?\d+$/.test(value.N) ? Number(value.N) : value.N
    else if (value.S !== undefined) watch[name] = value.S
  }
  return respond(200, watch, { "Cache-Control": "public, max-age=300" })
}
JS
  cat > "$svc/tool.js" <<'JS'
"use strict"
// node tool.js seed ENDPOINT watches.json   create project1, BatchWriteItem by 25
// node tool.js count ENDPOINT                items in project1 (Scan, Select COUNT)
// node tool.js check watches.json SKUS_FILE NAME=URL...
//     GET /info/v2/watch/{sku} of the first 20 SKUs and of a missing one on
//     each server; every answer must be what the fixture says.
const fs = require("fs")
const { DynamoDBClient, CreateTableCommand, DescribeTableCommand, BatchWriteItemCommand, ScanCommand } =
  require("@aws-sdk/client-dynamodb")

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const clientFor = (endpoint) => new DynamoDBClient({
  endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" },
})
const watches = (file) => JSON.parse(fs.readFileSync(file, "utf8"))

async function count(client) {
  let n = 0, start
  do {
    const r = await client.send(new ScanCommand({ TableName: "project1", Select: "COUNT", ExclusiveStartKey: start }))
    n += r.Count
    start = r.LastEvaluatedKey
  } while (start)
  return n
}

async function seed(endpoint, file) {
  const client = clientFor(endpoint)
  await client.send(new CreateTableCommand({
    TableName: "project1",
    KeySchema: [{ AttributeName: "sku", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "sku", AttributeType: "S" }],
    ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },  // as lowcloud.yaml
  }))
  for (let i = 0; ; i++) {
    const t = await client.send(new DescribeTableCommand({ TableName: "project1" }))
    if (t.Table.TableStatus === "ACTIVE") break
    if (i >= 200) throw new Error("table project1 not ACTIVE")
    await sleep(50)
  }
  // As lowcloud's seed: year -> N, JSON nulls omitted, everything else S.
  const items = watches(file).map((w) => {
    const item = {}
    for (const [k, v] of Object.entries(w)) {
      if (v === null) continue
      item[k] = k === "year" ? { N: String(v) } : { S: String(v) }
    }
    return item
  })
  let retries = 0
  for (let i = 0; i < items.length; i += 25) {
    let request = { project1: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) }
    for (let attempt = 0; ; attempt++) {
      const r = await client.send(new BatchWriteItemCommand({ RequestItems: request }))
      if (!r.UnprocessedItems || Object.keys(r.UnprocessedItems).length === 0) break
      if (attempt >= 10) throw new Error("BatchWriteItem: items still unprocessed after 10 retries")
      request = r.UnprocessedItems
      retries++
      await sleep(Math.min(1000, 20 * 2 ** attempt))
    }
  }
  const n = await count(client)
  if (n !== items.length) throw new Error(`project1 holds ${n} items after seeding ${items.length}`)
  console.log(`${n} items (${retries} UnprocessedItems retries)`)
}

const sortKeys = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]))

async function check(file, skusFile, servers) {
  const expected = new Map(watches(file).map((w) => {
    const e = {}
    for (const [k, v] of Object.entries(w)) if (v !== null) e[k] = k === "year" ? Number(v) : v
    return [w.sku, JSON.stringify(sortKeys(e))]
  }))
  const skus = fs.readFileSync(skusFile, "utf8").split("\n").filter(Boolean).slice(0, 20)
  const cases = skus.map((sku) => [sku, 200, expected.get(sku)])
  cases.push(["NO.SUCH.WATCH", 404, JSON.stringify({ message: "Watch not found" })])
  const problems = []
  for (const spec of servers) {  // NAME=URL
    const [name, url] = spec.split(/=(.*)/s)
    for (const [sku, status, body] of cases) {
      const r = await fetch(`${url}/info/v2/watch/${sku}`)
      const text = await r.text()
      let got
      try { got = JSON.stringify(sortKeys(JSON.parse(text))) } catch { got = text }
      const type = r.headers.get("content-type") || ""
      const cache = r.headers.get("cache-control") || ""
      if (r.status !== status || got !== body || !type.startsWith("application/json") ||
          (status === 200 && cache !== "public, max-age=300")) {
        problems.push(`${name}: GET /info/v2/watch/${sku} -> ${r.status} (${type}; Cache-Control ${cache || "-"}) ${text.slice(0, 300)}; expected ${status} ${body}`)
      }
    }
  }
  if (problems.length) {
    console.error(problems.slice(0, 3).join("\n") + (problems.length > 3 ? `\n(${problems.length} wrong answers in all)` : ""))
    process.exit(1)
  }
  console.log(`${cases.length} answers as expected`)
}

const [mode, ...args] = process.argv.slice(2)
const run = mode === "seed" ? seed(args[0], args[1])
  : mode === "count" ? count(clientFor(args[0])).then((n) => console.log(n))
  : mode === "check" ? check(args[0], args[1], args.slice(2))
  : Promise.reject(new Error(`unknown mode ${mode}`))
run.catch((e) => { console.error(`${e.name}: ${e.message}`); process.exit(1) })
JS
}

# dynalite in memory (no --path).
watches_start_dynalite() {  # -> WATCHES_DYNALITE_PORT
  local port pid; port=$(bench_free_port)
  node "$WATCHES_NPM/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" --createTableMs 0 \
    > "$WATCHES_WORK/dynalite.out" 2>&1 &
  pid=$!; WATCHES_PIDS+=("$pid")
  bench_server dynalite "$pid" "$WATCHES_WORK/dynalite.out"
  bench_server_wait_line dynalite "$WATCHES_WORK/dynalite.out" "listening" 60
  bench_server_owns_port dynalite "$port"
  WATCHES_DYNALITE_PORT=$port
}

# The peer's table: project1 with the 4136 watches (tool.js seed).
watches_seed_dynalite() {
  local seeded
  if ! seeded=$(cd "$WATCHES_WORK/peer" && node tool.js seed "http://127.0.0.1:$WATCHES_DYNALITE_PORT" "$WATCHES_ROOT/fixtures/watches.json" 2>&1); then
    bench_fail "could not seed dynalite (the peer's table) with the watches: $seeded"; bench_server_report dynalite; return 1
  fi
  watches_log "dynalite (in memory) on port $WATCHES_DYNALITE_PORT seeded: $seeded"
}

watches_start_peer() {  # -> WATCHES_URL[peer]
  local svc=$WATCHES_WORK/peer port lambda_port pid
  port=$(bench_free_port); lambda_port=$(bench_free_port)
  # Offline and quiet: no telemetry, no notifications, no deprecation notices,
  # no per-request log lines (SLS_LOG_LEVEL=warning, like lowcloud's --log-level
  # warn), dummy credentials, a private HOME for ~/.serverless.
  (cd "$svc" && exec env HOME="$svc/home" SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
     SLS_DEPRECATION_DISABLE='*' SLS_LOG_LEVEL=warning AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
     node "$WATCHES_NPM/node_modules/serverless/bin/serverless.js" offline --host 127.0.0.1 \
       --httpPort "$port" --lambdaPort "$lambda_port" --noPrependStageInUrl --noSponsor) > "$WATCHES_WORK/peer.out" 2>&1 &
  pid=$!; WATCHES_PIDS+=("$pid")
  bench_server "$WATCHES_PEER" "$pid" "$WATCHES_WORK/peer.out"
  WATCHES_URL[$WATCHES_PEER]="http://127.0.0.1:$port"
  # Ready when it routes: a 404 {"message":"Watch not found"} from the handler
  # (serverless-offline answers 404 to unknown routes too) for a missing watch.
  local deadline=$(( SECONDS + 180 )) code
  local missing="${WATCHES_URL[$WATCHES_PEER]}/info/v2/watch/NO.SUCH.WATCH"  # loopback only
  while :; do
    code=$(curl -s -o "$WATCHES_WORK/peer.ready" -w '%{http_code}' --max-time 30 "$missing" 2>/dev/null) || true
    if [ "$code" = 404 ] && grep -q 'Watch not found' "$WATCHES_WORK/peer.ready"; then break; fi
    if ! bench_server_alive "$WATCHES_PEER"; then
      bench_fail "$WATCHES_PEER ended before answering GET /info/v2/watch/NO.SUCH.WATCH"; bench_server_report "$WATCHES_PEER"; return 1
    fi
    if [ "$SECONDS" -gt "$deadline" ]; then
      bench_fail "$WATCHES_PEER did not answer 404 \"Watch not found\" within 180 s (last answer: HTTP ${code:-none} $(head -c 200 "$WATCHES_WORK/peer.ready" 2>/dev/null))"
      bench_server_report "$WATCHES_PEER"; return 1
    fi
    sleep 0.2
  done
  # The answer must have been its own, not another process's on that port.
  bench_server_owns_port "$WATCHES_PEER" "$port"
}

# The wrk script: GETs of the SKUs in turn (each thread from its own offset),
# counting non-200 answers (done() prints "non200 N first: STATUS BODY").
watches_write_lua() {  # skus_file out
  {
    echo "-- generated by tools/bench/watches.sh"
    echo "local skus = {"
    sed 's/.*/  "&",/' "$1"
    cat <<'LUA'
}
local threads = {}
local requests = {}
local i = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for k, sku in ipairs(skus) do requests[k] = wrk.format("GET", "/info/v2/watch/" .. sku) end
  i = (id or 0) * 61
  bad = 0
  first_bad = ""
end

function request()
  i = i + 1
  return requests[(i % #requests) + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200):gsub("%s", " ") end
  end
end

function done(summary, latency, requests)
  local total, first = 0, ""
  for _, t in ipairs(threads) do
    total = total + (t:get("bad") or 0)
    if first == "" then first = t:get("first_bad") or "" end
  end
  io.write(string.format("non200 %d first: %s\n", total, first))
end
LUA
  } > "$2"
}

# Warm-up before measuring at `conns` connections: 1 s runs at 1, 2, 4, ...
# connections below it, then `duration` at it, then 1 s runs at it until
# two in a row are not 10% above the best so far (15 at most). serverless-offline
# starts a worker thread (loading the SDK) for each request that finds every
# worker busy: doubling keeps at most about half of them cold at once, and
# they may need seconds to come up. Logs runs with non-200 answers or no
# completed request (not fatal here); fails when wrk fails or the server ends.
watches_warmup() {  # name conns duration
  local c=1 a b d e f g rest best="" flat=0 extra=0
  while :; do
    if [ "$c" -ge "$2" ]; then
      c=$2
      if [ -z "$best" ]; then BENCH_WRK_EMPTY_OK=1 watches_run "$1" "$c" "$3" "warm-up (for $2 connections)" || return 1
      else BENCH_WRK_EMPTY_OK=1 watches_run "$1" "$c" 1s "warm-up (for $2 connections)" || return 1; extra=$(( extra + 1 )); fi
    else
      BENCH_WRK_EMPTY_OK=1 watches_run "$1" "$c" 1s "warm-up (for $2 connections)" || return 1
    fi
    read -r a b d e f g rest <<< "$BENCH_WRK"
    if [ "$e" -gt 0 ] || [ "$g" -eq 0 ]; then watches_log "warm-up $1, $c connections: $g requests, $e non-200 (${rest#| }), $f socket errors"; fi
    if [ "$c" -lt "$2" ]; then c=$(( c * 2 )); continue; fi
    if [ -z "$best" ]; then best=$a; continue; fi
    if awk -v a="$a" -v b="$best" 'BEGIN { exit !(a <= b * 1.1) }'; then flat=$(( flat + 1 )); else flat=0; fi
    best=$(awk -v a="$a" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
    if [ "$flat" -ge 2 ] || [ "$extra" -ge 15 ]; then break; fi
  done
  if [ "$extra" -gt 2 ]; then watches_log "warm-up $1, $2 connections: throughput settled after $extra more 1 s runs (best $best requests/s)"; fi
}

# One wrk run against a server (bench_wrk: sets BENCH_WRK to "rps p50_ms
# p99_ms non200 socket_errors requests" and, when some answer was not 200,
# " | the first one"). Fails, saying why and showing the server's state and
# log (and dynalite's, behind the peer), when wrk fails or completes no
# request (unless BENCH_WRK_EMPTY_OK=1), or when the server has ended.
watches_run() {  # name connections duration kind
  local threads=$(( $2 < 2 ? $2 : 2 )) what="$1, $WATCHES_WORKLOAD, $2 connections, $3 $4 run"
  if ! bench_wrk "$what" -t "$threads" -c "$2" -d "$3" --timeout 10s --latency -s "$WATCHES_WORK/watches.lua" "${WATCHES_URL[$1]}"; then
    bench_server_report "$1"
    if [ "$1" = "$WATCHES_PEER" ]; then bench_server_report dynalite; fi
    return 1
  fi
  bench_server_check "$1" "after the $what" || return 1
  if [ "$1" = "$WATCHES_PEER" ]; then bench_server_check dynalite "behind $WATCHES_PEER, after the $what" || return 1; fi
}

watches_main() {
  bench_strict watches
  export LC_ALL=C
  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true  # the SDK's "will require node >= 22" notice (tool.js)
  local duration=${BENCH_DURATION:-5s} rounds=${BENCH_ROUNDS:-3} warmup=${BENCH_WARMUP:-3s}
  local conns_list=${BENCH_CONNECTIONS:-1 32} target=${BENCH_TARGET:-20} nskus=${BENCH_SKUS:-200} check=0 arg
  for arg in "$@"; do
    case $arg in
      --smoke) duration=1s; rounds=1; warmup=1s ;;
      --check) check=1 ;;
      -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) bench_fail "unknown argument $arg"; return 1 ;;
    esac
  done
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  WATCHES_ROOT=$PWD
  SECONDS=0

  bench_need_tools bench_fail node npm jq curl python3

  if [ -n "${LOWCLOUD_BIN:-}" ]; then
    WATCHES_BIN=$LOWCLOUD_BIN
  else
    LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud watches images >/dev/null
    WATCHES_BIN=$PWD/build-release/lowcloud
  fi
  [ -x "$WATCHES_BIN" ] || { bench_fail "no lowcloud binary at $WATCHES_BIN"; return 1; }
  WATCHES_BIN=$(cd "$(dirname "$WATCHES_BIN")" && pwd)/$(basename "$WATCHES_BIN")
  local libs; libs=$(dirname "$WATCHES_BIN")/handlers/watches
  [ -f "$libs/libwatches.so" ] || { bench_fail "no $libs/libwatches.so (build the watches handlers)"; return 1; }

  WATCHES_PIDS=()
  WATCHES_WORK=$(mktemp -d /tmp/lowcloud-bench-watches.XXXXXX)
  declare -gA WATCHES_URL=() WATCHES_DDB=()
  trap watches_cleanup EXIT
  trap 'exit 130' INT TERM
  local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)

  # 200 real SKUs spread over the fixture, in file order.
  jq -r --argjson n "$nskus" '[.[].sku] as $a | range(0; [$n, ($a | length)] | min) | $a[(. * ($a | length) / $n) | floor]' \
    "$WATCHES_ROOT/fixtures/watches.json" > "$WATCHES_WORK/skus.txt"
  watches_write_lua "$WATCHES_WORK/skus.txt" "$WATCHES_WORK/watches.lua"

  local cap=10 c
  for c in $conns_list; do if [ "$c" -gt "$cap" ]; then cap=$c; fi; done
  watches_start_lowcloud lowcloud-process process "$cap"
  watches_start_lowcloud lowcloud-in-process in-process "$cap"
  watches_install_npm
  watches_start_dynalite
  watches_write_peer "$WATCHES_DYNALITE_PORT"
  watches_seed_dynalite
  watches_start_peer
  # A server that answers wrongly, or later stops answering, is not measured
  # (further) and fails the run: broken[server] says why.
  local all=(lowcloud-process lowcloud-in-process "$WATCHES_PEER") servers=() s n said
  declare -A broken=()
  for s in "${all[@]}"; do
    if [ "$s" != "$WATCHES_PEER" ]; then
      n=$(cd "$WATCHES_WORK/peer" && node tool.js count "${WATCHES_DDB[$s]}" 2>&1) || true
      if [ "$n" != 4136 ]; then broken[$s]="table project1 holds $n items, not 4136"; fi
    fi
    if [ -z "${broken[$s]:-}" ] && ! said=$(cd "$WATCHES_WORK/peer" &&
         node tool.js check "$WATCHES_ROOT/fixtures/watches.json" "$WATCHES_WORK/skus.txt" "$s=${WATCHES_URL[$s]}" 2>&1); then
      broken[$s]=$said
    fi
    if [ -n "${broken[$s]:-}" ]; then
      if [ "$s" != "$WATCHES_PEER" ]; then broken[$s]+=$'\n'"$(watches_lowcloud_said "$s")"; fi
      bench_fail "$s answers the check requests wrongly, not measured:"$'\n'"$(sed 's/^/   | /' <<< "${broken[$s]}")"
      if [ "$s" = "$WATCHES_PEER" ]; then bench_tail 20 "$WATCHES_WORK/peer.out"; fi
      broken[$s]="answered the check requests wrongly: $(head -1 <<< "${broken[$s]}")"
    else
      servers+=("$s")
      watches_log "$s: ${WATCHES_URL[$s]}/info/v2/watch/{sku}: $said"
    fi
  done

  # Every wrk run goes through watches_run, which fails (saying why) on a
  # failed run; the server is then dropped. Called in `if`, where bash ignores
  # `set -e`: watches_warmup and watches_run check every step themselves.
  declare -A rps=() p50=() p99=() bad=() sock=() first=() measured=()
  local key a b d e f g rest
  for c in $conns_list; do
    for s in "${servers[@]}"; do
      if [ -z "${broken[$s]:-}" ] && ! watches_warmup "$s" "$c" "$warmup"; then
        broken[$s]="stopped answering in the warm-up at $c connections"
      fi
    done
    for _ in $(seq "$rounds"); do
      for s in "${servers[@]}"; do
        if [ -n "${broken[$s]:-}" ]; then continue; fi
        if ! watches_run "$s" "$c" "$duration" measured; then
          broken[$s]="stopped answering in a measured run at $c connections"; continue
        fi
        key="$s|$c"
        read -r a b d e f g rest <<< "$BENCH_WRK"
        rps[$key]+="$a "; p50[$key]+="$b "; p99[$key]+="$d "
        bad[$key]=$(( ${bad[$key]:-0} + e )); sock[$key]=$(( ${sock[$key]:-0} + f ))
        if [ "$e" -gt 0 ] && [ -z "${first[$key]:-}" ]; then first[$key]=${rest#| }; fi
      done
    done
    for s in "${servers[@]}"; do if [ -z "${broken[$s]:-}" ]; then measured[$s|$c]=1; fi; done
    watches_log "$c connections: done"
  done

  # ---- Results -------------------------------------------------------------
  declare -A mrps=() m50=() m99=()
  bench_medians rps mrps; bench_medians p50 m50; bench_medians p99 m99
  echo "$WATCHES_WORKLOAD end to end (median of $rounds; requests/s, latency ms):"
  printf "%5s  %-28s %10s %9s %9s %12s\n" conns server rps p50 p99 "rps vs peer"
  local min_ratio="" ratio
  for c in $conns_list; do
    for s in "${all[@]}"; do
      key="$s|$c"
      if [ -z "${measured[$key]:-}" ]; then
        printf "%5s  %-28s %10s %9s %9s %12s\n" "$c" "$s" "-" "-" "-" "FAILED"
        continue
      fi
      ratio=-
      if [ "$s" != "$WATCHES_PEER" ] && [ -n "${measured[$WATCHES_PEER|$c]:-}" ]; then
        ratio=$(bench_ratio "${mrps[$key]}" "${mrps[$WATCHES_PEER|$c]}")
        min_ratio=$(awk -v a="${mrps[$key]}" -v b="${mrps[$WATCHES_PEER|$c]}" -v m="$min_ratio" \
          'BEGIN { r = b > 0 ? a / b : 0; print (m == "" || r < m) ? r : m }')
      fi
      printf "%5s  %-28s %10.0f %9s %9s %12s\n" "$c" "$s" "${mrps[$key]}" "$(bench_fmt_ms "${m50[$key]}")" "$(bench_fmt_ms "${m99[$key]}")" "$ratio"
    done
  done

  local failed=0
  for s in "${all[@]}"; do
    if [ -n "${broken[$s]:-}" ]; then
      failed=1
      echo "FAILED: $s ${broken[$s]} (the reasons are on stderr)"
      bench_fail "not measured (further): $s ${broken[$s]}"
    fi
  done
  for c in $conns_list; do
    for s in "${servers[@]}"; do
      key="$s|$c"
      if [ -z "${measured[$key]:-}" ]; then continue; fi
      if [ "${bad[$key]}" -gt 0 ] || [ "${sock[$key]}" -gt 0 ]; then
        echo "errors: $s, $c connections: ${bad[$key]} non-200 answers, ${sock[$key]} socket errors/timeouts${first[$key]:+; first: ${first[$key]}}"
      fi
      if [ "${bad[$key]}" -gt 0 ]; then
        failed=1
        bench_fail "$s, $c connections: ${bad[$key]} non-200 answers in the measured runs; first: ${first[$key]:-?}"
      fi
    done
  done
  # lowcloud's own complaints (--log-level warn: everything it logged).
  for s in lowcloud-process lowcloud-in-process; do
    if [ -s "$WATCHES_WORK/$s.err" ]; then
      echo "$s logged $(wc -l < "$WATCHES_WORK/$s.err") lines (warnings/errors), the first ones:"
      head -10 "$WATCHES_WORK/$s.err" | sed 's/^/  /'
    fi
  done
  echo
  local met unmeasured=""
  for s in "${all[@]}"; do if [ -n "${broken[$s]:-}" ]; then unmeasured+=" $s"; fi; done
  met=$(awk -v m="${min_ratio:-0}" -v t="$target" -v u="$unmeasured" 'BEGIN { print (m >= t && u == "") ? "met" : "NOT met" }')
  printf "target lowcloud >= %sx %s (both isolation modes, every connection count): %s (%s)\n" \
    "$target" "$WATCHES_PEER" "$met" \
    "$( [ -n "$min_ratio" ] && printf "lowest ratio %.1fx" "$min_ratio" || printf "no ratio")${unmeasured:+; not measured:$unmeasured}"
  echo "($nskus SKUs in turn, wrk keep-alive, $duration x $rounds rounds after a $warmup warm-up per connection count," \
       "lowcloud persisting to a data dir, --log-level warn, dynalite in memory, $(nproc) cores," \
       "load average $load_before before / $(cut -d' ' -f1 /proc/loadavg) after," \
       "$(date -u +%F); $("$WATCHES_BIN" --version 2>/dev/null | head -1)," \
       "serverless $(node -p "require('$WATCHES_NPM/node_modules/serverless/package.json').version")," \
       "serverless-offline $(node -p "require('$WATCHES_NPM/node_modules/serverless-offline/package.json').version")," \
       "dynalite $(node -p "require('$WATCHES_NPM/node_modules/dynalite/package.json').version")," \
       "@aws-sdk/client-dynamodb $(node -p "require('$WATCHES_NPM/node_modules/@aws-sdk/client-dynamodb/package.json').version")," \
       "node $(node --version); ${SECONDS} s in all)"

  if [ -n "${BENCH_RESULTS:-}" ]; then
    for c in $conns_list; do
      for s in "${all[@]}"; do
        key="$s|$c"
        if [ -z "${measured[$key]:-}" ]; then
          printf 'e2e\t%s\t%s\t%s\tfailed\tfailed\tfailed\t%s\n' "$WATCHES_WORKLOAD" "$c" "$s" "${broken[$s]//$'\t'/ }"
        else
          printf 'e2e\t%s\t%s\t%s\t%.0f\t%.3f\t%.3f\n' "$WATCHES_WORKLOAD" "$c" "$s" "${mrps[$key]}" "${m50[$key]}" "${m99[$key]}"
        fi
      done
    done >> "$BENCH_RESULTS"
  fi

  if [ "$failed" = 1 ]; then return 1; fi
  if [ "$check" = 1 ] && [ "$met" != met ]; then return 3; fi
  return 0
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  watches_main "$@"
fi
