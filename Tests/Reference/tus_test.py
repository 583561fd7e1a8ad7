#!/usr/bin/env python3
"""Resumable uploads (tus 1.0) checked with tuspy, an independent tus client, against the real
binary — never with compe's own code.

1. A 200 MB file goes up through a small TCP proxy that cuts the connection three times in the
   middle of a PATCH, and the server is killed with -9 once on the way and started again: tuspy
   resumes each time from the offset the server acknowledged, and the entry that names the
   finished upload has the file's SHA-256 (and /metrics counts the resumptions).
2. tuspy's own checksums (sha256) are accepted; a PATCH whose Upload-Checksum does not match is
   answered 460 and nothing of it is kept.
3. An upload larger than the contest takes (413), or of a kind it does not take (415), is refused
   at creation, tuspy says so; a file whose bytes are not what it claimed is refused when complete.
4. An upload is used once, and never by another client's entry (refused as if unknown).
5. An upload left unfinished past its expiry is gone after a restart a day later: 404/410 and
   its bytes removed from the data directory.

Prints "tus: all passed" or the failures, and exits non-zero on any failure.
"""
import base64, hashlib, json, os, re, secrets, shutil, subprocess, sys, tempfile, time, urllib.error, urllib.request, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import CuttingProxy, compe_binary, free_port  # noqa: E402
from tusclient import client as tus  # noqa: E402
from tusclient.exceptions import TusCommunicationError, TusUploadFailed  # noqa: E402
from tusclient.uploader import Uploader  # noqa: E402

CONTEST = "sme-support-ui"
MB = 1 << 20
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


class Sha256Uploader(Uploader):
    """tuspy with the checksum extension in sha256 (its default is sha1, which compe does not take)."""
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


def serve(compe, work, port, extra=()):
    server = subprocess.Popen([compe, "serve", "--port", str(port), "--rate-limit", "0", *extra], cwd=work,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "a"))
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("compe serve did not start")


def request(url, method="GET", headers=None, data=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def tus_headers(key, **extra):
    h = {"Tus-Resumable": "1.0.0", "Compe-Upload-Key": key}
    h.update({k.replace("_", "-"): v for k, v in extra.items()})
    return h


def metadata(**values):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(base, key, length, filename="design.pdf", filetype="application/pdf"):
    return request(f"{base}/api/uploads/", "POST", tus_headers(key, Upload_Length=str(length),
                                                              Upload_Metadata=metadata(contest=CONTEST, filename=filename, filetype=filetype)))


def post_entry(base, key, uploads, title="Resumed", as_json=False):
    """An entry naming finished uploads: multipart (`upload` fields) or JSON (`"uploads": [...]`)."""
    if as_json:
        body = json.dumps({"title": title, "summary": "s", "team_name": "Team Tus", "members": ["Aiko", "Ben"], "contact_email": "tus@example.org",
                           "country": "JP", "agree_terms": True, "uploads": uploads}).encode()
        status, _, data = request(f"{base}/api/contests/{CONTEST}/entries", "POST",
                                  {"Content-Type": "application/json", "Accept": "application/json", "Accept-Language": "en", "Compe-Upload-Key": key}, body)
        return status, json.loads(data)
    boundary = "compe-" + uuid.uuid4().hex
    fields = [("title", title), ("summary", "s"), ("team_name", "Team Tus"), ("members", "Aiko"), ("contact_email", "tus@example.org"),
              ("country", "JP"), ("agree_terms", "yes")] + [("upload", u) for u in uploads]
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode() for k, v in fields)
    body += f"--{boundary}--\r\n".encode()
    status, _, data = request(f"{base}/api/contests/{CONTEST}/entries", "POST",
                              {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json",
                               "Accept-Language": "en", "Compe-Upload-Key": key}, body)
    return status, json.loads(data)


