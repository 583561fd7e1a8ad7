"""Mail to entrants, end to end, against a real SMTP server (aiosmtpd, PyPI) on 127.0.0.1.

The real `compe serve --smtp …` on a copy of the sample site; entries POSTed to the entry
endpoint; every received message parsed with Python's `email` package:
- plain SMTP: the receipt arrives in the entrant's language, headers decode (RFC 2047 subject,
  RFC 5322 date, one Message-ID), no extra header, the body has the entry number, the file's
  SHA-256, the non-ASCII title, a 1,200-character line and a lone "." line intact, and its edit
  link opens the entrant's page on the running server; withdrawing mails a "withdrawn" notice;
- CR/LF in a title or an e-mail address: 400 naming the field, nothing stored, nothing mailed;
- relay down: the mail waits (`compe mail status` shows it pending with the error) and is
  delivered once the relay is back; relay refusing (550): `failed` after the retries;
- kill -9 between the commit and the delivery: after a restart the mail is delivered, and every
  mail names an entry that exists;
- STARTTLS with AUTH (a throwaway certificate from openssl): delivered, authenticated as the
  relay user with the password from COMPE_SMTP_PASSWORD.
Prints "mail: … passed/failed" and exits non-zero on any failure.
"""
import email, email.policy, json, os, re, shutil, signal, socket, ssl, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request, uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import compe_binary, free_port  # noqa: E402
from mail_support import Sink, body_of, check, failures, wait  # noqa: E402

CONTEST = "sme-support-ui"
STAGED = "two-stage"
STAGED_BRIEF = """---
title: 二段階コンペ
opens: 2026-01-01T09:00:00+09:00
closes: 2027-11-30T17:00:00+09:00
criteria:
  - {id: quality, name: 完成度, weight: 100, scale: [1, 10], rubric: "r"}
advance: 1
stages:
  - id: final
    name: 最終審査
    closes: 2027-12-20T17:00:00+09:00
    submission: {uploads: {max_files: 1, max_file_mb: 5, types: [pdf]}, fields: [{id: demo_url, label: デモURL}]}
    criteria:
      - {id: pitch, name: 発表, weight: 100, scale: [1, 10], rubric: "p"}
    judging: {judges_per_entry: 1, blind: false}
---
本文。
"""
STAGED_BRIEF_EN = """---
title: Two-stage contest
stages:
  - {id: screening, name: screening}
  - id: final
    name: final round
    fields: [{id: demo_url, label: Demo URL}]
---
Body.
"""
class Site:
    def __init__(self, compe, work, smtp, extra=("--smtp-insecure",), env=None, log=None):
        self.compe, self.work = compe, work
        args = [compe, "serve", "--port", "0", "--rate-limit", "0", "--smtp", smtp, "--mail-from", "Contests 公募 <noreply@example.org>",
                "--mail-retry", "1"] + list(extra)
        self.process = subprocess.Popen(args, cwd=work, stdout=subprocess.PIPE, stderr=open(log, "w") if log else subprocess.DEVNULL, text=True,
                                        env=dict(os.environ, **(env or {})))
        for line in self.process.stdout:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                return
        raise RuntimeError("compe serve did not start")

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        self.process.wait(timeout=30)

    def post(self, title="Design", summary="Summary", email_address="entrant@example.org", team="Team A", language="en", contest=CONTEST):
        boundary = "compe-" + uuid.uuid4().hex
        pdf = f"%PDF-1.4\n% mail {uuid.uuid4()}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".encode()
        fields = {"title": title, "summary": summary, "team_name": team, "members": "Member One", "contact_email": email_address,
                  "country": "JP", "agree_terms": "yes", "lang": language}
        body = b""
        for k, v in fields.items():
            body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode() + v.encode() + b"\r\n"
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"d.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".encode()
        body += pdf + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/contests/{contest}/entries", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read()), pdf
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}"), pdf

    def status(self):
        out = subprocess.run([self.compe, "mail", "status", "--json", "--all"], cwd=self.work, capture_output=True, text=True)
        return json.loads(out.stdout or "[]")


