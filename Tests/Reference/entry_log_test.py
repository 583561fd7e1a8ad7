#!/usr/bin/env python3
"""The entry log checked by an independent verifier (entry_log_verifier.py: RFC 9162 in Python,
hashlib and `cryptography`'s Ed25519), never by compe's own code.

1. The verifier passes the public RFC 6962/9162 test vectors (Tests/Fixtures/rfc9162).
2. On a copy of the sample, the real binary receives 500 entries (8 clients at once), then 20
   edits and 10 withdrawals; `compe log sign` signs a head between them and one at the end;
   `compe build` publishes the log; the verifier fetches `heads.json`, `leaves.json`,
   `events.json` and `site.pub` from the running site and checks every head's signature and
   root, that each head extends the one before, and every receipt (the leaf recomputed from its
   data and salt, its event, and its inclusion in the final head); the proof API's paths verify
   too. With results ranking the 490 active entries, `compe verify log` and the verifier agree;
   results that leave one out are caught by both.
3. A tampered published log is caught: one leaf changed, one leaf removed, a head re-signed with
   another key, an entry's event turned into a replacement (to drop it from the count).

Prints "entry log: all passed" or the failures, and exits non-zero on any failure.
"""
import base64, json, os, shutil, subprocess, sys, tempfile, urllib.request, uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
import entry_log_verifier as v  # noqa: E402
from browser_support import compe_binary, start_site  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

CONTEST = "sme-support-ui"
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def vectors():
    d = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "rfc9162", "vectors.json")))
    leaves = [v.leaf_hash(bytes.fromhex(x)) for x in d["leaf_inputs"]]
    check("reference roots of the eight RFC 6962 leaves", all(v.root(leaves[:n]).hex() == r for n, r in enumerate(d["roots"])))
    b = lambda h: bytes.fromhex(h) if h else b""
    wrong = [x["file"] for x in d["inclusion"]
             if v.verify_inclusion(x["leaf_index"], x["tree_size"], b(x["leaf_hash"]), [b(p) for p in x["proof"]], b(x["root"])) == x["want_error"]]
    check(f"{len(d['inclusion'])} inclusion vectors", not wrong, wrong)
    wrong = [x["file"] for x in d["consistency"]
             if v.verify_consistency(x["size1"], x["size2"], [b(p) for p in x["proof"]], b(x["root1"]), b(x["root2"])) == x["want_error"]]
    check(f"{len(d['consistency'])} consistency vectors", not wrong, wrong)


def multipart(fields, files=()):
    boundary = "compe-" + uuid.uuid4().hex
    body = b""
    for k, val in fields.items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{val}\r\n".encode()
    for name, data in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/pdf\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def send(port, path, method="POST", fields=None, files=(), token=None):
    body, kind = multipart(fields or {}, files) if method == "POST" else (None, None)
    headers = {"Accept": "application/json"}
    if kind:
        headers["Content-Type"] = kind
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def post_entry(port, i):
    pdf = f"%PDF-1.4\n% log {i} {uuid.uuid4()}\n%%EOF\n".encode()
    fields = {"title": f"Logged {i}", "summary": "s", "team_name": f"Team {i}", "members": "Aiko", "contact_email": f"t{i}@example.org",
              "country": "JP", "agree_terms": "yes"}
    return send(port, f"/api/contests/{CONTEST}/entries", fields=fields, files=[(f"d{i}.pdf", pdf)])


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return r.read()


def write_results(work, ranked):
    """A results file as `compe results publish` writes it, ranking `ranked` (receipts)."""
    rows = "".join(f'  - {{id: "{r["id"]}", rank: {i + 1}, rank_low: {i + 1}, rank_high: {i + 1}, raw_mean: 50.00, corrected: 50.00, judges: 3}}\n'
                   for i, r in enumerate(ranked))
    with open(os.path.join(work, "Content", "contests", CONTEST, "results.md"), "w") as f:
        f.write(f'---\npublished: "2026-12-01"\nalpha: 0.700\nentries:\n{rows}---\nThe panel met.\n')


