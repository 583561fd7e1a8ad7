import CompeContent
import CompeCore
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
    /// Sheets left out because their judge is no longer assigned (a late conflict, a judge off
    /// the panel).
    public var excluded: [ExcludedSheet] = []

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
        ResultsReport(contest: contest.slug, stage: contest.isStaged ? contest.stageID : nil, alpha: ranking.alpha.map(Self.round),
                      alphaReading: Ranking.Agreement(alpha: ranking.alpha).reading(language: "en"),
                      judges: ranking.biases.mapValues(Self.round), entries: rows, model: model, offsets: offsets,
                      excluded: excluded.map { ExcludedReport(entry: EntryCode.format($0.entryID), judge: $0.judge, reason: $0.reason.description) })
    }

    /// How the corrected scores came about: the fitted variances and the design.
    public var model: ModelReport {
        let r = ranking
        let groups = Dictionary(grouping: r.offsets, by: \.group).sorted { $0.key < $1.key }.map { $0.value.map(\.judge).sorted() }
        let exact = r.varianceRatio.isInfinite
        return ModelReport(varianceRatio: exact ? nil : r.varianceRatio,
                           exactFit: exact, judgeShare: exact ? 1 : Self.round(r.varianceRatio / (1 + r.varianceRatio)),
                           noiseSD: r.noiseVariance.map { Self.round($0.squareRoot()) },
                           offsetSD: exact ? nil : r.noiseVariance.map { Self.round(($0 * r.varianceRatio).squareRoot()) },
                           connected: r.groups <= 1, groups: groups)
    }

    /// Each judge's offset with its standard error and what it rests on.
    public var offsets: [OffsetReport] {
        ranking.offsets.map { o in
            OffsetReport(judge: o.judge, offset: Self.round(o.offset), standardError: o.standardError.map(Self.round), sheets: o.sheets,
                         sharedEntries: o.sharedEntries, group: o.group + 1, flagged: o.flagged)
        }
    }
}

/// The fitted model as `compe results --json` reports it.
public struct ModelReport: Codable, Sendable {
    /// How the corrected score is computed, in one line.
    public var method = "score = quality + judge offset + noise; quality fixed per entry, offsets random with variance estimated by REML"
    /// Variance of offsets / variance of noise; null when the scores fit the model exactly (infinite).
    @NullEncoded public var varianceRatio: Double?
    /// The scores fit quality + offset exactly: no shrinkage.
    public var exactFit: Bool
    /// Share of the non-quality variance due to judges' offsets, 0–1.
    public var judgeShare: Double
    /// Standard deviation of the noise (0–100 scale); null when no entry has two sheets.
    @NullEncoded public var noiseSD: Double?
    /// Standard deviation of the judges' offsets (0–100 scale), as estimated.
    @NullEncoded public var offsetSD: Double?
    /// Every judge linked to every other through shared entries.
    public var connected: Bool
    /// The groups of judges that share entries (one group when connected).
    public var groups: [[String]]

    enum CodingKeys: String, CodingKey {
        case method, varianceRatio = "variance_ratio", exactFit = "exact_fit", judgeShare = "judge_share", noiseSD = "noise_sd",
             offsetSD = "offset_sd", connected, groups
    }

}

/// One judge's fitted offset.
public struct OffsetReport: Codable, Sendable {
    public var judge: String
    /// Positive: lenient; relative to the panel's average judge (within the judge's group).
    public var offset: Double
    /// Null when the noise cannot be estimated.
    @NullEncoded public var standardError: Double?
    /// Complete sheets by this judge.
    public var sheets: Int
    /// Entries this judge shares with another judge: what the offset rests on.
    public var sharedEntries: Int
    /// The judge's group (1-based), as in `model.groups`.
    public var group: Int
    /// More than two standard errors from zero.
    public var flagged: Bool

    enum CodingKeys: String, CodingKey {
        case judge, offset, standardError = "standard_error", sheets, sharedEntries = "shared_entries", group, flagged
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

/// A sheet `compe results` left out, as `--json` prints it.
public struct ExcludedReport: Codable, Sendable {
    public var entry: String
    public var judge: String
    public var reason: String
}

/// The ranking as `compe results --json` prints it.
public struct ResultsReport: Codable, Sendable {
    public var contest: String
    /// The stage ranked (absent for a contest of one stage).
    public var stage: String?
    /// Krippendorff's alpha (interval); null when no entry had two judges.
    @NullEncoded public var alpha: Double?
    public var alphaReading: String
    /// Each judge's fitted offset (positive: lenient).
    public var judges: [String: Double]
    public var entries: [ResultRow]
    /// How the corrected scores came about.
    public var model: ModelReport
    /// Each judge's offset with its standard error (`--explain`).
    public var offsets: [OffsetReport]
    /// Sheets that do not count: a conflict declared after scoring, a judge off the panel.
    public var excluded: [ExcludedReport]

