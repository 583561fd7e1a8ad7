#!/usr/bin/env python3
"""The entry form's resumable uploads in a real browser (headless Chromium through Selenium),
over a link that hangs and drops: the page is opened through a TCP proxy in front of
`compe serve`.

1. A 20 MB file: the proxy holds the connection silent for 3 s in the middle of a PATCH, then
   drops it, and lets no connection through for 3 s more. The file's progress bar is shown (axe-core finds no serious or critical problem on
   the form while it is), the live region says the upload paused and went on, and the entry is
   accepted with the file's SHA-256.
2. A page reload in the middle: the same file chosen again goes on from what the server has
   (the live region says from which percentage), not from the start.

(The form without JavaScript, a plain multipart post, is checked by entry_form_test.py.)
Prints "resumable form: N passed, M failed" and exits non-zero on any failure.
"""
import hashlib, os, re, shutil, sys, tempfile, time

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from accessibility_test import serious
from browser_support import SHOTS, CuttingProxy, Tally, browser, compe_binary, csp_violations, fill_entry_form, start_site

MB = 1 << 20

# Keeps what the live region said across the navigation to the receipt page.
RECORD_STATUS = """
    sessionStorage.setItem('said', '');
    var s = document.querySelector('form.entry-form .upload-status');
    new MutationObserver(function () { sessionStorage.setItem('said', sessionStorage.getItem('said') + '|' + s.textContent); })
        .observe(s, {childList: true, characterData: true, subtree: true});
"""


def open_form(driver, port, pdf, title):
    driver.get(f"http://127.0.0.1:{port}/en/contests/sme-support-ui/")
    form = driver.find_element(By.CSS_SELECTOR, "form.entry-form")
    fill_entry_form(form, title, "Sent over a broken link.", pdf)
    driver.execute_script(RECORD_STATUS)
    return form


def wait_for_receipt(driver, digest):
    WebDriverWait(driver, 120, ignored_exceptions=(WebDriverException,)).until(lambda d: "/api/entries/E-" in d.current_url)
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Entry received")
    assert f"<code>{digest}</code>" in driver.page_source, "the receipt does not show the file's SHA-256"
    return driver.execute_script("return sessionStorage.getItem('said')") or ""


def hang_and_drop(driver, port, pdf, digest, proxy):
    form = open_form(driver, port, pdf, "Through a hanging link")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: proxy.stalling)
    shown = driver.execute_script("""
        var list = document.querySelector('form.entry-form .upload-list');
        var bar = list.querySelector('progress');
        return !list.hidden && bar && bar.getAttribute('aria-label') === 'design.pdf' ? bar.value : -1;""")
    assert 0 < shown < 100, f"the file's progress was not shown while the link hung ({shown})"
    driver.save_screenshot(os.path.join(SHOTS, "resumable-progress.png"))
    problems = serious(driver)
    assert not problems, f"axe-core on the form with the progress shown: {problems}"
    said = wait_for_receipt(driver, digest)
    assert "The connection broke. 'design.pdf' will go on from" in said and "'design.pdf' resumed from" in said, said
    assert proxy.made == 1, f"the proxy cut {proxy.made} connections"
    blocked = csp_violations(driver)
    assert not blocked, f"the Content Security Policy blocked part of the resumable upload: {blocked}"


def reload_midway(driver, port, pdf, digest, proxy):
    form = open_form(driver, port, pdf, "After a reload")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: proxy.stalling)
    form = open_form(driver, port, pdf, "After a reload")   # the entrant reloads while the link hangs
    time.sleep(proxy.stall)                                  # the hung request ends
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    said = wait_for_receipt(driver, digest)
    resumed = re.search(r"'design\.pdf' resumed from (\d+)%", said)
    assert resumed and int(resumed.group(1)) > 0, f"after the reload the upload started again from the start: {said}"


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="compe-resumable-")
    pdf = os.path.join(work, "design.pdf")
    with open(pdf, "wb") as f:
        f.write(b"%PDF-1.4\n" + os.urandom(20 * MB))
    digest = hashlib.sha256(open(pdf, "rb").read()).hexdigest()
    server, port = start_site(compe_binary(), work)
    tally = Tally()
    driver = browser(True)
    try:
        proxy = CuttingProxy(port, cuts=[12 * MB], stall=3, outage=3)
        tally.run("a hanging, then dropped link: paused, resumed, entry accepted",
                  lambda: hang_and_drop(driver, proxy.port, pdf, digest, proxy), driver, "resumable-failure-drop.png")
        proxy = CuttingProxy(port, cuts=[12 * MB], stall=4)
        tally.run("a page reload midway: the upload goes on from where it was",
                  lambda: reload_midway(driver, proxy.port, pdf, digest, proxy), driver, "resumable-failure-reload.png")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"resumable form: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
