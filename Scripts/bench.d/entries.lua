-- wrk script for `Scripts/bench endpoint`: posts a small valid entry (fields + a 1 KiB PDF)
-- to the contest named by BENCH_CONTEST, counts 201s and everything else per thread, writes
-- the code of every acknowledged entry to BENCH_ACKS-<thread> (for the zero-loss check), and
-- prints "created=N other=M" at the end.
local contest = os.getenv("BENCH_CONTEST") or "bench"
local boundary = "compe-bench-boundary-7f3a"
local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
local pdf = "%PDF-1.4\n%bench\n" .. string.rep("0123456789abcdef", 64) .. "\n%%EOF\n"
wrk.method = "POST"
wrk.path = "/api/contests/" .. contest .. "/entries"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Accept"] = "application/json"
wrk.body = field("title", "Bench entry") .. field("summary", "A design for the benchmark.") ..
  field("team_name", "Bench team") .. field("members", "Aiko\nBen") .. field("contact_email", "bench@example.org") ..
  field("country", "Japan") .. field("agree_terms", "yes") ..
  "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"design.pdf\"\r\n" ..
  "Content-Type: application/pdf\r\n\r\n" .. pdf .. "\r\n--" .. boundary .. "--\r\n"

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  created = 0; other = 0
  acks = io.open((os.getenv("BENCH_ACKS") or "/tmp/compe-acks") .. "-" .. id, "w")
end
function response(status, headers, body)
  if status == 201 then
    created = created + 1
    acks:write((string.match(body, '"id"%s*:%s*"(E%-%d+)"') or "?"), "\n")
    acks:flush()
  else
    other = other + 1
  end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("created=%d other=%d socket_errors=%d\n", c, o,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
