import CompeContent
import CompeCore
import CompeSite
import CompeStore
import Foundation

/// A contest's ranking, computed from the store.
public struct ContestResults: Sendable {
    /// The contest.
    public var contest: Contest
    /// Its entries that were not withdrawn, by database id.
    public var entries: [Int64: Entry]
    /// The ranking of the entries with complete score sheets.
    public var ranking: Ranking.Result

    /// Figures as published: two decimals.
    public static func round(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    /// The rows as tools read them (`compe results --json`, the site's results file).
    public var rows: [ResultRow] {
        ranking.rows.map { r in
            ResultRow(id: EntryCode.format(r.entry), title: entries[r.entry]?.draft.title ?? "", rawMean: Self.round(r.rawMean),
                      corrected: Self.round(r.corrected), rank: r.rank, rankLow: r.rankLow, rankHigh: r.rankHigh, judges: r.judges)
        }
    }

    /// `compe results --json`.
    public var report: ResultsReport {
        ResultsReport(contest: contest.slug, alpha: ranking.alpha.map(Self.round),
                      alphaReading: UIStrings.text(for: "en").reading(Ranking.Agreement(alpha: ranking.alpha)),
                      judges: ranking.biases.mapValues(Self.round), entries: rows)
    }
}

/// One ranked entry.
public struct ResultRow: Codable, Sendable {
    public var id: String
    public var title: String
    public var rawMean: Double
    public var corrected: Double
    public var rank: Int
    public var rankLow: Int
    public var rankHigh: Int
    public var judges: Int

    enum CodingKeys: String, CodingKey {
        case id, title, rawMean = "raw_mean", corrected, rank, rankLow = "rank_low", rankHigh = "rank_high", judges
    }
}

/// The ranking as `compe results --json` prints it.
public struct ResultsReport: Codable, Sendable {
    public var contest: String
    /// Krippendorff's alpha (interval); null when no entry had two judges.
    public var alpha: Double?
    public var alphaReading: String
    /// Each judge's fitted offset (positive: lenient).
    public var judges: [String: Double]
    public var entries: [ResultRow]

    enum CodingKeys: String, CodingKey { case contest, alpha, alphaReading = "alpha_reading", judges, entries }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contest, forKey: .contest)
        try c.encode(alpha, forKey: .alpha)   // null, not absent: tools look for the key
        try c.encode(alphaReading, forKey: .alphaReading)
        try c.encode(judges, forKey: .judges)
        try c.encode(entries, forKey: .entries)
    }
}

/// What publishing wrote.
public struct PublishReport: Sendable {
    /// `results.md` as the user named the content folder.
    public var path: String
    /// Entries ranked in it.
    public var entries: Int
}

extension JudgingService {
    /// The ranking of `contest`: complete sheets only, weighted to 0–100, judge-corrected,
    /// with seeded bootstrap intervals.
    public func results(contest slug: String, seed: UInt64) async throws -> ContestResults {
        let contest = try catalog.contest(slug)
        let entries = Dictionary(uniqueKeysWithValues: try await storeErrors { try await store.entries(contest: slug) }
            .filter { $0.withdrawnAt == nil }.map { ($0.id, $0) })
        let observations = try await storeErrors { try await store.sheets(contest: slug) }.compactMap { sheet -> Ranking.Observation? in
            guard entries[sheet.entryID] != nil, let score = Ranking.weighted(sheet.values, criteria: contest.criteria) else { return nil }
            return Ranking.Observation(entry: sheet.entryID, judge: sheet.judge, score: score)
        }
        return ContestResults(contest: contest, entries: entries, ranking: Ranking.rank(observations, seed: seed))
    }

    /// Writes `Content/contests/<slug>/results.md` (the top `winners` named by title and team)
    /// and freezes the contest's scores. The team reviews and commits the file; the next build
    /// renders it.
    public func publish(contest slug: String, winners: Int, seed: UInt64, now: Date = Date()) async throws -> PublishReport {
        let results = try await results(contest: slug, seed: seed)
        guard !results.ranking.rows.isEmpty else { throw JudgingError.noCompleteSheets(contest: slug) }
        let rows = results.rows.map { r -> ResultsSource.Row in
            let named = r.rank <= winners ? results.entries[EntryCode.parse(r.id) ?? 0] : nil
            return ResultsSource.Row(id: r.id, rank: r.rank, rankLow: r.rankLow, rankHigh: r.rankHigh, rawMean: r.rawMean,
                                     corrected: r.corrected, judges: r.judges, title: named?.draft.title, team: named?.draft.teamName)
        }
        let text = try ResultsFile.render(published: DateParsing.ymd(now), alpha: results.ranking.alpha, rows: rows)
        let file = catalog.resultsFile(slug)
        do {
            try Data(text.utf8).write(to: file.url, options: .atomic)
        } catch {
            throw JudgingError.cannotWrite(file.display, underlying: error)
        }
        try await storeErrors { try await store.markPublished(contest: slug, now: now) }
        return PublishReport(path: file.display, entries: rows.count)
    }
}
