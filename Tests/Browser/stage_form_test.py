#!/usr/bin/env python3
"""A finalist's second submission in a real browser (headless Chromium through Selenium).

Builds the sample with a contest in two stages added, serves it with the real `compe serve`
on 127.0.0.1, sends three entries, puts two on the shortlist with the real `compe shortlist`
and `compe shortlist publish`, then for each finalist (one with JavaScript on, one off) opens
its edit link, checks the stage form with axe-core (no serious or critical violation; with
JavaScript on, as axe is a script) and the Content Security Policy, fills it (a demo URL and a PDF) and sends it: the page comes back with
the submission received and the file's SHA-256. The entry that did not go on sees no stage form,
and its post is refused with 403 in its language. Prints "stage form: N passed, M failed".
"""
import hashlib, json, os, re, shutil, subprocess, sys, tempfile, urllib.error, urllib.request, uuid

from axe_selenium_python import Axe
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import SHOTS, Tally, browser, compe_binary, csp_violations, start_site

BRIEF = """---
title: 二段階テストコンペ
opens: 2026-01-01T09:00:00+09:00
closes: 2027-11-30T17:00:00+09:00
criteria:
  - {id: quality, name: 完成度, weight: 100, scale: [1, 10], rubric: "r"}
advance: 2
stages:
  - id: final
    name: 最終審査
    closes: 2027-12-20T17:00:00+09:00
    submission: {uploads: {max_files: 2, max_file_mb: 5, types: [pdf]}, fields: [{id: demo_url, label: デモURL}]}
    criteria:
      - {id: pitch, name: 発表, weight: 100, scale: [1, 10], rubric: "p"}
    judging: {judges_per_entry: 1, blind: false}
---
二段階で審査します。
"""


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    body = b""
    for k, v in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for name, data in files:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_entry(port, n):
    body, ctype = multipart({"title": f"Design {n}", "summary": "s", "team_name": f"Team {n}", "members": "A",
                             "contact_email": f"t{n}@example.org", "country": "JP", "agree_terms": "yes"},
                            [("d.pdf", b"%PDF-1.4\n" + os.urandom(512))])
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/contests/two-stage/entries", data=body,
                                 headers={"Content-Type": ctype, "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="compe-stage-")
    binary = compe_binary()
    server, port = None, None
    tally = Tally()

    def add_contest(root):
        os.makedirs(os.path.join(root, "Content/contests/two-stage"))
        with open(os.path.join(root, "Content/contests/two-stage/brief.md"), "w", encoding="utf-8") as f:
            f.write(BRIEF)

    try:
        server, port = start_site(binary, work, prepare=add_contest)
        receipts = {r["id"]: r for r in (post_entry(port, n) for n in (1, 2, 3))}
        for args in (["shortlist", "two-stage", "--entries", "E-0001,E-0002"], ["shortlist", "publish", "two-stage", "--force", "--yes"]):
            done = subprocess.run([binary] + args, cwd=work, capture_output=True, text=True)
            assert done.returncode == 0, f"compe {' '.join(args)}: {done.stderr}"

        pdf = os.path.join(work, "deck.pdf")
        with open(pdf, "wb") as f:
            f.write(b"%PDF-1.4\n" + os.urandom(2048))
        digest = hashlib.sha256(open(pdf, "rb").read()).hexdigest()

        for code, javascript in (("E-0001", True), ("E-0002", False)):
            driver = browser(javascript)
            try:
                def open_page():
                    link = f"http://127.0.0.1:{port}/api/entries/{code}?token={receipts[code]['edit_token']}&lang=ja"
                    driver.get(link)
                    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "stage-form"))

                def accessible():
                    axe = Axe(driver)
                    axe.inject()
                    bad = [f"{v['id']} ({v['impact']})" for v in axe.run()["violations"] if v.get("impact") in ("serious", "critical")]
                    assert not bad, f"axe-core: {bad}"
                    assert not csp_violations(driver), "blocked by the Content Security Policy"

                def send():
                    form = driver.find_element(By.CSS_SELECTOR, "form.stage-form")
                    form.find_element(By.NAME, "demo_url").send_keys("https://demo.example/" + code)
                    form.find_element(By.NAME, "files").send_keys(pdf)
                    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                    WebDriverWait(driver, 30).until(lambda d: "#stage-form" in d.current_url)
                    text = driver.find_element(By.ID, "stage-form").find_element(By.XPATH, "..").text
                    assert "受け付けました" in text, text
                    assert digest in driver.page_source, "the receipt shows the file's SHA-256"
                    value = driver.find_element(By.NAME, "demo_url").get_attribute("value")
                    assert value == "https://demo.example/" + code, value

                js = "on" if javascript else "off"
                tally.run(f"{code} (JavaScript {js}): the edit link shows the stage form", open_page, driver)
                if javascript:   # axe-core is a script: it runs in the page with JavaScript on
                    tally.run(f"{code} (JavaScript {js}): axe-core and CSP on the stage form", accessible, driver)
                tally.run(f"{code} (JavaScript {js}): the second submission is received", send, driver)
            finally:
                driver.quit()

        def outsider():
            with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/entries/E-0003",
                                                               headers={"Authorization": f"Bearer {receipts['E-0003']['edit_token']}"}),
                                        timeout=30) as r:
                assert "stage-form" not in r.read().decode()
            body, ctype = multipart({"demo_url": "https://x.example/"}, [("x.pdf", b"%PDF-1.4\nx")])
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/entries/E-0003/stages/final?lang=en", data=body,
                                         headers={"Content-Type": ctype, "Authorization": f"Bearer {receipts['E-0003']['edit_token']}"})
            try:
                urllib.request.urlopen(req, timeout=30)
                raise AssertionError("a non-finalist's submission was accepted")
            except urllib.error.HTTPError as e:
                page = e.read().decode()
                assert e.code == 403 and "not on the shortlist" in page, (e.code, page[:300])
        tally.run("E-0003 (not shortlisted): no stage form, and a post is refused with 403", outsider)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"stage form: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
