#!/usr/bin/env bash
# Creates the functions' IAM role and the two Lambda functions (python3.12)
# from server.py. Functions that already exist are left alone (see
# update_lambdas.sh). Needs: aws, zip.
set -euo pipefail
cd "$(dirname "$0")"
source ./config.sh

if ! aws iam get-role --role-name "$ROLE_NAME" >/dev/null 2>&1; then
  aws iam create-role --role-name "$ROLE_NAME" --assume-role-policy-document file://trust-policy.json >/dev/null
  aws iam attach-role-policy --role-name "$ROLE_NAME" --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  aws iam attach-role-policy --role-name "$ROLE_NAME" --policy-arn arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess
  aws iam wait role-exists --role-name "$ROLE_NAME"
  echo "created role $ROLE_NAME"
fi
ROLE_ARN=$(aws iam get-role --role-name "$ROLE_NAME" --query Role.Arn --output text)

rm -f function.zip
zip -q function.zip server.py

for entry in $FUNCTIONS; do
  name=${entry%%:*}
  handler=${entry#*:}
  if aws lambda get-function --function-name "$name" >/dev/null 2>&1; then
    echo "$name exists (update it with update_lambdas.sh)"
    continue
  fi
  # On AWS a new role takes a few seconds before Lambda can assume it.
  for attempt in 1 2 3 4 5 6; do
    if aws lambda create-function --function-name "$name" --runtime python3.12 --handler "$handler" \
         --role "$ROLE_ARN" --zip-file fileb://function.zip --timeout 10 --memory-size 256 \
         --environment "Variables={TABLE_NAME=$TABLE_NAME}" >/dev/null 2>create-error.txt; then
      break
    fi
    if grep -q "cannot be assumed" create-error.txt && [ "$attempt" -lt 6 ]; then sleep 5; continue; fi
    cat create-error.txt >&2
    exit 1
  done
  rm -f create-error.txt
  aws lambda wait function-active-v2 --function-name "$name"
  echo "created function $name ($handler)"
done
