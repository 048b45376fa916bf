#!/usr/bin/env bash
# Uploads the current server.py to both functions; the next request runs it.
# Needs: aws, zip.
set -euo pipefail
cd "$(dirname "$0")"
source ./config.sh

rm -f function.zip
zip -q function.zip server.py
for entry in $FUNCTIONS; do
  name=${entry%%:*}
  aws lambda update-function-code --function-name "$name" --zip-file fileb://function.zip >/dev/null
  aws lambda wait function-updated-v2 --function-name "$name"
  echo "updated function $name"
done
