import CompeCore
import CompeStore
import CompeWire
import Crypto
import Foundation

/// Judging, for both of its callers: the organiser's command line on the server (with
/// `--data`) and the judge API (a judge's own computer, over HTTPS). Each rule lives here once:
/// which entries a judge may see, how a blind contest hides identity, how scores are checked
/// and saved, how results are ranked, published and exported.
public struct JudgingService: Sendable {
    /// Entries, judges, assignments and scores.
    public let store: EntryStore
    /// The contests' briefs.
    public let catalog: ContestCatalog

    /// A service over `store` and the contests of `catalog`.
    public init(store: EntryStore, catalog: ContestCatalog) {
        self.store = store
        self.catalog = catalog
    }

    // MARK: judges, conflicts, assignment

    /// Registers a judge.
    public func addJudge(_ judge: Judge) async throws { try await storeErrors { try await store.addJudge(judge) } }

    /// Every judge, by handle.
    public func judges() async throws -> [Judge] { try await storeErrors { try await store.judges() } }

    /// Records that `judge` must not judge entry `entry` (an id such as `E-0007`).
    public func addConflict(judge: String, entry: String, reason: String) async throws {
        try await storeErrors { try await store.addConflict(judge: judge, entryCode: entry, reason: reason) }
    }

    /// The contest as judged in `stage` (its criteria, panel size and blind rule); nil: the
    /// current stage, the first whose scores are not yet published (the last once all are).
    public func judged(contest slug: String, stage: String?) async throws -> Contest {
        let contest = try catalog.contest(slug)
        if let stage {
            guard let view = contest.viewing(stage: stage) else {
                throw JudgingError.unknownStage(stage, contest: slug, known: contest.stages.map(\.id))
            }
            return view
        }
        guard contest.isStaged else { return contest }
        let published = try await storeErrors { try await store.publishedStages(contest: slug) }
        let current = contest.stages.first { published[$0.id] == nil } ?? contest.stages[contest.stages.count - 1]
        return contest.viewing(stage: current.id) ?? contest
    }

    /// Adds the assignments a contest's stage lacks (nil: the current stage): `perEntry` judges
    /// per entry (the stage's number by default), balanced, never a conflicted pair; the same
    /// `seed` gives the same result. A later stage assigns its finalists only.
    public func assign(contest slug: String, stage: String? = nil, perEntry: Int?, seed: UInt64) async throws -> AssignmentReport {
        let contest = try await judged(contest: slug, stage: stage)
        let n = perEntry ?? contest.judging.judgesPerEntry
        let later = contest.stageID != contest.later.firstID
        if later, let previous = contest.stage(before: contest.stageID),
           try await storeErrors({ try await store.finalists(contest: slug, stage: contest.stageID) }).isEmpty {
            throw JudgingError.noFinalists(contest: slug, stage: contest.stageID, previous: previous.id)
        }
        do {
            let added = try await store.assign(contest: slug, stage: contest.stageID, finalistsOnly: later, perEntry: n, seed: seed)
            let all = try await store.assignedPairs(contest: slug, stage: contest.stageID)
            let load = Dictionary(grouping: all, by: \.judge).mapValues(\.count).sorted { $0.key < $1.key }
            return AssignmentReport(added: added.count, total: all.count, perEntry: n, load: load.map { ($0.key, $0.value) })
        } catch let s as AssignmentPlanner.Shortage {
            throw JudgingError.shortage(entry: EntryCode.format(s.entry), needed: s.needed, eligible: s.eligible)
        } catch let e as StoreError {
            throw JudgingError.store(e)
        }
    }

    /// The entries of `contest`, withdrawn ones marked.
    public func entries(contest slug: String) async throws -> [EntryListing] {
        _ = try catalog.contest(slug)
        return try await storeErrors { try await store.entries(contest: slug) }.map { e in
            EntryListing(id: e.code, title: e.draft.title, teamName: e.draft.teamName, country: e.draft.country, files: e.files.count,
                         receivedAt: DateParsing.ymd(e.receivedAt), withdrawn: e.withdrawnAt != nil)
        }
    }

    // MARK: a judge's work

    /// The judge's assignments in every contest, with whether each is fully scored.
    public func queue(judge: String) async throws -> [QueueItem] {
        try await storeErrors { try await store.queue(judge: judge) }.map { row in
            let contest = try catalog.stage(row.contest, row.stage)
            return QueueItem(contest: row.contest, ref: BlindRule.ref(code: row.code, blindCode: row.blindCode, in: contest), title: row.title,
                             done: contest.criteria.allSatisfy { row.scored.contains($0.id) }, revision: row.revision,
                             stage: contest.isStaged ? row.stage : nil)
        }
    }

    /// The entry `ref` names in the judge's queue, as the judge may see it.
    public func entry(judge: String, ref: String) async throws -> JudgeEntryView {
        let (a, contest) = try await assignment(judge: judge, ref: ref)
        let sheet = try await storeErrors { try await store.sheet(entryID: a.entry.id, judge: judge, stage: a.stage) }
        return BlindRule.view(a, contest: contest, sheet: sheet, uploads: store.uploads)
    }

