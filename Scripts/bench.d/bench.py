#!/usr/bin/env python3
"""compe's benchmarks against its peers, measured side by side in one run.

usage: bench.py COMPE [build] [incremental] [endpoint] [upload] [results] [ranking] [judge] [serve] [several]   (all when none named)

Environment: BENCH_DIR (work folder, default /tmp/compe-bench; put it on tmpfs, e.g.
/dev/shm/compe-bench, to measure the programs rather than the disk), BENCH_PAGES (10000),
BENCH_RUNS (5), BENCH_SECONDS (wrk duration, 10).
Prints one table and writes it to bench/results.md.
"""
import base64, json, os, random, re, shutil, socket, sqlite3, statistics, subprocess, sys, time, http.client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.environ.get("BENCH_DIR", "/tmp/compe-bench")
PAGES = int(os.environ.get("BENCH_PAGES", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
rows = []   # (bench, measure, value, target, verdict)


def row(bench, measure, value, target="", ok=None):
    verdict = "" if ok is None else ("met" if ok else "missed")
    rows.append((bench, measure, value, target, verdict))
    print(f"  {bench:12} {measure:44} {value:>22} {target:>14} {verdict}", flush=True)


def timed(cmd, cwd=None):
    """Wall seconds and peak RSS (MiB) of one run, from /usr/bin/time -v."""
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    wall, rss = p.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- build -------------------------------------------------------------------------------

def corpus():
    out = os.path.join(WORK, f"corpus-{PAGES}")
    if not os.path.exists(os.path.join(out, "done")):
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "corpus.py"), out, str(PAGES)], check=True)
        # The same pages with compe's built-in theme (hard links: same files, no templates).
        builtin = os.path.join(out, "compe-theme")
        os.makedirs(os.path.join(builtin, "Content"))
        shutil.copy(os.path.join(out, "compe/Content/site.yml"), os.path.join(builtin, "Content"))
        subprocess.run(["cp", "-al", os.path.join(out, "compe/Content/pages"), os.path.join(builtin, "Content/pages")], check=True)
        open(os.path.join(out, "done"), "w").close()
    return out


def bench_build(compe):
    c = corpus()
    floor = os.path.join(WORK, "floor")
    subprocess.run(["cc", "-O2", "-o", floor, os.path.join(HERE, "floor.c"), "-lmarkdown"], check=True)
    tools = {
        "compe": (["compe", "build", "--clean", "--content", "Content", "--static", "Static", "--out", "Public"],
                  [compe, "build", "--clean", "--content", "Content", "--static", "Static", "--out", "Public"],
                  os.path.join(c, "compe"), "Public"),
        "hugo": (["hugo"], ["hugo", "--quiet", "--destination", "public"], os.path.join(c, "hugo"), "public"),
        "floor": (["floor"], [floor, "compe/Content/pages", "floor-out"], c, "floor-out"),
        "compe-theme": (["compe"], [compe, "build", "--clean", "--content", "Content", "--static", "Static", "--out", "Public"],
                        os.path.join(c, "compe-theme"), "Public"),
    }
    results = {name: [] for name in tools}
    print(f"build: {PAGES} pages, {RUNS} runs each, alternating, output removed before every run", flush=True)
    for run in range(RUNS + 1):   # the first round warms the page cache and is not counted
        order = list(tools)[run % len(tools):] + list(tools)[:run % len(tools)]
        for name in order:
            _, cmd, cwd, out = tools[name]
            shutil.rmtree(os.path.join(cwd, out), ignore_errors=True)
            subprocess.run(["sync"])
            wall, rss = timed(cmd, cwd)
            if run > 0:
                results[name].append((wall, rss))
    med = {n: (statistics.median(w for w, _ in r), statistics.median(m for _, m in r)) for n, r in results.items()}
    for n in tools:
        row("build", f"{n} wall s / peak RSS MiB (median)", f"{med[n][0]:.2f} s / {med[n][1]:.0f} MiB")
    cw, cm = med["compe"]
    hw, hm = med["hugo"]
    fw, _ = med["floor"]
    row("build", "compe / hugo wall", f"{cw / hw:.2f}x", "<= 0.33x", cw / hw <= 0.33)
    row("build", "compe / hugo peak RSS", f"{cm / hm:.2f}x", "<= 0.15x", cm / hm <= 0.15)
    row("build", "compe / Discount-only floor wall", f"{cw / fw:.2f}x", "<= 1.50x", cw / fw <= 1.5)
    # Where compe's time goes.
    p = subprocess.run(tools["compe"][1] + ["--timings"], cwd=tools["compe"][2], capture_output=True, text=True, check=True)
    row("build", "compe steps (one --clean run)", p.stdout.strip().splitlines()[-1].replace(" ms", "").replace(", ", " "))
    # Rebuilds: nothing changed, then one page edited (the stat cache of the build before is
    # trusted only a second after it started, as git's racy rule asks, hence the pauses).
    again = lambda: int(re.search(r"in (\d+) ms", subprocess.run([compe, "build", "--timings"], cwd=tools["compe"][2],
                                                                  capture_output=True, text=True, check=True).stdout).group(1))
    time.sleep(1.1)
    again()
    time.sleep(1.1)
    noop = statistics.median(again() for _ in range(3))
    row("build", "compe build again, nothing changed (median)", f"{noop:.0f} ms", "<= 500 ms", noop <= 500)
    page = os.path.join(tools["compe"][2], "Content/pages/p100.md")
    original = open(page, encoding="utf-8").read()
    try:
        with open(page, "a", encoding="utf-8") as f:
            f.write("\n編集 edit\n")
        one = again()
    finally:
        with open(page, "w", encoding="utf-8") as f:
            f.write(original)
    row("build", "compe build, one page edited", f"{one} ms", "<= 500 ms", one <= 500)


