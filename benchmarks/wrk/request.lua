-- One request shape for wrk, set by benchmarks/run.py through the environment:
--
--   BENCH_METHOD    GET (default) or POST
--   BENCH_HEADERS   file of "Name: value" lines (the session cookie, a bearer token,
--                   Content-Type, Accept)
--   BENCH_BODY      file holding the request body (a form, or a multipart photo upload)
--   BENCH_KEY_MARK  text in the body replaced by a fresh key on every request (the
--                   session form's idempotency key, so every POST saves a new session)
--   BENCH_REPORT    where done() writes the figures as JSON
--
-- The CSRF token is already in the body and the cookie in the headers: run.py logged in
-- and read the form first. The token stays valid for the session (WTF_CSRF_TIME_LIMIT
-- is None), so one token serves the whole run.

local function read(path, mode)
  if path == nil or path == "" then return nil end
  local file = assert(io.open(path, mode or "r"))
  local text = file:read("*a")
  file:close()
  return text
end

local method = os.getenv("BENCH_METHOD") or "GET"
local headers = {}
local header_text = read(os.getenv("BENCH_HEADERS"))
if header_text then
  for line in header_text:gmatch("[^\r\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
end
local body = read(os.getenv("BENCH_BODY"), "rb")
local mark = os.getenv("BENCH_KEY_MARK")
if mark == "" then mark = nil end

local threads = {}
local counter = 0
thread_number = thread_number or 0 -- a global: setup() gives each thread its own
local run_id = tostring(os.time())

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function request()
  if mark then
    counter = counter + 1
    local key = string.format("w%s-%d-%d", run_id, thread_number, counter)
    return wrk.format(method, nil, headers, (body:gsub(mark, key, 1)))
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local report = os.getenv("BENCH_REPORT")
  if report == nil or report == "" then return end
  local e = summary.errors
  local out = assert(io.open(report, "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "mean": %.1f, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max))
  out:close()
end
