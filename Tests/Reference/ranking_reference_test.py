"""The corrected ranking checked against an independent implementation of the same model.

`compe results --json` (the real binary, a real SQLite store) must agree with statsmodels'
MixedLM fitted by REML with the entry as a fixed effect and the judge as a random intercept:
the judges' offsets (statsmodels' predicted random effects) and the entries' corrected scores
(its fixed effects), on several designs: balanced, unbalanced, and one judge with few entries.
"""
import json, os, shutil, sqlite3, subprocess, sys, tempfile, warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 0.05   # points on the 0–100 scale; compe's JSON has two decimals

BRIEF = """---
title: Reference contest
opens: 2026-01-01T00:00:00+09:00
closes: 2099-12-31T17:00:00+09:00
criteria:
  - {id: q, name: Quality, weight: 100, scale: [0, 100], rubric: r}
judging: {judges_per_entry: 3, blind: false}
---
Reference.
"""


sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import compe_binary  # noqa: E402  (COMPE_BINARY, else the debug build)


def design_balanced(rng):
    judges = [f"j{k}" for k in range(6)]
    return [(e, [judges[(e + k) % 6] for k in range(3)]) for e in range(30)], judges


def design_unbalanced(rng):
    judges = [f"j{k}" for k in range(8)]
    return [(e, list(rng.choice(judges, size=rng.integers(2, 5), replace=False))) for e in range(40)], judges


def design_rare_judge(rng):
    judges = [f"j{k}" for k in range(5)]
    pairs = [(e, [judges[e % 5], judges[(e + 2) % 5]] + (["rare"] if e in (3, 11, 17) else [])) for e in range(25)]
    return pairs, judges + ["rare"]


def scores_for(design, judges, rng, lenient):
    quality = {e: rng.normal(55, 12) for e, _ in design}
    offset = {j: rng.normal(0, 3) for j in judges}
    offset[lenient] += 12
    return [(e, j, int(round(min(100, max(0, quality[e] + offset[j] + rng.normal(0, 5)))))) for e, js in design for j in js]


