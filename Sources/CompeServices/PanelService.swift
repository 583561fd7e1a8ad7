import CompeCore
import CompeStore
import Foundation

/// What `compe panel` and `compe judges token` do.
extension JudgingService {
    /// Puts registered judges on the panel of `contest`.
    public func addToPanel(contest slug: String, judges: [String]) async throws {
        _ = try catalog.contest(slug)
        try await storeErrors { try await store.addToPanel(contest: slug, judges: judges) }
    }

    /// Takes a judge off the panel of `contest`.
    public func removeFromPanel(contest slug: String, judge: String) async throws {
        _ = try catalog.contest(slug)
        try await storeErrors { try await store.removeFromPanel(contest: slug, judge: judge) }
    }

    /// The panel of `contest`.
    public func panel(contest slug: String) async throws -> [Judge] {
        _ = try catalog.contest(slug)
        return try await storeErrors { try await store.panel(contest: slug) }
    }

    /// A new personal token for `judge`, replacing any earlier one; only its hash is kept, so
    /// this is the one time it can be shown.
    public func issueToken(judge: String, expires: Date?) async throws -> String {
        let token = JudgeToken.generate()
        try await storeErrors { try await store.setToken(token, judge: judge, expires: expires) }
        return token
    }

    /// Revokes the judge's token; false when there was none.
    public func revokeToken(judge: String) async throws -> Bool {
        try await storeErrors { try await store.revokeToken(judge: judge) }
    }

    /// The judge a token belongs to (nil: unknown, revoked or expired; the same answer for all).
    public func judge(forToken token: String, now: Date = Date()) async throws -> String? {
        try await storeErrors { try await store.judge(forToken: token, now: now) }
    }
}
