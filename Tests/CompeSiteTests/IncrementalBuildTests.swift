import CompeContent
import CompeCore
@testable import CompeSite
import CompeTestSupport
import Foundation
import Testing

/// `compe build` after a change renders and writes only what the change reaches, and ends
/// with exactly the files a clean build makes.
@Suite struct IncrementalBuildTests {
    func options(_ site: TestSite, out: String = "Public") -> BuildOptions {
        BuildOptions(content: site.content, contentDisplay: "Content", staticDir: site.root.appendingPathComponent("Static"),
                     output: site.root.appendingPathComponent(out), now: DateParsing.dateTime("2027-01-20T12:00:00+09:00")!)
    }

    /// A site with a few pages, a menu page, a contest and a static file.
    func site() throws -> TestSite {
        let site = try TestSite.minimal()
        try site.write("pages/about.md", "---\ntitle: 概要\nmenu: true\n---\n[ホーム](/)\n")
        for i in 1...5 { try site.write("pages/p\(i).md", "---\ntitle: Page \(i)\n---\nBody \(i) with [about](/about/).\n") }
        try site.write("pages/p1.en.md", "---\ntitle: Page 1 (en)\n---\nEnglish body.\n")
        try FileManager.default.createDirectory(at: site.root.appendingPathComponent("Static/css"), withIntermediateDirectories: true)
        try "body{}".write(to: site.root.appendingPathComponent("Static/css/site.css"), atomically: true, encoding: .utf8)
        return site
    }

    /// Modification time (ns) of every file under `dir`, by relative path.
    func mtimes(_ dir: URL) -> [String: Int] {
        var out: [String: Int] = [:]
        for path in DirectoryWalk.files(under: dir.path) {
            var info = stat()
            stat(dir.path + "/" + path, &info)
            out[path] = info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec
        }
        return out
    }

    /// Paths whose modification time changed (or that appeared) between two snapshots.
    func touched(_ before: [String: Int], _ after: [String: Int]) -> Set<String> {
        Set(after.filter { before[$0.key] != $0.value }.map(\.key)).subtracting([OutputWriter.marker])
    }

    /// Every file's bytes, by path.
    func tree(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for path in DirectoryWalk.files(under: dir.path) { out[path] = try Data(contentsOf: dir.appendingPathComponent(path)) }
        return out
    }

    /// Builds into a fresh directory with --clean and checks the incremental output is the same.
    func expectSameAsClean(_ site: TestSite, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        try SiteBuilder(options: options(site, out: "Clean")).build(clean: true)
        let incremental = try tree(site.root.appendingPathComponent("Public"))
        let clean = try tree(site.root.appendingPathComponent("Clean"))
        #expect(Set(incremental.keys) == Set(clean.keys), sourceLocation: sourceLocation)
        for (path, data) in clean where incremental[path] != data {
            Issue.record("\(path) differs from a clean build", sourceLocation: sourceLocation)
        }
        // The manifests say the same (the dev server appends lines where a build rewrites it sorted).
        let manifest = BuildManifest.read(from: site.root.appendingPathComponent("Public"))
        #expect(manifest != nil && manifest == BuildManifest.read(from: site.root.appendingPathComponent("Clean")), sourceLocation: sourceLocation)
        try FileManager.default.removeItem(at: site.root.appendingPathComponent("Clean"))
    }

    @Test func editingOnePageRewritesOnlyThatPage() throws {
        let site = try site()
        let public_ = site.root.appendingPathComponent("Public")
        let first = try SiteBuilder(options: options(site)).build()
        #expect(first.written == first.files)
        let before = mtimes(public_)
        try site.write("pages/p3.md", "---\ntitle: Page 3\n---\nA new body.\n")
        let report = try SiteBuilder(options: options(site)).build()
        #expect(touched(before, mtimes(public_)) == ["p3/index.html", "p3/index.html.gz"])
        #expect(report.written == 1)
        #expect(try String(contentsOf: public_.appendingPathComponent("p3/index.html"), encoding: .utf8).contains("A new body."))
        // Nothing changed: nothing written.
        let again = mtimes(public_)
        #expect(try SiteBuilder(options: options(site)).build().written == 0)
        #expect(touched(again, mtimes(public_)).isEmpty)
        try expectSameAsClean(site)
    }

    @Test func aMenuTitleReachesEveryPageOfItsLanguageOnly() throws {
        let site = try site()
        let public_ = site.root.appendingPathComponent("Public")
        try SiteBuilder(options: options(site)).build()
        let before = mtimes(public_)
        try site.write("pages/about.md", "---\ntitle: このサイトについて\nmenu: true\n---\n[ホーム](/)\n")
        try SiteBuilder(options: options(site)).build()
        let changed = touched(before, mtimes(public_))
        #expect(changed.contains("p3/index.html") && changed.contains("index.html") && changed.contains("about/index.html"))
        #expect(!changed.contains(where: { $0.hasPrefix("en/") }), "English pages do not show the Japanese menu: \(changed)")
        try expectSameAsClean(site)
    }