# --- incremental ---------------------------------------------------------------------------

def start_server(cmd, cwd):
    server = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = server.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            return server, int(m.group(1))
    server.kill()
    raise RuntimeError("the server did not report its port")


def bench_incremental(compe):
    c = os.path.join(corpus(), "compe")
    server, port = start_server([compe, "serve", "--watch", "--port", "0", "--rate-limit", "0"], c)
    sse = socket.create_connection(("127.0.0.1", port))
    sse.sendall(b"GET /__compe/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    buf = b""

    def wait(event, timeout=10):
        nonlocal buf
        sse.settimeout(timeout)
        while event not in buf:
            buf += sse.recv(65536)
        buf = buf[buf.index(event) + len(event):]

    wait(b"event: hello")
    times = []
    originals = {}
    try:
        for k in range(1, 21):
            path = os.path.join(c, "Content/pages", f"p{k * 37}.md")
            originals[path] = open(path, encoding="utf-8").read()
            start = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(originals[path] + f"\n編集 edit {k}\n")
            wait(b"event: reload")
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.1)
    finally:
        for path, text in originals.items():
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        time.sleep(1)
        server.terminate()
        log = server.communicate(timeout=10)[0]
    rebuilds = [int(x) for x in re.findall(r"rebuilt in (\d+) ms", log)]
    med = statistics.median(times)
    row("incremental", "edit saved -> page told to reload, median", f"{med:.0f} ms (max {max(times):.0f})", "< 100 ms", med < 100)
    row("incremental", "server's own rebuild time, median", f"{statistics.median(rebuilds):.0f} ms" if rebuilds else "n/a")


# --- endpoint and upload -------------------------------------------------------------------

BRIEF = """---
title: Bench contest
opens: 2026-01-01T00:00:00+09:00
closes: 2099-12-31T17:00:00+09:00
uploads: {max_files: 5, max_file_mb: 1100, types: [pdf]}
criteria:
  - {id: c1, name: One, weight: 20, scale: [1, 10], rubric: r}
  - {id: c2, name: Two, weight: 20, scale: [1, 10], rubric: r}
  - {id: c3, name: Three, weight: 20, scale: [1, 10], rubric: r}
  - {id: c4, name: Four, weight: 20, scale: [1, 10], rubric: r}
  - {id: c5, name: Five, weight: 20, scale: [1, 10], rubric: r}
judging: {judges_per_entry: 3, blind: false}
---
Benchmark contest.
"""


