@testable import CompeContent
import CompeCore
import Foundation
import Testing

@Suite struct StatsFileTests {
    static let stats = ContestStats(
        contest: "c", generated: "2026-11-30", timeZone: "Asia/Tokyo", k: 5, entries: 12, withdrawn: 1, edits: 3,
        perDay: [.init(day: "2026-11-29", new: 5, cumulative: 5), .init(day: "2026-11-30", new: 8, cumulative: 13)],
        countries: [.init(label: "Japan", entries: 7), .init(label: "other", entries: 5)], teamSizes: [.init(label: "1", entries: 12)],
        filesPerEntry: .init([1, 2, 3], k: 2), bytesPerEntry: .init([100, 200], k: 5), fileTypes: [.init(label: "pdf", entries: 12)],
        daysToEntry: .init([0.5, 1.5], k: 1), judging: .init(judges: 3, assigned: 24, complete: 20),
        agreement: [.init(criterion: "u", alpha: 0.8), .init(criterion: "overall", alpha: nil)])

    /// What `compe stats publish` writes, `compe build` reads back unchanged.
    @Test func roundTrips() throws {
        var diags = Diagnostics()
        let read = try #require(StatsFile.parse(try StatsFile.render(Self.stats), path: "stats.json", slug: "c", diags: &diags))
        #expect(diags.all.isEmpty)
        #expect(read.stats == Self.stats)
        #expect(String(decoding: try StatsFile.render(Self.stats), as: UTF8.self).contains("\"alpha\" : null"))
    }

    /// A hand edit that breaks the JSON is reported at its line and column; a missing key by name;
    /// a file moved to another contest's folder is refused.
    @Test func problemsAreReportedWhereTheyAre() throws {
        var text = String(decoding: try StatsFile.render(Self.stats), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"edits\" : 3,", with: "\"edits\" : 3,,")
        var diags = Diagnostics()
        #expect(StatsFile.parse(Data(text.utf8), path: "Content/contests/c/stats.json", slug: "c", diags: &diags) == nil)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("\"edits\"") }! + 1
        let problem = try #require(diags.all.first)
        #expect(problem.location.line == line, "\(problem)")
        #expect(problem.location.column > 1)

        var missing = Diagnostics()
        let noEdits = String(decoding: try StatsFile.render(Self.stats), as: UTF8.self).replacingOccurrences(of: "\"edits\" : 3,\n", with: "")
        #expect(StatsFile.parse(Data(noEdits.utf8), path: "stats.json", slug: "c", diags: &missing) == nil)
        #expect(missing.all.first?.message.contains("'edits'") == true, "\(missing.all)")

        var moved = Diagnostics()
        #expect(StatsFile.parse(try StatsFile.render(Self.stats), path: "stats.json", slug: "other", diags: &moved) == nil)
        #expect(moved.all.first?.message.contains("contest 'c'") == true)
    }
}
