"""What the browser tests share: the real `compe` binary, a sample site it builds and serves
on 127.0.0.1, and headless Chromium through Selenium."""
import os, re, shutil, socket, subprocess, threading, time, traceback

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.path.join(ROOT, ".build", "browser-screenshots")


def compe_binary():
    """The compe to test: COMPE_BINARY (Scripts/test sets its AddressSanitizer build), else the debug build."""
    if os.environ.get("COMPE_BINARY"):
        return os.environ["COMPE_BINARY"]
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True)
    return os.path.join(out.stdout.strip(), "compe")


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_site(binary, work, watch=False, prepare=None):
    """Copies the sample into `work` (then `prepare(work)` may add to it), builds it and serves it."""
    for name in ("Content", "Static"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(work, name))
    if prepare:
        prepare(work)
    subprocess.run([binary, "build"], cwd=work, check=True, capture_output=True)
    extra = ["--watch"] if watch else []
    server = subprocess.Popen([binary, "serve", "--port", "0", "--rate-limit", "0"] + extra, cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = server.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            return server, int(m.group(1))
    server.kill()
    raise RuntimeError("compe serve did not report its port")


class CuttingProxy:
    """Forwards 127.0.0.1:port to a server on `target`, and cuts a connection (both ways) when the
    bytes sent by clients pass each of `cuts`, after holding it silent for `stall` seconds (a
    link that hangs, then drops), and then closes every new connection for `outage` seconds (the
    network is gone a while); `on_bytes(total)` sees the running total."""

    def __init__(self, target, cuts, on_bytes=lambda total: None, stall=0, outage=0):
        self.target, self.cuts, self.on_bytes, self.stall, self.outage = target, list(cuts), on_bytes, stall, outage
        self.stalling = False
        self.down_until = 0
        self.total, self.made = 0, 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.time() < self.down_until:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            pair = (client, upstream)
            threading.Thread(target=self.pump, args=(client, upstream, pair, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, pair, False), daemon=True).start()

    def pump(self, source, sink, pair, from_client):
        try:
            while True:
                data = source.recv(256 * 1024)
                if not data:
                    break
                if from_client:
                    with self.lock:
                        self.total += len(data)
                        total = self.total
                        cut = bool(self.cuts) and total >= self.cuts[0]
                        if cut:
                            self.cuts.pop(0)
                            self.made += 1
                    self.on_bytes(total)
                    if cut:
                        self.stalling = True
                        time.sleep(self.stall)
                        self.down_until = time.time() + self.outage
                        self.stalling = False
                        break
                sink.sendall(data)
        except OSError:
            pass
        for s in pair:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def browser(javascript):
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1600"):
        opts.add_argument(arg)
    # The browser console, read by csp_violations().
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        opts.binary_location = binary
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def csp_violations(driver):
    """Console messages since the last call that say the Content Security Policy blocked something."""
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def fill_entry_form(form, title, summary, pdf):
    """Fills a contest page's entry form with a valid entry (one PDF) and ticks the terms."""
    form.find_element(By.NAME, "title").send_keys(title)
    form.find_element(By.NAME, "summary").send_keys(summary)
    form.find_element(By.NAME, "team_name").send_keys("Team Browser")
    form.find_element(By.NAME, "members").send_keys("Aiko")
    form.find_element(By.NAME, "contact_email").send_keys("browser@example.org")
    Select(form.find_element(By.NAME, "country")).select_by_value("JP")
    form.find_element(By.NAME, "files").send_keys(pdf)
    form.find_element(By.NAME, "agree_terms").click()


class Tally:
    """Runs named cases: "ok" or "FAILED" with the traceback, and a screenshot of a failure."""

    def __init__(self):
        self.passed = self.failed = 0

    def run(self, name, case, driver=None, shot=None):
        try:
            case()
            self.passed += 1
            print(f"ok      {name}")
        except Exception:
            self.failed += 1
            print(f"FAILED  {name}")
            traceback.print_exc()
            if driver is not None:
                driver.save_screenshot(os.path.join(SHOTS, shot or name.replace("/", "_").replace(" ", "-") + ".png"))
