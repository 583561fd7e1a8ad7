-- wrk script for `Scripts/bench endpoint`: posts a small valid entry (fields + a 1 KiB PDF)
-- to the contest named by BENCH_CONTEST, counts 201s and everything else per thread, writes
-- the code of every acknowledged entry to BENCH_ACKS-<thread> (for the zero-loss check), and
-- prints "created=N other=M" at the end.
local contest = os.getenv("BENCH_CONTEST") or "bench"
local boundary = "compe-bench-boundary-7f3a"
local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
local filler = string.rep("0123456789abcdef", 64)
wrk.method = "POST"
wrk.path = "/api/contests/" .. contest .. "/entries"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Accept"] = "application/json"
local head = field("title", "Bench entry") .. field("summary", "A design for the benchmark.") ..
  field("team_name", "Bench team") .. field("members", "Aiko\nBen") .. field("contact_email", "bench@example.org") ..
  field("country", "JP") .. field("agree_terms", "yes") ..
  "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"design.pdf\"\r\n" ..
  "Content-Type: application/pdf\r\n\r\n"
local tail = "\r\n--" .. boundary .. "--\r\n"
local sent = 0

-- Every entry carries a different file (thread id and counter in the PDF), so each upload is
-- new content that the server must write and sync, as real entries are.
function request()
  sent = sent + 1
  local pdf = "%PDF-1.4\n%bench " .. id .. "-" .. sent .. "\n" .. filler .. "\n%%EOF\n"
  return wrk.format(nil, nil, nil, head .. pdf .. tail)
end

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