def main():
    compe = compe_binary()
    work = tempfile.mkdtemp(prefix="compe-tus-")
    for name in ("Content", "Static"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(work, name))
    brief = os.path.join(work, "Content", "contests", CONTEST, "brief.md")
    text = open(brief, encoding="utf-8").read()
    open(brief, "w", encoding="utf-8").write(text.replace("max_file_mb: 50", "max_file_mb: 300"))
    subprocess.run([compe, "build"], cwd=work, check=True, capture_output=True)
    port = free_port()
    state = {"server": serve(compe, work, port), "killed": False}
    base = f"http://127.0.0.1:{port}"
    try:
        # 1. 200 MB through three cuts and a kill -9.
        big = os.path.join(work, "video.pdf")
        with open(big, "wb") as f:
            f.write(b"%PDF-1.4\n")
            for _ in range(200):
                f.write(os.urandom(MB))
        size = os.path.getsize(big)
        digest = hashlib.sha256(open(big, "rb").read()).hexdigest()

        def on_bytes(total):
            if total >= 150 * MB and not state["killed"]:
                state["killed"] = True
                state["server"].kill()          # SIGKILL: nothing is flushed or acknowledged on the way out
                state["server"].wait()
                state["server"] = serve(compe, work, port)

        proxy = CuttingProxy(port, cuts=[30 * MB, 70 * MB, 110 * MB], on_bytes=on_bytes)
        key = secrets.token_hex(16)
        client = tus.TusClient(f"http://127.0.0.1:{proxy.port}/api/uploads/", headers={"Compe-Upload-Key": key})
        uploader = client.uploader(big, chunk_size=16 * MB, retries=30, retry_delay=1,
                                   metadata={"contest": CONTEST, "filename": "prototype.pdf", "filetype": "application/pdf"})
        started = time.time()
        uploader.upload()
        upload_id = uploader.url.rstrip("/").rsplit("/", 1)[-1]
        check(f"tuspy: 200 MB through 3 cut connections and a kill -9 ({time.time() - started:.1f} s)",
              proxy.made == 3 and state["killed"] and uploader.offset == size, (proxy.made, state["killed"], uploader.offset))
        status, headers, _ = request(f"{base}/api/uploads/{upload_id}", "HEAD", tus_headers(key))
        check("HEAD: the whole file acknowledged", status == 200 and headers.get("upload-offset") == str(size), (status, headers))
        status, _, _ = request(f"{base}/api/uploads/{upload_id}", "HEAD", tus_headers(secrets.token_hex(16)))
        check("HEAD with another client's key: 404", status == 404, status)
        status, receipt = post_entry(base, secrets.token_hex(16), [upload_id], title="Not mine")
        check("an entry naming another client's upload: refused as if unknown", status == 400 and receipt["errors"][0]["field"] == "uploads", receipt)
        status, receipt = post_entry(base, key, [upload_id], as_json=True)
        check("the entry (sent as JSON) that names it has the file's SHA-256", status == 201 and receipt["files"][0]["sha256"] == digest
              and receipt["files"][0]["bytes"] == size and receipt["log"]["leaf"]["files"] == [digest], receipt)
        stored = os.path.join(work, "Data", "uploads", digest[:2], digest)
        check("the file is stored under its hash, and the upload's own copy is gone",
              os.path.getsize(stored) == size and not os.path.exists(os.path.join(work, "Data", "resumable", upload_id)))
        status, again = post_entry(base, key, [upload_id], title="Twice")
        check("an upload is used once", status == 400 and "unknown, unfinished or used already" in again["errors"][0]["message"], again)
        metrics = request(f"{base}/metrics")[2].decode()
        resumed = re.search(r'compe_resumable_uploads_total\{event="resumed"\} (\d+)', metrics)
        check("/metrics counts the resumptions and the finished upload", resumed and int(resumed.group(1)) >= 3
              and 'compe_resumable_uploads_total{event="finished"} 1' in metrics, metrics[-600:])

        # 2. Checksums.
        small = os.path.join(work, "small.pdf")
        with open(small, "wb") as f:
            f.write(b"%PDF-1.4\n" + os.urandom(3 * MB) + b"\n%%EOF\n")
        key2 = secrets.token_hex(16)
        client2 = tus.TusClient(f"{base}/api/uploads/", headers={"Compe-Upload-Key": key2})
        checked = Sha256Uploader(small, client=client2, chunk_size=MB, upload_checksum=True,
                                 metadata={"contest": CONTEST, "filename": "small.pdf", "filetype": "application/pdf"})
        checked.upload()
        check("tuspy with sha256 checksums on every 1 MiB chunk", checked.offset == os.path.getsize(small), checked.offset)
        status, headers, _ = create(base, key2, 1000)
        location = headers.get("location", "")
        body = b"%PDF-1.4\n" + b"x" * 91
        status, _, answer = request(base + location, "PATCH", tus_headers(key2, Upload_Offset="0", Content_Type="application/offset+octet-stream",
                                                                          Upload_Checksum="sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()),
                                    body)
        status_head, headers, _ = request(base + location, "HEAD", tus_headers(key2))
        kept = os.path.getsize(os.path.join(work, "Data", "resumable", location.rsplit("/", 1)[-1]))
        check("a wrong checksum: 460 and nothing kept", status == 460 and headers.get("upload-offset") == "0" and kept == 0, (status, answer, headers, kept))
        status, _, _ = request(base + location, "PATCH", tus_headers(key2, Upload_Offset="0", Content_Type="application/offset+octet-stream",
                                                                     Upload_Checksum="sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()), body)
        check("the same bytes with their checksum: accepted", status == 204, status)
        status, _, _ = request(base + location, "DELETE", tus_headers(key2))
        check("termination: 204 and the bytes gone", status == 204 and not os.path.exists(os.path.join(work, "Data", "resumable", location.rsplit("/", 1)[-1])))

        # 3. Limits at creation, and the kind by the bytes.
        status, _, answer = create(base, key2, 400 * MB)
        check("over the contest's file size: 413 at creation", status == 413 and b"300 MB" in answer, (status, answer))
        status, _, answer = create(base, key2, MB, filename="clip.mp4", filetype="video/mp4")
        check("a kind the contest does not take: 415 at creation", status == 415, (status, answer))
        try:
            client2.uploader(file_stream=open(small, "rb"), metadata={"contest": CONTEST, "filename": "clip.mp4", "filetype": "video/mp4"}).upload()
            check("tuspy is told of a refused creation", False, "uploaded")
        except (TusCommunicationError, TusUploadFailed) as error:
            check("tuspy is told of a refused creation", getattr(error, "status_code", None) == 415, error)
        fake = os.path.join(work, "fake.pdf")
        with open(fake, "wb") as f:
            f.write(b"MZ" + os.urandom(4096))
        try:
            client2.uploader(fake, metadata={"contest": CONTEST, "filename": "fake.pdf", "filetype": "application/pdf"}).upload()
            check("a file whose bytes are no PDF: refused when complete", False, "uploaded")
        except (TusCommunicationError, TusUploadFailed) as error:
            check("a file whose bytes are no PDF: refused when complete (415)", getattr(error, "status_code", None) == 415, error)

        # 5. Expiry: half an upload, then the server a day later.
        status, headers, _ = create(base, key2, 2 * MB)
        stale = headers["location"].rsplit("/", 1)[-1]
        request(f"{base}/api/uploads/{stale}", "PATCH", tus_headers(key2, Upload_Offset="0", Content_Type="application/offset+octet-stream"),
                b"%PDF-1.4\n" + b"y" * MB)
        check("half an upload on disk", os.path.getsize(os.path.join(work, "Data", "resumable", stale)) == MB + 9)
        state["server"].terminate()
        state["server"].wait()
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 25 * 3600))
        state["server"] = serve(compe, work, port, ["--now", later])
        status, _, _ = request(f"{base}/api/uploads/{stale}", "HEAD", tus_headers(key2))
        time.sleep(0.5)
        check("after its expiry: 404/410 and its bytes removed", status in (404, 410)
              and not os.path.exists(os.path.join(work, "Data", "resumable", stale)), status)
    finally:
        state["server"].terminate()
        state["server"].wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("tus: all passed" if not failures else f"tus: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
