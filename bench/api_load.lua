-- wrk script of bench/api_load.py: requests from a file, status classes counted here.
--
--   wrk -t2 -c16 -d15s -s bench/api_load.lua http://127.0.0.1:PORT -- FILE MODE
--
-- FILE has one request per line: METHOD <TAB> PATH <TAB> BODY [<TAB> "Name: value"]...
-- MODE "cycle": each thread goes round all the lines again and again, from its own
-- starting point (bearer tokens that stay valid). MODE "once": each line is sent at most once (refresh tokens and
-- authorization codes are single-use): a thread that runs out stops and says so — the
-- caller mints more and runs again, never re-sends a spent credential.
--
-- wrk's own "Non-2xx or 3xx responses" line counts a 3xx as a success; response() below
-- counts every status outside 2xx, and 5xx apart. done() prints one line that
-- bench/api_load.py parses: "BENCH_RESULT {json}".

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function split(line, sep)
  local fields, start = {}, 1
  while true do
    local i = string.find(line, sep, start, true)
    if not i then
      table.insert(fields, string.sub(line, start))
      return fields
    end
    table.insert(fields, string.sub(line, start, i - 1))
    start = i + 1
  end
end

function init(args)
  local file, mode = args[1], args[2]
  local nthreads = tonumber(args[3] or "1")  -- setup() ran in another Lua state
  once = (mode == "once")
  requests_list = {}
  local n = 0
  for line in io.lines(file) do
    if line ~= "" then
      -- "once": each thread its own lines; "cycle": every thread all lines, from its own
      -- starting point (a one-line file serves every thread)
      if not once or n % nthreads == id then
        local f = split(line, "\t")
        local headers = {}
        for k = 4, #f do
          local colon = string.find(f[k], ":", 1, true)
          headers[string.sub(f[k], 1, colon - 1)] = string.sub(f[k], colon + 2)
        end
        local body = f[3] ~= "" and f[3] or nil
        table.insert(requests_list, wrk.format(f[1], f[2], headers, body))
      end
      n = n + 1
    end
  end
  position = once and 0 or math.floor(#requests_list * id / nthreads)
  non2xx, s3xx, s4xx, s5xx, exhausted = 0, 0, 0, 0, 0
  sample_status, sample_body = 0, ""
end

function request()
  position = position + 1
  if position > #requests_list then
    if once then
      exhausted = 1
      wrk.thread:stop()
      -- stop() takes effect after this request: send one that spends nothing.
      return wrk.format("GET", "/__bench_exhausted__")
    end
    position = 1
  end
  return requests_list[position]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    if exhausted == 1 then
      return
    end
    non2xx = non2xx + 1
    if status >= 500 then
      s5xx = s5xx + 1
    elseif status >= 400 then
      s4xx = s4xx + 1
    elseif status >= 300 then
      s3xx = s3xx + 1
    end
    if sample_status == 0 or (status >= 500 and sample_status < 500) then
      sample_status = status
      sample_body = string.sub(body or "", 1, 300)
    end
  end
end

local function quote(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local t = { non2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, exhausted = 0 }
  local sample_status, sample_body = 0, ""
  for _, thread in ipairs(threads) do
    for key, _ in pairs(t) do
      t[key] = t[key] + (thread:get(key) or 0)
    end
    local st = thread:get("sample_status") or 0
    if st ~= 0 and (sample_status == 0 or (st >= 500 and sample_status < 500)) then
      sample_status = st
      sample_body = thread:get("sample_body") or ""
    end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\"requests\":%d,\"duration_us\":%d,\"connect_errors\":%d," ..
    "\"read_errors\":%d,\"write_errors\":%d,\"timeouts\":%d,\"non2xx\":%d,\"s3xx\":%d," ..
    "\"s4xx\":%d,\"s5xx\":%d,\"exhausted\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p95_us\":%d,\"p99_us\":%d," ..
    "\"max_us\":%d,\"mean_us\":%.1f,\"sample_status\":%d,\"sample_body\":%s}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    t.non2xx, t.s3xx, t.s4xx, t.s5xx, t.exhausted,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99),
    latency.max, latency.mean, sample_status, quote(sample_body)))
end
