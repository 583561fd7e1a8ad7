"""Blind judging and file metadata, with independent tools: images made by Pillow and given
EXIF, XMP, IPTC and comments (JPEG) or text chunks and XMP (PNG) by exiftool; PDFs with an
Info dictionary made by pypdf.

- A PDF whose metadata names the team or a member is refused (400 naming the file and the
  field, in Japanese and English); the form says so before anyone uploads.
- A blind judge who downloads the images (`compe judge fetch`, checked against the announced
  SHA-256) gets copies in which exiftool finds no author, creator, artist, by-line or comment,
  and whose pixels are the same as the originals'.
Prints "blind files: … passed/failed" and exits non-zero on any failure.
"""
import io, json, os, re, shutil, subprocess, sys, tempfile, urllib.error, urllib.request, uuid

from PIL import Image
from pypdf import PdfWriter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import compe_binary, start_site  # noqa: E402

CONTEST = "sme-support-ui"
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail!r}"[:800]))
    if not ok:
        failures.append(name)


def pdf(author):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Title": "Plan"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def post(port, files, team="Yamada Design KK", members="Taro Yamada", language="en"):
    boundary = "compe-" + uuid.uuid4().hex
    fields = {"title": "Blind test", "summary": "s", "team_name": team, "members": members, "contact_email": "taro@yamada.example",
              "country": "JP", "agree_terms": "yes"}
    body = b""
    for k, v in fields.items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
    for name, data, mime in files:
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n".encode()
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/contests/{CONTEST}/entries", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json",
                                          "Accept-Language": language})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def exif(path):
    out = subprocess.run(["exiftool", "-j", "-a", "-G1", path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]


def main():
    compe = compe_binary()
    work = tempfile.mkdtemp(prefix="compe-blind-")
    server = None
    try:
        server, port = start_site(compe, work)
        images = os.path.join(work, "images")
        os.makedirs(images)
        jpg, png = os.path.join(images, "photo.jpg"), os.path.join(images, "shot.png")
        picture = Image.new("RGB", (64, 48))
        picture.putdata([(x * 4, y * 5, (x + y) % 256) for y in range(48) for x in range(64)])
        picture.save(jpg, quality=90)
        picture.save(png)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-Artist=Taro Yamada", "-XMP-dc:Creator=Taro Yamada",
                        "-IPTC:By-line=Taro Yamada", "-Comment=Yamada Design KK", jpg], check=True)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-PNG:Author=Taro Yamada", "-XMP-dc:Creator=Taro Yamada", png], check=True)
        before = {p: exif(p) for p in (jpg, png)}
        check("exiftool sees the planted metadata", "Taro Yamada" in json.dumps(before[jpg]) and "Taro Yamada" in json.dumps(before[png]), before)

        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/en/contests/{CONTEST}/", timeout=30).read().decode()
        check("the form says what blind judging asks of files", "Judging is blind" in page and "metadata" in page)

        status, answer = post(port, [("plan.pdf", pdf("Taro Yamada, Yamada Design KK"), "application/pdf")])
        text = json.dumps(answer, ensure_ascii=False)
        check("a PDF naming its author is refused, naming file and field", status == 400 and "plan.pdf" in text and "Author" in text, (status, text))
        status, answer = post(port, [("plan.pdf", pdf("Taro Yamada"), "application/pdf")], language="ja")
        check("…in Japanese too", status == 400 and "メタデータ" in json.dumps(answer, ensure_ascii=False), answer)
        status, answer = post(port, [("plan.pdf", pdf("Someone Else"), "application/pdf"), ("photo.jpg", open(jpg, "rb").read(), "image/jpeg"),
                                     ("shot.png", open(png, "rb").read(), "image/png")])
        check("a clean PDF with the images is taken", status == 201, answer)

        def run(*args, **kw):
            return subprocess.run([compe] + list(args), cwd=work, capture_output=True, text=True, **kw)
        assert run("judges", "add", "sato", "--name", "Sato").returncode == 0
        assert run("panel", "add", CONTEST, "sato").returncode == 0
        assert run("assign", CONTEST, "--per-entry", "1").returncode == 0
        token = run("judges", "token", "sato").stdout.strip()
        home = os.path.join(work, "judge-home")
        os.makedirs(home)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"), COMPE_JUDGE_TOKEN="")
        login = subprocess.run([compe, "judge", "login", f"http://127.0.0.1:{port}"], env=env, input=token + "\n", capture_output=True, text=True)
        check("the judge logs in", login.returncode == 0, login.stderr)
        ref = json.loads(subprocess.run([compe, "judge", "queue", "--json"], env=env, capture_output=True, text=True).stdout)[0]["ref"]
        fetched = subprocess.run([compe, "judge", "fetch", ref, "--out", "got"], cwd=home, env=env, capture_output=True, text=True)
        check("fetch checks every file against the announced hash", fetched.returncode == 0 and fetched.stdout.count("sha256 ok") == 3,
              fetched.stdout + fetched.stderr)
        folder = os.path.join(home, "got", ref)
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        check("blind names", names == ["file-1.pdf", "file-2.jpeg", "file-3.png"], names)
        for name, original in (("file-2.jpeg", jpg), ("file-3.png", png)):
            path = os.path.join(folder, name)
            if not os.path.exists(path):
                check(f"{name} downloaded", False)
                continue
            seen = json.dumps(exif(path))
            check(f"{name}: exiftool finds no identifying metadata", not re.search(r"Taro|Yamada|Artist|By-line|Creator|Comment|Author", seen), seen)
            check(f"{name}: the pixels are untouched", Image.open(path).tobytes() == Image.open(original).tobytes())
        stored = os.path.join(work, "Data", "uploads")
        kept = [os.path.join(d, f) for d, _, fs in os.walk(stored) for f in fs]
        check("the stored originals keep what the entrant sent", any("Taro Yamada" in json.dumps(exif(p)) for p in kept if not p.endswith(".pdf")))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print(f"blind files: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