def bench_site(name):
    d = os.path.join(WORK, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "Content/pages"))
    os.makedirs(os.path.join(d, "Content/contests/bench"))
    with open(os.path.join(d, "Content/site.yml"), "w") as f:
        f.write("title: Bench\nbase_url: https://bench.example.org\nlanguages: [ja]\ntimezone: Asia/Tokyo\n")
    with open(os.path.join(d, "Content/pages/index.md"), "w") as f:
        f.write("---\ntitle: Home\n---\nBench.\n")
    with open(os.path.join(d, "Content/contests/bench/brief.md"), "w") as f:
        f.write(BRIEF)
    return d


def rss_kib(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def load_entries(port, d):
    """The endpoint load (wrk, 2 threads, 32 connections, SECONDS, entries.lua) against `port`;
    returns (created, other answers, socket errors, acknowledged codes)."""
    acks = os.path.join(d, "acks")
    env = dict(os.environ, BENCH_CONTEST="bench", BENCH_ACKS=acks)
    p = subprocess.run(["wrk", "-t2", "-c32", f"-d{SECONDS}s", "-s", os.path.join(HERE, "entries.lua"),
                        f"http://127.0.0.1:{port}"], capture_output=True, text=True, env=env, check=True)
    created, other, errors = (int(x) for x in re.search(r"created=(\d+) other=(\d+) socket_errors=(\d+)", p.stdout).groups())
    acked = []
    for name in os.listdir(d):
        if name.startswith("acks-"):
            acked += open(os.path.join(d, name)).read().split()
    return created, other, errors, acked


def sqlite_codes(d):
    db = sqlite3.connect(os.path.join(d, "Data/compe.sqlite"))
    return {code for (code,) in db.execute("select code from entry where contest = 'bench'")}


def bench_endpoint(compe):
    d = bench_site("endpoint")
    subprocess.run([compe, "build"], cwd=d, check=True, capture_output=True)
    server, port = start_server([compe, "serve", "--port", "0", "--rate-limit", "0"], d)
    try:
        created, other, errors, acked = load_entries(port, d)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = sqlite_codes(d)
    missing = [c for c in acked if c not in stored]
    rate = created / SECONDS
    row("endpoint", f"accepted entries/s (wrk, 32 connections, {SECONDS} s)", f"{rate:.0f}/s", ">= 2000/s", rate >= 2000)
    row("endpoint", "non-201 answers / socket errors", f"{other} / {errors}")
    # wrk stops with requests in flight: the server may have stored a few it could not acknowledge.
    row("endpoint", "acknowledged entries missing from SQLite", f"{len(missing)} of {len(acked)} ({len(stored)} rows)", "0",
        not missing and len(acked) == created and len(set(acked)) == len(acked))


def bench_upload(compe):
    d = bench_site("upload")
    subprocess.run([compe, "build"], cwd=d, check=True, capture_output=True)
    server, port = start_server([compe, "serve", "--port", "0", "--rate-limit", "0"], d)
    size = 1 << 30
    boundary = "compe-bench-upload"
    fields = {"title": "Big", "summary": "1 GiB", "team_name": "T", "members": "A", "contact_email": "a@example.org",
              "country": "JP", "agree_terms": "yes"}
    head = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields.items())
    head += f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    tail = f"\r\n--{boundary}--\r\n".encode()
    pdf_head = b"%PDF-1.4\n"

    def body():
        yield head.encode() + pdf_head
        chunk = b"\0" * (1 << 20)
        left = size - len(pdf_head)
        while left > 0:
            n = min(left, len(chunk))
            yield chunk[:n]
            left -= n
        yield tail

    try:
        before = rss_kib(server.pid, "VmHWM")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        length = len(head.encode()) + size + len(tail)
        start = time.perf_counter()
        conn.request("POST", "/api/contests/bench/entries", body=body(), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length), "Accept": "application/json"})
        status = conn.getresponse().status
        seconds = time.perf_counter() - start
        after = rss_kib(server.pid, "VmHWM")
        resumed_status, resumed_seconds, cut_at = resumable_upload(port, size, pdf_head)
        after_resumed = rss_kib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    growth = (after - before) / 1024
    row("upload", "1 GiB streamed upload: status, time", f"{status} in {seconds:.1f} s")
    row("upload", "server peak RSS before -> after", f"{before / 1024:.0f} -> {after / 1024:.0f} MiB")
    row("upload", "peak RSS growth", f"{growth:.1f} MiB", "< 64 MiB", status == 201 and growth < 64)
    ratio = seconds / resumed_seconds if resumed_seconds else 0
    resumed_growth = (after_resumed - before) / 1024
    row("upload", f"1 GiB resumable (tus) upload, cut at {cut_at >> 20} MiB and resumed: entry status, time",
        f"{resumed_status} in {resumed_seconds:.1f} s")
    row("upload", "resumable throughput / plain POST's", f"{ratio:.2f}x", ">= 0.8x", resumed_status == 201 and ratio >= 0.8)
    row("upload", "peak RSS growth over both uploads", f"{resumed_growth:.1f} MiB", "< 64 MiB", resumed_growth < 64)


