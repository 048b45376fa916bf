#!/usr/bin/env bash
# Creates the table (if it does not exist) and loads the watches into it.
# Usage: initialize_dynamodb.sh [watches.json]   (default: the repository's fixtures/watches.json)
# Needs: aws; python3 with boto3 for the load (load_watches.py, batch_writer).
set -euo pipefail
cd "$(dirname "$0")"
source ./config.sh
data=${1:-../../fixtures/watches.json}

if ! aws dynamodb describe-table --table-name "$TABLE_NAME" >/dev/null 2>&1; then
  aws dynamodb create-table --cli-input-json file://create-table.json >/dev/null
  aws dynamodb wait table-exists --table-name "$TABLE_NAME"
  echo "created table $TABLE_NAME"
fi
python3 load_watches.py "$data" "$TABLE_NAME"
