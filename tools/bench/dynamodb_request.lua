-- wrk script: one DynamoDB JSON 1.0 operation, chosen by the OP environment
-- variable (GetItem or PutItem). PutItem writes distinct keys per thread.
local op = os.getenv("OP") or "GetItem"
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. op
  wrk.headers["X-Amz-Date"] = "20260101T000000Z"
  wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
end

function request()
  counter = counter + 1
  local body
  if op == "PutItem" then
    body = string.format('{"TableName":"bench","Item":{"id":{"S":"t%d-%d"},"type":{"S":"chrono"},"status":{"S":"current"},"year":{"N":"2004"},"movement":{"S":"CALIBRE_17_AUTO"}}}', thread_id, counter)
  else
    body = '{"TableName":"bench","Key":{"id":{"S":"seed"}}}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    error("unexpected status " .. status .. ": " .. body)
  end
end
