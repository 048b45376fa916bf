#!/usr/bin/env bash
# DynamoDB GetItem / PutItem throughput: lowcloud (persisting to disk) vs
# dynalite@4 (npm, persisting with --path; it predates BillingMode, so both
# tables are PROVISIONED), both on loopback, driven by wrk
# with keep-alive. Runs alternate between the two so machine drift cancels;
# prints medians and the lowcloud/dynalite ratio.
#
# Usage: tools/bench/dynamodb.sh [--smoke]   (--smoke: 1 s runs, 1 round)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
duration=${BENCH_DURATION:-5s}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-8}
if [ "${1:-}" = "--smoke" ]; then duration=1s; rounds=1; fi

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
command -v npm >/dev/null || { echo "npm is needed for dynalite" >&2; exit 1; }

work=$(mktemp -d /tmp/lowcloud-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

LOWCLOUD_BUILD_DIR=build-release tools/build.sh Release lowcloud >/dev/null
(cd "$work" && npm install --silent --no-audit --no-fund dynalite@4 >/dev/null 2>&1)

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

build-release/lowcloud serve --port 0 --data-dir "$work/lowcloud-data" --log-level warn > "$work/lowcloud.out" 2>&1 &
pids+=($!)
dyn_port=$(free_port)
node "$work/node_modules/dynalite/cli.js" --port "$dyn_port" --path "$work/dynalite-data" --createTableMs 0 > "$work/dynalite.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/lowcloud.out" 2>/dev/null && break; sleep 0.05; done
low_port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/lowcloud.out")
dyn_url="http://127.0.0.1:$dyn_port"   # loopback only: nothing is downloaded
for _ in $(seq 100); do curl -s "$dyn_url" >/dev/null 2>&1 && break; sleep 0.1; done

call() {  # port target body (a request to the server on loopback)
  local url="http://127.0.0.1:$1/"
  curl -s -f -X POST "$url" -H "Content-Type: application/x-amz-json-1.0" \
    -H "X-Amz-Target: DynamoDB_20120810.$2" -H "X-Amz-Date: 20260101T000000Z" -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0" -d "$3" >/dev/null
}
for port in "$low_port" "$dyn_port"; do
  call "$port" CreateTable '{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}'
  sleep 0.3
  call "$port" PutItem '{"TableName":"bench","Item":{"id":{"S":"seed"},"type":{"S":"chrono"},"year":{"N":"2004"}}}'
done

rps() {  # port op -> requests/sec
  OP=$2 wrk -t 2 -c "$connections" -d "$duration" -s tools/bench/dynamodb_request.lua "http://127.0.0.1:$1/" |
    awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf "%-10s %14s %14s %8s\n" operation lowcloud_rps dynalite_rps ratio
for op in GetItem PutItem; do
  low=(); dyn=()
  for _ in $(seq "$rounds"); do
    low+=("$(rps "$low_port" "$op")")
    dyn+=("$(rps "$dyn_port" "$op")")
  done
  l=$(printf "%s\n" "${low[@]}" | median); d=$(printf "%s\n" "${dyn[@]}" | median)
  printf "%-10s %14.0f %14.0f %7.1fx\n" "$op" "$l" "$d" "$(echo "$l / $d" | bc -l)"
done
echo "($connections connections, $duration x $rounds rounds, $(nproc) cores, $(date -u +%F))"
