-- wrk script: a mixed GraphQL load, each request drawn by weight from BENCH_REQUESTS (bench/mixed_load_prep.py):
--   <weight>\t<kind>\t<token>\t<JSON body>     kind: list | detail | mutation
-- "__CMID__" in a body becomes a fresh clientMutationId. A non-200 status or a body with a top-level "errors"
-- entry (or a payload's non-empty "errors") is a failure. done() prints "BENCH_RESULT {...}" with the totals and the
-- failures per kind (latencies in microseconds).

local path = os.getenv("BENCH_REQUESTS")
assert(path and #path > 0, "BENCH_REQUESTS is not set")

local entries, total = {}, 0
for line in io.lines(path) do
  local weight, kind, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
  if weight then
    total = total + tonumber(weight)
    table.insert(entries, { limit = total, kind = kind, token = token, body = body })
  end
end
assert(#entries > 0, "no requests in " .. path)

local threads = {}

function setup(thread)
  thread:set("seed", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
  counter = 0
  sent = { list = 0, detail = 0, mutation = 0 }
  failed = { list = 0, detail = 0, mutation = 0 }
  first_failure = ""
end

local function pick()
  local r = math.random() * total
  local lo, hi = 1, #entries
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if entries[mid].limit < r then lo = mid + 1 else hi = mid end
  end
  return entries[lo]
end

function request()
  local e = pick()
  local body = e.body
  if body:find("__CMID__", 1, true) then
    counter = counter + 1
    body = body:gsub("__CMID__", string.format("bench-%d-%d-%d", seed or 0, os.time(), counter))
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. e.token,
  }, body)
end

local KINDS = { customers = "list", vehicleByRegistration = "list", jobBoard = "list", myJobs = "list",
  job = "detail", customer = "detail", addJobNote = "mutation" }

function response(status, headers, body)
  -- the kind from the answer's first field (connections answer out of order, so not from the request)
  local field = body and body:match('^%s*{%s*"data"%s*:%s*{%s*"(%w+)"')
  local kind = KINDS[field] or "list"
  sent[kind] = sent[kind] + 1
  local bad = status ~= 200 or field == nil
  if not bad then
    bad = body:find('"errors"%s*:%s*%[%s*{') ~= nil
  end
  if bad then
    failed[kind] = failed[kind] + 1
    if first_failure == "" then first_failure = kind .. " HTTP " .. status .. ": " .. (body or ""):sub(1, 300) end
  end
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local s, f, failure = { list = 0, detail = 0, mutation = 0 }, { list = 0, detail = 0, mutation = 0 }, ""
  for _, thread in ipairs(threads) do
    local ts, tf = thread:get("sent"), thread:get("failed")
    for _, k in ipairs({ "list", "detail", "mutation" }) do
      s[k] = s[k] + (ts and ts[k] or 0)
      f[k] = f[k] + (tf and tf[k] or 0)
    end
    local x = thread:get("first_failure") or ""
    if failure == "" and x ~= "" then failure = x end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "lists": %d, "details": %d, "mutations": %d, "failed_lists": %d, "failed_details": %d, ' ..
    '"failed_mutations": %d, "socket_errors": %d, "timeouts": %d, "non_2xx": %d, "first_failure": %s}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, s.list, s.detail, s.mutation, f.list, f.detail, f.mutation,
    e.connect + e.read + e.write, e.timeout, e.status, json_string(failure)))
end
