import Foundation
import Synchronization

/// What the server knows of published results, so a new entry's early check need not read the
/// database every time: published results stay published (remembered for good), and "not
/// published" is trusted for a second, after which the next entry reads again. Another process
/// (`compe results publish`) publishes; the store refuses an entry in the transaction that
/// would store it, so this only decides how early a refusal comes.
final class PublishedResults: Sendable {
    private struct Known {
        var published: Bool
        var readAt: ContinuousClock.Instant
    }

    private let known = Mutex<[String: Known]>([:])
    private let freshFor: Duration

    init(freshFor: Duration = .seconds(1)) { self.freshFor = freshFor }

    /// Whether the results of `stage` are published, from what is known or else from `read`.
    func published(contest: String, stage: String, read: () async throws -> Bool) async throws -> Bool {
        let key = contest + "\u{0}" + stage, now = ContinuousClock.now
        if let k = known.withLock({ $0[key] }), k.published || now - k.readAt < freshFor { return k.published }
        let published = try await read()
        known.withLock { $0[key] = Known(published: published, readAt: now) }
        return published
    }

    /// Results found published (the store refused an entry for it).
    func remember(contest: String, stage: String) {
        known.withLock { $0[contest + "\u{0}" + stage] = Known(published: true, readAt: ContinuousClock.now) }
    }
}
