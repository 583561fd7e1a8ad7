import ArgumentParser
import CompeContent
import CompeCore
import CompeStore
import Foundation

/// The ranking of a contest, computed from the store.
struct ContestResults {
    var contest: Contest
    var entries: [Int64: Entry]
    var ranking: Ranking.Result

    static func compute(_ options: DataOptions, slug: String, seed: UInt64) async throws -> ContestResults {
        let contest = try options.contest(slug)
        let store = try options.store()
        let entries = Dictionary(uniqueKeysWithValues: try await store.entries(contest: slug).filter { $0.withdrawnAt == nil }.map { ($0.id, $0) })
        let obs = try await store.sheets(contest: slug).compactMap { sheet -> Ranking.Observation? in
            guard entries[sheet.entryID] != nil, let score = Ranking.weighted(sheet.values, criteria: contest.criteria) else { return nil }
            return Ranking.Observation(entry: sheet.entryID, judge: sheet.judge, score: score)
        }
        return ContestResults(contest: contest, entries: entries, ranking: Ranking.rank(obs, seed: seed))
    }

    static func round(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    var json: [String: Any] {
        [
            "contest": contest.slug,
            "alpha": ranking.alpha.map(Self.round) as Any? ?? NSNull(),
            "alpha_reading": Ranking.reading(ranking.alpha, language: "en"),
            "judges": ranking.biases.mapValues(Self.round),
            "entries": ranking.rows.map { r -> [String: Any] in
                ["id": EntryCode.format(r.entry), "title": entries[r.entry]?.draft.title ?? "", "raw_mean": Self.round(r.rawMean),
                 "corrected": Self.round(r.corrected), "rank": r.rank, "rank_low": r.rankLow, "rank_high": r.rankHigh, "judges": r.judges]
            },
        ]
    }
}

struct Results: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank a contest's entries: raw weighted mean, judge-corrected score, rank with a 90% interval, agreement.",
        discussion: """
        Only complete score sheets count (every criterion scored). Scores are weighted to 0–100.
        The corrected score removes each judge's leniency or harshness (additive model fitted by
        regularised least squares); ranks follow it, ties shared; the rank interval comes from a
        seeded bootstrap; alpha is Krippendorff's (interval). 'compe results publish' writes the
        ranking into Content/ for the site.
        """,
        subcommands: [Show.self, Publish.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the ranking (the default).")
        @Argument(help: "The contest slug.") var contest: String
        @Flag(help: "JSON for tools.") var json = false
        @Flag(help: "CSV for spreadsheets.") var csv = false
        @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
        @OptionGroup var options: DataOptions

        func validate() throws { if json && csv { throw ValidationError("choose --json or --csv, not both") } }

        func run() async throws {
            let r = try await ContestResults.compute(options, slug: contest, seed: seed)
            if json {
                try printJSON(r.json)
            } else if csv {
                print("rank,rank_low,rank_high,id,title,raw_mean,corrected,judges")
                for row in r.ranking.rows {
                    let title = CSV.field(r.entries[row.entry]?.draft.title ?? "")
                    print("\(row.rank),\(row.rankLow),\(row.rankHigh),\(EntryCode.format(row.entry)),\(title),\(ContestResults.round(row.rawMean)),\(ContestResults.round(row.corrected)),\(row.judges)")
                }
            } else {
                let ties = Dictionary(grouping: r.ranking.rows, by: \.rank).filter { $0.value.count > 1 }.keys
                print("rank   90% interval  id       corrected  raw    judges  title")
                for row in r.ranking.rows {
                    let rank = (ties.contains(row.rank) ? "=" : " ") + String(row.rank)
                    let title = TerminalText.clean(r.entries[row.entry]?.draft.title ?? "")
                    let cells = [StatusTable.pad(rank, 6), StatusTable.pad("\(row.rankLow)–\(row.rankHigh)", 13), StatusTable.pad(EntryCode.format(row.entry), 8),
                                 String(format: "%9.2f  %5.2f  %6d", row.corrected, row.rawMean, row.judges), title]
                    print(cells.joined(separator: " "))
                }
                let alpha = r.ranking.alpha.map { String(format: "%.3f", $0) } ?? "n/a"
                print("\nKrippendorff's alpha (interval): \(alpha) — \(Ranking.reading(r.ranking.alpha, language: "en"))")
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write Content/contests/<slug>/results.md and freeze the scores.",
            discussion: "Review and commit the file; the next 'compe build' renders the results page in every language.")
        @Argument(help: "The contest slug.") var contest: String
        @Option(help: "How many top entries are named as winners (title and team).") var winners = 3
        @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
        @OptionGroup var options: DataOptions

        func run() async throws {
            let r = try await ContestResults.compute(options, slug: contest, seed: seed)
            guard !r.ranking.rows.isEmpty else { throw fail("no complete score sheets for \(contest) yet (see 'compe judge progress \(contest)')") }
            let text = ResultsFile.render(r, winners: winners, now: Date())
            let url = directory(options.content).appendingPathComponent("contests/\(contest)/results.md")
            try Data(text.utf8).write(to: url, options: .atomic)
            try await options.store().markPublished(contest: contest)
            print("wrote \(options.content)/contests/\(contest)/results.md (\(r.ranking.rows.count) entries); scores of \(contest) are now frozen")
        }
    }
}

/// The `results.md` a publication writes: everything in front matter (entrant text is data,
/// escaped by the theme, never Markdown that could carry HTML), and a short editable note.
enum ResultsFile {
    static func yamlString(_ s: String) -> String {
        "\"" + TerminalText.clean(s).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ") + "\""
    }

