#!/usr/bin/env python3
"""Real-browser end-to-end tests (headless Chromium through Selenium): the entry form, and
the dev server's reload and error overlay.

Builds the sample site with the real `compe` binary, serves it with `compe serve` on
127.0.0.1, then for ja and en, with JavaScript on and off: fills the form, attaches a
PDF, submits, and checks the receipt page. With JavaScript on the file goes up as a resumable
(tus) upload, and it also checks that its progress bar appeared. Screenshots go to .build/browser-screenshots/.
Then `compe serve --watch`: a broken edit must show the overlay with path:line:col in the
open page, and fixing the file must reload the page without it.
Prints "browser: N passed, M failed" and exits non-zero on any failure.
"""
import os, re, shutil, sys, tempfile, time

from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import SHOTS, Tally, browser, compe_binary, csp_violations, fill_entry_form, start_site


def submit_entry(driver, port, lang, javascript, pdf):
    prefix = "" if lang == "ja" else "/en"
    driver.get(f"http://127.0.0.1:{port}{prefix}/contests/sme-support-ui/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    form = driver.find_element(By.CSS_SELECTOR, "form.entry-form")
    fill_entry_form(form, f"Browser entry {lang} js={javascript}", "A **clear** flow.\n<script>alert('x')</script>", pdf)
    # The bank's consent box: unticked by default, named in the page's language, with the
    # purpose, the data and the end date; the form links to the public register.
    box = form.find_element(By.ID, "f-consent-example-bank")
    assert not box.is_selected(), "a consent box must start unticked"
    help_text = form.find_element(By.ID, "f-consent-example-bank-help").text
    assert "2027-11-30" in help_text and ("メールアドレス" if lang == "ja" else "e-mail address") in help_text, help_text
    assert ("例示銀行" if lang == "ja" else "Example Bank") in form.find_element(By.CSS_SELECTOR, "label[for=f-consent-example-bank]").text
    assert form.find_elements(By.CSS_SELECTOR, "a[href$='/data/sharing/']"), "the form links to the register"
    box.click()
    if javascript:
        # Remember, across the navigation to the receipt, whether the file's progress was shown
        # (the file goes up as a resumable upload, with a progress bar of its own).
        driver.execute_script("""
            sessionStorage.removeItem('progressShown');
            var p = document.querySelector('form.entry-form .upload-list');
            new MutationObserver(function () { if (!p.hidden && p.querySelector('progress')) sessionStorage.setItem('progressShown', '1'); })
                .observe(p, {attributes: true, childList: true, subtree: true});
        """)
    driver.save_screenshot(os.path.join(SHOTS, f"form-{lang}-js-{'on' if javascript else 'off'}.png"))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: "/api/entries/E-" in d.current_url)
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text != "")
    heading = driver.find_element(By.TAG_NAME, "h1").text
    expected = "応募を受け付けました" if lang == "ja" else "Entry received"
    assert heading == expected, f"receipt heading was {heading!r}"
    page = driver.page_source
    assert re.search(r"E-\d{4}", page), "no entry id on the receipt"
    assert re.search(r"<code>[0-9a-f]{64}</code>", page), "no SHA-256 on the receipt"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    # The entrant's script is shown as text, never run or inserted as an element.
    assert "<script>alert('x')</script>" not in page
    if javascript:
        assert driver.execute_script("return sessionStorage.getItem('progressShown')") == "1", "progress bar never appeared"
    driver.save_screenshot(os.path.join(SHOTS, f"receipt-{lang}-js-{'on' if javascript else 'off'}.png"))
    # The consent stands on the entrant's page; unticking and saving withdraws it, ticking
    # gives it again (each a new record), with and without JavaScript alike.
    def consent_box():
        return driver.find_element(By.ID, "e-consent-example-bank")
    assert consent_box().is_selected(), "the consent given on the form stands on the entrant's page"
    for expected in (False, True):
        consent_box().click()
        consent_box().find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
            lambda d: "#sharing" in d.current_url and consent_box().is_selected() == expected)
    # Edit from the receipt page: the new title is saved and shown.
    title = driver.find_element(By.ID, "e-title")
    title.clear()
    title.send_keys(f"Edited {lang}")
    title.submit()
    # The old page is read until the new one replaces it: retry reads that meet a node mid-swap.
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: f"Edited {lang}" in d.find_element(By.TAG_NAME, "h2").text)
    assert "new=1" not in driver.current_url
    blocked = csp_violations(driver)
    assert not blocked, f"the Content Security Policy blocked part of the form flow: {blocked}"


def dev_server_overlay(binary):
    """A broken edit shows the overlay in the open page; the fix reloads it without one."""
    work = tempfile.mkdtemp(prefix="compe-browser-dev-")
    server, port = start_site(binary, work, watch=True)
    driver = browser(True)
    about = os.path.join(work, "Content", "pages", "about.md")
    original = open(about, encoding="utf-8").read()
    try:
        driver.get(f"http://127.0.0.1:{port}/about/")
        time.sleep(0.5)   # let the page open its event stream
        with open(about, "w", encoding="utf-8") as f:
            f.write(original.replace("title:", "title: [unclosed\nx:", 1))
        # The page is replaced while it reloads: a read mid-reload can go stale or meet a
        # destroyed script context, so the waits retry until their deadline.
        patient = (WebDriverException,)
        WebDriverWait(driver, 15, ignored_exceptions=patient).until(
            lambda d: "Content/pages/about.md:" in (d.execute_script(
                "const o = document.getElementById('compe-error-overlay'); return o ? o.innerText : ''") or ""))
        overlay = driver.execute_script("return document.getElementById('compe-error-overlay').innerText")
        assert "invalid YAML" in overlay, overlay
        driver.save_screenshot(os.path.join(SHOTS, "dev-server-overlay.png"))
        with open(about, "w", encoding="utf-8") as f:
            f.write(original + "\n直した fixed-in-browser\n")
        # Read the text in one script call: a node fetched by one command can be
        # swapped out by the reload before the next command reads it.
        WebDriverWait(driver, 15, ignored_exceptions=patient).until(
            lambda d: "fixed-in-browser" in (d.execute_script(
                "return document.body ? document.body.innerText : ''") or ""))
        assert not driver.find_elements(By.ID, "compe-error-overlay"), "the overlay is gone after the fix"
        blocked = csp_violations(driver)
        assert not blocked, f"the Content Security Policy blocked the dev server's overlay or reload: {blocked}"
        driver.save_screenshot(os.path.join(SHOTS, "dev-server-fixed.png"))
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="compe-browser-")
    pdf = os.path.join(work, "design.pdf")
    with open(pdf, "wb") as f:
        f.write(b"%PDF-1.4\n" + os.urandom(8 * 1024 * 1024))   # large enough for progress events
    server, port = start_site(compe_binary(), work)
    tally = Tally()
    try:
        for javascript in (True, False):
            driver = browser(javascript)
            try:
                for lang in ("ja", "en"):
                    name = f"{lang}, JavaScript {'on' if javascript else 'off'}"
                    tally.run(name, lambda: submit_entry(driver, port, lang, javascript, pdf), driver,
                              f"failure-{lang}-js-{'on' if javascript else 'off'}.png")
            finally:
                driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    tally.run("dev server: error overlay and reload", lambda: dev_server_overlay(compe_binary()))
    print(f"browser: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0

if __name__ == "__main__":
    sys.exit(main())
