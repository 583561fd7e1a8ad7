"""The judge's command line against a hostile server (a small HTTP server in this test, on
127.0.0.1), as a judge's laptop would meet one:

- every string the server sends (contest, reference, title, criterion names, rubrics, error
  messages) reaches the terminal without escape sequences, C1 controls or bidi overrides;
- a token is refused for plain-http host names that only look like loopback;
- a sheet kept offline carries its server and the revision it was based on: `judge sync`
  sends it only to that server, and a newer score there is a conflict, not an overwrite;
- `judge fetch` writes into a folder of the entry's own, never overwrites a file, cleans file
  names, and deletes a download longer or shorter than the size the server announced.
Prints "judge client: … passed/failed" and exits non-zero on any failure.
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import compe_binary, free_port  # noqa: E402

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail!r}"[:600]))
    if not ok:
        failures.append(name)


ESC = "\u001b"
FILES = {1: b"%PDF-1.4 makefile?\n", 2: b"%PDF-1.4 bidi\n", 3: b"%PDF-1.4 " + b"x" * 100000}


def unsafe(text):
    """Characters no terminal output of compe may carry."""
    return [hex(ord(c)) for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
            or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]


class Hostile:
    """A judge API that answers with hostile text and records what it is sent."""

    def __init__(self, revision=1):
        self.revision = revision
        self.puts = []
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/api/judge/queue":
                    return self.answer(200, [{"contest": f"evil{ESC}[2J\u0085", "ref": "B-AAAAAA", "title": f"T\u202eitle\u009b{ESC}]0;x\u0007",
                                              "done": False, "revision": hostile.revision}])
                if self.path == "/api/judge/entries/B-AAAAAA":
                    files = [{"n": 1, "name": "Makefile", "kind": "pdf", "bytes": len(FILES[1]), "sha256": hashlib.sha256(FILES[1]).hexdigest()},
                             {"n": 2, "name": "..\u202eevil.pdf\u0085", "kind": "pdf", "bytes": len(FILES[2]), "sha256": hashlib.sha256(FILES[2]).hexdigest()}]
                    if "big" in self.headers.get("User-Agent", "") or hostile.big:
                        files.append({"n": 3, "name": "big.pdf", "kind": "pdf", "bytes": 10, "sha256": hashlib.sha256(FILES[3][:10]).hexdigest()})
                    return self.answer(200, {"ref": "B-AAAAAA", "contest": f"c{ESC}[31m", "title": f"Title{ESC}[2J", "summary": f"Sum{ESC}[1m",
                                             "files": files,
                                             "criteria": [{"id": "usability", "name": f"{ESC}]0;owned\u0007Use\u202e", "weight": 100, "scale": [1, 10],
                                                           "rubric": f"rub{ESC}[2Jric\u0090"}],
                                             "sheet": {"values": {}, "comment": None, "revision": hostile.revision}})
                if self.path.startswith("/api/judge/entries/B-AAAAAA/files/"):
                    n = int(self.path.rsplit("/", 1)[1])
                    return self.answer(200, FILES[n], "application/pdf")
                self.answer(404, {"error": "not_found"})

            def do_PUT(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                hostile.puts.append(body)
                if body.get("values", {}).get("usability") == 9:
                    return self.answer(400, {"errors": [{"field": "values.usability", "message": f"bad{ESC}[2J\u202eevil"}]})
                if body.get("revision") != hostile.revision:
                    return self.answer(409, {"error": "stale_revision", "revision": hostile.revision})
                hostile.revision += 1
                self.answer(200, {"ref": "B-AAAAAA", "revision": hostile.revision, "still_to_score": []})

        self.big = False
        self.handler = Handler
        self.port = free_port()

    def start(self):
        """Listens (again) on the same port."""
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        """Stops listening: the client finds the server unreachable."""
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


def main():
    compe = compe_binary()
    home = tempfile.mkdtemp(prefix="compe-judge-client-")
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"), COMPE_JUDGE_TOKEN="cjt_" + "A" * 43)
    first = Hostile().start()
    other = Hostile().start()

    def judge(*args, server=None, cwd=home):
        return subprocess.run([compe, "judge"] + list(args) + ["--server", server or first.url], cwd=cwd, env=env, capture_output=True, text=True)

    try:
        # Item 12: a plain-http name that only looks like loopback gets no token.
        for url in ("http://127.0.0.1.nip.io", "http://127.evil.example", "http://localhost.evil.example"):
            r = subprocess.run([compe, "judge", "login", url], env=env, input="cjt_x\n", capture_output=True, text=True)
            check(f"login refused over plain http to {url}", r.returncode == 1 and "plain http" in r.stderr, r.stderr)

        # Item 11: nothing the server sends reaches the terminal as a control.
        for args in (("queue",), ("queue", "--json"), ("show", "B-AAAAAA")):
            r = judge(*args)
            check(f"judge {' '.join(args)}: no control characters", r.returncode == 0 and not unsafe(r.stdout + r.stderr), (r.returncode, unsafe(r.stdout + r.stderr), r.stderr))
        refused = judge("score", "B-AAAAAA", "--set", "usability=9")
        check("a refusal's message is cleaned", refused.returncode == 1 and "bad" in refused.stderr and not unsafe(refused.stderr), refused.stderr)

        # Item 13: kept offline with the revision it was based on (1), for this server only.
        first.stop()
        kept = judge("score", "B-AAAAAA", "--set", "usability=5")
        check("offline: the sheet is kept", kept.returncode == 0 and "judge sync" in kept.stdout, kept.stdout + kept.stderr)
        pending = json.load(open(os.path.join(home, ".config", "compe", "pending.json")))
        check("the kept sheet names its server and base revision", pending and pending[0]["server"] == first.url
              and pending[0]["submission"].get("revision") == 1, pending)
        to_other = judge("sync", server=other.url)
        check("sync to another server sends nothing", to_other.returncode == 0 and "kept for" in to_other.stdout and not other.puts,
              (to_other.stdout, other.puts))
        first.revision = 2     # meanwhile the judge scored on another device
        first.start()
        synced = judge("sync")
        check("a newer score on the server is a conflict, not an overwrite", "conflict" in synced.stdout and first.revision == 2
              and first.puts and first.puts[0].get("revision") == 1, (synced.stdout, synced.stderr, first.puts))
        check("sync output is clean", not unsafe(synced.stdout + synced.stderr), unsafe(synced.stdout))

        # Item 14: a folder per entry, nothing overwritten, clean names, sizes checked.
        work = os.path.join(home, "work")
        os.makedirs(work)
        with open(os.path.join(work, "Makefile"), "w") as f:
            f.write("original\n")
        fetched = judge("fetch", "B-AAAAAA", cwd=work)
        folder = os.path.join(work, "B-AAAAAA")
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        check("fetch writes into the entry's own folder", fetched.returncode == 0 and "Makefile" in names, (fetched.stdout, fetched.stderr, names))
        check("fetch leaves ./Makefile alone", open(os.path.join(work, "Makefile")).read() == "original\n")
        check("file names are cleaned", all(not unsafe(n) and not n.startswith(".") for n in names) and len(names) == 2, [n.encode() for n in names])
        again = judge("fetch", "B-AAAAAA", cwd=work)
        check("fetch never overwrites", again.returncode == 1 and "already exists" in again.stderr, again.stderr)
        first.big = True
        shutil.rmtree(folder)
        big = judge("fetch", "B-AAAAAA", cwd=work)
        check("a download longer than announced is refused and deleted", big.returncode == 1 and "announced" in big.stderr
              and not os.path.exists(os.path.join(folder, "big.pdf")), (big.stderr, os.listdir(folder) if os.path.isdir(folder) else []))
    finally:
        first.stop()
        other.stop()
        shutil.rmtree(home, ignore_errors=True)
    print(f"judge client: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
