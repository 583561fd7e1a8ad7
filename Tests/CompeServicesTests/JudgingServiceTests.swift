import CompeContent
import CompeCore
@testable import CompeServices
@testable import CompeSite
@testable import CompeStore
import CompeTestSupport
import CompeWire
import Foundation
import Testing

/// The judging service on a real SQLite file and a real content folder, called as the command
/// line and the judge API call it.
@Suite struct JudgingServiceTests {
    /// A blind contest with three entries and two judges, each assigned every entry.
    func makeService(blind: Bool = true) async throws -> (JudgingService, TestSite) {
        let site = try TestSite.minimal()
        if !blind { try site.write("contests/test/brief.md", TestSite.brief.replacingOccurrences(of: "criteria:", with: "judging: {judges_per_entry: 2, blind: false}\ncriteria:")) }
        let store = try EntryStore(dataDirectory: site.root.appendingPathComponent("Data"))
        for i in 1...3 {
            let draft = EntryDraft(contest: "test", title: "Entry \(i)", summary: "**idea** \(i)", teamName: "Secret Team \(i)",
                                   members: ["Hidden Member \(i)"], contactEmail: "t\(i)@team\(i).example", country: "Atlantis",
                                   link: "https://team\(i).example/", language: "en")
            let file = EntryFile(name: "team\(i)-portfolio.pdf", bytes: 10, sha256: String(repeating: "a", count: 64), kind: "pdf")
            _ = try await store.create(draft, files: [file], idempotency: nil)
        }
        let service = JudgingService(store: store, catalog: try ContestCatalog.load(root: site.content, displayRoot: "Content"))
        try await service.addJudge(Judge(handle: "sato", name: "Sato", email: nil, organisation: nil))
        try await service.addJudge(Judge(handle: "kim", name: "Kim", email: nil, organisation: nil))
        try await service.addToPanel(contest: "test", judges: ["sato", "kim"])
        _ = try await service.assign(contest: "test", perEntry: 2, seed: 1)
        return (service, site)
    }