def create_store(compe, work):
    """`compe serve` creates the store and its schema on start: start it, wait for its port, stop it."""
    subprocess.run([compe, "build"], cwd=work, check=True, capture_output=True)
    server = subprocess.Popen([compe, "serve", "--port", "0"], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in server.stdout:
            if "http://127.0.0.1:" in line:
                return
        raise RuntimeError("compe serve did not start")
    finally:
        server.terminate()
        server.wait(timeout=30)


def compe_results(compe, rows):
    work = tempfile.mkdtemp(prefix="compe-ref-")
    try:
        os.makedirs(os.path.join(work, "Content/contests/ref"))
        with open(os.path.join(work, "Content/site.yml"), "w") as f:
            f.write("title: Ref\nbase_url: https://ref.example.org\nlanguages: [en]\ntimezone: Asia/Tokyo\n")
        with open(os.path.join(work, "Content/contests/ref/brief.md"), "w") as f:
            f.write(BRIEF)
        os.makedirs(os.path.join(work, "Content/pages"))
        with open(os.path.join(work, "Content/pages/index.md"), "w") as f:
            f.write("---\ntitle: Home\n---\nReference.\n")
        create_store(compe, work)
        for j in sorted({j for _, j, _ in rows}):
            subprocess.run([compe, "judges", "add", j, "--name", j.upper()], cwd=work, check=True, capture_output=True)
        db = sqlite3.connect(os.path.join(work, "Data/compe.sqlite"))
        now = "2027-01-01T00:00:00.000Z"
        entries = sorted({e for e, _, _ in rows})
        db.executemany("insert into entry (id, code, contest, title, summary, team_name, members, contact_email, country, language, "
                       "token_salt, token_hash, received_at, updated_at) values (?, ?, 'ref', ?, 's', 't', 'm', 'x@example.org', "
                       "'JP', 'en', x'00', x'00', ?, ?)", [(e + 1, f"E-{e + 1:04d}", f"Entry {e}", now, now) for e in entries])
        # One stage: the brief's first, `screening`.
        db.executemany("insert into score (contest, stage, entry_id, judge, criterion, value, updated_at) values ('ref', 'screening', ?, ?, 'q', ?, ?)",
                       [(e + 1, j, v, now) for e, j, v in rows])
        # Scores count for judges assigned to the entry, as `compe assign` makes them.
        db.executemany("insert into assignment (contest, stage, entry_id, judge, blind_code, created_at) values ('ref', 'screening', ?, ?, ?, ?)",
                       [(e + 1, j, f"B-{n:06d}", now) for n, (e, j, _) in enumerate(rows)])
        db.commit()
        db.close()
        out = subprocess.run([compe, "results", "ref", "--json"], cwd=work, check=True, capture_output=True, text=True)
        return json.loads(out.stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def reference_fit(rows):
    data = pd.DataFrame(rows, columns=["entry", "judge", "score"])
    data["entry"] = data["entry"].map(lambda e: f"E-{e + 1:04d}")
    # statsmodels' optimisers stop at different points of a flat likelihood: the reference is
    # the best REML fit any of them finds.
    fits = []
    for method in ("lbfgs", "nm", "powell", "cg"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = smf.mixedlm("score ~ 0 + C(entry)", data, groups=data["judge"]).fit(reml=True, method=[method])
            except (ValueError, np.linalg.LinAlgError):
                continue
        if fit.converged and fit.cov_re.iloc[0, 0] > 0:
            fits.append(fit)
    fit = max(fits, key=lambda f: f.llf)
    offsets = {j: float(v.iloc[0]) for j, v in fit.random_effects.items()}
    corrected = {name[len("C(entry)["):-1]: float(v) for name, v in fit.fe_params.items()}
    return offsets, corrected, float(fit.cov_re.iloc[0, 0]) / fit.scale


def check(name, design_maker, seed, lenient):
    rng = np.random.default_rng(seed)
    design, judges = design_maker(rng)
    rows = scores_for(design, judges, rng, lenient)
    ours = compe_results(compe_binary(), rows)
    offsets, corrected, ratio = reference_fit(rows)
    assert ours["model"]["connected"], f"{name}: the design should be connected"
    worst_offset = max(abs(o["offset"] - offsets[o["judge"]]) for o in ours["offsets"])
    worst_score = max(abs(e["corrected"] - corrected[e["id"]]) for e in ours["entries"])
    print(f"  {name}: {len(rows)} sheets, variance ratio compe {ours['model']['variance_ratio']:.4f} / statsmodels {ratio:.4f}, "
          f"largest difference: offset {worst_offset:.4f}, corrected {worst_score:.4f}")
    assert worst_offset < TOLERANCE, f"{name}: offsets differ from statsmodels by {worst_offset}"
    assert worst_score < TOLERANCE, f"{name}: corrected scores differ from statsmodels by {worst_score}"
    assert abs(ours["model"]["variance_ratio"] - ratio) < 0.02 * max(1, ratio), f"{name}: variance ratio {ours['model']['variance_ratio']} vs {ratio}"
    flagged = [o["judge"] for o in ours["offsets"] if o["flagged"]]
    assert lenient in flagged, f"{name}: the lenient judge {lenient} is not flagged ({ours['offsets']})"


def main():
    failures = 0
    for name, maker, seed, lenient in [("balanced", design_balanced, 1, "j2"), ("unbalanced", design_unbalanced, 2, "j5"),
                                       ("one judge with three entries", design_rare_judge, 3, "j1")]:
        try:
            check(name, maker, seed, lenient)
        except AssertionError as e:
            failures += 1
            print(f"FAIL {e}")
    print(f"ranking reference: {3 - failures} of 3 designs agree with statsmodels MixedLM (REML)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
