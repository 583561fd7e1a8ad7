-- wrk script for `Scripts/bench judge`. BENCH_JUDGE_PAIRS names a file of "token ref" lines
-- (200 judges x their assignments); BENCH_JUDGE_MODE is "queue" (GET /api/judge/queue with
-- each judge's token in turn) or "score" (PUT a score to each assignment in turn). Prints
-- "ok=N other=M" at the end.
local mode = os.getenv("BENCH_JUDGE_MODE") or "queue"
local pairs_file = os.getenv("BENCH_JUDGE_PAIRS")
local pairs = {}
for line in io.lines(pairs_file) do
  local token, ref = line:match("^(%S+) (%S+)$")
  if token then pairs[#pairs + 1] = { token, ref } end
end
local n = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  ok, other = 0, 0
  n = (id or 1) * 7919
end

function request()
  n = n + 1
  local p = pairs[(n % #pairs) + 1]
  local headers = { ["Authorization"] = "Bearer " .. p[1], ["Accept"] = "application/json" }
  if mode == "queue" then
    return wrk.format("GET", "/api/judge/queue", headers, nil)
  end
  headers["Content-Type"] = "application/json"
  local v = (n % 10) + 1
  local body = string.format('{"values":{"c1":%d,"c2":%d,"c3":%d,"c4":%d,"c5":%d}}', v, v, (v % 10) + 1, v, v)
  return wrk.format("PUT", "/api/judge/entries/" .. p[2] .. "/score", headers, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_other = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_other = total_other + t:get("other")
  end
  io.write(string.format("ok=%d other=%d p50_us=%d p99_us=%d\n", total_ok, total_other,
                         latency:percentile(50), latency:percentile(99)))
end