    /// Saves scores (any subset of the criteria) and a comment for the entry `ref` names;
    /// refused when a value breaks the brief's scales, the results are published, or (with a
    /// revision) the sheet changed since the judge read it. A submission with a key seen before
    /// is applied once. `source` goes to the audit trail.
    public func score(judge: String, ref: String, _ submission: ScoreSubmission, source: ScoreSource) async throws -> ScoreReceipt {
        if submission.values.isEmpty && submission.comment == nil {
            let (_, contest) = try await assignment(judge: judge, ref: ref)
            throw JudgingError.nothingToSave(criteria: contest.criteria.map(\.id))
        }
        let key = submission.idempotencyKey.map { ScoreRequestKey(key: $0, request: Self.digest(ref: ref, submission)) }
        let catalog = self.catalog
        // The assignment is looked up in the write itself: one trip to the database per score.
        let saving = try await storeErrors {
            try await store.saveScores(judge: judge, reference: ref, idStages: catalog.namedByID, admit: { a in
                guard let contest = try? catalog.stage(a.entry.draft.contest, a.stage), BlindRule.accepts(ref, in: contest) else { return nil }
                return contest
            }, values: submission.values, comment: submission.comment, source: source, revision: submission.revision, key: key)
        }
        guard case .saved(let a, let contest, let sheet) = saving else {
            _ = try await assignment(judge: judge, ref: ref)   // the precise refusal (an unknown contest, or not in the queue)
            throw JudgingError.notInQueue(ref: ref, judge: judge)
        }
        return ScoreReceipt(ref: BlindRule.ref(a, in: contest), revision: sheet.revision, stillToScore: contest.unscored(sheet.values).map(\.id))
    }

    /// What a score request's key is bound to: the entry and everything asked.
    static func digest(ref: String, _ s: ScoreSubmission) -> Data {
        let values = s.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return Data(SHA256.hash(data: Data("\(ref)\n\(values)\n\(s.comment ?? "\u{0}")\n\(s.revision.map(String.init) ?? "-")".utf8)))
    }

    /// The judge's own done/assigned, per contest (withdrawn entries left out).
    public func progress(judge: String) async throws -> [JudgeProgress] {
        let queue = try await self.queue(judge: judge)
        return Dictionary(grouping: queue) { StageKey.make(contest: $0.contest, stage: $0.stage ?? "") }.sorted { $0.key < $1.key }.map { _, items in
            JudgeProgress(contest: items[0].contest, done: items.filter { $0.done }.count, assigned: items.count, stage: items[0].stage)
        }
    }

    /// File `n` (from 1) of the entry `ref` names, as the judge may see it, and where it lies.
    public func file(judge: String, ref: String, n: Int) async throws -> (file: JudgeEntryView.File, url: URL) {
        let view = try await entry(judge: judge, ref: ref)
        guard let file = view.files.first(where: { $0.n == n }), let path = file.localPath else {
            throw JudgingError.noSuchFile(ref: ref, n: n)
        }
        return (file, URL(fileURLWithPath: path))
    }

    /// Scored and assigned entries per judge of a contest's stage (nil: the current one;
    /// withdrawn entries left out).
    public func progress(contest slug: String, stage: String? = nil) async throws -> ProgressReport {
        let contest = try await judged(contest: slug, stage: stage)
        let assignments = try await storeErrors { try await store.assignments(contest: slug, stage: contest.stageID) }.filter { $0.entry.withdrawnAt == nil }
        let sheets = try await storeErrors { try await store.sheets(contest: slug, stage: contest.stageID) }
        let complete = Set(sheets.filter { contest.isComplete($0.values) }.map { "\($0.entryID)|\($0.judge)" })
        let rows = Dictionary(grouping: assignments, by: \.judge).sorted { $0.key < $1.key }.map { judge, list in
            ProgressReport.Row(judge: judge, done: list.filter { complete.contains("\($0.entry.id)|\(judge)") }.count, assigned: list.count)
        }
        return ProgressReport(contest: slug, judges: rows)
    }

    /// The judge's assignment that `ref` names, under the blind rule.
    func assignment(judge: String, ref: String) async throws -> (Assignment, Contest) {
        guard let a = try await storeErrors({ try await store.assignment(judge: judge, reference: ref, idStages: catalog.namedByID) }) else {
            throw JudgingError.notInQueue(ref: ref, judge: judge)
        }
        let contest = try catalog.stage(a.entry.draft.contest, a.stage)
        guard BlindRule.accepts(ref, in: contest) else { throw JudgingError.notInQueue(ref: ref, judge: judge) }
        return (a, contest)
    }
}

/// Runs a store call, reporting its failures as `JudgingError.store`.
func storeErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as StoreError { throw JudgingError.store(e) }
}
