-- wrk script: a synchronous Invoke of FUNCTION (default "noop") with a small
-- JSON payload, or GET PATH when PATH is set (the HTTP baseline).
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
end
