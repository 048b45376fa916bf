-- wrk script for tools/bench/dynamodb.sh: one DynamoDB JSON 1.0 operation per
-- request, chosen by the OP environment variable:
--   GetItem             table bench, key seed-<n> for n cycling over 0..KEYS-1
--                       (the bench script seeds KEYS items)
--   PutItem             table bench, one new item per request
--   Query               table bench_query, partition p0 (100 items, sort key
--                       sk = 0..99): sk BETWEEN n AND n+9, 10 items per page
--   BatchWriteItem      table bench, 25 new items per request
--   TransactWriteItems  table bench, 2 Puts of new items per request
--   Fill                table bench_query, BatchWriteItem of 25 new items in a
--                       partition of their own (not p0): grows the table
--                       Query reads, for the flatness measurement
--   Mixed               table TABLE (project1), partition key sku: GetItem of
--                       the keys in SKUS_FILE (one per line), and every
--                       PUT_EVERY-th request a PutItem of one of 1000 keys
--                       rss-<n> (overwritten: the data does not grow)
-- Written keys are distinct per run (RUN), thread and request, so every write
-- inserts a new item.
local op = os.getenv("OP") or "GetItem"
local run = os.getenv("RUN") or "0"
local keys = tonumber(os.getenv("KEYS") or "1000")
local mixed_table = os.getenv("TABLE") or "project1"
local put_every = tonumber(os.getenv("PUT_EVERY") or "10")
local thread_count = 0

function setup(thread)
  -- A global in the thread's Lua state (a top-level local would shadow it).
  thread:set("id", thread_count)
  thread_count = thread_count + 1
end

local counter = 0
local skus = {}
local get_headers, put_headers

local function headers_for(target)
  return {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "DynamoDB_20120810." .. target,
    ["X-Amz-Date"] = "20260101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
  }
end

function init(args)
  wrk.method = "POST"
  for name, value in pairs(headers_for((op == "Mixed" and "GetItem") or (op == "Fill" and "BatchWriteItem") or op)) do wrk.headers[name] = value end
  if op == "Mixed" then
    for line in io.lines(os.getenv("SKUS_FILE")) do
      if line ~= "" then skus[#skus + 1] = line end
    end
    get_headers = headers_for("GetItem")
    put_headers = headers_for("PutItem")
  end
end

local function item(key_name, key)
  return string.format('{"%s":{"S":"%s"},"type":{"S":"chrono"},"status":{"S":"current"},"gender":{"S":"man"},"year":{"N":"2004"},"movement":{"S":"CALIBRE_17_AUTO"},"case_material":{"S":"STEEL"}}', key_name, key)
end

function request()
  counter = counter + 1
  local body
  if op == "GetItem" then
    body = string.format('{"TableName":"bench","Key":{"id":{"S":"seed-%d"}}}', (id * 7919 + counter) % keys)
  elseif op == "PutItem" then
    body = string.format('{"TableName":"bench","Item":%s}', item("id", string.format("p%s-t%d-%d", run, id, counter)))
  elseif op == "Query" then
    local low = (id * 37 + counter) % 91
    body = string.format('{"TableName":"bench_query","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"p0"},":a":{"N":"%d"},":b":{"N":"%d"}}}', low, low + 9)
  elseif op == "BatchWriteItem" then
    local puts = {}
    for i = 1, 25 do
      puts[i] = string.format('{"PutRequest":{"Item":%s}}', item("id", string.format("b%s-t%d-%d-%d", run, id, counter, i)))
    end
    body = '{"RequestItems":{"bench":[' .. table.concat(puts, ",") .. ']}}'
  elseif op == "Fill" then
    local puts = {}
    local pk = string.format("f%s-t%d-%d", run, id, counter)
    for i = 1, 25 do
      puts[i] = string.format('{"PutRequest":{"Item":{"pk":{"S":"%s"},"sk":{"N":"%d"},"type":{"S":"chrono"},"status":{"S":"current"},"year":{"N":"2004"},"movement":{"S":"CALIBRE_17_AUTO"}}}}', pk, i)
    end
    body = '{"RequestItems":{"bench_query":[' .. table.concat(puts, ",") .. ']}}'
  elseif op == "TransactWriteItems" then
    body = string.format('{"TransactItems":[{"Put":{"TableName":"bench","Item":%s}},{"Put":{"TableName":"bench","Item":%s}}]}',
      item("id", string.format("x%s-t%d-%d-1", run, id, counter)), item("id", string.format("x%s-t%d-%d-2", run, id, counter)))
  elseif op == "Mixed" then
    if counter % put_every == 0 then
      body = string.format('{"TableName":"%s","Item":%s}', mixed_table, item("sku", string.format("rss-%d", (id * 7919 + counter) % 1000)))
      return wrk.format(nil, nil, put_headers, body)
    end
    body = string.format('{"TableName":"%s","Key":{"sku":{"S":"%s"}}}', mixed_table, skus[(id * 7919 + counter) % #skus + 1])
    return wrk.format(nil, nil, get_headers, body)
  else
    error("unknown OP " .. op)
  end
  return wrk.format(nil, nil, nil, body)
end
