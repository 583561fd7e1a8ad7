#!/usr/bin/env python3
"""Writes the same N-page Markdown corpus as a compe site and as a Hugo site.

usage: corpus.py OUT N

OUT/compe: Content/ (site.yml, pages/, minimal templates equivalent to the Hugo ones), Static/
OUT/hugo:  hugo.toml, content/, layouts/ (the same markup as the compe templates)
Pages mix headings, lists, code, tables, links, and Japanese and English text; the text is
pseudo-random with a fixed seed, so every run builds the same corpus.
"""
import os, random, sys

EN = ("contest design entry judge review backlog iteration service portal upload form public "
      "accessible citizen ministry prototype usability screen flow feedback release sprint").split()
JA = ["申請", "審査", "支援", "設計", "締切", "手続き", "応募", "画面", "利用者", "事業者", "行政", "窓口",
      "電子", "改善", "提案", "評価"]

LAYOUT = """<!DOCTYPE html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{page_title}} – {{site_title}}</title><link rel="canonical" href="{{canonical}}"></head>
<body><nav>{{#nav}}<a href="{{url}}">{{title}}</a> {{/nav}}</nav>
<main>{{{body}}}</main></body></html>
"""
PAGE = "<article><h1>{{page_title}}</h1>{{{content}}}</article>\n"

HUGO_SINGLE = """<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}"><head><meta charset="utf-8"><title>{{ .Title }} – {{ site.Title }}</title><link rel="canonical" href="{{ .Permalink }}"></head>
<body><nav>{{ range site.Menus.main }}<a href="{{ .URL }}">{{ .Name }}</a> {{ end }}</nav>
<main><article><h1>{{ .Title }}</h1>{{ .Content }}</article></main></body></html>
"""


def body(rng, i, n):
    out = []
    for s in range(3):
        out.append(f"## Section {s} of page {i}\n")
        out.append(" ".join(rng.choice(EN) for _ in range(60)) + ".\n")
        out.append("".join(rng.choice(JA) for _ in range(40)) + "。\n" + "".join(rng.choice(JA) for _ in range(30)) + "。\n")
    out.append(f"See [page {(i * 7 + 1) % n}](/p{(i * 7 + 1) % n}/) and [the home page](/).\n")
    out.append("- " + "\n- ".join(" ".join(rng.choice(EN) for _ in range(5)) for _ in range(5)) + "\n")
    out.append("| criterion | weight | scale |\n|---|---|---|\n" +
               "".join(f"| {rng.choice(EN)} | {rng.randint(5, 40)}% | 1–10 |\n" for _ in range(4)))
    out.append("```\nfunc score(entry: Entry) -> Int {\n    return entry.points * " + str(i) + "\n}\n```\n")
    return "\n".join(out)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(out, n):
    rng = random.Random(20261127)
    c, h = os.path.join(out, "compe"), os.path.join(out, "hugo")
    write(f"{c}/Content/site.yml", "title: Bench\nbase_url: https://bench.example.org\nlanguages: [ja]\ntimezone: Asia/Tokyo\n")
    write(f"{c}/Content/templates/layout.mustache", LAYOUT)
    write(f"{c}/Content/templates/page.mustache", PAGE)
    write(f"{c}/Content/pages/index.md", "---\ntitle: Home\n---\nWelcome.\n")
    os.makedirs(f"{c}/Static", exist_ok=True)
    write(f"{h}/hugo.toml", 'baseURL = "https://bench.example.org/"\nlanguageCode = "ja"\ntitle = "Bench"\n'
          'disableKinds = ["taxonomy", "term", "RSS"]\n[markup.goldmark.renderer]\nunsafe = true\n')
    write(f"{h}/layouts/_default/single.html", HUGO_SINGLE)
    write(f"{h}/layouts/_default/list.html", HUGO_SINGLE)
    write(f"{h}/layouts/index.html", HUGO_SINGLE)
    write(f"{h}/content/_index.md", "---\ntitle: Home\n---\nWelcome.\n")
    for i in range(n):
        text = body(rng, i, n)
        menu = i < 3
        write(f"{c}/Content/pages/p{i}.md", f"---\ntitle: Page {i}\n" + (f"menu: true\nweight: {i}\n" if menu else "") + f"---\n{text}")
        write(f"{h}/content/p{i}.md", f"---\ntitle: Page {i}\n" + (f"menu: main\nweight: {i}\n" if menu else "") + f"---\n{text}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
