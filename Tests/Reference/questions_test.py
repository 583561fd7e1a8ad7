#!/usr/bin/env python3
"""Questions before the deadline, end to end, with a real SMTP server (aiosmtpd, PyPI) on
127.0.0.1 and the real `compe serve --smtp …` on a copy of the sample site:
- asked through the API: one with an address for the notice, one without, one hostile (HTML,
  terminal escapes, a bell) kept as text with the control characters dropped; one of 10,000
  characters refused (400 naming `question`); one after the contest's `questions_close` refused
  (403, in the request's language); nothing of an unanswered question in any built file;
- answered with `compe questions answer` (ja, then the en translation; an existing file never
  overwritten), dismissed with `compe questions dismiss`, built, and announced with
  `compe announce <contest> Q-…`: every active entrant gets the answer in their language, the
  asker who gave an address gets exactly one "your question was answered" mail, in the
  question's language, with the link to the answer (announcing again sends nothing), the asker
  without an address gets nothing, and the address is then deleted (`questions list` says the
  notice was sent);
- the asker's address is in no built file, no answer file and no export (`compe export --json`,
  `--csv`, `--package`), and `compe stats --json` and the statistics page count the questions.
Prints "questions: … passed/failed" and exits non-zero on any failure.
"""
import json, os, re, shutil, subprocess, sys, tempfile, time, urllib.error, urllib.request, uuid

from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import compe_binary, free_port  # noqa: E402
from mail_support import Sink, body_of, check, failures, wait  # noqa: E402

