"""Several machines, end to end: the real compe binary, a real PostgreSQL 15 cluster (initdb and
pg_ctl from Debian's postgresql package, on a loopback port, removed afterwards) and nginx in
front of two compe instances.

1. Migration: a copy of the sample site takes entries on SQLite, judges score them through the
   command line; `compe migrate --from Data --to postgres://…` copies everything (a second run is
   refused: the target is not empty); the results and every entry read the same on PostgreSQL, and
   new entries continue the numbering.
2. Two instances behind nginx on the one database: an Idempotency-Key replayed through the other
   instance gets the first entry and token.
3. Crash: 8 clients upload through nginx while one instance is killed with SIGKILL three times
   (and started again); clients retry what was not acknowledged with the same key. Every
   acknowledged entry is present with the file hash it was acknowledged with, no entry exists
   twice, no number is used twice, and `compe fsck` finds nothing damaged (`--repair` tidies
   what a killed upload left).
4. The database stops under load: clients get 503 with Retry-After (never a 500) while it is down,
   the instances reconnect by themselves when it is back, no acknowledged entry is lost.
Prints "several machines: … passed/failed" and exits non-zero on any failure.
"""
import hashlib, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import compe_binary, free_port  # noqa: E402

CONTEST = "sme-support-ui"
CLUSTER = os.path.join(ROOT, "Scripts", "postgres-cluster")
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {str(detail)[:600]}"), flush=True)
    if not ok:
        failures.append(name)


