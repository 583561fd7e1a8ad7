#!/usr/bin/env python3
"""Asking a question in headless Chromium, as an entrant would, on the sample site served by the
real `compe serve`: for ja and en, with JavaScript on and off, the contest page's question form
is filled (a question with HTML in it and two lines; an address for the notice on some) and sent;
the answer page says, in the page's language, that the question will be answered publicly
without the asker's name; the form (on the contest page), the answer page and the published
questions page pass axe-core with no serious or critical violation and nothing blocked by the
Content Security Policy. Then `compe questions list --json` shows each question stored as text
(the HTML as typed, never markup) with only whether an address was given, and no built page
shows an unanswered question. Prints "questions (browser): N passed, M failed"; exits
non-zero on any failure.
"""
import json, os, shutil, subprocess, sys, tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from accessibility_test import serious
from browser_support import SHOTS, Tally, browser, compe_binary, csp_violations, start_site

CONTEST = "sme-support-ui"
RECEIVED = {"ja": "質問を受け付けました", "en": "Question received"}
PROMISE = {"ja": "質問者の名前やメールアドレスを伏せて", "en": "without your name or address"}


def accessible(driver):
    problems, blocked = serious(driver), csp_violations(driver)
    assert not problems, "axe-core: " + "; ".join(problems)
    assert not blocked, f"blocked by the Content Security Policy: {blocked}"


def ask(driver, port, lang, javascript, address):
    prefix = "" if lang == "ja" else "/en"
    driver.get(f"http://127.0.0.1:{port}{prefix}/contests/{CONTEST}/")
    form = driver.find_element(By.CSS_SELECTOR, "form.question-form")
    if javascript:   # axe-core runs as a script: with scripts off the page is the same, so checked once
        accessible(driver)
    text = f"<b>Team</b> of four? ({lang}, js={javascript})\nSecond line & more"
    form.find_element(By.NAME, "question").send_keys(text)
    Select(form.find_element(By.NAME, "language")).select_by_value(lang)
    if address:
        form.find_element(By.NAME, "email").send_keys(address)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: "/questions" in d.current_url)
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text != "")
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading == RECEIVED[lang], f"the answer page's heading is {heading!r}"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    body = driver.find_element(By.TAG_NAME, "body").text
    assert PROMISE[lang] in body, body
    assert "<b>Team</b>" not in driver.page_source, "the question is echoed back as markup"
    if javascript:
        accessible(driver)
    return text


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="compe-questions-browser-")
    compe = compe_binary()
    server, port = start_site(compe, work)
    tally, asked = Tally(), []
    try:
        for javascript in (True, False):
            driver = browser(javascript)
            try:
                for lang in ("ja", "en"):
                    address = f"asker-{lang}-{int(javascript)}@example.org" if lang == "en" else None
                    name = f"ask in {lang}, JavaScript {'on' if javascript else 'off'}" + (", with an address" if address else "")
                    tally.run(name, lambda: asked.append((ask(driver, port, lang, javascript, address), address is not None)), driver,
                              f"question-{lang}-js-{'on' if javascript else 'off'}.png")
                if javascript:
                    for lang, prefix in (("ja", ""), ("en", "/en")):
                        def published():
                            driver.get(f"http://127.0.0.1:{port}{prefix}/contests/{CONTEST}/questions/")
                            assert driver.find_elements(By.CSS_SELECTOR, "article.answer#question-001"), "no answer Q-001 on the page"
                            accessible(driver)
                        tally.run(f"the questions page in {lang}", published, driver, f"questions-page-{lang}.png")
            finally:
                driver.quit()

        def stored():
            out = subprocess.run([compe, "questions", "list", CONTEST, "--json"], cwd=work, capture_output=True, text=True, check=True)
            items = json.loads(out.stdout)
            expected = list(asked)
            got = [(i["question"], i["notice_requested"]) for i in items]
            assert got == expected, f"stored {got}, asked {expected}"
            assert all(i["id"] not in ("Q-001", "Q-002") for i in items), "a question took the number of a published answer"
            assert "example.org" not in out.stdout, "the address is listed"
            for folder, _, files in os.walk(os.path.join(work, "Public")):
                for f in files:
                    data = open(os.path.join(folder, f), "rb").read()
                    assert b"of four? (" not in data, f"an unanswered question is in {f}"
        tally.run("stored as text, numbered after the published answers, in no built page", stored)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"questions (browser): {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
