#!/usr/bin/env python3
"""Every page type, in ja and en, checked in headless Chromium: axe-core (bundled by
axe-selenium-python) finds no violation of impact serious or critical, and the console shows
nothing the Content Security Policy blocked.

Page types: home, contest list, an open contest (with the entry and question forms), its
published questions and answers, a contest not open (in
two stages: its timeline, shortlist and results with the stages), a page, the backlog, an iteration, the 404 page; and from the server: the entrant's receipt
and edit page, the page an edit link opens, the page listing form problems, and the notice page. Prints
"accessibility: N passed, M failed" and exits non-zero on any failure.
"""
import base64, os, re, shutil, sys, tempfile, urllib.request

from axe_selenium_python import Axe
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import SHOTS, Tally, browser, compe_binary, csp_violations, fill_entry_form, start_site

STATIC_PAGES = ["/", "/contests/", "/contests/sme-support-ui/", "/contests/sme-support-ui/questions/", "/contests/disaster-info-app/",
                "/contests/disaster-info-app/shortlist/", "/contests/disaster-info-app/results/", "/about/",
                "/backlog/", "/backlog/iteration-1/", "/data/sharing/", "/no/such/page/"]


def serious(driver):
    """axe-core's violations of impact serious or critical on the page now."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def server_pages(driver, port, lang, pdf):
    """Opens each server-made page in turn and yields its name once it is shown."""
    prefix = "" if lang == "ja" else "/en"
    contest = f"http://127.0.0.1:{port}{prefix}/contests/sme-support-ui/"
    # The receipt (and edit form) of a new entry.
    driver.get(contest)
    form = driver.find_element(By.CSS_SELECTOR, "form.entry-form")
    fill_entry_form(form, f"A11y {lang}", "Checked for accessibility.", pdf)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: "/api/entries/E-" in d.current_url)
    yield "receipt"
    # The page an edit link opens (it moves on at once by a refresh, so it is checked as
    # fetched, with the refresh taken out).
    link = driver.find_element(By.CSS_SELECTOR, "input[readonly]").get_attribute("value")
    local = re.sub(r"^https?://[^/]+", f"http://127.0.0.1:{port}", link)
    with urllib.request.urlopen(urllib.request.Request(local, headers={"Accept": "text/html"}), timeout=30) as r:
        html = r.read().decode()
    still = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", html)
    driver.get("data:text/html;charset=utf-8;base64," + base64.b64encode(still.encode()).decode())
    yield "edit link"
    # The problems page: the form sent empty (the browser's own checks switched off).
    driver.get(contest)
    driver.execute_script("var f = document.querySelector('form.entry-form'); f.noValidate = true; f.submit();")
    WebDriverWait(driver, 30).until(lambda d: "/api/contests/" in d.current_url)
    yield "problems"
    # The notice page: what a bot that fills the hidden field sees.
    driver.get(contest)
    form = driver.find_element(By.CSS_SELECTOR, "form.entry-form")
    fill_entry_form(form, f"Bot {lang}", "Checked for accessibility.", pdf)
    # form.submit() posts plainly, as a bot would (no script-driven upload).
    driver.execute_script("document.querySelector('input[name=website]').value = 'http://spam.example';"
                          "document.querySelector('form.entry-form').submit();")
    WebDriverWait(driver, 30).until(lambda d: "/api/contests/" in d.current_url)
    yield "notice"


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="compe-a11y-")
    pdf = os.path.join(work, "design.pdf")
    with open(pdf, "wb") as f:
        f.write(b"%PDF-1.4\n" + os.urandom(4096))
    server, port = start_site(compe_binary(), work)
    driver = browser(True)
    tally = Tally()

    def clean():
        problems = serious(driver)
        blocked = csp_violations(driver)
        html_lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        assert not problems, "axe-core: " + "; ".join(problems)
        assert not blocked, f"blocked by the Content Security Policy: {blocked}"
        assert html_lang in ("ja", "en"), f"<html lang> is {html_lang!r}"

    def check(name):
        tally.run(name, clean, driver, "a11y-" + name.replace("/", "_").replace(" ", "-") + ".png")

    try:
        for lang in ("ja", "en"):
            prefix = "" if lang == "ja" else "/en"
            for path in STATIC_PAGES:
                driver.get(f"http://127.0.0.1:{port}{prefix}{path}")
                check(f"{lang} {path}")
            for name in server_pages(driver, port, lang, pdf):
                check(f"{lang} {name}")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"accessibility: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