def resumable_upload(port, size, pdf_head):
    """A 1 GiB file by tus: created, a first PATCH cut off by the client after 300 MiB, HEAD for
    the offset, the rest in 128 MiB PATCHes, then the entry naming the upload. Returns the
    entry's status, the seconds spent sending (not the pause after the cut) and where it was cut."""
    key = "bench-upload-key-0001"
    tus = {"Tus-Resumable": "1.0.0", "Compe-Upload-Key": key}
    meta = "contest " + base64.b64encode(b"bench").decode() + ",filename " + base64.b64encode(b"big.pdf").decode()
    zeros = b"\0" * (1 << 20)

    def piece(offset, count):
        left = count
        if offset == 0:
            yield pdf_head
            left -= len(pdf_head)
        while left > 0:
            n = min(left, len(zeros))
            yield zeros[:n]
            left -= n

    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/api/uploads/", headers=dict(tus, **{"Upload-Length": str(size), "Upload-Metadata": meta}))
    response = conn.getresponse()
    response.read()
    location = response.getheader("Location")
    cut_at = 300 << 20
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall((f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nCompe-Upload-Key: {key}\r\n"
                  f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {512 << 20}\r\n\r\n").encode())
    for chunk in piece(0, cut_at):
        sock.sendall(chunk)
    sock.close()                                  # the link drops
    paused = time.perf_counter()
    time.sleep(0.5)
    resumed = time.perf_counter()
    offset = 0
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("HEAD", location, headers=tus)
        offset = int(conn.getresponse().getheader("Upload-Offset"))
        if offset >= cut_at or time.perf_counter() - resumed > 10:
            break
        time.sleep(0.1)
    while offset < size:
        count = min(128 << 20, size - offset)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("PATCH", location, body=piece(offset, count), headers=dict(tus, **{
            "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream", "Content-Length": str(count)}))
        answer = conn.getresponse()
        answer.read()
        if answer.status != 204:
            return answer.status, 0, cut_at
        offset = int(answer.getheader("Upload-Offset"))
    entry = json.dumps({"title": "Big, resumed", "summary": "1 GiB", "team_name": "T", "members": "A", "contact_email": "a@example.org",
                        "country": "JP", "agree_terms": True, "uploads": [location.rsplit("/", 1)[-1]]})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/api/contests/bench/entries", body=entry, headers={
        "Content-Type": "application/json", "Accept": "application/json", "Compe-Upload-Key": key})
    status = conn.getresponse().status
    return status, (time.perf_counter() - start) - (resumed - paused), cut_at


# --- results -------------------------------------------------------------------------------

