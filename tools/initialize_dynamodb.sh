#!/usr/bin/env bash
# Creates the Watches table and loads the course's data file into it, the way
# the cloud-computing course's initialize_dynamodb.sh did on AWS: the real AWS
# CLI, `create-table --cli-input-json`, then `batch-write-item` calls of at
# most 25 PutRequests each. Pointed at lowcloud through --endpoint-url; it
# works unchanged against AWS itself (set LOWCLOUD_ENDPOINT to its URL).
#
# Usage: tools/initialize_dynamodb.sh [--table NAME] [--jobs N] [--boto3] [DATA_FILE]
#   DATA_FILE   JSON array of watch objects (default fixtures/watches.json)
#   --table     table name (default: TableName of fixtures/create-table.json, project1)
#   --jobs      batch-write-item CLI calls run in parallel (default 4)
#   --boto3     send the same batch files with boto3 from one Python process
#               (seconds instead of minutes: each CLI call costs ~1 s of CPU)
#
# Environment:
#   AWS                 the AWS CLI v2 (default /usr/bin/aws; the `aws` on PATH
#                       may be a pyenv shim)
#   PYTHON              Python 3 for the conversion (default /usr/bin/python3)
#   LOWCLOUD_ENDPOINT   default http://127.0.0.1:4566
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (default test), AWS_DEFAULT_REGION
#   (default us-east-1)
#
# Idempotent: an existing table is kept (describe-table succeeds, creation is
# skipped) and PutRequests overwrite items, so running it twice leaves the same
# 4136 items. Conversion: `year` becomes {"N": ...}, JSON nulls are omitted,
# every other value is {"S": ...} with its exact characters (byte-order marks,
# Japanese text, spaces); the batch files use \uXXXX escapes, so they are pure
# ASCII and their reading does not depend on the locale.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
AWS=${AWS:-/usr/bin/aws}
PYTHON=${PYTHON:-/usr/bin/python3}
endpoint=${LOWCLOUD_ENDPOINT:-http://127.0.0.1:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_PAGER=""   # never page CLI output through less

usage() { sed -n '8,13p' "$0" | sed 's/^# \{0,1\}//'; }

table=""
jobs=4
use_boto3=0
data_file="$root/fixtures/watches.json"
create_json="$root/fixtures/create-table.json"
while (($#)); do
    case $1 in
        --table) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; table=$2; shift 2 ;;
        --table=*) table=${1#*=}; shift ;;
        --jobs) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; jobs=$2; shift 2 ;;
        --jobs=*) jobs=${1#*=}; shift ;;
        --boto3) use_boto3=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) data_file=$1; shift ;;
    esac
done
[[ -r $data_file ]] || { echo "cannot read data file: $data_file" >&2; exit 1; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "--jobs needs a positive integer, got: $jobs" >&2; exit 2; }
if [[ -z $table ]]; then
    table=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["TableName"])' "$create_json")
fi

aws_() { "$AWS" --endpoint-url "$endpoint" "$@"; }

start=$SECONDS
echo "endpoint $endpoint, table $table, data $data_file"

# 1. The table: keep it if it exists, else create it from create-table.json.
if err=$(aws_ dynamodb describe-table --table-name "$table" \
        --query 'Table.[TableStatus, KeySchema[0].AttributeName]' --output text 2>&1); then
    read -r table_status table_key <<<"$err"
    echo "table $table exists (status $table_status, partition key $table_key), not created again"
elif [[ $err == *ResourceNotFoundException* ]]; then
    echo "creating table $table"
    # Options given on the command line override the values in --cli-input-json.
    aws_ dynamodb create-table --cli-input-json "file://$create_json" --table-name "$table" \
        --query 'TableDescription.[TableName, TableStatus]' --output text
else
    echo "describe-table $table failed:" >&2
    echo "${err#$'\n'}" >&2
    exit 1
fi
aws_ dynamodb wait table-exists --table-name "$table"

# 2. The data file as batch-write-item request files of at most 25 PutRequests.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/initialize_dynamodb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" - "$data_file" "$table" "$tmp" <<'PY'
import json, sys

data_file, table, out = sys.argv[1:4]
with open(data_file, encoding="utf-8") as f:
    watches = json.load(f)
if not isinstance(watches, list):
    sys.exit("%s: expected a JSON array of objects" % data_file)