    @Test func aBlindContestIsJudgedByCodeAndShowsNoIdentity() async throws {
        let (service, site) = try await makeService()
        _ = site
        let queue = try await service.queue(judge: "sato")
        #expect(queue.count == 3 && queue.allSatisfy { $0.ref.hasPrefix("B-") && !$0.done })
        let view = try await service.entry(judge: "sato", ref: queue[0].ref)
        #expect(view.team == nil && view.members == nil && view.country == nil && view.link == nil)
        #expect(view.files.map(\.name) == ["file-1.pdf"])
        let encoded = String(decoding: try JSONEncoder().encode(view), as: UTF8.self)
        for secret in ["Secret Team", "Hidden Member", "team1", "Atlantis", "portfolio", "E-000"] {
            #expect(!encoded.contains(secret), "\(secret) reached the judge")
        }
        // An entry id is refused exactly like a code from someone else's queue.
        let kimCode = try await service.queue(judge: "kim")[0].ref
        for ref in ["E-0001", kimCode.hasPrefix("B-") && !queue.map(\.ref).contains(kimCode) ? kimCode : "B-ZZZZZZ", "B-000000"] {
            await #expect { try await service.entry(judge: "sato", ref: ref) } throws: { error in
                guard case JudgingError.notInQueue(let r, let judge) = error else { return false }
                return r == ref && judge == "sato"
            }
        }
    }

    @Test func anOpenContestShowsIdentityAndTakesEntryIDs() async throws {
        let (service, _) = try await makeService(blind: false)
        let view = try await service.entry(judge: "sato", ref: "E-0002")
        #expect(view.ref == "E-0002" && view.team == "Secret Team 2" && view.files.map(\.name) == ["team2-portfolio.pdf"])
    }

    @Test func scoresAreValidatedSavedAndFrozenByPublishing() async throws {
        let (service, site) = try await makeService()
        let ref = try await service.queue(judge: "sato")[0].ref
        await #expect { try await service.score(judge: "sato", ref: ref, ScoreSubmission(values: ["usability": 11], comment: nil), source: .local) } throws: { error in
            guard case JudgingError.store(.invalidScores(let problems)) = error else { return false }
            return problems == [.outsideScale(criterion: "usability", value: 11, scale: 1...10)]
        }
        await #expect { try await service.score(judge: "sato", ref: ref, ScoreSubmission(values: [:], comment: nil), source: .local) } throws: { error in
            if case JudgingError.nothingToSave = error { return true } else { return false }
        }
        #expect(try await service.score(judge: "sato", ref: ref, ScoreSubmission(values: ["usability": 7], comment: nil), source: .local).stillToScore == ["originality"])
        #expect(try await service.score(judge: "sato", ref: ref, ScoreSubmission(values: ["originality": 5], comment: "ok"), source: .local).stillToScore.isEmpty)
        #expect(try await service.queue(judge: "sato").first { $0.ref == ref }?.done == true)
        for judge in ["sato", "kim"] {
            for item in try await service.queue(judge: judge) {
                let v = Int(item.title.suffix(1)) ?? 1   // Entry 3 best, Entry 1 last
                _ = try await service.score(judge: judge, ref: item.ref, ScoreSubmission(values: ["usability": 3 + v, "originality": 3 + v], comment: nil), source: .local)
            }
        }
        let report = try await service.publish(contest: "test", winners: 1, seed: 1, force: true)
        #expect(report.entries == 3 && report.path == "Content/contests/test/results.md")
        let content = try ContentLoader(root: site.content, knownTemplates: ["home", "page"]).load()
        #expect(content.results["test"]?.rows.count == 3)
        #expect(content.results["test"]?.rows.compactMap(\.title) == ["Entry 3"], "only the winner is named")
        await #expect { try await service.score(judge: "sato", ref: ref, ScoreSubmission(values: ["usability": 9], comment: nil), source: .local) } throws: { error in
            if case JudgingError.store(.resultsPublished(contest: "test")) = error { return true } else { return false }
        }
    }

    @Test func aCorruptTimestampIsReportedNotReadAs1970() async throws {
        let (service, _) = try await makeService()
        try await service.store.writing { db in try db.execute("UPDATE entry SET received_at = 'yesterday' WHERE id = 2", []) }
        await #expect { try await service.entries(contest: "test") } throws: { error in
            guard case JudgingError.store(.corrupt(let table, let column, let value)) = error else { return false }
            return table == "entry" && column == "received_at" && value == "yesterday"
        }
    }

    @Test func unknownContestsListTheKnownOnes() async throws {
        let (service, _) = try await makeService()
        await #expect { try await service.progress(contest: "nope") } throws: { error in
            (error as? JudgingError)?.description == "no contest 'nope' in Content/contests/ (have: test)"
        }
    }
}

