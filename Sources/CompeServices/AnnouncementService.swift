import CompeContent
import CompeCore
import CompeStore
import Foundation

/// How many mails an announcement queued.
public struct AnnouncementReport: Sendable {
    /// Entrants who get it now.
    public var queued: Int
    /// Entrants who had it queued by an earlier run (nothing new for them).
    public var before: Int
}

extension JudgingService {
    /// Queues update `name` of `contest` (`Content/contests/<slug>/updates/<day>-<name>.md`) for
    /// every active entrant, once: running it again queues nothing for those who have it.
    public func announce(contest slug: String, update name: String, now: Date = Date()) async throws -> AnnouncementReport {
        _ = try catalog.contest(slug)
        let known = (catalog.updates[slug] ?? []).map(\.name)
        guard known.contains(name) else { throw JudgingError.unknownUpdate(name, contest: slug, known: Array(Set(known)).sorted()) }
        let (new, before) = try await storeErrors { try await store.queueForContest(.update, contest: slug, detail: name, now: now) }
        return AnnouncementReport(queued: new, before: before)
    }
}