def bench_results(compe):
    d = bench_site("results")
    run = lambda *a: subprocess.run([compe] + list(a), cwd=d, check=True, capture_output=True, text=True)
    run("build")
    server, _ = start_server([compe, "serve", "--port", "0"], d)   # compe itself creates Data/ and the schema
    server.terminate()
    server.wait(timeout=30)
    db = sqlite3.connect(os.path.join(d, "Data/compe.sqlite"))
    rng = random.Random(7)
    now = "2027-01-01T00:00:00.000Z"
    db.executemany("insert into entry (id, code, contest, title, summary, team_name, members, contact_email, country, language, "
                   "token_salt, token_hash, received_at, updated_at) values (?, ?, 'bench', ?, 's', ?, 'm', ?, 'Japan', 'ja', x'00', x'00', ?, ?)",
                   [(i, f"E-{i:04d}", f"Entry {i}", f"Team {i}", f"t{i}@example{i}.org", now, now) for i in range(1, 10001)])
    judges = [f"j{k:02d}" for k in range(1, 31)]
    db.executemany("insert into judge (handle, name, created_at) values (?, ?, ?)", [(j, j.upper(), now) for j in judges])
    db.executemany("insert into panel (contest, stage, judge, added_at) values ('bench', 'screening', ?, ?)", [(j, now) for j in judges])
    db.commit()
    start = time.perf_counter()
    run("assign", "bench", "--per-entry", "3", "--seed", "1")
    assign_s = time.perf_counter() - start
    pairs = db.execute("select entry_id, judge from assignment where contest = 'bench'").fetchall()
    bias = {j: rng.uniform(-1.5, 1.5) for j in judges}
    quality = {i: rng.uniform(3, 8) for i in range(1, 10001)}
    scores = [(e, j, c, max(1, min(10, round(quality[e] + bias[j] + rng.gauss(0, 1)))), now)
              for e, j in pairs for c in ("c1", "c2", "c3", "c4", "c5")]
    db.executemany("insert into score (contest, stage, entry_id, judge, criterion, value, updated_at) values ('bench', 'screening', ?, ?, ?, ?, ?)", scores)
    db.commit()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run("results", "bench", "--json")
        times.append(time.perf_counter() - start)
    med = statistics.median(times)
    row("results", f"compe assign: 10,000 entries x 30 judges, 3 each", f"{assign_s:.2f} s", "<= 0.5 s", assign_s <= 0.5)
    row("results", f"compe results: 10,000 x 3 judges x 5 criteria", f"{med:.2f} s", "< 1 s", med < 1)


# --- ranking simulation --------------------------------------------------------------------