/// Whatever an entrant managed to store, publishing writes a results.md that builds.
@Suite struct PublishAnyTitleTests {
    @Test func everyCharacterClassYAMLRefusesStillBuilds() async throws {
        let site = try TestSite.minimal()
        let store = try EntryStore(dataDirectory: site.root.appendingPathComponent("Data"))
        // C0 controls, DEL, C1 controls (NEL among them), the line and paragraph separators,
        // noncharacters, a byte-order mark, an escape sequence, quotes and YAML indicators.
        let scalars: [UInt32] = [0x01, 0x08, 0x0B, 0x0C, 0x1B, 0x7F, 0x80, 0x85, 0x9F, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFE, 0x10FFFF]
        let titles = scalars.map { "T\(String(Character(UnicodeScalar($0)!)))x" } + ["\"quoted\" 'single' \\back", "- list", "key: value #c", "&a *b !t %p @x `y`"]
        for title in titles {
            let draft = EntryDraft(contest: "test", title: title, summary: "s", teamName: title, members: ["m"], contactEmail: "a@b.example",
                                   country: "JP", link: nil, language: "en")
            _ = try await store.create(draft, files: [], idempotency: nil)
        }
        let service = JudgingService(store: store, catalog: try ContestCatalog.load(root: site.content, displayRoot: "Content"))
        try await service.addJudge(Judge(handle: "sato", name: "Sato", email: nil, organisation: nil))
        try await service.addToPanel(contest: "test", judges: ["sato"])
        _ = try await service.assign(contest: "test", perEntry: 1, seed: 1)
        for (n, item) in try await service.queue(judge: "sato").enumerated() {
            _ = try await service.score(judge: "sato", ref: item.ref, ScoreSubmission(values: ["usability": 1 + n % 10, "originality": 1 + n % 7], comment: nil), source: .local)
        }
        _ = try await service.publish(contest: "test", winners: titles.count, seed: 1, force: true)
        let options = BuildOptions(content: site.content, contentDisplay: "Content", staticDir: site.root.appendingPathComponent("Static"),
                                   output: site.root.appendingPathComponent("Public"), now: DateParsing.dateTime("2027-03-01T00:00:00+09:00")!)
        let report = try SiteBuilder(options: options).build()
        #expect(report.pages > 0)
        let page = try String(contentsOf: site.root.appendingPathComponent("Public/contests/test/results/index.html"), encoding: .utf8)
        #expect(page.contains("&quot;quoted&quot;") && page.contains("key: value #c"))
    }
}

/// One CSV writer for every CSV compe writes: a hostile label (a formula typed as a country by
/// an earlier version, or as any text) reaches no cell of the statistics downloads, the
/// anonymised export or the open-data package as something a spreadsheet would run.
@Suite struct EveryCSVTests {
    static let hostile = "=HYPERLINK(\"http://evil.example\",\"x\")"

    /// No cell of `csv` starts with a character a spreadsheet takes as a formula.
    func expectNoFormula(_ csv: String, _ what: String) {
        for line in csv.components(separatedBy: "\r\n") where !line.isEmpty {
            for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
                let value = cell.hasPrefix("\"") ? String(cell.dropFirst()) : String(cell)
                #expect(!(value.first.map { "=+@\t".contains($0) } ?? false) && !(value.hasPrefix("-") && Double(value) == nil),
                        "\(what): a cell starts a formula: \(cell)")
            }
        }
        #expect(csv.contains("\r\n") || csv.isEmpty, "\(what): not CRLF")
    }

    @Test func aHostileLabelIsDefusedInEveryCSV() async throws {
        // The statistics downloads, with the label as a category.
        var stats = StatsFileFixtures.stats
        stats.countries = [.init(label: Self.hostile, entries: 7), .init(label: "-1+1", entries: 5)]
        for table in PageRenderer.statsTables(stats, t: UIStrings.text(for: "en")) { expectNoFormula(table.csv, table.file) }
        // The anonymised export, with the label as a country.
        let export = AnonymisedExport(contest: "c", criteria: [.init(id: "u", weight: 100, scale: [1, 10])],
                                      entries: [.init(entry: "entry-1", country: Self.hostile, files: 1, teamSize: "@2")],
                                      scores: [.init(entry: "entry-1", judge: "judge-1", values: ["u": 5])])
        expectNoFormula(export.csv, "export")
        #expect(export.csv.contains("'=HYPERLINK"))
    }
}

enum StatsFileFixtures {
    static let stats = ContestStats(
        contest: "c", generated: "2026-11-30", timeZone: "Asia/Tokyo", k: 5, entries: 12, withdrawn: 1, edits: 3,
        perDay: [.init(day: "2026-11-29", new: 5, cumulative: 5)], countries: [], teamSizes: [.init(label: "1", entries: 12)],
        filesPerEntry: .init([1, 2, 3], k: 2), bytesPerEntry: .init([100, 200], k: 5), fileTypes: [.init(label: "pdf", entries: 12)],
        daysToEntry: .init([0.5, 1.5], k: 1), judging: .init(judges: 3, assigned: 24, complete: 20), agreement: [.init(criterion: "u", alpha: 0.8)])
}
