#!/usr/bin/env bash
# Imports the course's OpenAPI spec as a REST API, integrates both methods
# with their functions (Lambda proxy), lets API Gateway invoke them, and
# deploys the stage. Prints the API endpoint. Needs: aws, jq.
set -euo pipefail
cd "$(dirname "$0")"
source ./config.sh

ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
API_ID=$(aws apigateway import-rest-api --body "fileb://$API_SPEC" --query id --output text)
echo "imported $API_SPEC as REST API $API_ID"
resources=$(aws apigateway get-resources --rest-api-id "$API_ID" --output json)

integrate() {  # METHOD PATH FUNCTION
  local method=$1 path=$2 function=$3 resource_id function_arn source_path
  resource_id=$(echo "$resources" | jq -r --arg p "$path" '.items[] | select(.path == $p) | .id')
  function_arn=$(aws lambda get-function --function-name "$function" --query Configuration.FunctionArn --output text)
  aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$resource_id" --http-method "$method" \
    --type AWS_PROXY --integration-http-method POST \
    --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/$function_arn/invocations" >/dev/null
  source_path=$(echo "$path" | sed -E 's/\{[^}]+\}/*/g')
  aws lambda add-permission --function-name "$function" --statement-id "apigateway-$API_ID-$method" \
    --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
    --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*/$method$source_path" >/dev/null
  echo "$method $path -> $function"
}

integrate GET "/watch/{sku}" watches-read
integrate POST "/watch" watches-create
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name "$STAGE" >/dev/null
echo "$API_ID" > api-id.txt
echo "API endpoint: https://$API_ID.execute-api.$REGION.amazonaws.com/$STAGE"