def wait_for(predicate, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def multipart(title, key_marker):
    boundary = "compe-" + uuid.uuid4().hex
    pdf = f"%PDF-1.4\n% {key_marker}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".encode()
    fields = {"title": title, "summary": "A design", "team_name": "Team " + key_marker[:8], "members": "Member One",
              "contact_email": "entrant@example.org", "country": "JP", "agree_terms": "yes", "lang": "en"}
    body = b""
    for k, v in fields.items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode() + v.encode() + b"\r\n"
    body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"d.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".encode()
    body += pdf + f"\r\n--{boundary}--\r\n".encode()
    return body, boundary, hashlib.sha256(pdf).hexdigest()


def post(port, title, key=None, marker=None):
    """POSTs an entry; returns (status, json, sha256 of the file, headers)."""
    marker = marker or uuid.uuid4().hex
    body, boundary, sha = multipart(title, marker)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/contests/{CONTEST}/entries", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read()), sha, dict(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {"raw": raw[:200].decode(errors="replace")}
        return e.code, answer, sha, dict(e.headers)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
        return 0, {"error": str(e)}, sha, {}


def get_json(url):
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


class Instance:
    """One `compe serve` on a fixed port (so nginx's upstream stays right across restarts)."""

    def __init__(self, compe, work, port, database):
        self.compe, self.work, self.port, self.database = compe, work, port, database
        self.process = None

    def start(self):
        args = [self.compe, "serve", "--port", str(self.port), "--rate-limit", "0", "--trusted-proxy", "127.0.0.1"]
        if self.database:
            args += ["--database", self.database]
        log = os.path.join(self.work, f"serve-{self.port}.log")
        offset = os.path.getsize(log) if os.path.exists(log) else 0
        with open(log, "a") as out:
            self.process = subprocess.Popen(args, cwd=self.work, stdout=out, stderr=subprocess.STDOUT, text=True)
        started = lambda: f"127.0.0.1:{self.port}/" in open(log).read()[offset:]
        if not wait_for(started, 30):
            raise RuntimeError("compe serve did not start: " + open(log).read()[-2000:])

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_nginx(work, ports):
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    temp = os.path.join(work, "nginx-temp")
    os.makedirs(temp, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in ports)
    with open(conf, "w") as f:
        f.write(f"""
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    client_max_body_size 50m;
    upstream compe {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://compe;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto http;
        }}
    }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() is None, 10):
        raise RuntimeError("nginx did not start: " + process.stderr.read().decode())
    return process, port


def compe_cli(compe, work, *args):
    return subprocess.run([compe] + list(args), cwd=work, capture_output=True, text=True, timeout=120)


def entries_on(compe, work, database):
    out = compe_cli(compe, work, "entries", "list", CONTEST, "--json", "--database", database)
    return json.loads(out.stdout) if out.returncode == 0 else None


class Clients:
    """Uploaders through nginx: each logical entry has one Idempotency-Key and is sent again
    (same key, same body) until it is acknowledged."""

    def __init__(self, port, count, prefix):
        self.port, self.count, self.prefix = port, count, prefix
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = {}   # key -> (code, token, sha, title)
        self.statuses = {}
        self.retry_after_missing = 0
        self.threads = []

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            key, title, marker = f"{self.prefix}-{n}-{i}", f"{self.prefix} client {n} entry {i}", uuid.uuid4().hex
            while True:
                status, answer, sha, headers = post(self.port, title, key=key, marker=marker)
                with self.lock:
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if status == 503 and "Retry-After" not in headers:
                        self.retry_after_missing += 1
                if status == 201:
                    with self.lock:
                        self.acknowledged[key] = (answer["id"], answer["edit_token"], sha, title, [f["sha256"] for f in answer["files"]])
                    break
                if status not in (0, 502, 503, 504):
                    with self.lock:
                        self.statuses.setdefault("unexpected", []).append((status, answer))
                    break
                if self.stop.is_set() and status != 503:
                    break
                time.sleep(0.1)
            i += 1

    def start(self):
        for n in range(self.count):
            t = threading.Thread(target=self.run, args=(n,), daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)


def main():
    compe = compe_binary()
    work = tempfile.mkdtemp(prefix="compe-several-")
    cluster = tempfile.mkdtemp(prefix="compe-pg-")
    os.chmod(cluster, 0o755)
    instances, nginx = [], None
    try:
        base = subprocess.run([CLUSTER, "start", cluster, str(free_port())], capture_output=True, text=True, check=True).stdout.strip()
        database = base  # postgres://compe@127.0.0.1:PORT/compe
        for name in ("Content", "Static"):
            shutil.copytree(os.path.join(ROOT, name), os.path.join(work, name))
        subprocess.run([compe, "build"], cwd=work, check=True, capture_output=True)

        # 1. SQLite first, then migrate.
        single = Instance(compe, work, free_port(), None)
        single.start()
        before = [post(single.port, f"Before the move {i}") for i in range(5)]
        check("entries stored on SQLite", all(s == 201 for s, *_ in before), [s for s, *_ in before])
        single.stop()
        for args in (["judges", "add", "sato", "--name", "Sato"], ["judges", "add", "kim", "--name", "Kim"],
                     ["panel", "add", CONTEST, "sato", "kim"], ["assign", CONTEST, "--per-entry", "2", "--seed", "3"]):
            r = compe_cli(compe, work, *args)
            check("sqlite: compe " + " ".join(args[:2]), r.returncode == 0, r.stderr)
        for judge in ("sato", "kim"):
            queue = json.loads(compe_cli(compe, work, "judge", "queue", "--judge", judge, "--json").stdout)
            for n, item in enumerate(queue):
                r = compe_cli(compe, work, "judge", "score", item["ref"], "--judge", judge, "--set", f"usability={3 + n}",
                              "--set", "originality=5", "--set", f"feasibility={8 - n}")
                check(f"sqlite: {judge} scores {item['ref']}", r.returncode == 0, r.stderr)
        results_before = json.loads(compe_cli(compe, work, "results", CONTEST, "--json").stdout)

        r = compe_cli(compe, work, "migrate", "--from", "Data", "--to", database)
        check("compe migrate copies and verifies", r.returncode == 0 and "every table read back and matched" in r.stdout, r.stdout + r.stderr)
        print(r.stdout.strip())
        again = compe_cli(compe, work, "migrate", "--from", "Data", "--to", database)
        check("a second migrate is refused: the target is not empty", again.returncode == 1 and "not empty" in again.stderr, again.stderr)
        results_after = json.loads(compe_cli(compe, work, "results", CONTEST, "--json", "--database", database).stdout)
        check("results read the same on PostgreSQL", results_after == results_before,
              (json.dumps(results_before)[:300], json.dumps(results_after)[:300]))
        for args in (["judges", "list"], ["mail", "status"]):
            r = compe_cli(compe, work, *args, "--database", database)
            check(f"postgres: compe {' '.join(args)}", r.returncode == 0, r.stderr)
        backup = compe_cli(compe, work, "backup", os.path.join(work, "b.tar"), "--database", database)
        check("compe backup on PostgreSQL points to pg_dump", backup.returncode == 1 and "pg_dump" in backup.stderr, backup.stderr)

        # 2. Two instances behind nginx on one database.
        instances = [Instance(compe, work, free_port(), database) for _ in range(2)]
        for instance in instances:
            instance.start()
        nginx, port = start_nginx(work, [i.port for i in instances])
        for status, receipt, sha, _ in before:
            got = get_json(f"http://127.0.0.1:{port}/api/entries/{receipt['id']}?token={receipt['edit_token']}")
            check(f"{receipt['id']} (stored on SQLite) opens with its token through nginx", got["files"][0]["sha256"] == sha, got)
        status, first, sha, _ = post(instances[0].port, "Keyed on one", key="move-key", marker="fixed-marker")
        status2, second, _, _ = post(instances[1].port, "Keyed on one", key="move-key", marker="fixed-marker")
        check("numbering continues after the move", status == 201 and first["id"] == "E-0006", first)
        check("an Idempotency-Key replayed on the other instance gets the first entry and token",
              status2 == 201 and second["id"] == first["id"] and second["edit_token"] == first["edit_token"], second)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        check("the site is served through nginx", page.status == 200)

        # 3. Kill one instance three times under load.
        clients = Clients(port, 8, "crash")
        clients.start()
        time.sleep(2)
        for round_ in range(3):
            instances[0].kill()
            time.sleep(1.5)
            instances[0].start()
            time.sleep(2)
        time.sleep(1)
        clients.finish()
        unexpected = clients.statuses.pop("unexpected", [])
        check("crash: no answer but 201 or a retryable 502/503/504", not unexpected and 500 not in clients.statuses, (clients.statuses, unexpected[:3]))
        if unexpected or 500 in clients.statuses:
            for instance in instances:
                print("".join(line for line in open(os.path.join(work, f"serve-{instance.port}.log")) if " 500 " in line or "status=500" in line or "error" in line.lower())[-3000:])
        check("crash: a real load was served", len(clients.acknowledged) >= 100, len(clients.acknowledged))
        print(f"  crash run: {len(clients.acknowledged)} acknowledged; answers {clients.statuses}")

        # 4. The database goes away under load, then comes back.
        outage = Clients(port, 8, "outage")
        outage.start()
        time.sleep(1.5)
        subprocess.run([CLUSTER, "down", cluster], check=True)
        time.sleep(3)
        during = dict(outage.statuses)
        subprocess.run([CLUSTER, "start", cluster], check=True, capture_output=True)
        acknowledged_before = len(outage.acknowledged)
        check("outage: the instances reconnect by themselves", wait_for(lambda: len(outage.acknowledged) > acknowledged_before + 20, 30),
              (acknowledged_before, len(outage.acknowledged)))
        outage.finish()
        unexpected = outage.statuses.pop("unexpected", [])
        check("outage: clients got 503 while the database was down", during.get(503, 0) > 0, during)
        check("outage: never a 500, every 503 with Retry-After", not unexpected and 500 not in outage.statuses and outage.retry_after_missing == 0,
              (outage.statuses, unexpected[:3], outage.retry_after_missing))
        print(f"  outage run: {len(outage.acknowledged)} acknowledged; answers {outage.statuses}")

        # Every acknowledged entry is there, once, with its file.
        for instance in instances:
            instance.stop()
        listed = entries_on(compe, work, database) or []
        by_code = {}
        for e in listed:
            by_code.setdefault(e["id"], []).append(e)
        acknowledged = {**clients.acknowledged, **outage.acknowledged}
        missing = [code for code, *_ in acknowledged.values() if code not in by_code]
        check("every acknowledged entry is stored", not missing, missing[:5])
        check("no entry number used twice", all(len(v) == 1 for v in by_code.values()))
        titles = [e["title"] for e in listed]
        check("no logical entry stored twice (one per Idempotency-Key)", len(titles) == len(set(titles)),
              [t for t in set(titles) if titles.count(t) > 1][:5])
        wrong_hash = []
        for code, token, sha, title, acked_files in list(acknowledged.values())[:: max(1, len(acknowledged) // 60)]:
            if acked_files != [sha]:
                wrong_hash.append((code, "acknowledged"))
        instances[0].start()
        for code, token, sha, title, _ in list(acknowledged.values())[:: max(1, len(acknowledged) // 60)]:
            got = get_json(f"http://127.0.0.1:{instances[0].port}/api/entries/{code}?token={token}")
            if [f["sha256"] for f in got["files"]] != [sha] or got["title"] != title:
                wrong_hash.append(code)
        instances[0].stop()
        check("acknowledged entries hold the file they were acknowledged with (a sample of 60)", not wrong_hash, wrong_hash[:5])
        fsck = compe_cli(compe, work, "fsck", "--database", database)
        check("compe fsck: nothing damaged or missing", fsck.returncode == 0 and " 0 missing, 0 damaged" in fsck.stdout, fsck.stdout + fsck.stderr)
        repair = compe_cli(compe, work, "fsck", "--database", database, "--repair")
        clean = compe_cli(compe, work, "fsck", "--database", database)
        check("compe fsck --repair leaves no orphan file", clean.returncode == 0 and "0 left over" in clean.stdout, repair.stdout + clean.stdout)
        print("  " + fsck.stdout.strip())
    finally:
        for instance in instances:
            instance.stop()
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        subprocess.run([CLUSTER, "stop", cluster], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"several machines: {'failed: ' + ', '.join(failures) if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
