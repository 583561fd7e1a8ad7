import CompeContent
import CompeCore
import CompeTestSupport
import Foundation
import Testing

/// Every content mistake is reported at its exact `path:line:col`, all at once.
@Suite struct DiagnosticsTests {
    func load(_ site: TestSite) -> [Diagnostic] {
        let loader = ContentLoader(root: site.content, displayRoot: "Content", knownTemplates: ["page", "home", "contest"])
        do {
            _ = try loader.load()
            return []
        } catch let e as DiagnosticError {
            return e.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    func lines(_ diags: [Diagnostic]) -> [String] { diags.map(\.description) }

    @Test func minimalSiteLoadsCleanly() throws {
        let site = try TestSite.minimal()
        let content = try ContentLoader(root: site.content, knownTemplates: ["page", "home", "contest"]).load()
        #expect(content.pages.count == 2)
        // The brief, and its stand-in on the English site (no brief.en.md: the original's words).
        #expect(content.contests.count == 2)
        #expect(content.contests.filter { $0.textLanguage == nil }.map(\.contest.language) == ["ja"])
        #expect(content.contests.first { $0.textLanguage == "ja" }?.url == "/en/contests/test/")
        let c = try #require(content.contests.first { $0.textLanguage == nil }?.contest)
        #expect(c.criteria.map(\.weight) == [60, 40])
        #expect(c.opens == DateParsing.dateTime("2027-01-10T00:00:00Z"))
        #expect(content.pages.first { $0.language == "en" }?.url == "/en/")
    }

    @Test func unknownKeyIsReportedAtItsLineAndColumnWithSuggestion() throws {
        let site = try TestSite.minimal()
        try site.write("pages/about.md", "---\ntitle: About\n  \ndescripton: typo\n---\nbody\n")
        let d = lines(load(site))
        #expect(d.count == 1)
        #expect(d[0].hasPrefix("Content/pages/about.md:4:1: error: unknown key 'descripton' in front matter; did you mean 'description'?"))
    }

    @Test func badDateAndWeightsAreReportedTogether() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", TestSite.brief
            .replacingOccurrences(of: "closes: 2027-02-10T17:00:00+09:00", with: "closes: 2027-02-30T17:00:00+09:00")
            .replacingOccurrences(of: "weight: 40", with: "weight: 30"))
        let d = lines(load(site))
        #expect(d == [
            "Content/contests/test/brief.md:4:9: error: 'closes' is not a valid date-time: write it with a time and offset, e.g. 2027-02-10T17:00:00+09:00",
            "Content/contests/test/brief.md:6:1: error: criteria weights sum to 90; they must sum to 100 (usability 60 + originality 30)",
        ])
    }

    @Test func yamlSyntaxErrorPointsIntoTheFile() throws {
        let site = try TestSite.minimal()
        try site.write("pages/about.md", "---\ntitle: About\ndescription: [unclosed\n---\nbody\n")
        let d = load(site)
        #expect(d.count == 1)
        #expect(d[0].location.path == "Content/pages/about.md")
        #expect(d[0].location.line >= 3)
        #expect(d[0].message.hasPrefix("invalid YAML"))
    }

    @Test func missingFrontMatterAndDuplicateKey() throws {
        let site = try TestSite.minimal()
        try site.write("pages/a.md", "# no front matter\n")
        try site.write("pages/b.md", "---\ntitle: B\ntitle: B again\n---\n")
        let d = lines(load(site))
        #expect(d.count == 2)
        #expect(d[0].hasPrefix("Content/pages/a.md:1:1: error: missing front matter"))
        #expect(d[1] == "Content/pages/b.md:3:1: error: duplicate key 'title' (first at line 2)")
    }

    @Test func translationsNeedAKnownLanguageAndAnOriginal() throws {
        let site = try TestSite.minimal()
        try site.write("pages/about.fr.md", "---\ntitle: À propos\n---\n")
        try site.write("pages/faq.en.md", "---\ntitle: FAQ\n---\n")
        try site.write("contests/test/brief.en.md", "---\ntitle: Test\nopens: 2027-01-10T09:00:00+09:00\ncriteria:\n  - {id: nope, name: X}\n---\n")
        let d = lines(load(site))
        #expect(d.contains("Content/pages/about.fr.md:1:1: error: translation language 'fr' is not in site.yml languages [ja, en]"))
        #expect(d.contains("Content/pages/faq.en.md:1:1: error: translation of a page that has no ja original: add the default-language file first"))
        #expect(d.contains { $0.hasPrefix("Content/contests/test/brief.en.md:3:1: error: 'opens' is set in brief.md only") })
        #expect(d.contains { $0.hasPrefix("Content/contests/test/brief.en.md:5:5: error: criterion 'nope' is not in brief.md") })
    }

    @Test func unsafeUploadTypesAndBadSiteSettingsAreRefused() throws {
        let site = try TestSite.minimal()
        try site.write("site.yml", TestSite.siteYML.replacingOccurrences(of: "Asia/Tokyo", with: "Tokyo") + "colour: blue\n")
        try site.write("contests/test/brief.md", TestSite.brief.replacingOccurrences(
            of: "prizes:", with: "uploads: {types: [pdf, svg]}\nprizes:"))
        let d = lines(load(site))
        #expect(d.contains("Content/site.yml:4:11: error: timezone 'Tokyo' is not an IANA time zone such as Asia/Tokyo"))
        #expect(d.contains { $0.hasPrefix("Content/site.yml:5:1: error: unknown key 'colour' in site.yml") })
        #expect(d.contains { $0.hasPrefix("Content/contests/test/brief.md:5:24: error: file type 'svg' is not allowed") })
    }

    @Test func translationTextReplacesOnlyText() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.en.md",
                       "---\ntitle: Test contest\ncriteria:\n  - {id: usability, name: Usability, rubric: Easy?}\n---\nRules.\n")
        let content = try ContentLoader(root: site.content, knownTemplates: ["page", "home", "contest"]).load()
        let en = try #require(content.contests.first { $0.contest.language == "en" })
        let ja = try #require(content.contests.first { $0.contest.language == "ja" })
        #expect(en.contest.title == "Test contest")
        #expect(en.contest.criteria[0].name == "Usability")
        #expect(en.contest.criteria[1].name == "独創性")
        #expect(en.contest.closes == ja.contest.closes)
        #expect(en.url == "/en/contests/test/")
    }

    @Test func draftsAreLeftOutUnlessAsked() throws {
        let site = try TestSite.minimal()
        try site.write("pages/wip.md", "---\ntitle: WIP\ndraft: true\n---\n")
        let normal = try ContentLoader(root: site.content, knownTemplates: ["page", "home"]).load()
        let drafts = try ContentLoader(root: site.content, includeDrafts: true, knownTemplates: ["page", "home"]).load()
        #expect(!normal.pages.contains { $0.name == "wip" })
        #expect(drafts.pages.contains { $0.name == "wip" })
    }
}

