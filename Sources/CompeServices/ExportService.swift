import CompeCore
import CompeStore
import Foundation

/// A contest's scores for analysts: entries and judges as pseudonyms in a random order, no
/// names, e-mail addresses or free text; countries and team sizes under the small-cell rule.
public struct AnonymisedExport: Codable, Sendable {
    /// One criterion.
    public struct Criterion: Codable, Sendable {
        public var id: String
        public var weight: Int
        /// `[lowest, highest]`.
        public var scale: [Int]
    }

    /// One entry.
    public struct Entry: Codable, Sendable {
        /// `entry-N`.
        public var entry: String
        public var country: String
        public var files: Int
        /// Members, or `other` (small-cell suppression).
        public var teamSize: String

        enum CodingKeys: String, CodingKey { case entry, country, files, teamSize = "team_size" }
    }

    /// One judge's sheet of one entry.
    public struct Score: Codable, Sendable {
        public var entry: String
        /// `judge-N`.
        public var judge: String
        public var values: [String: Int]
    }

    public var contest: String
    public var criteria: [Criterion]
    /// By pseudonym.
    public var entries: [Entry]
    /// By entry pseudonym, then judge pseudonym.
    public var scores: [Score]

    /// One row per score: `entry,judge,criterion,weight,value,scale_min,scale_max,country`.
    public var csv: String {
        var table = CSVWriter([.init("entry"), .init("judge"), .init("criterion"), .init("weight", .number), .init("value", .number),
                               .init("scale_min", .number), .init("scale_max", .number), .init("country")])
        let country = Dictionary(uniqueKeysWithValues: entries.map { ($0.entry, $0.country) })
        for s in scores {
            for c in criteria {
                guard let v = s.values[c.id] else { continue }
                table.add([s.entry, s.judge, c.id, String(c.weight), String(v), String(c.scale[0]), String(c.scale[1]), country[s.entry] ?? ""])
            }
        }
        return table.string
    }
}

extension JudgingService {
    /// The anonymised scores of `contest` (withdrawn entries left out). Pseudonyms are drawn
    /// afresh for every export, so two exports cannot be joined on them.
    /// Countries and team sizes follow the small-cell rule with `k`, as in the data package.
    public func export(contest slug: String, k: Int = 5) async throws -> AnonymisedExport {
        let contest = try catalog.contest(slug)
        let entries = try await storeErrors { try await store.entries(contest: slug) }.filter { $0.withdrawnAt == nil }
        let anonymity = Anonymity(entries: entries, k: max(1, k))
        var rng = SystemRandomNumberGenerator()
        let entryAlias = Dictionary(uniqueKeysWithValues: entries.shuffled(using: &rng).enumerated().map { ($1.id, "entry-\($0 + 1)") })
        let sheets = try await storeErrors { try await store.sheets(contest: slug, stage: contest.later.firstID) }.filter { entryAlias[$0.entryID] != nil }
        let judgeAlias = Dictionary(uniqueKeysWithValues: Set(sheets.map(\.judge)).shuffled(using: &rng).enumerated().map { ($1, "judge-\($0 + 1)") })
        let scores = sheets.compactMap { s -> AnonymisedExport.Score? in
            guard let entry = entryAlias[s.entryID], let judge = judgeAlias[s.judge] else { return nil }
            return AnonymisedExport.Score(entry: entry, judge: judge, values: s.values)
        }
        return AnonymisedExport(
            contest: slug,
            criteria: contest.criteria.map { .init(id: $0.id, weight: $0.weight, scale: [$0.scaleMin, $0.scaleMax]) },
            entries: entries.compactMap { e in
                entryAlias[e.id].map { .init(entry: $0, country: anonymity.country(e), files: e.files.count, teamSize: anonymity.teamSize(e)) }
            }.sorted { $0.entry < $1.entry },
            scores: scores.sorted { ($0.entry, $0.judge) < ($1.entry, $1.judge) })
    }
}