def bench_ranking(compe):
    """Simulated contests over a grid (entries 20/100/500, 2/3/5 judges per entry as `compe assign`
    makes it, offsets' s.d. 0-2x and noise 0-1x the qualities' s.d.), ranked by the raw mean,
    per-judge z-scores, the first-phase model (ridge, lambda = 1) and compe's REML model, scored by
    Kendall's tau and top-3 precision against the true qualities. The full table goes to
    bench/ranking.md; the summary to bench/results.md."""
    sim = os.path.join(os.path.dirname(compe), "compe-ranking-sim")
    per_cell = os.environ.get("BENCH_CONTESTS_PER_CELL", "40")
    out = subprocess.run([sim, per_cell], capture_output=True, text=True, check=True).stdout
    table = [line for line in out.splitlines() if line.startswith("|")]
    summary = dict(re.findall(r"(\w+)=(\S+)", out.split("summary:")[1].splitlines()[0]))
    shortfall = re.search(r"largest_shortfall=\S+( \((.*)\))?", out)
    with open(os.path.join(ROOT, "bench/ranking.md"), "w") as f:
        f.write(f"# Ranking simulation ({time.strftime('%Y-%m-%d', time.gmtime())})\n\n"
                f"{summary['contests']} simulated contests, {per_cell} per cell; mean Kendall tau and top-3 precision against the "
                "true qualities (qualities s.d. 10 on a 0-100 scale; offsets and noise normal). Written by `Scripts/bench ranking`.\n\n")
        f.write("\n".join(table) + "\n\n" + out.split("summary:")[1].strip() + "\n")
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table[2:]]
    differ = [c for c in cells if c[2] != "0.0×"]
    means = [sum(float(c[4 + m]) for c in differ) / len(differ) for m in range(4)]
    row("ranking", f"contests simulated ({summary['cells']} cells)", summary["contests"], ">= 1000", int(summary["contests"]) >= 1000)
    row("ranking", "mean tau where judges differ: raw/z/ridge/REML", " / ".join(f"{m:.3f}" for m in means))
    n_cells = int(summary["cells"])
    row("ranking", "cells where REML trails no method (2 s.e.)", f"{summary['not_behind_any']}/{n_cells}", f"{n_cells}/{n_cells}",
        int(summary["not_behind_any"]) == n_cells)
    ahead, of = summary["ahead_of_raw_and_z_where_judges_differ"].split("/")
    row("ranking", "REML ahead of raw mean and z where judges differ", f"{ahead}/{of}", "most", int(ahead) > int(of) // 2)
    row("ranking", "largest shortfall in tau", summary["largest_shortfall"] + (f" ({shortfall.group(2)})" if shortfall.group(2) else ""))


# --- judge API ------------------------------------------------------------------------------

def bench_judge(compe):
    """200 judges x 50 assignments in a blind contest, each judge with a token: the queue's
    latency with every judge asking in turn, then score PUTs to every assignment in turn."""
    import hashlib, secrets
    d = bench_site("judge")
    with open(os.path.join(d, "Content/contests/bench/brief.md"), "w") as f:
        f.write(BRIEF.replace("blind: false", "blind: true"))
    run = lambda *a: subprocess.run([compe] + list(a), cwd=d, check=True, capture_output=True, text=True)
    run("build")
    server, _ = start_server([compe, "serve", "--port", "0"], d)   # creates Data/ and the schema
    server.terminate()
    server.wait(timeout=30)
    db = sqlite3.connect(os.path.join(d, "Data/compe.sqlite"))
    now = "2027-01-01T00:00:00.000Z"
    db.executemany("insert into entry (id, code, contest, title, summary, team_name, members, contact_email, country, language, "
                   "token_salt, token_hash, received_at, updated_at) values (?, ?, 'bench', ?, 's', ?, 'm', ?, 'Japan', 'ja', x'00', x'00', ?, ?)",
                   [(i, f"E-{i:04d}", f"Entry {i}", f"Team {i}", f"t{i}@example{i}.org", now, now) for i in range(1, 5001)])
    judges = [f"j{k:03d}" for k in range(1, 201)]
    tokens = {j: "cjt_" + secrets.token_urlsafe(32) for j in judges}
    db.executemany("insert into judge (handle, name, created_at) values (?, ?, ?)", [(j, j.upper(), now) for j in judges])
    db.executemany("insert into panel (contest, stage, judge, added_at) values ('bench', 'screening', ?, ?)", [(j, now) for j in judges])
    db.executemany("insert into judge_token (judge, token_hash, created_at) values (?, ?, ?)",
                   [(j, hashlib.sha256(t.encode()).digest(), now) for j, t in tokens.items()])
    db.commit()
    run("assign", "bench", "--per-entry", "2", "--seed", "1")
    pairs = db.execute("select judge, blind_code from assignment where contest = 'bench' order by blind_code").fetchall()
    per_judge = max(sum(1 for p in pairs if p[0] == j) for j in judges)
    pairs_file = os.path.join(d, "pairs.txt")
    with open(pairs_file, "w") as f:
        f.writelines(f"{tokens[j]} {code}\n" for j, code in pairs)
    server, port = start_server([compe, "serve", "--port", "0"], d)
    try:
        results = {}
        for mode in ("queue", "score"):
            env = dict(os.environ, BENCH_JUDGE_MODE=mode, BENCH_JUDGE_PAIRS=pairs_file)
            p = subprocess.run(["wrk", "-t2", "-c32" if mode == "score" else "-c8", f"-d{SECONDS}s", "-s", os.path.join(HERE, "judge.lua"),
                                f"http://127.0.0.1:{port}"], capture_output=True, text=True, env=env, check=True)
            results[mode] = [int(x) for x in re.search(r"ok=(\d+) other=(\d+) p50_us=(\d+) p99_us=(\d+)", p.stdout).groups()]
    finally:
        server.terminate()
        server.wait(timeout=30)
    ok, other, p50, p99 = results["queue"]
    row("judge", f"GET /api/judge/queue p50 / p99 (200 judges x {per_judge})", f"{p50 / 1000:.1f} / {p99 / 1000:.1f} ms", "p99 < 20 ms",
        p99 < 20_000 and other == 0)
    ok, other, p50, p99 = results["score"]
    rate = ok / SECONDS
    row("judge", "PUT .../score (wrk, 32 connections)", f"{rate:.0f}/s ({other} not 200)", ">= 2000/s", rate >= 2000 and other == 0)
    audited = db.execute("select count(distinct entry_id || judge) from score_audit where source = 'api'").fetchone()[0]
    row("judge", "sheets scored through the API", f"{audited}")


# --- static serving ---------------------------------------------------------------------------

NGINX_CONF = """
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {d}/nginx-access.log combined buffer=64k flush=1s;
    client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    gzip_static on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri $uri/ =404; etag on; }}
    }}
}}
"""


def bench_serve(compe):
    """The sample's open contest page, served from the same Public/ by compe and by nginx,
    with keep-alive (wrk, 2 threads, 32 connections), plain and gzip, alternating."""
    d = os.path.join(WORK, "serve")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "tmp"))
    for name in ("Content", "Static"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(d, name))
    subprocess.run([compe, "build"], cwd=d, check=True, capture_output=True)
    page = "/contests/sme-support-ui/"
    nginx_port = free_port()
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(d=d, port=nginx_port, root=os.path.join(d, "Public")))
    nginx = subprocess.Popen(["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = open(os.path.join(d, "compe.log"), "w")
    compe_server = subprocess.Popen([compe, "serve", "--port", "0", "--rate-limit", "0"], cwd=d, stdout=subprocess.PIPE,
                                    stderr=log, text=True)
    port = None
    while port is None:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", compe_server.stdout.readline())
        port = m and int(m.group(1))
    time.sleep(0.5)

    def wrk(p, gzip):
        args = ["wrk", "-t2", "-c32", f"-d{SECONDS}s"] + (["-H", "Accept-Encoding: gzip"] if gzip else []) + [f"http://127.0.0.1:{p}{page}"]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def head(p, gzip):
        conn = http.client.HTTPConnection("127.0.0.1", p)
        conn.request("GET", page, headers={"Accept-Encoding": "gzip"} if gzip else {})
        r = conn.getresponse()
        body = r.read()
        return r.status, r.getheader("Content-Encoding"), len(body)

    try:
        for gzip in (False, True):
            for name, p in (("nginx", nginx_port), ("compe", port)):
                status, encoding, size = head(p, gzip)
                if status != 200 or (encoding == "gzip") != gzip:
                    raise RuntimeError(f"{name} answered {status} {encoding} ({size} bytes) for gzip={gzip}")
            rates = {"nginx": [], "compe": []}
            for _ in range(2):   # alternating, so drift hits both
                for name, p in (("nginx", nginx_port), ("compe", port)):
                    rates[name].append(wrk(p, gzip))
            label = "gzip" if gzip else "plain"
            n, c = statistics.median(rates["nginx"]), statistics.median(rates["compe"])
            row("serve", f"{label}: nginx / compe requests/s ({page})", f"{n:.0f} / {c:.0f}")
            row("serve", f"{label}: compe / nginx", f"{c / n:.2f}x", ">= 0.50x", c / n >= 0.5)
    finally:
        compe_server.terminate()
        nginx.terminate()
        compe_server.wait(timeout=30)
        nginx.wait(timeout=30)


PROXY_CONF = """
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
    client_max_body_size 10m;
    upstream compe {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        keepalive_requests 100000;
        location / {{
            proxy_pass http://compe;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def bench_several(compe):
    """Entries through nginx: one compe on SQLite, then two compe instances on one PostgreSQL
    (a throwaway cluster from Debian's postgresql, fsync on), the same wrk load (32 connections),
    every acknowledged entry checked in the database afterwards."""
    cluster = os.path.join(WORK, "several-cluster")
    subprocess.run([os.path.join(ROOT, "Scripts/postgres-cluster"), "stop", cluster], capture_output=True)
    os.makedirs(cluster)
    os.chmod(cluster, 0o755)
    url = subprocess.run([os.path.join(ROOT, "Scripts/postgres-cluster"), "start", cluster, str(free_port())],
                         capture_output=True, text=True, check=True).stdout.strip()
    try:
        results = {}
        for label, count, database in (("SQLite, 1 instance", 1, None), ("PostgreSQL, 2 instances", 2, url)):
            d = bench_site("several-" + ("pg" if database else "sqlite"))
            os.makedirs(os.path.join(d, "tmp"))
            subprocess.run([compe, "build"], cwd=d, check=True, capture_output=True)
            servers = []
            for _ in range(count):
                args = [compe, "serve", "--port", "0", "--rate-limit", "0", "--trusted-proxy", "127.0.0.1"]
                servers.append(start_server(args + (["--database", database] if database else []), d))
            port = free_port()
            with open(os.path.join(d, "nginx.conf"), "w") as f:
                f.write(PROXY_CONF.format(d=d, port=port, servers="\n".join(f"        server 127.0.0.1:{p};" for _, p in servers)))
            nginx = subprocess.Popen(["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            try:
                created, other, errors, acked = load_entries(port, d)
            finally:
                nginx.terminate()
                nginx.wait(timeout=30)
                for server, _ in servers:
                    server.terminate()
                    server.wait(timeout=30)
            if database:
                out = subprocess.run(["psql", database, "-qAtc", "SELECT code FROM entry WHERE contest = 'bench'"],
                                     capture_output=True, text=True, check=True).stdout
                stored = set(out.split())
            else:
                stored = sqlite_codes(d)
            missing = [c for c in acked if c not in stored]
            rate = created / SECONDS
            results[label] = rate
            row("several", f"{label} via nginx: entries/s", f"{rate:.0f}/s", ">= 2000/s" if database else "",
                rate >= 2000 if database else None)
            row("several", f"{label}: non-201 / socket errors / lost", f"{other} / {errors} / {len(missing)} of {len(acked)}", "0 lost",
                not missing and len(acked) == created and len(set(acked)) == len(acked))
        row("several", "PostgreSQL (2) / SQLite (1)", f"{results['PostgreSQL, 2 instances'] / results['SQLite, 1 instance']:.2f}x")
    finally:
        subprocess.run([os.path.join(ROOT, "Scripts/postgres-cluster"), "stop", cluster], capture_output=True)


def main():
    compe = os.path.abspath(sys.argv[1])
    chosen = sys.argv[2:] or ["build", "incremental", "endpoint", "upload", "results", "ranking", "judge", "serve", "several"]
    os.makedirs(WORK, exist_ok=True)
    benches = {"build": bench_build, "incremental": bench_incremental, "endpoint": bench_endpoint,
               "upload": bench_upload, "results": bench_results, "ranking": bench_ranking, "judge": bench_judge, "serve": bench_serve,
               "several": bench_several}
    for name in chosen:
        if name not in benches:
            sys.exit(f"bench: unknown bench '{name}' (known: {', '.join(benches)})")
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip().split(" ")[0:2]
    print(f"compe bench: {cpu} cores, work folder {WORK}, {' '.join(hugo)}", flush=True)
    for name in chosen:
        benches[name](compe)
    os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
    # Rows of benches not run this time are kept, each bench with the date it was measured.
    path = os.path.join(ROOT, "bench/results.md")
    kept = []
    if os.path.exists(path):
        text = open(path).read()
        before = (re.search(r"(\d{4}-\d{2}-\d{2}) \d{2}:\d{2} UTC", text) or [None, ""])[1]
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and len(cells) >= 5 and cells[0] not in chosen and cells[0] not in ("bench", "---"):
                kept.append(line if len(cells) >= 6 else line + f" {before} |")
    stamp = time.strftime('%Y-%m-%d', time.gmtime())
    with open(path, "w") as f:
        f.write(f"# Scripts/bench results\n\nLast run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cpu} cores, "
                f"work folder `{WORK}`, {' '.join(hugo)}, {PAGES} pages, {RUNS} runs.\n\n")
        f.write("| bench | measure | value | target | verdict | measured |\n|---|---|---|---|---|---|\n")
        for line in kept:
            f.write(line + "\n")
        for r in rows:
            f.write("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + f" | {stamp} |\n")
    print(f"written to bench/results.md")


if __name__ == "__main__":
    main()
