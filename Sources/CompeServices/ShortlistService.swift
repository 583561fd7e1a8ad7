import CompeContent
import CompeCore
import CompeStore
import Foundation

/// What `compe shortlist` proposed (and wrote for review).
public struct ShortlistProposal: Sendable {
    /// The file written, as the user named the content folder.
    public var path: String
    /// The file's text.
    public var text: String
    /// The shortlist.
    public var shortlist: ShortlistSource
    /// How many places the stage gives (`--top`, or the brief's `advance`).
    public var places: Int
}

/// What `compe shortlist publish` did (or, for a dry run, would do).
public struct ShortlistPublication: Sendable {
    public var path: String
    public var stage: String
    public var next: String
    /// Entries that go on.
    public var finalists: Int
    /// "Not shortlisted" mails queued (or, for a dry run, to be queued).
    public var others: Int
    public var dryRun = false
}

extension JudgingService {
    /// The active entries judged in the contest's stage `stage`: every active entry in the first
    /// stage, the finalists in a later one.
    func population(contest: Contest, stage: String) async throws -> [Entry] {
        let active = try await storeErrors { try await store.entries(contest: contest.slug) }.filter { $0.withdrawnAt == nil }
        guard stage != contest.later.firstID else { return active }
        let finalists = Set(try await storeErrors { try await store.finalists(contest: contest.slug, stage: stage) })
        return active.filter { finalists.contains($0.id) }
    }

    /// Proposes the entries that go on from the current stage and writes the shortlist file for
    /// review: the top `top` (the brief's `advance` by default) of the stage's corrected
    /// ranking, or exactly `entries`. A tie at the cut is never broken here: every entry sharing
    /// the last place is kept and named (`tiedAtCut`), for the team to settle in the file.
    public func proposeShortlist(contest slug: String, top: Int? = nil, entries chosen: [String]? = nil, seed: UInt64 = 1,
                                 now: Date = Date()) async throws -> ShortlistProposal {
        let contest = try await judged(contest: slug, stage: nil)
        let stage = contest.stageID
        guard let next = contest.stage(after: stage) else { throw JudgingError.lastStage(contest: slug, stage: stage) }
        let file = catalog.shortlistFile(slug, stage: stage, in: contest)
        var ignored = Diagnostics()
        if let existing = try? String(contentsOf: file.url, encoding: .utf8),
           ShortlistFile.parse(existing, path: file.display, slug: slug, diags: &ignored)?.published != nil {
            throw JudgingError.shortlistPublished(path: file.display)
        }
        let places = top ?? contest.stage(stage)?.advance ?? 1
        let results = try await results(contest: slug, stage: stage, seed: seed)
        let population = Dictionary(uniqueKeysWithValues: try await self.population(contest: contest, stage: stage).map { ($0.code, $0) })
        let ranked = results.rows
        var picked: [ResultRow] = []
        var tied: [String] = []
        var rows: [ShortlistSource.Row] = []
        if let chosen {
            for id in chosen {
                guard let entry = population[id] else { throw JudgingError.notInStage(entry: id, contest: slug, stage: stage) }
                let r = ranked.first { $0.id == id }
                rows.append(.init(id: id, rank: r?.rank, corrected: r?.corrected, title: entry.draft.title, team: entry.draft.teamName))
            }
        } else {
            guard !ranked.isEmpty else { throw JudgingError.noCompleteSheets(contest: slug) }
            picked = Array(ranked.prefix(places))
            if let last = picked.last, ranked.count > places, ranked[places].rank == last.rank {
                let shared = ranked.filter { $0.rank == last.rank }
                tied = shared.map(\.id)
                picked = ranked.filter { $0.rank <= last.rank }
            }
            rows = picked.compactMap { r in
                population[r.id].map { ShortlistSource.Row(id: r.id, rank: r.rank, corrected: r.corrected, title: $0.draft.title, team: $0.draft.teamName) }
            }
        }
        let shortlist = ShortlistSource(path: file.display, slug: slug, stage: stage, next: next.id, proposed: DateParsing.ymd(now, in: catalog.timeZone),
                                        published: nil, rows: rows, tiedAtCut: tied, markdown: "", bodyFirstLine: 0)
        let text = try ShortlistFile.render(shortlist)
        do {
            try Data(text.utf8).write(to: file.url, options: .atomic)
        } catch {
            throw JudgingError.cannotWrite(file.display, underlying: error)
        }
        return ShortlistProposal(path: file.display, text: text, shortlist: shortlist, places: places)
    }

    /// Publishes the reviewed shortlist file of the current stage: the stage's scores freeze,
    /// its entries go on to the next stage, finalists are told what to submit and by when, the
    /// others are thanked; the file gets its `published` day, so the next build shows it.
    /// Refused before the stage's deadline unless `force`, and while a tie at the cut is unsettled (`tied_at_cut` left in the file with more
    /// entries than places).
    public func publishShortlist(contest slug: String, force: Bool = false, dryRun: Bool = false, now: Date = Date()) async throws -> ShortlistPublication {
        let contest = try await judged(contest: slug, stage: nil)
        let stage = contest.stageID
        guard contest.stage(after: stage) != nil else { throw JudgingError.lastStage(contest: slug, stage: stage) }
        // Like results: what still arrives in the stage could never be judged. `force` closes the
        // stage now (for the first stage: the entry window).
        if now < contest.closes && !force { throw JudgingError.stageOpen(contest: slug, stage: stage, closes: contest.closes) }
        let file = catalog.shortlistFile(slug, stage: stage, in: contest)
        guard let text = try? String(contentsOf: file.url, encoding: .utf8) else { throw JudgingError.noShortlist(contest: slug, path: file.display) }
        var diags = Diagnostics()
        guard var shortlist = ShortlistFile.parse(text, path: file.display, slug: slug, diags: &diags), !diags.hasErrors else {
            throw JudgingError.contentErrors(diags.sorted)
        }
        guard shortlist.stage == stage else { throw JudgingError.shortlistOfAnotherStage(path: file.display, stage: shortlist.stage, current: stage) }
        let places = contest.stage(stage)?.advance ?? shortlist.rows.count
        if !shortlist.tiedAtCut.isEmpty && shortlist.rows.count > places {
            throw JudgingError.tieAtCut(path: file.display, tied: shortlist.tiedAtCut, places: places, listed: shortlist.rows.count)
        }
        let population = try await self.population(contest: contest, stage: stage)
        let byCode = Dictionary(uniqueKeysWithValues: population.map { ($0.code, $0.id) })
        var finalists: [Int64] = []
        for row in shortlist.rows {
            guard let id = byCode[row.id] else { throw JudgingError.notInStage(entry: row.id, contest: slug, stage: stage) }
            finalists.append(id)
        }
        let report = ShortlistPublication(path: file.display, stage: stage, next: shortlist.next, finalists: finalists.count,
                                          others: population.count - finalists.count, dryRun: dryRun)
        if dryRun { return report }
        let mailed = try await storeErrors {
            try await store.publishShortlist(contest: slug, stage: stage, next: shortlist.next, finalists: finalists, population: population.map(\.id), now: now)
        }
        shortlist.published = DateParsing.ymd(now, in: catalog.timeZone)
        shortlist.markdown = ShortlistFile.body(of: text)
        do {
            try Data(try ShortlistFile.render(shortlist).utf8).write(to: file.url, options: .atomic)
        } catch {
            throw JudgingError.cannotWrite(file.display, underlying: error)
        }
        return ShortlistPublication(path: file.display, stage: stage, next: shortlist.next, finalists: mailed.shortlisted, others: mailed.notShortlisted)
    }
}