CONTEST = "sme-support-ui"
LATE = "late-questions"
ASKER = "asker-notice@example.org"
def multipart(fields, files=()):
    boundary = "compe-" + uuid.uuid4().hex
    body = b""
    for k, v in fields.items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode() + v.encode() + b"\r\n"
    for name, data in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/pdf\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(port, path, fields, files=()):
    body, kind = multipart(fields, files)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                 headers={"Content-Type": kind, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    compe = compe_binary()
    work = tempfile.mkdtemp(prefix="compe-questions-")
    sink = Sink()
    relay = server = None

    def run(*args):
        return subprocess.run([compe, *args], cwd=work, capture_output=True, text=True)

    try:
        for name in ("Content", "Static"):
            shutil.copytree(os.path.join(ROOT, name), os.path.join(work, name))
        # A contest still open whose question period is over.
        brief = open(os.path.join(ROOT, "Content", "contests", CONTEST, "brief.md"), encoding="utf-8").read()
        os.makedirs(os.path.join(work, "Content", "contests", LATE))
        with open(os.path.join(work, "Content", "contests", LATE, "brief.md"), "w", encoding="utf-8") as f:
            f.write(brief.replace("\ncloses:", "\nquestions_close: 2026-11-15T17:00:00+09:00\ncloses:", 1))
        check("build", run("build").returncode == 0)
        port = free_port()
        relay = Controller(sink, hostname="127.0.0.1", port=port)
        relay.start()
        server = subprocess.Popen([compe, "serve", "--port", "0", "--rate-limit", "0", "--smtp", f"smtp://127.0.0.1:{port}", "--smtp-insecure",
                                   "--mail-from", "Contests <noreply@example.org>", "--mail-retry", "1"],
                                  cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        site = None
        for line in server.stdout:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if m:
                site = int(m.group(1))
                break

        # Two entrants, one in each language.
        entrants = {}
        for lang in ("ja", "en"):
            pdf = f"%PDF-1.4\n% {uuid.uuid4()}\n%%EOF\n".encode()
            status, receipt = post(site, f"/api/contests/{CONTEST}/entries",
                                   {"title": f"Design {lang}", "summary": "S", "team_name": f"Team {lang}", "members": "M",
                                    "contact_email": f"entrant-{lang}@example.org", "country": "JP", "agree_terms": "yes", "lang": lang},
                                   [("d.pdf", pdf)])
            entrants[lang] = receipt.get("id")
            check(f"entry in {lang}", status == 201, receipt)
        check("receipts mailed", wait(lambda: len(sink.messages) >= 2), len(sink.messages))

        path = f"/api/contests/{CONTEST}/questions"
        status, first = post(site, path, {"question": "May a team of four enter?", "language": "en", "email": ASKER, "lang": "en"})
        check("a question with an address: 201, numbered after the sample's two answers", status == 201 and first.get("id") == "Q-003", first)
        status, second = post(site, path, {"question": "図面は手書きでもよいですか。", "language": "ja"})
        check("a question without an address", status == 201 and second.get("id") == "Q-004", second)
        hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)>\x1b[31mred\x07 & done"
        status, third = post(site, path, {"question": hostile, "language": "en"})
        check("a hostile question is taken", status == 201 and third.get("id") == "Q-005", third)
        status, long = post(site, path, {"question": "あ" * 10_000, "language": "ja", "lang": "en"})
        check("10,000 characters: 400 naming the question", status == 400 and [e.get("field") for e in long.get("errors", [])] == ["question"], long)
        status, late = post(site, f"/api/contests/{LATE}/questions", {"question": "Too late?", "language": "en", "lang": "en"})
        check("after questions_close: 403 saying so", status == 403 and "Questions are closed" in json.dumps(late), (status, late))
        status, late_ja = post(site, f"/api/contests/{LATE}/questions", {"question": "遅い?", "language": "ja", "lang": "ja"})
        check("after questions_close: in Japanese too", status == 403 and "質問の受付は終了しました" in json.dumps(late_ja, ensure_ascii=False), late_ja)

        listed = json.loads(run("questions", "list", CONTEST, "--json").stdout)
        texts = {q["id"]: q["question"] for q in listed}
        check("the hostile question is stored as text, control characters dropped",
              texts.get("Q-005") == "<script>alert(1)</script> <img src=x onerror=alert(2)>[31mred & done", texts.get("Q-005"))
        check("the list says who asked for a notice, never the address",
              [q["notice_requested"] for q in listed] == [True, False, False] and ASKER not in json.dumps(listed), listed)
        check("no question was stored for the late contest", json.loads(run("questions", "list", LATE, "--json").stdout) == [])
        run("build")
        public = os.path.join(work, "Public")
        leaked = [f for folder, _, files in os.walk(public) for f in files
                  if b"onerror=alert" in open(os.path.join(folder, f), "rb").read() or b"May a team of four" in open(os.path.join(folder, f), "rb").read()]
        check("no unanswered question in any built file", leaked == [], leaked)

        # Answer Q-003 in ja then en, Q-004 in ja; dismiss Q-005.
        answered = run("questions", "answer", CONTEST, "Q-003", "--question", "4 名のチームで応募できますか。", "--answer", "はい、4 名まで応募できます。")
        check("answer written", answered.returncode == 0 and "questions/003.md" in answered.stdout, answered.stderr)
        again = run("questions", "answer", CONTEST, "Q-003", "--answer", "changed")
        check("an existing answer is never overwritten", again.returncode != 0 and "exists already" in again.stderr
              and "changed" not in open(os.path.join(work, "Content", "contests", CONTEST, "questions", "003.md"), encoding="utf-8").read(), again.stderr)
        english = subprocess.run([compe, "questions", "answer", CONTEST, "Q-003", "--lang", "en", "--answer-file", "-"], cwd=work, text=True,
                                 capture_output=True, input="Yes: a team may have **up to four** members.\n")
        check("the translation, read from standard input", english.returncode == 0 and "003.en.md" in english.stdout, english.stderr)
        check("answer without an address", run("questions", "answer", CONTEST, "Q-004", "--answer", "はい、読み取れる画像であれば結構です。").returncode == 0)
        dismissed = run("questions", "dismiss", CONTEST, "Q-005", "--reason", "not a question")
        check("dismissed", dismissed.returncode == 0, dismissed.stderr)
        refused = run("questions", "answer", CONTEST, "Q-005", "--answer", "x")
        check("a dismissed question gets no answer", refused.returncode != 0 and "dismissed" in refused.stderr, refused.stderr)
        built = run("build")
        check("built with the answers", built.returncode == 0, built.stderr)
        page = open(os.path.join(public, "en", "contests", CONTEST, "questions", "index.html"), encoding="utf-8").read()
        check("the English questions page has the answer", "up to four" in page and 'id="question-003"' in page, page[:300])
        time.sleep(1.5)   # the server reads the rebuilt content

        count = len(sink.messages)
        announced = run("announce", CONTEST, "Q-003")
        check("announce: the entrants and the asker", announced.returncode == 0 and "queued 2 mails of the answer" in announced.stdout
              and "the asker's notice is queued" in announced.stdout, announced.stdout + announced.stderr)
        check("announce: delivered", wait(lambda: len(sink.messages) >= count + 3, 30), [str(m["subject"]) for m in sink.messages[count:]])
        new = sink.messages[count:]
        to_asker = [m for m in new if ASKER in str(m["to"])]
        check("the asker gets one notice, in English, with the link to the answer",
              len(to_asker) == 1 and "answered" in str(to_asker[0]["subject"])
              and "https://compe.example.go.jp/en/contests/sme-support-ui/questions/#question-003" in body_of(to_asker[0]),
              [(str(m["subject"]), body_of(m)[:300]) for m in to_asker])
        to_en = [m for m in new if "entrant-en@" in str(m["to"])]
        to_ja = [m for m in new if "entrant-ja@" in str(m["to"])]
        check("each entrant gets the answer in their language", len(to_en) == 1 and "up to four" in body_of(to_en[0])
              and len(to_ja) == 1 and "4 名まで応募できます" in body_of(to_ja[0]),
              [(str(m["to"]), str(m["subject"])) for m in new])
        check("the answer mail names no asker", all(ASKER not in body_of(m) for m in to_en + to_ja))
        twice = run("announce", CONTEST, "Q-003")
        check("announcing again queues nothing", twice.stdout.startswith("queued 0") and "queued before" in twice.stdout, twice.stdout)
        quiet = run("announce", CONTEST, "Q-004", "--asker-only")
        check("an asker without an address: no notice", quiet.returncode == 0 and "left no address" in quiet.stdout, quiet.stdout)
        time.sleep(4)
        check("nothing more was sent", len(sink.messages) == count + 3, [str(m["subject"]) for m in sink.messages[count + 3:]])
        state = {q["id"]: q["notice"] for q in json.loads(run("questions", "list", CONTEST, "--json").stdout)}
        check("the notice is recorded as sent", state.get("Q-003") == "sent" and state.get("Q-004") == "none", state)

        # The address leaves compe nowhere.
        exports = [run("export", CONTEST, "--json").stdout, run("export", CONTEST, "--csv").stdout]
        package = os.path.join(work, "package")
        check("export --package", run("export", CONTEST, "--package", package).returncode == 0)
        found = [p for p in (public, os.path.join(work, "Content"), package)
                 for folder, _, files in os.walk(p) for f in files if ASKER.encode() in open(os.path.join(folder, f), "rb").read()]
        check("the asker's address is in no built file, answer or export", found == [] and all(ASKER not in e for e in exports), found)

        stats = json.loads(run("stats", CONTEST, "--json").stdout)
        q = stats.get("questions") or {}
        check("stats count the questions", (q.get("asked"), q.get("answered"), q.get("dismissed"), q.get("open")) == (3, 2, 1, 0)
              and q.get("median_days_to_answer") == 0, q)
        published = run("stats", "publish", CONTEST)
        check("stats publish", published.returncode == 0 and run("build").returncode == 0, published.stderr)
        stats_page = open(os.path.join(public, "en", "contests", CONTEST, "stats", "index.html"), encoding="utf-8").read()
        check("the statistics page shows the questions", '<h2 id="questions-heading">Questions</h2>' in stats_page
              and "<td>Questions asked</td><td>3</td>" in stats_page, stats_page[-1500:])
        csv = open(os.path.join(public, "contests", CONTEST, "stats", "questions.csv"), encoding="utf-8").read()
        check("questions.csv", "寄せられた質問,3" in csv and "回答した質問,2" in csv, csv)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        if relay:
            relay.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"questions: {'failed: ' + ', '.join(failures) if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
