"""An independent verifier of compe's entry log, written from RFC 9162 alone (no compe code):
hashlib for SHA-256, the `cryptography` package for Ed25519. It reads what a contest publishes
(`leaves.json`, `events.json`, `heads.json`, the site's signify public key, and `results.json`
once results are out) and an entrant's receipt.

    leaf hash  = SHA-256(0x00 || data)                 RFC 9162 §2.1.1
    node hash  = SHA-256(0x01 || left || right)
    inclusion  = §2.1.3.2, consistency = §2.1.4.2
    a head     = canonical JSON {"contest","root","size","time"} (sorted keys, no spaces),
                 signed with Ed25519; "signature" is base64
    events     = one of received|replaced|stage|withdrawn per leaf; active entries at a head =
                 received - withdrawn among its leaves, the number the results must rank
"""
import argparse, base64, hashlib, json, ssl, sys, urllib.error, urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves):
    """MTH over leaf hashes: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, expected_root):
    if index >= size or len(leaf) != 32:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(size1, size2, proof, root1, root2):
    if size1 > size2 or size1 == 0:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not proof:
        return False
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root1 and sr == root2 and sn == 0


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_key(signify_pub_text):
    """The Ed25519 key of a signify public key file: base64 of "Ed", 8 bytes of key number, 32 bytes."""
    raw = base64.b64decode(signify_pub_text.strip().splitlines()[-1])
    assert raw[:2] == b"Ed" and len(raw) == 42, "not a signify Ed25519 public key"
    return Ed25519PublicKey.from_public_bytes(raw[10:])


def head_signed(head, key):
    body = {k: head[k] for k in ("contest", "root", "size", "time")}
    try:
        key.verify(base64.b64decode(head["signature"]), canonical(body))
        return True
    except InvalidSignature:
        return False


def check_log(leaves_hex, heads, key):
    """Problems of a published log, in words ([] when every head is signed, matches the leaves
    it covers, and each later head extends the one before)."""
    leaves = [bytes.fromhex(h) for h in leaves_hex]
    problems = []
    for i, head in enumerate(heads):
        if not head_signed(head, key):
            problems.append(f"head {i} (size {head['size']}): bad signature")
        if head["size"] > len(leaves) or root(leaves[:head["size"]]).hex() != head["root"]:
            problems.append(f"head {i} (size {head['size']}): its root is not the root of the published leaves")
        if i and head["size"] < heads[i - 1]["size"]:
            problems.append(f"head {i}: smaller than the head before it")
    return problems


def check_events(events, leaves_hex):
    """Problems of the published event list: one known event per leaf, never more withdrawals
    than entries received before them."""
    problems = []
    if len(events) != len(leaves_hex):
        problems.append(f"{len(events)} events for {len(leaves_hex)} leaves")
    if any(e not in ("received", "replaced", "stage", "withdrawn") for e in events):
        problems.append("an unknown event")
    if any(active_entries(events, n + 1) < 0 for n in range(len(events))):
        problems.append("a withdrawal of an entry never received")
    return problems


def active_entries(events, size):
    return sum(1 if e == "received" else -1 if e == "withdrawn" else 0 for e in events[:size])


def check_ranked(results, events, final_head):
    """Problems of the published results against the log: the results must judge every entry
    active at the final head (every ranked entry, or every entry of a staged contest's first stage)."""
    judged = results["stages"][0]["entries"] if results.get("stages") else len(results["entries"])
    problems = [] if judged == results["ranked"] else [f"results.json says ranked {results['ranked']} but lists {judged}"]
    active = active_entries(events, final_head["size"])
    if active != judged:
        problems.append(f"the final head counts {active} active entries but the results rank {judged}")
    return problems


def check_receipt(receipt_log, leaves_hex, final_head, events=None):
    """Problems of one receipt's `log` part against the published leaves, events and final head."""
    leaf = leaf_hash(canonical(receipt_log["leaf"]))
    index = receipt_log["index"]
    if leaf.hex() != receipt_log["leaf_hash"]:
        return [f"leaf {index}: the receipt's data does not hash to its leaf_hash"]
    leaves = [bytes.fromhex(h) for h in leaves_hex]
    if index >= len(leaves) or leaves[index] != leaf:
        return [f"leaf {index}: not in the published log"]
    if events is not None and (index >= len(events) or events[index] != receipt_log["leaf"]["event"]):
        return [f"leaf {index}: the published events do not give it the receipt's event"]
    size = final_head["size"]
    proof = inclusion_path(index, leaves[:size])
    if not verify_inclusion(index, size, leaf, proof, bytes.fromhex(final_head["root"])):
        return [f"leaf {index}: not included in the final head"]
    return []


def inclusion_path(m, leaves):
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, to check our own proofs against our own roots."""
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return inclusion_path(m, leaves[:k]) + [root(leaves[k:])]
    return inclusion_path(m - k, leaves[k:]) + [root(leaves[:k])]


def fetch(site, path, context=None, missing_ok=False):
    try:
        with urllib.request.urlopen(site.rstrip("/") + path, timeout=60, context=context) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        if missing_ok and e.code == 404:
            return None
        raise


def main(argv=None):
    """entry_log_verifier.py --site URL CONTEST [RECEIPT.json ...]: checks the contest's published
    log, its results once published, and each receipt (the entry API's JSON answer, or the
    {"id","contest","log":[...]} data of the receipt page); one line each, exit 1 on a problem."""
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--site", required=True)
    p.add_argument("--ca-file")
    p.add_argument("contest")
    p.add_argument("receipts", nargs="*")
    a = p.parse_args(argv)
    context = ssl.create_default_context(cafile=a.ca_file) if a.ca_file else None
    folder = f"/contests/{a.contest}/log/"
    leaves = json.loads(fetch(a.site, folder + "leaves.json", context))
    events = json.loads(fetch(a.site, folder + "events.json", context))
    heads = json.loads(fetch(a.site, folder + "heads.json", context))
    key = public_key(fetch(a.site, folder + "site.pub", context).decode())
    results = fetch(a.site, f"/contests/{a.contest}/results.json", context, missing_ok=True)
    problems = check_log(leaves, heads, key) + check_events(events, leaves)
    final = heads[-1] if heads else None
    if results is not None and final:
        problems += check_ranked(json.loads(results), events, final)
    n = lambda count, word, words: f"{count} {word if count == 1 else words}"
    print(f"{a.contest}: " + ("; ".join(problems) if problems else
          f"{n(len(heads), 'signed head checks', 'signed heads check')}; the final covers {n(final['size'], 'event', 'events')}, "
          f"{n(active_entries(events, final['size']), 'active entry', 'active entries')}" + ("" if results is None else ", as the results rank")))
    for path in a.receipts:
        receipt = json.load(open(path, encoding="utf-8"))
        logs = receipt["log"] if isinstance(receipt["log"], list) else [receipt["log"]]
        found = [x for r in logs for x in check_receipt(r, leaves, final, events)] if final else ["no signed head"]
        print(f"{receipt['id']}: " + ("; ".join(found) if found else f"{'its event is' if len(logs) == 1 else f'all {len(logs)} events are'} in the final head"))
        problems += found
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