    enum CodingKeys: String, CodingKey { case contest, stage, alpha, alphaReading = "alpha_reading", judges, entries, model, offsets, excluded }

}

/// What publishing wrote (or, for a dry run, would write).
public struct PublishReport: Sendable {
    /// `results.md` as the user named the content folder.
    public var path: String
    /// Entries ranked in it.
    public var entries: Int
    /// "Results are out" mails queued for entrants (sent by a server with `--smtp`); for a dry
    /// run, how many would be.
    public var mailsQueued: Int
    /// Nothing was written, frozen or queued.
    public var dryRun = false
    /// Published before the contest's deadline (`--force`): the entry window closed with it.
    public var closedEarly = false
    /// The text `results.md` gets.
    public var text = ""
}

extension JudgingService {
    /// The ranking of a contest's stage (nil: the current one): complete sheets only, weighted
    /// to 0–100 by the stage's criteria, judge-corrected, with seeded bootstrap intervals.
    public func results(contest slug: String, stage: String? = nil, seed: UInt64) async throws -> ContestResults {
        let contest = try await judged(contest: slug, stage: stage)
        let entries = Dictionary(uniqueKeysWithValues: try await storeErrors { try await store.entries(contest: slug) }
            .filter { $0.withdrawnAt == nil }.map { ($0.id, $0) })
        let (sheets, excluded) = try await storeErrors { try await store.judgedSheets(contest: slug, stage: contest.stageID) }
        let observations = sheets.compactMap { sheet -> Ranking.Observation? in
            guard entries[sheet.entryID] != nil, let score = Ranking.weighted(sheet.values, criteria: contest.criteria) else { return nil }
            return Ranking.Observation(entry: sheet.entryID, judge: sheet.judge, score: score)
        }
        return ContestResults(contest: contest, entries: entries, ranking: Ranking.rank(observations, seed: seed), excluded: excluded)
    }

    /// Writes `Content/contests/<slug>/results.md` (the top `winners` named by title and team),
    /// freezes the contest's scores and queues "the results are out" for every active entrant.
    /// Refused while the contest takes entries (before `closes`): entries sent after results
    /// could never be judged. `force` publishes anyway and closes the entry window with it (the
    /// server refuses entries, edits and withdrawals from then on). `dryRun` computes everything
    /// and changes nothing. The team reviews and commits the file; the next build renders it.
    public func publish(contest slug: String, winners: Int, seed: UInt64, force: Bool = false, dryRun: Bool = false,
                        now: Date = Date()) async throws -> PublishReport {
        let contest = try await judged(contest: slug, stage: nil)
        let last = contest.stages[contest.stages.count - 1]
        guard contest.stageID == last.id else { throw JudgingError.notLastStage(contest: slug, stage: contest.stageID, last: last.id) }
        let early = now < contest.closes
        if early && !force { throw JudgingError.stillOpen(contest: slug, closes: contest.closes) }
        let results = try await results(contest: slug, stage: last.id, seed: seed)
        guard !results.ranking.rows.isEmpty else { throw JudgingError.noCompleteSheets(contest: slug) }
        let rows = results.rows.map { r -> ResultsSource.Row in
            let named = r.rank <= winners ? results.entries[EntryCode.parse(r.id) ?? 0] : nil
            return ResultsSource.Row(id: r.id, rank: r.rank, rankLow: r.rankLow, rankHigh: r.rankHigh, rawMean: r.rawMean,
                                     corrected: r.corrected, judges: r.judges, title: named?.draft.title, team: named?.draft.teamName)
        }
        var stages: [ResultsSource.StageLine] = []
        if contest.isStaged {
            for stage in contest.stages {
                let n = try await population(contest: contest, stage: stage.id).count
                stages.append(.init(id: stage.id, closes: UTCTimestamp.format(stage.closes, milliseconds: false), entries: n))
            }
        }
        let text = try ResultsFile.render(published: DateParsing.ymd(now), alpha: results.ranking.alpha, rows: rows, stages: stages)
        let file = catalog.resultsFile(slug)
        if dryRun {
            let mails = try await storeErrors { try await store.contestMailPending(.results, contest: slug) }
            return PublishReport(path: file.display, entries: rows.count, mailsQueued: mails, dryRun: true, closedEarly: early, text: text)
        }
        do {
            try Data(text.utf8).write(to: file.url, options: .atomic)
        } catch {
            throw JudgingError.cannotWrite(file.display, underlying: error)
        }
        try await storeErrors { try await store.markPublished(contest: slug, stage: last.id, now: now) }
        // "The results are out" to every active entrant, once (nothing about other entries).
        let mailed = try await storeErrors { try await store.queueForContest(.results, contest: slug, now: now) }
        return PublishReport(path: file.display, entries: rows.count, mailsQueued: mailed.new, closedEarly: early, text: text)
    }
}