def attribute(key, value):
    if key == "year":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError("year must be a string or an integer: %r" % (value,))
        return {"N": str(value)}
    if not isinstance(value, str):
        raise ValueError("%s must be a string: %r" % (key, value))
    return {"S": value}

requests = []
for n, watch in enumerate(watches):
    try:
        item = {k: attribute(k, v) for k, v in watch.items() if v is not None}
    except ValueError as e:
        sys.exit("%s: element %d (sku %r): %s" % (data_file, n, watch.get("sku"), e))
    requests.append({"PutRequest": {"Item": item}})

batches = 0
for i in range(0, len(requests), 25):
    batches += 1
    with open("%s/batch_%04d.json" % (out, batches), "w", encoding="ascii") as f:
        json.dump({table: requests[i:i + 25]}, f, ensure_ascii=True)
with open("%s/count" % out, "w") as f:
    f.write("%d %d\n" % (len(requests), batches))
PY
read -r items batches <"$tmp/count"
echo "converted $items items into $batches batch files"

# 3. One batch file: batch-write-item, then again with the UnprocessedItems
# (the CLI prints that map, which is itself a valid --request-items) until none
# are left, with a growing pause. Prints the batch's name when it is done.
load_batch() {
    local file=$1 request=$1 out attempt=0
    while :; do
        if ! out=$("$AWS" --endpoint-url "$endpoint" dynamodb batch-write-item \
                --request-items "file://$request" --query UnprocessedItems --output json 2>&1); then
            echo "batch-write-item $(basename "$file") failed:" >&2
            echo "${out#$'\n'}" >&2
            return 1
        fi
        # The CLI prints nothing for an empty map (and {} would mean the same).
        [[ -z $out || $out == "{}" ]] && break
        attempt=$((attempt + 1))
        if ((attempt > 10)); then
            echo "$(basename "$file"): still unprocessed items after $attempt attempts" >&2
            return 1
        fi
        request="$file.retry$attempt"
        printf '%s\n' "$out" >"$request"
        echo "$(basename "$file"): unprocessed items, retry $attempt" >&2
        sleep "$(awk "BEGIN { print 0.05 * 2 ^ $attempt }")"
    done
    basename "$file"
}
export -f load_batch
export AWS endpoint

# Retry files hold what the CLI printed: have it print and read them as UTF-8
# whatever the locale.
export AWS_CLI_FILE_ENCODING=UTF-8 PYTHONIOENCODING=utf-8
done_batches=0
# shellcheck disable=SC2016  # the bash that xargs starts expands $1
while read -r _; do
    done_batches=$((done_batches + 1))
    if ((done_batches % 20 == 0 || done_batches == batches)); then
        echo "  $done_batches/$batches batches written ($((SECONDS - start)) s)"
    fi
done < <(if ((use_boto3)); then
             "$PYTHON" - "$tmp" <<'PY'
import glob, json, os, sys, time
import boto3

client = boto3.client("dynamodb", endpoint_url=os.environ["endpoint"])
for path in sorted(glob.glob(os.path.join(sys.argv[1], "batch_*.json"))):
    with open(path, encoding="ascii") as f:
        request = json.load(f)
    delay = 0.05
    while request:  # again with the UnprocessedItems until none are left
        request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        if request:
            print("%s: unprocessed items, retrying" % os.path.basename(path), file=sys.stderr)
            time.sleep(delay)
            delay = min(delay * 2, 5)
    print(os.path.basename(path), flush=True)
PY
         else
             find "$tmp" -name 'batch_*.json' -print0 | sort -z |
                 xargs -0 -r -n 1 -P "$jobs" bash -c 'load_batch "$1"' load_batch
         fi
         echo "status $?" >"$tmp/load-status")
wait $! 2>/dev/null || true
status=$(cut -d' ' -f2 "$tmp/load-status" 2>/dev/null || echo 1)
if [[ $status != 0 || $done_batches != "$batches" ]]; then
    echo "FAILED: $done_batches of $batches batches written (exit status $status)" >&2
    exit 1
fi

count=$(aws_ dynamodb scan --table-name "$table" --select COUNT --query Count --output text)
echo "done: $items items in $batches batches written to $table; it now holds $count items ($((SECONDS - start)) s)"