    @Test func aContestEditRewritesItsPageAndTheListsThatShowIt() throws {
        let site = try site()
        let public_ = site.root.appendingPathComponent("Public")
        try SiteBuilder(options: options(site)).build()
        let before = mtimes(public_)
        try site.write("contests/test/brief.md", TestSite.brief.replacingOccurrences(of: "title: テストコンペ", with: "title: 改名したコンペ"))
        try SiteBuilder(options: options(site)).build()
        let changed = touched(before, mtimes(public_))
        #expect(changed.isSuperset(of: ["contests/test/index.html", "contests/index.html", "index.html", "feed.xml"]))
        #expect(!changed.contains("p2/index.html") && !changed.contains("about/index.html"))
        #expect(try String(contentsOf: public_.appendingPathComponent("contests/index.html"), encoding: .utf8).contains("改名したコンペ"))
        try expectSameAsClean(site)
    }

    @Test func aTemplateChangeRebuildsThePagesThatUseIt() throws {
        let site = try site()
        let public_ = site.root.appendingPathComponent("Public")
        try SiteBuilder(options: options(site)).build()
        let before = mtimes(public_)
        try site.write("templates/page.mustache", "<article class=\"custom\">{{{content}}}</article>\n")
        try SiteBuilder(options: options(site)).build()
        let changed = touched(before, mtimes(public_))
        for page in ["about/index.html", "p1/index.html", "p5/index.html", "en/p1/index.html"] {
            #expect(changed.contains(page), "\(page) uses the page template")
        }
        #expect(!changed.contains("index.html") && !changed.contains("contests/test/index.html"), "home and contest pages do not: \(changed)")
        #expect(try String(contentsOf: public_.appendingPathComponent("p2/index.html"), encoding: .utf8).contains("class=\"custom\""))
        try expectSameAsClean(site)
    }

    @Test func addedRemovedAndStaticFilesEndLikeACleanBuild() throws {
        let site = try site()
        let public_ = site.root.appendingPathComponent("Public")
        try SiteBuilder(options: options(site)).build()
        try site.write("pages/guide/faq.md", "---\ntitle: FAQ\n---\nQ and A.\n")
        try FileManager.default.removeItem(at: site.content.appendingPathComponent("pages/p5.md"))
        try "body{color:red}".write(to: site.root.appendingPathComponent("Static/css/site.css"), atomically: true, encoding: .utf8)
        try "x".write(to: site.root.appendingPathComponent("Static/robots.txt"), atomically: true, encoding: .utf8)
        try SiteBuilder(options: options(site)).build()
        #expect(!FileManager.default.fileExists(atPath: public_.appendingPathComponent("p5").path), "a removed page's folder goes too")
        #expect(try String(contentsOf: public_.appendingPathComponent("css/site.css"), encoding: .utf8) == "body{color:red}")
        #expect(try String(contentsOf: public_.appendingPathComponent("sitemap.xml"), encoding: .utf8).contains("/guide/faq/"))
        try expectSameAsClean(site)
    }

    @Test func aFileDeletedByHandIsWrittenAgain() throws {
        let site = try site()
        let public_ = site.root.appendingPathComponent("Public")
        try SiteBuilder(options: options(site)).build()
        try FileManager.default.removeItem(at: public_.appendingPathComponent("p2/index.html"))
        #expect(try SiteBuilder(options: options(site)).build().written == 1)
        try expectSameAsClean(site)
    }

    @Test func aBrokenLinkToARemovedPageIsFoundOnPagesThatWereNotRerendered() throws {
        let site = try site()
        try SiteBuilder(options: options(site)).build()
        try FileManager.default.removeItem(at: site.content.appendingPathComponent("pages/about.md"))
        let error = #expect(throws: DiagnosticError.self) { try SiteBuilder(options: options(site)).build() }
        let text = error?.description ?? ""
        // p1…p5 were not re-rendered, yet their link is reported at its Markdown position.
        #expect(text.contains("Content/pages/p4.md:4:21: error: broken internal link '/about/'"), "\(text)")
    }

    @Test func theDevServersOnePagePathMatchesAFullBuild() throws {
        let site = try site()
        let memory = BuildMemory()
        try SiteBuilder(options: options(site), memory: memory).build()
        try site.write("pages/p2.md", "---\ntitle: Page 2 renamed\n---\nEdited in place.\n")
        let path = site.content.appendingPathComponent("pages/p2.md").path
        let report = try #require(try SiteBuilder(options: options(site), memory: memory).rebuild(pages: [path]))
        #expect(report.written == 1)
        try expectSameAsClean(site)
        // A change that reaches other pages (a menu title) is left to the full build.
        try site.write("pages/about.md", "---\ntitle: 別名\nmenu: true\n---\n[ホーム](/)\n")
        #expect(try SiteBuilder(options: options(site), memory: memory).rebuild(pages: [site.content.appendingPathComponent("pages/about.md").path]) == nil)
        // A broken edit is reported with its position and nothing is written.
        try site.write("pages/p3.md", "---\ntitle: [oops\n---\nx\n")
        let error = #expect(throws: DiagnosticError.self) {
            try SiteBuilder(options: options(site), memory: memory).rebuild(pages: [site.content.appendingPathComponent("pages/p3.md").path])
        }
        #expect(error?.description.contains("Content/pages/p3.md:3:1: error: invalid YAML") == true)
    }
}
