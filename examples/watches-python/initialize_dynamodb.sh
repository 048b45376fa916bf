#!/usr/bin/env bash
# Creates the table (if it does not exist) and loads the watches into it.
# Usage: initialize_dynamodb.sh [watches.json]   (default: the repository's fixtures/watches.json)
# The load uses boto3's batch_writer (load_watches.py) when python3 has
# boto3 (seconds), else the AWS CLI: batch-write-item in chunks of 25 built
# with jq (a few minutes). LOADER=cli or LOADER=boto3 chooses.
# Needs: aws, and python3 with boto3 or jq.
set -euo pipefail
cd "$(dirname "$0")"
source ./config.sh
data=${1:-../../fixtures/watches.json}
loader=${LOADER:-auto}
if [ "$loader" = auto ]; then
  if python3 -c 'import boto3' 2>/dev/null; then loader=boto3; else loader=cli; fi
fi

if ! aws dynamodb describe-table --table-name "$TABLE_NAME" >/dev/null 2>&1; then
  aws dynamodb create-table --cli-input-json file://create-table.json >/dev/null
  aws dynamodb wait table-exists --table-name "$TABLE_NAME"
  echo "created table $TABLE_NAME"
fi

if [ "$loader" = boto3 ]; then
  python3 load_watches.py "$data" "$TABLE_NAME"
  exit 0
fi

# The CLI way: DynamoDB JSON, 25 PutRequests per batch-write-item, the
# unprocessed items of each call sent again.
items=$(jq -c 'if type == "object" then .watches else . end | .[]
  | with_entries(select(.value != null))
  | with_entries(if .key == "year" then .value = {N: (.value | tostring)} else .value = {S: .value} end)' "$data")
count=$(printf '%s\n' "$items" | grep -c .)
batch=$(mktemp)
trap 'rm -f "$batch"' EXIT
printf '%s\n' "$items" | split -l 25 - "$batch.part."
for part in "$batch".part.*; do
  jq -cs --arg t "$TABLE_NAME" '{($t): [.[] | {PutRequest: {Item: .}}]}' "$part" > "$batch"
  while :; do
    left=$(aws dynamodb batch-write-item --request-items "file://$batch" --query UnprocessedItems --output json)
    # (the CLI prints nothing for an empty map)
    [ -z "$left" ] || [ "$left" = "{}" ] && break
    printf '%s' "$left" > "$batch"
  done
  rm -f "$part"
done
echo "loaded $count watches into $TABLE_NAME"
