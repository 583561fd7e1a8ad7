import CompeContent
import CompeCore
@testable import CompeSite
import CompeTestSupport
import Foundation
import Testing

@Suite struct SiteBuilderTests {
    func options(_ site: TestSite, now: String = "2027-01-20T12:00:00+09:00") -> BuildOptions {
        BuildOptions(content: site.content, contentDisplay: "Content", staticDir: site.root.appendingPathComponent("Static"),
                     output: site.root.appendingPathComponent("Public"), now: DateParsing.dateTime(now)!)
    }

    func read(_ site: TestSite, _ path: String) throws -> String {
        try String(contentsOf: site.root.appendingPathComponent("Public/\(path)"), encoding: .utf8)
    }

    /// A contest whose brief is not translated is on every language's site, in the default
    /// language's words marked with that language, and says it is untranslated: it never vanishes.
    @Test func aContestWithoutATranslationFallsBackToItsOriginal() throws {
        let site = try TestSite.minimal()   // contests/test has brief.md only
        _ = try SiteBuilder(options: options(site)).build()
        let en = try read(site, "en/contests/test/index.html")
        #expect(en.contains("<html lang=\"en\">"))
        #expect(en.contains("<h1 lang=\"ja\">テストコンペ</h1>"))
        #expect(en.contains("not translated into English yet"))
        #expect(en.contains("<section class=\"brief\" lang=\"ja\">"))
        #expect(en.contains("<th scope=\"row\" lang=\"ja\">使いやすさ</th>"))
        #expect(en.contains("action=\"/api/contests/test/entries\""), "the English page takes entries too")
        let cards = try read(site, "en/contests/index.html")
        #expect(cards.contains("<a href=\"/en/contests/test/\" lang=\"ja\">テストコンペ</a>"))
        let ja = try read(site, "contests/test/index.html")
        #expect(!ja.contains("lang=\"ja\">テストコンペ</h1>") && !ja.contains("not translated"), "the original is not marked")
        #expect(try read(site, "sitemap.xml").contains("https://example.org/en/contests/test/"))
    }

