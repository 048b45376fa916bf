-- wrk script: a synchronous Invoke of FUNCTION (default "noop") with a small
-- JSON payload, or GET PATH_ONLY when PATH_ONLY is set (the HTTP baseline).
-- Any other answer than a 200 without a function error stops wrk (non-zero
-- exit, the answer on stderr).
local fn = os.getenv("FUNCTION") or "noop"
local path = os.getenv("PATH_ONLY")

function init(args)
  if path then
    wrk.method = "GET"
    wrk.path = path
  else
    wrk.method = "POST"
    wrk.path = "/2015-03-31/functions/" .. fn .. "/invocations"
    wrk.body = '{"sku":"CV2115.FC6186"}'
    wrk.headers["Content-Type"] = "application/json"
  end
end

function response(status, headers, body)
  if status ~= 200 then error("unexpected status " .. status .. ": " .. body) end
  local fe = headers["X-Amz-Function-Error"] or headers["x-amz-function-error"]
  if fe then error("function error " .. fe .. ": " .. body) end
end