def main():
    vectors()
    compe = compe_binary()
    work = tempfile.mkdtemp(prefix="compe-log-")
    run = lambda *args: subprocess.run([compe, *args], cwd=work, capture_output=True, text=True)
    server, port = start_site(compe, work, prepare=lambda w: subprocess.run([compe, "keys", "init"], cwd=w, check=True, capture_output=True))
    try:
        with ThreadPoolExecutor(8) as pool:
            receipts = list(pool.map(lambda i: post_entry(port, i), range(500)))
        check("500 receipts, each with its place in the log", all("log" in r for r in receipts) and
              sorted(r["log"]["index"] for r in receipts) == list(range(500)))
        signed = run("log", "sign", CONTEST)
        check("compe log sign after 500 entries", signed.returncode == 0, signed.stderr)
        for r in receipts[:20]:
            send(port, f"/api/entries/{r['id']}", fields={"title": f"Changed {r['id']}", "summary": "s2", "team_name": "T", "members": "Aiko",
                                                           "contact_email": "c@example.org", "country": "JP", "agree_terms": "yes"}, token=r["edit_token"])
        for r in receipts[20:30]:
            send(port, f"/api/entries/{r['id']}", method="DELETE", token=r["edit_token"])
        signed = run("log", "sign")   # every contest with a log, as the hourly timer runs it
        check("compe log sign (every contest) after 20 edits and 10 withdrawals", signed.returncode == 0 and "head of " + CONTEST in signed.stdout, signed.stderr)
        built = run("build")
        check("compe build publishes the log", built.returncode == 0, built.stderr)

        leaves = json.loads(get(port, f"/contests/{CONTEST}/log/leaves.json"))
        events = json.loads(get(port, f"/contests/{CONTEST}/log/events.json"))
        heads = json.loads(get(port, f"/contests/{CONTEST}/log/heads.json"))
        key = v.public_key(get(port, f"/contests/{CONTEST}/log/site.pub").decode())
        check("530 leaves published (500 entries, 20 edits, 10 withdrawals)", len(leaves) == 530, len(leaves))
        check("two heads, sizes 500 and 530", [h["size"] for h in heads] == [500, 530], [h["size"] for h in heads])
        problems = v.check_log(leaves, heads, key)
        check("every head signed by the site key and the root of its leaves", not problems, problems)
        check("one event per leaf: 500 received, 20 replaced, 10 withdrawn",
              not v.check_events(events, leaves) and [events.count(e) for e in ("received", "replaced", "withdrawn")] == [500, 20, 10],
              v.check_events(events, leaves))
        first, final = heads[0], heads[-1]
        proof = json.loads(get(port, f"/api/contests/{CONTEST}/log/consistency?from={first['size']}&to={final['size']}"))["consistency_path"]
        check("the final head extends the first (consistency proof from the API)",
              v.verify_consistency(first["size"], final["size"], [bytes.fromhex(p) for p in proof], bytes.fromhex(first["root"]), bytes.fromhex(final["root"])))
        bad = [r["id"] for r in receipts if v.check_receipt(r["log"], leaves, final, events)]
        check("every receipt's leaf is recomputed from its data and is in the final head", not bad, bad[:5])
        sample = receipts[123]["log"]
        api = json.loads(get(port, f"/api/contests/{CONTEST}/log/proof?leaf={sample['index']}&size={final['size']}"))
        check("the proof API's audit path verifies", v.verify_inclusion(sample["index"], final["size"], bytes.fromhex(sample["leaf_hash"]),
                                                                       [bytes.fromhex(p) for p in api["audit_path"]], bytes.fromhex(final["root"])))

        # compe's own verifier agrees, on the receipt as the API gave it and on the log.
        receipt_file = os.path.join(work, "receipt.json")
        with open(receipt_file, "w") as f:
            json.dump(receipts[7], f)
        site = f"http://127.0.0.1:{port}"
        said = run("verify", "receipt", receipt_file, "--site", site)
        check("compe verify receipt: the entry is in the log", said.returncode == 0 and receipts[7]["id"] in said.stdout, said.stdout + said.stderr)
        said = run("verify", "log", CONTEST, "--site", site)
        check("compe verify log: every head checks, no results yet", said.returncode == 0 and "2 signed heads" in said.stdout
              and "490 active entries; no results published yet" in said.stdout, said.stdout + said.stderr)

        # Results that rank every active entry agree with the log; results that leave one out do not.
        active = receipts[:20] + receipts[30:]
        for ranked in (active, active[:-1]):
            write_results(work, ranked)
            built = run("build")
            check(f"compe build publishes results ranking {len(ranked)}", built.returncode == 0, built.stderr)
            results = json.loads(get(port, f"/contests/{CONTEST}/results.json"))
            said = run("verify", "log", CONTEST, "--site", site)
            if len(ranked) == 490:
                check("compe verify log: the 490 active entries are the 490 ranked", said.returncode == 0 and
                      "490 active entries, the number the results rank" in said.stdout, said.stdout + said.stderr)
                check("the verifier: the 490 active entries are the 490 ranked", not v.check_ranked(results, events, final),
                      v.check_ranked(results, events, final))
            else:
                check("compe verify log: an entry missing from the results is caught", said.returncode == 1 and
                      "counts 490 active entries but the results rank 489" in said.stderr, said.stdout + said.stderr)
                check("the verifier: an entry missing from the results is caught", v.check_ranked(results, events, final) != [])
        edited = send(port, f"/api/entries/{receipts[3]['id']}", method="GET", token=receipts[3]["edit_token"])
        with open(receipt_file, "w") as f:
            json.dump({"id": edited["id"], "contest": CONTEST, "log": edited["log"]}, f)
        said = run("verify", "receipt", receipt_file, "--site", site)
        check("compe verify receipt: an edited entry's two events", said.returncode == 0 and "all 2 events" in said.stdout, said.stdout + said.stderr)

        # Tampering is caught.
        published = os.path.join(work, "Public", "contests", CONTEST, "log")
        at = receipts[7]["log"]["index"]
        turned = events[:at] + ["replaced"] + events[at + 1:]
        with open(os.path.join(published, "events.json"), "w") as f:
            json.dump(turned, f)
        json.dump(receipts[7], open(os.path.join(work, "receipt7.json"), "w"))
        said = run("verify", "receipt", os.path.join(work, "receipt7.json"), "--site", site)
        check("compe verify receipt: an entry's event turned into a replacement is caught",
              said.returncode == 1 and "calls it 'replaced', the receipt 'received'" in said.stderr, said.stdout + said.stderr)
        check("the verifier: the same is caught", v.check_receipt(receipts[7]["log"], leaves, final, turned) != [])
        with open(os.path.join(published, "events.json"), "w") as f:
            json.dump(events, f)
        original = open(os.path.join(published, "leaves.json")).read()
        with open(os.path.join(published, "leaves.json"), "w") as f:
            json.dump(leaves[:7] + ["00" * 32] + leaves[8:], f)
        said = run("verify", "receipt", receipt_file, "--site", site)
        check("compe verify receipt: a changed leaf is caught", said.returncode == 1 and "root is not the root" in said.stderr, said.stdout + said.stderr)
        with open(os.path.join(published, "leaves.json"), "w") as f:
            f.write(original)
        other_key = Ed25519PrivateKey.generate()
        body = {k: heads[-1][k] for k in ("contest", "root", "size", "time")}
        with open(os.path.join(published, "heads.json"), "w") as f:
            json.dump(heads[:-1] + [dict(heads[-1], signature=base64.b64encode(other_key.sign(v.canonical(body))).decode())], f)
        said = run("verify", "log", CONTEST, "--site", site)
        check("compe verify log: a head signed with another key is caught", said.returncode == 1 and "signature does not match" in said.stderr,
              said.stdout + said.stderr)

        changed = list(leaves)
        changed[77] = "00" * 32
        check("one leaf changed: caught", v.check_log(changed, heads, key) != [])
        check("one leaf removed: caught", v.check_log(leaves[:300] + leaves[301:], heads, key) != [])
        check("a receipt whose leaf was removed: caught", v.check_receipt(receipts[300]["log"], leaves[:300] + leaves[301:], final) != [])
        other = Ed25519PrivateKey.generate()
        forged = dict(final)
        forged["signature"] = base64.b64encode(other.sign(v.canonical({k: final[k] for k in ("contest", "root", "size", "time")}))).decode()
        check("a head re-signed with another key: caught", v.check_log(leaves, heads[:-1] + [forged], key) != [])
        salted = json.loads(json.dumps(receipts[5]["log"]))
        salted["leaf"]["salt"] = "11" * 32
        check("a receipt with another salt: caught", v.check_receipt(salted, leaves, final) != [])
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("entry log: all passed" if not failures else f"entry log: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