    /// The site's public key (`Content/site.pub`, as `compe keys init` writes it) is published
    /// at `/data/site.pub` and shown on `/data/` in every language, which exists for it (and is
    /// in the menu) even before any open-data package; a file that is not a key fails the build.
    @Test func theSigningKeyIsPublishedOnTheDataPage() throws {
        let site = try TestSite.minimal()
        _ = try SiteBuilder(options: options(site)).build()
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent("Public/data/index.html").path))
        let key = "untrusted comment: compe site public key\n" + Data("Ed".utf8 + [UInt8](repeating: 7, count: 40)).base64EncodedString() + "\n"
        try site.write("site.pub", key)
        _ = try SiteBuilder(options: options(site)).build()
        #expect(try read(site, "data/site.pub") == key)
        for page in ["data/index.html", "en/data/index.html"] {
            let html = try read(site, page)
            #expect(html.contains("<a href=\"/data/site.pub\">site.pub</a>") && html.contains(String(key.split(separator: "\n")[1])))
            #expect(html.contains("signify -C -p site.pub -x SHA256.sig"))
        }
        #expect(try read(site, "en/index.html").contains("href=\"/en/data/\""), "the menu links the data page")
        try site.write("site.pub", "untrusted comment: x\nnot base64\n")
        #expect(throws: DiagnosticError.self) { try SiteBuilder(options: options(site)).build() }
    }

    /// The pipeline's steps run one at a time, each a value in and a value out: load reads the
    /// content, render makes pages without publishing any, check refuses a broken link before
    /// anything is visible, write publishes.
    @Test func eachStepRunsAlone() throws {
        let site = try TestSite.minimal()
        let builder = SiteBuilder(options: options(site))
        let loaded = try builder.loadStep()
        #expect(loaded.content.contests.count == 2 && loaded.content.pages.count == 2)
        let rendered = try builder.renderStep(loaded, clean: true)
        #expect(rendered.rendered.contains { $0.path == "contests/test/index.html" } && rendered.stale.allSatisfy { $0 })
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent("Public/index.html").path), "render published a page")
        let checked = try builder.checkStep(rendered)
        #expect(checked.manifest.outputs["index.html"] != nil)
        let report = try builder.writeStep(checked)
        #expect(report.written == report.files && FileManager.default.fileExists(atPath: site.root.appendingPathComponent("Public/index.html").path))

        try site.write("pages/index.md", "---\ntitle: ホーム\n---\n[broken](/no/such/page/)\n")
        let again = try builder.renderStep(try builder.loadStep(), clean: false)
        #expect(throws: DiagnosticError.self) { try builder.checkStep(again) }
        #expect(!(try read(site, "index.html")).contains("broken"), "a page that failed the check was published")
    }

    @Test func buildsBothLanguagesWithSwitcherFeedsAndSitemap() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.en.md", "---\ntitle: Test contest\n---\nRules in English.\n")
        let report = try SiteBuilder(options: options(site)).build()
        #expect(report.pages >= 6)
        let ja = try read(site, "contests/test/index.html")
        let en = try read(site, "en/contests/test/index.html")
        #expect(ja.contains("<html lang=\"ja\">"))
        #expect(en.contains("<html lang=\"en\">"))
        #expect(en.contains("<a href=\"/contests/test/\" hreflang=\"ja\" lang=\"ja\">日本語</a>"))
        // Deadline in the site's zone and in UTC.
        #expect(ja.contains("2027年2月10日(水) 17:00"))
        #expect(ja.contains("2027-02-10 08:00 UTC"))
        #expect(en.contains("Wed 10 Feb 2027, 17:00"))
        // Criteria table with weights.
        #expect(ja.contains("<th scope=\"row\">使いやすさ</th><td>60%</td><td>1–10</td>"))
        // The form posts to the API with every field of SPEC.
        #expect(ja.contains("action=\"/api/contests/test/entries\""))
        for field in ["title", "summary", "team_name", "members", "contact_email", "country", "link", "files", "agree_terms", "website"] {
            #expect(ja.contains("name=\"\(field)\""), "form lacks \(field)")
        }
        #expect(try read(site, "sitemap.xml").contains("hreflang=\"en\" href=\"https://example.org/en/contests/test/\""))
        #expect(try read(site, "feed.xml").contains("<title>テストコンペ</title>"))
        #expect(try read(site, "en/feed.xml").contains("<title>Test contest</title>"))
        #expect(try read(site, "404.html").contains("<section lang=\"en\">"))
        #expect(try read(site, "assets/compe.css").contains(":root"))
    }

    /// The entry form while the contest is open; the question form while its question period
    /// runs (before `opens` too, until a week before `closes` here).
    @Test func formOnlyWhileOpen() throws {
        let site = try TestSite.minimal()
        try SiteBuilder(options: options(site, now: "2027-01-01T00:00:00+09:00")).build()
        let before = try read(site, "contests/test/index.html")
        #expect(!before.contains("class=\"entry-form\"") && before.contains("class=\"question-form\""))
        #expect(before.contains("受付開始前です") && before.contains("action=\"/api/contests/test/questions\""))
        try SiteBuilder(options: options(site, now: "2027-03-01T00:00:00+09:00")).build()
        let after = try read(site, "contests/test/index.html")
        #expect(!after.contains("<form"))
        #expect(after.contains("受付は終了しました"))
        try SiteBuilder(options: options(site)).build()
        let open = try read(site, "contests/test/index.html")
        #expect(open.contains("class=\"entry-form\"") && open.contains("class=\"question-form\"") && open.contains("2027-02-03T08:00:00Z"))
        try SiteBuilder(options: options(site, now: "2027-02-05T00:00:00+09:00")).build()
        let lastWeek = try read(site, "contests/test/index.html")
        #expect(lastWeek.contains("class=\"entry-form\"") && !lastWeek.contains("class=\"question-form\""), "no questions in the last week")
    }

    /// Published answers: the latest five on the contest page with anchors and both dates, all
    /// of them on /contests/<slug>/questions/ in every language (the original's words where there
    /// is no translation), each in the feed, the page in the sitemap; no page without answers.
    @Test func answersArePublishedOnTheContestPageTheirOwnPageAndTheFeed() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.en.md", "---\ntitle: Test contest\n---\nRules.\n")
        _ = try SiteBuilder(options: options(site)).build()
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent("Public/contests/test/questions/index.html").path))
        #expect(!(try read(site, "contests/test/index.html")).contains("class=\"answers\""))
        for n in 1...6 {
            try site.write("contests/test/questions/00\(n).md", "---\nquestion: 質問 \(n) <b>です</b>\nasked: 2027-01-1\(n)\nanswered: 2027-01-1\(n)\n---\n\n回答 **\(n)**。\n")
        }
        try site.write("contests/test/questions/006.en.md", "---\nquestion: Question six\n---\n\nAnswer six.\n")
        _ = try SiteBuilder(options: options(site)).build()
        let ja = try read(site, "contests/test/index.html"), en = try read(site, "en/contests/test/index.html")
        #expect(ja.contains("<h2 id=\"answers\">質問と回答</h2>") && ja.contains("<article id=\"question-006\" class=\"answer\">"))
        #expect(ja.contains("<h3><span class=\"qid\">Q-006</span> 質問 6 &lt;b&gt;です&lt;/b&gt;</h3>"), "the question is text")
        #expect(ja.contains("<p>回答 <strong>6</strong>。</p>") && ja.contains("<time datetime=\"2027-01-16\">2027-01-16</time>"))
        #expect(!ja.contains("question-001") && ja.contains("href=\"/contests/test/questions/\""), "five on the contest page, a link to all")
        #expect(ja.range(of: "question-006")!.lowerBound < ja.range(of: "question-002")!.lowerBound, "newest first")
        #expect(en.contains("Question six") && en.contains("<p>Answer six.</p>") && en.contains("質問 5"))
        let all = try read(site, "contests/test/questions/index.html")
        #expect(all.contains("<h1>質問と回答: テストコンペ</h1>") && all.contains("<h2><span class=\"qid\">Q-001</span>"))
        #expect(all.contains("href=\"/contests/test/#questions\""), "the questions page leads to the form while questions are taken")
        let allEn = try read(site, "en/contests/test/questions/index.html")
        #expect(allEn.contains("<html lang=\"en\">") && allEn.contains("Question six") && allEn.contains("hreflang=\"ja\""))
        #expect(try read(site, "feed.xml").contains("https://example.org/contests/test/questions/#question-006"))
        #expect(try read(site, "en/feed.xml").contains("Question six"))
        #expect(try read(site, "sitemap.xml").contains("https://example.org/en/contests/test/questions/"))
    }

    @Test func brokenLinkIsReportedAtItsSourcePositionAndOutputIsUntouched() throws {
        let site = try TestSite.minimal()
        try SiteBuilder(options: options(site)).build()
        let before = try read(site, "index.html")
        try site.write("pages/index.md", "---\ntitle: ホーム\n---\nようこそ\n\n見る: [規約](/terms/) と [コンペ](/contests/test/)\n")
        #expect {
            try SiteBuilder(options: options(site)).build()
        } throws: { error in
            let d = (error as? DiagnosticError)?.diagnostics.map(\.description) ?? []
            return d == ["Content/pages/index.md:6:10: error: broken internal link '/terms/': nothing is built at /terms/"]
        }
        #expect(try read(site, "index.html") == before)
        // The same with --clean, which writes pages while rendering: the staged copy is removed.
        #expect(throws: DiagnosticError.self) { try SiteBuilder(options: options(site)).build(clean: true) }
        #expect(try read(site, "index.html") == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: site.root.path).filter { $0.hasPrefix(".Public.") }
        #expect(leftovers.isEmpty, "staging folders left behind: \(leftovers)")
    }

    /// Discount writes a bare address as a link whose href is character references
    /// (`&#109;&#97;…`); the link checker reads it as the mailto: link it is.
    @Test func bareAddressesAndURLsAreLinkedAndPassTheLinkCheck() throws {
        let site = try TestSite.minimal()
        try site.write("pages/index.md", "---\ntitle: ホーム\n---\n問い合わせ: desk@example.go.jp または https://example.go.jp/help\n")
        try SiteBuilder(options: options(site)).build()
        let html = try read(site, "index.html")
        #expect(html.contains("<a href=\"https://example.go.jp/help\">"))
        #expect(html.contains("<a href=\"&#109;&#97;&#105;&#108;&#116;&#111;&#58;"))
        #expect(LinkChecker.links(in: html).contains("mailto:desk@example.go.jp"))
    }

    @Test func staticFilesAreCopiedAndStylesheetsLinked() throws {
        let site = try TestSite.minimal()
        let css = site.root.appendingPathComponent("Static/css/site.css")
        try FileManager.default.createDirectory(at: css.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "body{}".write(to: css, atomically: true, encoding: .utf8)
        try SiteBuilder(options: options(site)).build()
        #expect(try read(site, "css/site.css") == "body{}")
        // Pages link a fingerprinted copy (a new name whenever the bytes change), with a .gz beside it.
        let page = try read(site, "index.html")
        let link = try #require(page.range(of: #"/css/site\.[0-9a-f]{10}\.css"#, options: .regularExpression).map { String(page[$0]) })
        #expect(try read(site, String(link.dropFirst())) == "body{}")
        #expect(AssetNames.isImmutable(String(link.dropFirst())))
        let gz = try Data(contentsOf: site.root.appendingPathComponent("Public\(link).gz"))
        #expect(gz.starts(with: [0x1F, 0x8B]))
        #expect(page.range(of: #"/assets/compe\.[0-9a-f]{10}\.css"#, options: .regularExpression) != nil)
        try "body{color:red}".write(to: css, atomically: true, encoding: .utf8)
        try SiteBuilder(options: options(site)).build()
        #expect(!(try read(site, "index.html")).contains(link), "an edited stylesheet kept its name")
    }

    @Test func templateOverrideIsUsedAndBadTemplateIsReported() throws {
        let site = try TestSite.minimal()
        try site.write("pages/about.md", "---\ntitle: About\n---\nx\n")
        try site.write("templates/page.mustache", "<article class=\"custom\">{{page_title}}</article>")
        try SiteBuilder(options: options(site)).build()
        #expect(try read(site, "about/index.html").contains("<article class=\"custom\">About</article>"))
        try site.write("templates/page.mustache", "line\n{{#open}}never closed")
        #expect(throws: DiagnosticError.self) { try SiteBuilder(options: options(site)).build() }
    }

    @Test func refusesToReplaceADirectoryItDidNotMake() throws {
        let site = try TestSite.minimal()
        let out = site.root.appendingPathComponent("Public")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "mine".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: OutputWriter.WriteError.self) { try SiteBuilder(options: options(site)).build() }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path))
    }

    static let iteration = """
    ---
    iteration: 7
    title: {ja: 申請, en: Applications}
    start: 2027-01-11
    end: 2027-01-15
    capacity: 12
    ---

    ## APP-1 A
    - points: 3
    - status: done
    - done: 2027-01-12
    - entry: test/E-0001

    ## APP-2 B
    - points: 5
    - status: doing

    ## APP-3 C
    - points: 2
    - status: done
    - added: 2027-01-13
    - done: 2027-01-14

    """

    @Test func backlogPagesAreBuiltInBothLanguagesWithCharts() throws {
        let site = try TestSite.minimal()
        try site.write("backlog/7.md", Self.iteration)
        try SiteBuilder(options: options(site)).build()
        let ja = try read(site, "backlog/7/index.html")
        let en = try read(site, "en/backlog/7/index.html")
        #expect(ja.contains("<html lang=\"ja\">") && ja.contains("#7 申請"))
        #expect(en.contains("<html lang=\"en\">") && en.contains("#7 Applications"))
        #expect(ja.contains("<svg class=\"chart\"") && ja.contains("<title id=\"burndown-title\">"))
        // Burndown table: scope 8 → 10 on the 13th, remaining 8, 5, 7, 5, 5.
        #expect(ja.contains("<tr><th scope=\"row\">2027-01-13</th><td>10</td><td>7</td><td>4.0</td></tr>"))
        #expect(ja.contains("id=\"APP-1\""))
        #expect(ja.contains("<a href=\"/contests/test/\">E-0001</a>"))
        let list = try read(site, "en/backlog/index.html")
        #expect(list.contains("<tr><th scope=\"row\">#7</th><td>8</td><td>5</td><td>5.0</td></tr>"))
        #expect(try read(site, "index.html").contains("<a href=\"/backlog/\">バックログ</a>"))
    }

    @Test func aBrokenBacklogFailsTheBuild() throws {
        let site = try TestSite.minimal()
        try site.write("backlog/7.md", Self.iteration.replacingOccurrences(of: "- status: doing", with: "- status: doign"))
        #expect {
            try SiteBuilder(options: options(site)).build()
        } throws: { error in
            (error as? DiagnosticError)?.diagnostics.map(\.description)
                == ["Content/backlog/7.md:17:11: error: status 'doign' is not one of todo | doing | review | done | dropped"]
        }
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent("Public/backlog").path))
    }

    @Test func linkResolution() {
        let checker = LinkChecker(existing: ["index.html", "about/index.html", "css/a.css"], ignoredPrefixes: ["/api/"])
        #expect(checker.resolve("../about/", from: "/en/x/") == "/en/about/")
        #expect(checker.resolve("https://x.org/", from: "/") == nil)
        #expect(checker.resolve("mailto:a@b", from: "/") == nil)
        #expect(checker.resolve("/api/contests/x/entries", from: "/") == nil)
        // Plain absolute paths are taken as they are; anything unusual is normalised.
        #expect(checker.resolve("/about/", from: "/en/x/") == "/about/" && checker.resolve("/", from: "/x/") == "/")
        #expect(checker.resolve("/a//b", from: "/") == "/a/b" && checker.resolve("/a/./b/../c/", from: "/") == "/a/c/")
        #expect(checker.resolve("/x/#top", from: "/") == "/x/" && checker.resolve("/a%20b", from: "/") == "/a b")
        #expect(checker.resolve("/api", from: "/") == "/api" && checker.resolve("/.well-known/x", from: "/") == "/.well-known/x")
        #expect(checker.exists("/about/") && checker.exists("/about") && checker.exists("/css/a.css") && checker.exists("/"))
        #expect(!checker.exists("/missing/"))
    }
}