def open_link(link, port):
    """Opens an edit link as a browser would: the page it answers sets the entry's cookie and
    refreshes to an address without the token; that address, with the cookie, is the entry."""
    local = re.sub(r"^https?://[^/]+", f"http://127.0.0.1:{port}", link)
    with urllib.request.urlopen(urllib.request.Request(local, headers={"Accept": "text/html"}), timeout=30) as r:
        cookie = (r.headers.get("Set-Cookie") or "").split(";")[0]
        target = re.search(r'url=([^"]+)"', r.read().decode())
    if not cookie or not target:
        return 0, ""
    url = f"http://127.0.0.1:{port}" + target.group(1).replace("&amp;", "&")
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/html", "Cookie": cookie}), timeout=30) as r:
        return r.status, r.read().decode()


def main():
    compe = compe_binary()
    work = tempfile.mkdtemp(prefix="compe-mail-")
    sink, tls_sink = Sink(), Sink()
    site = None
    controllers = []
    try:
        for name in ("Content", "Static"):
            shutil.copytree(os.path.join(ROOT, name), os.path.join(work, name))
        updates = os.path.join(work, "Content", "contests", CONTEST, "updates")
        os.makedirs(updates)
        update_line = "y" * 1100
        with open(os.path.join(updates, "2026-11-30-deadline.md"), "w") as f:
            f.write(f"---\ntitle: 締切を延長します\n---\n締切を一週間延長しました。\n.\n{update_line}\n")
        with open(os.path.join(updates, "2026-11-30-deadline.en.md"), "w") as f:
            f.write(f"---\ntitle: Deadline extended\n---\nThe deadline moves by a week.\n.\n{update_line}\n")
        staged = os.path.join(work, "Content", "contests", STAGED)
        os.makedirs(staged)
        with open(os.path.join(staged, "brief.md"), "w", encoding="utf-8") as f:
            f.write(STAGED_BRIEF)
        with open(os.path.join(staged, "brief.en.md"), "w", encoding="utf-8") as f:
            f.write(STAGED_BRIEF_EN)
        subprocess.run([compe, "build"], cwd=work, check=True, capture_output=True)
        page = open(os.path.join(work, "Public", "en", "contests", CONTEST, "index.html"), encoding="utf-8").read()
        check("update on the contest page, with its anchor", 'id="update-deadline"' in page and "Deadline extended" in page)
        feed = open(os.path.join(work, "Public", "en", "feed.xml"), encoding="utf-8").read()
        check("update in the Atom feed", "Deadline extended" in feed and "#update-deadline" in feed)
        port = free_port()
        relay = Controller(sink, hostname="127.0.0.1", port=port)
        relay.start()
        controllers.append(relay)
        site = Site(compe, work, f"smtp://127.0.0.1:{port}")

        # The receipt, with hostile-looking but legal text.
        long_line = "x" * 1200
        summary = f"First line\n.\n{long_line}\n..two dots\nend"
        status, receipt, pdf = site.post(title="設計案 — Ünïcödé", summary=summary, team="チーム 日本", language="ja")
        check("entry stored", status == 201, receipt)
        code = receipt.get("id")
        check("receipt mailed", wait(lambda: len(sink.messages) >= 1), len(sink.messages))
        m = sink.messages[0]
        text = body_of(m)
        names = sorted(k.lower() for k in m.keys())
        check("headers: exactly the expected ones", names == sorted(["date", "from", "to", "subject", "message-id", "mime-version",
                                                                   "content-type", "content-transfer-encoding", "auto-submitted"]), names)
        check("subject decodes (RFC 2047), in Japanese", code in str(m["subject"]) and "受け付け" in str(m["subject"]), str(m["subject"]))
        check("From display name decodes", "公募" in str(m["from"]) and "noreply@example.org" in str(m["from"]), str(m["from"]))
        check("Date is RFC 5322", email.utils.parsedate_to_datetime(str(m["date"])) is not None, m["date"])
        check("body: number, title, file hash", code in text and "設計案 — Ünïcödé" in text and __import__("hashlib").sha256(pdf).hexdigest() in text, text[:400])
        links = re.findall(r"https?://\S+/api/entries/\S+", text)
        check("body has the edit link", len(links) == 1, text)
        if links:
            status, page = open_link(links[0], site.port)
            check("the edit link opens the entrant's page (through the cookie)", status == 200 and "設計案" in page and code in page, status)
            # Withdrawing (DELETE with the token) mails a withdrawn notice.
            token = re.search(r"token=([^&\s]+)", links[0]).group(1)
            req = urllib.request.Request(f"http://127.0.0.1:{site.port}/api/entries/{code}?token={token}", method="DELETE",
                                         headers={"Accept": "application/json"})
            urllib.request.urlopen(req, timeout=30).read()
            check("withdrawal mailed", wait(lambda: any("取り下げ" in str(x["subject"]) for x in sink.messages)), [str(x["subject"]) for x in sink.messages])

        # Hostile input: nothing stored, nothing mailed.
        before = len(sink.messages)
        for field, kwargs in (("title", {"title": "Bad\r\nBcc: victim@example.org"}), ("contact_email", {"email_address": "a@example.org\r\nBcc: v@example.org"})):
            status, answer, _ = site.post(**kwargs)
            check(f"CR/LF in {field}: 400 naming the field", status == 400 and field in json.dumps(answer), (status, answer))
        time.sleep(2)
        check("nothing mailed for refused input", len(sink.messages) == before, len(sink.messages) - before)

        # Relay down, then back.
        relay.stop()
        controllers.remove(relay)
        status, down, _ = site.post(title="While the relay is down")
        check("relay down: the entry is still stored", status == 201, status)
        check("relay down: mail pending with the error", wait(lambda: any(r["entry"] == down["id"] and r["status"] == "pending" and r["last_error"]
                                                                          for r in site.status()), 10), site.status()[:2])
        relay = Controller(sink, hostname="127.0.0.1", port=port)
        relay.start()
        controllers.append(relay)
        check("relay back: mail delivered", wait(lambda: any(down["id"] in str(x["subject"]) for x in sink.messages), 30), site.status()[:2])

        # Lost link: the same page for any address; the entrant's entries get their links.
        def recover(address):
            req = urllib.request.Request(f"http://127.0.0.1:{site.port}/api/contests/{CONTEST}/recover", method="POST",
                                         data=urllib.parse.urlencode({"email": address, "lang": "en"}).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        count = len(sink.messages)
        known_status, known_page = recover("ENTRANT@example.org")
        unknown_status, unknown_page = recover("nobody@example.org")
        strip = lambda page: re.sub(r"nonce-[^\"']+|[0-9a-f]{32,}", "", page)
        check("lost link: the same answer for a known and an unknown address", known_status == unknown_status == 200
              and strip(known_page) == strip(unknown_page), (known_status, unknown_status))
        check("lost link: no token on the page", "token=" not in known_page)
        check("lost link: the entrant's links are mailed", wait(lambda: any("Your edit link" in str(x["subject"]) for x in sink.messages[count:]), 15),
              [str(x["subject"]) for x in sink.messages[count:]])
        recovered = [x for x in sink.messages[count:] if "Your edit link" in str(x["subject"])]
        if recovered:
            link = re.findall(r"https?://\S+/api/entries/\S+", body_of(recovered[0]))
            check("lost link: the mailed link opens the entry", link and open_link(link[0], site.port)[0] == 200, link)
        time.sleep(2)
        again = len(sink.messages)
        recover("entrant@example.org")
        time.sleep(3)
        check("lost link: a second request within a minute mails nothing", len(sink.messages) == again, len(sink.messages) - again)

        # One lost-link request is one mail, with the link of every entry of the address.
        for i in range(3):
            site.post(title=f"Many {i}", email_address="many@example.org")
        check("three receipts to the address", wait(lambda: sum("many" in str(x["to"]) for x in sink.messages) >= 3, 15))
        count = len(sink.messages)
        recover("many@example.org")
        time.sleep(3)
        mailed = [x for x in sink.messages[count:] if "many@example.org" in str(x["to"])]
        check("lost link: one mail for an address with three entries, listing three links",
              len(mailed) == 1 and len(re.findall(r"https?://\S+/api/entries/\S+", body_of(mailed[0]))) == 3,
              [len(re.findall(r"/api/entries/", body_of(x))) for x in mailed])

        # Entrant text in a mail is never a link.
        count = len(sink.messages)
        status, phish, _ = site.post(title="Claim your prize at evil.example/login or https://evil.example", team="Visit bad.example",
                                     email_address="victim@example.org")
        check("phishing title: stored", status == 201, phish)
        check("phishing title: mailed", wait(lambda: any("victim" in str(x["to"]) for x in sink.messages[count:]), 15))
        phished = [body_of(x) for x in sink.messages[count:] if "victim" in str(x["to"])]
        check("phishing title: quoted inert in the mail", phished and "evil[.]example" in phished[0] and "https://evil" not in phished[0]
              and "bad[.]example" in phished[0], phished[0][:500] if phished else "")

        # compe announce: every active entrant once, in their language; again: nothing new.
        count = len(sink.messages)
        first = subprocess.run([compe, "announce", CONTEST, "deadline"], cwd=work, capture_output=True, text=True)
        check("announce queues the update", first.returncode == 0 and "queued" in first.stdout, first.stderr)
        check("announce: delivered", wait(lambda: any("Deadline extended" in str(x["subject"]) for x in sink.messages[count:]), 15))
        time.sleep(2)
        announced = [x for x in sink.messages[count:] if "Deadline extended" in str(x["subject"]) or "締切を延長" in str(x["subject"])]
        check("announce: the update's text intact (long line, lone dot)", announced and update_line in body_of(announced[0])
              and "\n.\n" in body_of(announced[0]).replace("\r\n", "\n"), body_of(announced[0])[:300] if announced else "")
        second = subprocess.run([compe, "announce", CONTEST, "deadline"], cwd=work, capture_output=True, text=True)
        check("announce twice: nothing new", second.returncode == 0 and second.stdout.startswith("queued 0"), second.stdout)
        unknown = subprocess.run([compe, "announce", CONTEST, "nosuch"], cwd=work, capture_output=True, text=True)
        check("announce of an unknown update: one-line error", unknown.returncode == 1 and "deadline" in unknown.stderr, unknown.stderr)

        # A contest in stages: the shortlist mails each entry once (finalists what to send and by
        # when, with their edit link; the others a courteous note), and a finalist's second
        # submission is mailed its receipt.
        count = len(sink.messages)
        staged_entries = [site.post(title=f"Staged {i}", email_address=f"stage{i}@example.org", language="en", contest=STAGED)[1] for i in range(3)]
        check("staged contest: three entries", all(e.get("id") for e in staged_entries), staged_entries)
        wait(lambda: len(sink.messages) >= count + 3, 15)
        finalist = staged_entries[0]["id"]
        for args in (["shortlist", STAGED, "--entries", finalist], ["shortlist", "publish", STAGED, "--force", "--yes"]):
            done = subprocess.run([compe] + args, cwd=work, capture_output=True, text=True)
            check(f"compe {' '.join(args[:2])}", done.returncode == 0, done.stderr)
        count = len(sink.messages)
        check("shortlist: three mails", wait(lambda: len([x for x in sink.messages[count:] if "stage" in str(x["to"])]) >= 3, 20),
              [str(x["subject"]) for x in sink.messages[count:]])
        shortlist_mails = [x for x in sink.messages[count:] if "stage" in str(x["to"])]
        on = [x for x in shortlist_mails if "On to the" in str(x["subject"])]
        off = [x for x in shortlist_mails if "About the" in str(x["subject"])]
        check("shortlist: the finalist is told, with what to send, by when, and the edit link",
              len(on) == 1 and finalist in str(on[0]["subject"]) and "Demo URL" in body_of(on[0]) and "2027" in body_of(on[0])
              and re.search(r"/api/entries/" + finalist + r"\?token=", body_of(on[0])), body_of(on[0])[:600] if on else shortlist_mails)
        check("shortlist: the others get the courteous note", len(off) == 2 and finalist not in "".join(str(x["subject"]) for x in off),
              [str(x["subject"]) for x in off])
        again = subprocess.run([compe, "shortlist", "publish", STAGED, "--force", "--yes"], cwd=work, capture_output=True, text=True)
        check("shortlist published twice: refused", again.returncode == 1, again.stdout)
        if on:
            token = re.search(r"token=([^&\s]+)", body_of(on[0])).group(1)
            boundary = "compe-" + uuid.uuid4().hex
            deck = b"%PDF-1.4\n% second stage\n"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"demo_url\"\r\n\r\nhttps://demo.example/app\r\n"
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"deck.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
            body += deck + f"\r\n--{boundary}--\r\n".encode()
            req = urllib.request.Request(f"http://127.0.0.1:{site.port}/api/contests/{STAGED}/entries/{finalist}/stages/final", data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json",
                                                  "Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, timeout=30) as r:
                check("second submission stored", r.status == 201)
            digest = __import__("hashlib").sha256(deck).hexdigest()
            check("second submission: its receipt is mailed, with the file's SHA-256 and the demo URL",
                  wait(lambda: any("submission received" in str(x["subject"]) and digest in body_of(x) and "demo[.]example" in body_of(x)
                                   for x in sink.messages[count:]), 20), [str(x["subject"]) for x in sink.messages[count:]])
        time.sleep(2)
        subjects = [str(x["subject"]) for x in sink.messages if "stage" in str(x["to"])]
        check("every stage mail arrived once", len(subjects) == len(set(subjects)), subjects)

        # Relay refusing: failed after the retries.
        sink.refuse = True
        status, refused, _ = site.post(title="Refused")
        check("relay refusing: failed after retries", wait(lambda: any(r["entry"] == refused["id"] and r["status"] == "failed" and "550" in (r["last_error"] or "")
                                                                       for r in site.status()), 30), [r for r in site.status() if r["entry"] == refused["id"]])
        text_status = subprocess.run([compe, "mail", "status"], cwd=work, capture_output=True, text=True).stdout
        check("compe mail status shows the failure", "failed" in text_status and "550" in text_status, text_status)
        sink.refuse = False

        # kill -9 between commit and delivery.
        relay.stop()
        controllers.remove(relay)
        status, crashed, _ = site.post(title="Before the crash")
        site.stop(signal.SIGKILL)
        relay = Controller(sink, hostname="127.0.0.1", port=port)
        relay.start()
        controllers.append(relay)
        site = Site(compe, work, f"smtp://127.0.0.1:{port}")
        check("after kill -9 and restart: the mail is delivered", wait(lambda: any(crashed["id"] in str(x["subject"]) for x in sink.messages), 30),
              site.status()[:3])
        entries = "".join(subprocess.run([compe, "entries", "list", c, "--json"], cwd=work, capture_output=True, text=True).stdout
                          for c in (CONTEST, STAGED))
        known = set(re.findall(r"E-\d{4}", entries))
        mailed = {re.search(r"E-\d{4}", str(x["subject"]) + body_of(x)).group(0) for x in sink.messages}
        check("every mail names an entry that exists", mailed <= known, mailed - known)
        site.stop()
        site = None

        # A running server follows its content: an update the server does not have yet waits
        # (pending, not failed), and is mailed once the file reaches the server's content.
        site = Site(compe, work, f"smtp://127.0.0.1:{port}")
        shadow = os.path.join(work, "Shadow")
        shutil.copytree(os.path.join(work, "Content"), shadow)
        with open(os.path.join(shadow, "contests", CONTEST, "updates", "2026-12-01-late.en.md"), "w") as f:
            f.write("---\ntitle: Late news\n---\nSomething new.\n")
        with open(os.path.join(shadow, "contests", CONTEST, "updates", "2026-12-01-late.md"), "w") as f:
            f.write("---\ntitle: 追加のお知らせ\n---\n新しいお知らせ。\n")
        count = len(sink.messages)
        late = subprocess.run([compe, "announce", CONTEST, "late", "--content", "Shadow"], cwd=work, capture_output=True, text=True)
        check("announce of an update only the organiser's copy has", late.returncode == 0, late.stderr)
        check("its mail waits (pending, with the reason)", wait(lambda: any(r["kind"] == "update" and r["status"] == "pending"
                                                                            and "not in the content" in (r["last_error"] or "") for r in site.status()), 15),
              [r for r in site.status() if r["kind"] == "update"][:2])
        time.sleep(2)
        check("…and is not marked failed", not any(r["kind"] == "update" and r["status"] == "failed" for r in site.status()))
        for name in ("2026-12-01-late.md", "2026-12-01-late.en.md"):
            shutil.copy(os.path.join(shadow, "contests", CONTEST, "updates", name), os.path.join(work, "Content", "contests", CONTEST, "updates", name))
        check("once the server sees the file, the update is mailed", wait(lambda: any("Late news" in str(x["subject"]) or "追加のお知らせ" in str(x["subject"])
                                                                                     for x in sink.messages[count:]), 30), site.status()[:3])
        # A deadline moved in brief.md is what the entry API enforces, without a restart.
        brief = os.path.join(work, "Content", "contests", CONTEST, "brief.md")
        original = open(brief, encoding="utf-8").read()
        with open(brief, "w", encoding="utf-8") as f:
            f.write(re.sub(r"closes: \S+", "closes: 2020-01-01T00:00:00+09:00", original, count=1).replace("opens: 2026", "opens: 2019", 1))
        check("a deadline moved into the past closes the entry API", wait(lambda: site.post(title="after the move")[0] == 403, 15))
        with open(brief, "w", encoding="utf-8") as f:
            f.write(original)
        check("moved back, entries are taken again", wait(lambda: site.post(title="moved back")[0] == 201, 15))
        site.process.send_signal(signal.SIGHUP)
        time.sleep(1)
        check("SIGHUP reloads and does not stop the server", site.process.poll() is None and site.post(title="after SIGHUP")[0] == 201)
        site.stop()
        site = None

        # Per address, at most --mail-cap mails a day; the rest are not sent (and say why).
        site = Site(compe, work, f"smtp://127.0.0.1:{port}", extra=["--smtp-insecure", "--mail-cap", "2"])
        count = len(sink.messages)
        for i in range(4):
            site.post(title=f"Flood {i}", email_address="flooded@example.org")
        time.sleep(4)
        flooded = [x for x in sink.messages[count:] if "flooded" in str(x["to"])]
        check("--mail-cap 2: two mails to the address", len(flooded) == 2, len(flooded))
        check("the others are failed with the reason", wait(lambda: sum(1 for r in site.status() if r["status"] == "failed"
                                                                       and "limit" in (r["last_error"] or "")) >= 2, 10), site.status()[:4])
        site.stop()
        site = None

        # --confirm-email: the first mail only asks to confirm; the receipt follows the confirmation.
        site = Site(compe, work, f"smtp://127.0.0.1:{port}", extra=["--smtp-insecure", "--confirm-email"])
        count = len(sink.messages)
        status, confirmed_entry, _ = site.post(title="Confirm me", email_address="new@example.org")
        check("confirm mode: a confirmation request is mailed", wait(lambda: any("confirm" in str(x["subject"]).lower() for x in sink.messages[count:]), 15),
              [str(x["subject"]) for x in sink.messages[count:]])
        time.sleep(2)
        asked = [x for x in sink.messages[count:] if "new@example.org" in str(x["to"])]
        check("confirm mode: nothing but the request was sent", len(asked) == 1 and "/api/entries/" not in body_of(asked[0]), len(asked))
        confirm = re.findall(r"https?://\S+/api/mail/confirm\?\S+", body_of(asked[0])) if asked else []
        if confirm:
            local = re.sub(r"^https?://[^/]+", f"http://127.0.0.1:{site.port}", confirm[0])
            with urllib.request.urlopen(local, timeout=30) as r:
                page = r.read().decode()
            check("the confirmation link shows a button (a mail scanner's visit confirms nothing)", r.status == 200 and "<form" in page
                  and not any(r2["status"] == "sent" and r2["entry"] == confirmed_entry.get("id") for r2 in site.status()))
            token = re.search(r'name="token" value="([^"]+)"', page).group(1)
            req = urllib.request.Request(f"http://127.0.0.1:{site.port}/api/mail/confirm", method="POST",
                                         data=urllib.parse.urlencode({"token": token, "lang": "en"}).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            with urllib.request.urlopen(req, timeout=30) as r:
                check("confirming answers 200", r.status == 200)
            check("the receipt follows the confirmation", wait(lambda: any(confirmed_entry.get("id", "?") in str(x["subject"]) for x in sink.messages[count:]), 20))
        else:
            check("the confirmation mail has its link", False, body_of(asked[0]) if asked else "")
        site.stop()
        site = None

        # A relay without STARTTLS gets no edit link unless --smtp-insecure (said at start).
        log = os.path.join(work, "plain.log")
        site = Site(compe, work, f"smtp://127.0.0.1:{port}", extra=[], log=log)
        count = len(sink.messages)
        status, clear, _ = site.post(title="No TLS", email_address="clear@example.org")
        check("no TLS: the receipt is not sent in clear", wait(lambda: any(r["entry"] == clear.get("id") and "TLS" in (r["last_error"] or "")
                                                                          for r in site.status()), 15) and len(sink.messages) == count,
              [r for r in site.status() if r["entry"] == clear.get("id")])
        check("no TLS: the server says so at start", "STARTTLS" in open(log).read())
        site.stop()
        site = None

        # STARTTLS with AUTH.
        certs = os.path.join(work, "certs")
        os.makedirs(certs)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{certs}/key.pem", "-out", f"{certs}/cert.pem",
                        "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(f"{certs}/cert.pem", f"{certs}/key.pem")

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret pass"
            return AuthResult(success=ok, auth_data=auth_data)
        tls_port = free_port()
        tls_relay = Controller(tls_sink, hostname="127.0.0.1", port=tls_port, tls_context=context, require_starttls=True,
                               authenticator=authenticate, auth_require_tls=True)
        tls_relay.start()
        controllers.append(tls_relay)
        site = Site(compe, work, f"smtp://mailer@localhost:{tls_port}", extra=["--smtp-ca", f"{certs}/cert.pem"],
                    env={"COMPE_SMTP_PASSWORD": "s3cret pass"})
        status, secure, _ = site.post(title="Over TLS", language="en", email_address="secure@example.org")
        check("STARTTLS + AUTH: delivered", wait(lambda: len(tls_sink.messages) >= 1, 20), site.status()[:2])
        check("STARTTLS + AUTH: as the relay user", tls_sink.users and tls_sink.users[0].login == b"mailer", tls_sink.users)
        if tls_sink.messages:
            check("English receipt", "Entry received" in str(tls_sink.messages[0]["subject"]), str(tls_sink.messages[0]["subject"]))
    finally:
        if site:
            site.stop()
        for c in controllers:
            c.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"mail: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