/// Contest updates: read with their day, name and language; mistakes at their place.
@Suite struct ContestUpdateTests {
    @Test func updatesLoadNewestFirstWithTranslations() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/updates/2026-11-01-qa.md", "---\ntitle: 質問への回答\n---\n回答です。\n")
        try site.write("contests/test/updates/2026-11-20-deadline.md", "---\ntitle: 締切延長\n---\n延長します。\n")
        try site.write("contests/test/updates/2026-11-20-deadline.en.md", "---\ntitle: Deadline extended\n---\nExtended.\n")
        let content = try ContentLoader(root: site.content, knownTemplates: ["page", "home", "contest"]).load()
        #expect(content.updates("test", language: "en").map(\.title) == ["Deadline extended", "質問への回答"])
        #expect(content.updates("test", language: "ja").map(\.anchor) == ["update-deadline", "update-qa"])
    }

    @Test func badUpdatesAreReportedAtTheirPlace() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/updates/deadline.md", "---\ntitle: x\n---\n")
        try site.write("contests/test/updates/2026-11-20-nodate.md", "---\ntitel: typo\n---\n")
        try site.write("contests/test/updates/2026-11-21-orphan.en.md", "---\ntitle: Only English\n---\n")
        let loader = ContentLoader(root: site.content, displayRoot: "Content", knownTemplates: ["page", "home", "contest"])
        var diags: [String] = []
        do { _ = try loader.load() } catch let e as DiagnosticError { diags = e.diagnostics.map(\.description) }
        #expect(diags.contains { $0.hasPrefix("Content/contests/test/updates/deadline.md:1:1: error: an update's file name is YYYY-MM-DD") }, "\(diags)")
        #expect(diags.contains { $0.hasPrefix("Content/contests/test/updates/2026-11-20-nodate.md:2:1: error:") && $0.contains("titel") }, "\(diags)")
        #expect(diags.contains { $0.hasPrefix("Content/contests/test/updates/2026-11-21-orphan.en.md") && $0.contains("no ja original") }, "\(diags)")
    }
}
