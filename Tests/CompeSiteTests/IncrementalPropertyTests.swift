import CompeContent
import CompeCore
@testable import CompeSite
import CompeTestSupport
import Foundation
import Testing

/// A property of incremental builds: whatever sequence of edits a team makes, the build after
/// each one leaves exactly the bytes a clean build of the same content gives. Every step of a
/// random sequence (pages, translations, menus, contests and their translations, updates,
/// results, open-data packages, template overrides, site.yml, static files) is followed by an
/// incremental build into `Public/` and a clean build into `Clean/`, compared file by file.
@Suite struct IncrementalPropertyTests {
    /// SplitMix64: small, seeded, the same sequence on every machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let now = DateParsing.dateTime("2027-01-20T12:00:00+09:00")!

    func options(_ site: TestSite, out: String) -> BuildOptions {
        BuildOptions(content: site.content, contentDisplay: "Content", staticDir: site.root.appendingPathComponent("Static"),
                     output: site.root.appendingPathComponent(out), now: Self.now)
    }

    /// One edit a team makes, chosen at random; returns what it did (for the failure message).
    func edit(_ site: TestSite, _ g: inout Generator) throws -> String {
        let fm = FileManager.default
        let n = Int.random(in: 1...4, using: &g)
        func exists(_ path: String) -> Bool { fm.fileExists(atPath: site.content.appendingPathComponent(path).path) }
        func remove(_ path: String) throws -> String {
            guard exists(path) else { return "nothing (no \(path))" }
            try fm.removeItem(at: site.content.appendingPathComponent(path))
            return "removed \(path)"
        }
        switch Int.random(in: 0..<14, using: &g) {
        case 0:
            let menu = Bool.random(using: &g)
            try site.write("pages/p\(n).md", "---\ntitle: ページ \(n) v\(g.next() % 100)\nmenu: \(menu)\nweight: \(n)\n---\n[ホーム](/) 本文 \(g.next() % 1000)\n")
            return "page p\(n) (menu \(menu))"
        case 1:
            guard exists("pages/p\(n).md") else { return "nothing" }
            try site.write("pages/p\(n).en.md", "---\ntitle: Page \(n) en \(g.next() % 100)\nmenu: \(Bool.random(using: &g))\n---\nEnglish \(n)\n")
            return "translation p\(n).en"
        case 2:
            let gone = try remove("pages/p\(n).en.md")
            return gone + "; " + (try remove("pages/p\(n).md"))
        case 3:
            try site.write("contests/c\(n)/brief.md", TestSite.brief.replacingOccurrences(of: "テストコンペ", with: "コンペ \(n) \(g.next() % 100)")
                .replacingOccurrences(of: "2027-02-10T17:00:00", with: Bool.random(using: &g) ? "2027-01-15T17:00:00" : "2027-02-10T17:00:00"))
            return "contest c\(n)"
        case 4:
            guard exists("contests/c\(n)/brief.md") else { return "nothing" }
            try site.write("contests/c\(n)/brief.en.md", "---\ntitle: Contest \(n) in English \(g.next() % 100)\n---\nRules.\n")
            return "contest translation c\(n).en"
        case 5:
            return try remove("contests/c\(n)/brief.en.md")
        case 6:
            guard exists("contests/c\(n)/brief.md") else { return "nothing" }
            return try remove("contests/c\(n)")
        case 7:
            let contest = exists("contests/c\(n)/brief.md") ? "c\(n)" : "test"
            try site.write("contests/\(contest)/updates/2027-01-1\(n)-news\(n).md", "---\ntitle: お知らせ \(n) \(g.next() % 100)\n---\n締切の確認。\n")
            return "update on \(contest)"
        case 8:
            let contest = exists("contests/c\(n)/brief.md") ? "c\(n)" : "test"
            try site.write("contests/\(contest)/results.md", """
                ---
                published: 2027-01-19
                alpha: 0.7
                entries:
                  - {id: E-0001, rank: 1, rank_low: 1, rank_high: 1, raw_mean: 80, corrected: 81, judges: 2, title: "Winner \(g.next() % 100)", team: "T"}
                ---
                講評。

                """)
            return "results of \(contest)"
        case 9:
            let slug = "pkg\(n)"
            try site.write("data/\(slug)/datapackage.json", """
                {"name": "\(slug)", "title": "Package \(n)", "titles": {"ja": "パッケージ \(n)", "en": "Package \(n)"}, "created": "2027-01-19T00:00:00Z",
                 "resources": [{"name": "entries", "path": "entries.csv", "title": "Entries \(g.next() % 100)"}]}
                """)
            try site.write("data/\(slug)/entries.csv", "entry,country\r\nentry-1,JP\r\n")
            return "data package \(slug)"
        case 10:
            return try remove("data/pkg\(n)")
        case 11:
            if exists("templates/page.mustache") { return try remove("templates/page.mustache") }
            try site.write("templates/page.mustache", "<article class=\"custom\">\n<h1>{{page_title}}</h1>\n{{{content}}}\n</article>\n")
            return "template override page"
        case 12:
            try site.write("site.yml", TestSite.siteYML.replacingOccurrences(of: "テスト", with: "テスト \(g.next() % 100)")
                + (Bool.random(using: &g) ? "description: {ja: 説明, en: About}\n" : ""))
            return "site.yml"
        default:
            let css = site.root.appendingPathComponent("Static/css/extra\(n).css")
            if fm.fileExists(atPath: css.path) {
                try fm.removeItem(at: css)
                return "removed Static/css/extra\(n).css"
            }
            try fm.createDirectory(at: css.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "p{margin:\(n)px}".write(to: css, atomically: true, encoding: .utf8)
            return "Static/css/extra\(n).css"
        }
    }

    func tree(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for path in DirectoryWalk.files(under: dir.path) where path != OutputWriter.marker {
            out[path] = try Data(contentsOf: dir.appendingPathComponent(path))
        }
        return out
    }

    @Test(arguments: 1...12)
    func everyEditSequenceEndsLikeACleanBuild(seed: UInt64) throws {
        let site = try TestSite.minimal()
        try FileManager.default.createDirectory(at: site.root.appendingPathComponent("Static"), withIntermediateDirectories: true)
        var g = Generator(state: seed)
        _ = try SiteBuilder(options: options(site, out: "Public")).build()
        var history: [String] = []
        for _ in 0..<10 {
            history.append(try edit(site, &g))
            _ = try SiteBuilder(options: options(site, out: "Public")).build()
            _ = try SiteBuilder(options: options(site, out: "Clean")).build(clean: true)
            let incremental = try tree(site.root.appendingPathComponent("Public"))
            let clean = try tree(site.root.appendingPathComponent("Clean"))
            let differing = Set(incremental.keys).symmetricDifference(clean.keys).sorted()
                + clean.keys.filter { incremental[$0] != nil && incremental[$0] != clean[$0] }.sorted()
            #expect(differing.isEmpty, "seed \(seed), after: \(history.joined(separator: " → ")): \(differing.prefix(8))")
            if !differing.isEmpty { return }
            try FileManager.default.removeItem(at: site.root.appendingPathComponent("Clean"))
        }
    }
}
