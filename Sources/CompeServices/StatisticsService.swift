import CompeContent
import CompeCore
import CompeStore
import Foundation

extension JudgingService {
    /// The statistics of `contest` from the store, every category small-cell suppressed with `k`
    /// and countries limited to the `top` largest (the rest as `other`).
    public func statistics(contest slug: String, k: Int = 5, top: Int = 10, now: Date = Date()) async throws -> ContestStats {
        let k = max(1, k)   // the command line refuses k < 1 with a message
        let contest = try catalog.contest(slug)
        let all = try await storeErrors { try await store.entries(contest: slug) }
        let active = all.filter { $0.withdrawnAt == nil }
        let changes = try await storeErrors { try await store.changeCounts(contest: slug) }
        let zone = catalog.timeZone
        func localDay(_ date: Date) -> String { DateParsing.ymd(date, in: zone) }

        // Entries per day, every day from the first entry to the last (days without entries too).
        // One population for every figure: the active entries (withdrawn ones are only counted).
        var perDay: [ContestStats.Day] = []
        let byDay = Dictionary(grouping: active, by: { localDay($0.receivedAt) }).mapValues(\.count)
        if let first = byDay.keys.min(), let last = byDay.keys.max(), var day = DateParsing.day(first) {
            var total = 0
            while DateParsing.ymd(day) <= last {
                let key = DateParsing.ymd(day)
                total += byDay[key] ?? 0
                perDay.append(.init(day: key, new: byDay[key] ?? 0, cumulative: total))
                day = day.addingTimeInterval(86_400)
            }
        }

        let countries = Self.categories(active.map { Country.isCode($0.draft.country) ? $0.draft.country : SmallCells.other }, k: k, top: top)
        let teams = Self.categories(active.map { String($0.draft.members.count) }, k: k, top: .max)
            .sorted { (Int($0.label) ?? .max, $0.label) < (Int($1.label) ?? .max, $1.label) }
        let kinds = Self.categories(active.flatMap { Set($0.files.map(\.kind)) }, k: k, top: .max)

        let assignments = try await storeErrors { try await store.assignments(contest: slug, stage: contest.later.firstID) }.filter { $0.entry.withdrawnAt == nil }
        let sheets = try await storeErrors { try await store.sheets(contest: slug, stage: contest.later.firstID) }
        let activeIDs = Set(active.map(\.id))
        let assigned = Set(assignments.map { "\($0.entry.id)|\($0.judge)" })
        let liveSheets = sheets.filter { activeIDs.contains($0.entryID) }
        let complete = liveSheets.filter { contest.isComplete($0.values) && assigned.contains("\($0.entryID)|\($0.judge)") }.count
        let byEntry = Dictionary(grouping: liveSheets, by: \.entryID)
        var agreement = contest.criteria.map { c in
            ContestStats.Agreement(criterion: c.id, alpha: Ranking.krippendorffAlphaInterval(byEntry.values.map { $0.compactMap { $0.values[c.id].map(Double.init) } }).map(Self.round3))
        }
        agreement.append(.init(criterion: "overall", alpha: Ranking.krippendorffAlphaInterval(byEntry.values.map {
            $0.compactMap { Ranking.weighted($0.values, criteria: contest.criteria) }
        }).map(Self.round3)))

        return ContestStats(
            contest: slug, generated: localDay(now), timeZone: zone.identifier, k: k, entries: active.count,
            withdrawn: all.count - active.count, edits: changes["update"] ?? 0, perDay: perDay, countries: countries, teamSizes: teams,
            filesPerEntry: .init(active.map { Double($0.files.count) }, k: k),
            bytesPerEntry: .init(active.map { Double($0.files.reduce(0) { $0 + $1.bytes }) }, k: k),
            fileTypes: kinds, daysToEntry: .init(active.map { max(0, $0.receivedAt.timeIntervalSince(contest.opens) / 86_400) }, k: k),
            judging: .init(judges: Set(assignments.map(\.judge)).count, assigned: assignments.count, complete: complete),
            agreement: agreement, funnel: try await funnel(contest, active: Set(active.map(\.id))),
            questions: try await questionFigures(contest))
    }

    /// Questions asked, answered and dismissed, and the median days to an answer; nil for a
    /// contest that takes no questions and has none.
    func questionFigures(_ contest: Contest) async throws -> ContestStats.Questions? {
        let questions = try await storeErrors { try await store.questions(contest: contest.slug) }
        if questions.isEmpty, contest.questions == .off { return nil }
        let answered = questions.filter { $0.state == .answered }
        return .init(asked: questions.count, answered: answered.count, dismissed: questions.filter { $0.state == .dismissed }.count,
                     daysToAnswer: answered.compactMap { q in q.closedAt.map { max(0, $0.timeIntervalSince(q.askedAt) / 86_400) } })
    }

    /// The active entries in each stage of a contest in stages; nil for one stage.
    func funnel(_ contest: Contest, active: Set<Int64>) async throws -> [ContestStats.Count]? {
        guard contest.isStaged else { return nil }
        var out = [ContestStats.Count(label: contest.later.firstID, entries: active.count)]
        for stage in contest.stages.dropFirst() {
            let finalists = try await storeErrors { try await store.finalists(contest: contest.slug, stage: stage.id) }
            out.append(.init(label: stage.id, entries: finalists.filter(active.contains).count))
        }
        return out
    }

    /// Writes `Content/contests/<slug>/stats.json`: the team reviews and commits it; the next
    /// build renders `/contests/<slug>/stats/` from it (never from the store).
    public func publishStatistics(contest slug: String, k: Int = 5, now: Date = Date()) async throws -> String {
        let stats = try await statistics(contest: slug, k: k, now: now)
        let file = catalog.statsFile(slug)
        do {
            try StatsFile.render(stats).write(to: file.url, options: .atomic)
        } catch {
            throw JudgingError.cannotWrite(file.display, underlying: error)
        }
        return file.display
    }

    /// Counts of `labels`, small cells merged into `other` (`SmallCells`), then everything past
    /// the `top` largest; largest first, `other` last.
    static func categories(_ labels: [String], k: Int, top: Int) -> [ContestStats.Count] {
        let raw = Dictionary(grouping: labels.map { $0.isEmpty ? SmallCells.other : $0 }, by: { $0 }).mapValues(\.count)
        let merged = SmallCells.merge(raw, k: k)
        var counts: [String: Int] = [:]
        for (label, n) in raw { counts[merged[label]!, default: 0] += n }
        var named = counts.filter { $0.key != SmallCells.other }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        var other = counts[SmallCells.other] ?? 0
        if named.count > top {
            other += named[top...].reduce(0) { $0 + $1.value }
            named = Array(named[..<top])
        }
        return named.map { .init(label: $0.key, entries: $0.value) } + (other > 0 ? [.init(label: SmallCells.other, entries: other)] : [])
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
