-- wrk script: POSTs one GraphQL request with a bearer token, over and over.
--
-- Environment:
--   BENCH_BODY   the JSON request body ({"query": ..., "variables": ...})
--   BENCH_TOKEN  the access token sent as "Authorization: Bearer <token>"
--
-- Responses are checked: a non-200 status, or a 200 whose body carries a top-level
-- "errors" entry (GraphQL failures come back as 200), is counted as a failure.
-- done() prints one machine-readable line, starting with "BENCH_RESULT ", that
-- bench/run.sh turns into the summary table (latencies in microseconds).

local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
assert(body and #body > 0, "BENCH_BODY is not set")
assert(token and #token > 0, "BENCH_TOKEN is not set")

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json, application/json"
wrk.headers["Authorization"] = "Bearer " .. token

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok_responses = 0
  graphql_errors = 0
  bad_status = 0
  first_failure = ""
end

function response(status, headers, resp_body)
  if status ~= 200 then
    bad_status = bad_status + 1
    if first_failure == "" then first_failure = "HTTP " .. status .. ": " .. string.sub(resp_body or "", 1, 300) end
  elseif resp_body and string.find(resp_body, '"errors"%s*:%s*%[%s*{') then
    graphql_errors = graphql_errors + 1
    if first_failure == "" then first_failure = string.sub(resp_body, 1, 300) end
  else
    ok_responses = ok_responses + 1
  end
end

local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local ok, gql_err, bad, failure = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    ok = ok + (thread:get("ok_responses") or 0)
    gql_err = gql_err + (thread:get("graphql_errors") or 0)
    bad = bad + (thread:get("bad_status") or 0)
    local f = thread:get("first_failure") or ""
    if failure == "" and f ~= "" then failure = f end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "rps": %.1f, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"ok": %d, "graphql_errors": %d, "bad_status": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "first_failure": %s}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    ok, gql_err, bad,
    e.connect + e.read + e.write, e.timeout, json_string(failure)))
end