    static func render(_ r: ContestResults, winners: Int, now: Date) -> String {
        var y = "---\n"
        y += "published: \(DateParsing.ymd(now))\n"
        y += "alpha: \(r.ranking.alpha.map { String(format: "%.3f", $0) } ?? "null")\n"
        y += "entries:\n"
        for row in r.ranking.rows {
            let e = r.entries[row.entry]
            let named = row.rank <= winners
            y += "  - {id: \(EntryCode.format(row.entry)), rank: \(row.rank), rank_low: \(row.rankLow), rank_high: \(row.rankHigh), "
            y += "raw_mean: \(ContestResults.round(row.rawMean)), corrected: \(ContestResults.round(row.corrected)), judges: \(row.judges)"
            if named, let e { y += ", title: \(yamlString(e.draft.title)), team: \(yamlString(e.draft.teamName))" }
            y += "}\n"
        }
        y += "---\n"
        y += "<!-- Written by 'compe results publish'. Add the panel's remarks below (shown on the results page in every\n"
        y += "     language); keep the front matter as it is. -->\n"
        return y
    }
}

/// CSV fields that spreadsheets will not execute.
enum CSV {
    static func field(_ s: String) -> String {
        var v = TerminalText.clean(s).replacingOccurrences(of: "\n", with: " ")
        if let first = v.first, "=+-@".contains(first) { v = "'" + v }   // no formula injection
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a contest's scores for analysts, without names, emails or free text.",
        discussion: "Entries and judges get pseudonyms (entry-N, judge-N in a shuffled order); country and file counts are kept.")
    @Argument(help: "The contest slug.") var contest: String
    @Flag(help: "Required: strip everything that identifies people.") var anonymised = false
    @Flag(help: "JSON (the default).") var json = false
    @Flag(help: "CSV, one row per score.") var csv = false
    @OptionGroup var options: DataOptions

    func validate() throws {
        guard anonymised else { throw ValidationError("only --anonymised exports are offered: add --anonymised") }
        if json && csv { throw ValidationError("choose --json or --csv, not both") }
    }

    func run() async throws {
        let c = try options.contest(contest)
        let store = try options.store()
        let entries = try await store.entries(contest: contest).filter { $0.withdrawnAt == nil }
        var rng = SystemRandomNumberGenerator()
        let entryAlias = Dictionary(uniqueKeysWithValues: entries.shuffled(using: &rng).enumerated().map { ($1.id, "entry-\($0 + 1)") })
        let sheets = try await store.sheets(contest: contest).filter { entryAlias[$0.entryID] != nil }
        let judges = Array(Set(sheets.map(\.judge))).shuffled(using: &rng)
        let judgeAlias = Dictionary(uniqueKeysWithValues: judges.enumerated().map { ($1, "judge-\($0 + 1)") })
        let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) })
        if csv {
            print("entry,judge,criterion,weight,value,scale_min,scale_max,country")
            for s in sheets.sorted(by: { (entryAlias[$0.entryID]!, judgeAlias[$0.judge]!) < (entryAlias[$1.entryID]!, judgeAlias[$1.judge]!) }) {
                for cr in c.criteria {
                    guard let v = s.values[cr.id] else { continue }
                    print("\(entryAlias[s.entryID]!),\(judgeAlias[s.judge]!),\(cr.id),\(cr.weight),\(v),\(cr.scaleMin),\(cr.scaleMax),\(CSV.field(byID[s.entryID]!.draft.country))")
                }
            }
            return
        }
        let out: [String: Any] = [
            "contest": contest,
            "criteria": c.criteria.map { ["id": $0.id, "weight": $0.weight, "scale": [$0.scaleMin, $0.scaleMax]] as [String: Any] },
            "entries": entries.map { e -> [String: Any] in
                ["entry": entryAlias[e.id]!, "country": TerminalText.clean(e.draft.country), "files": e.files.count, "team_size": e.draft.members.count]
            }.sorted { ($0["entry"] as! String) < ($1["entry"] as! String) },
            "scores": sheets.map { s -> [String: Any] in ["entry": entryAlias[s.entryID]!, "judge": judgeAlias[s.judge]!, "values": s.values] },
        ]
        try printJSON(out)
    }
}
