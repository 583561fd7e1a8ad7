import CompeCore
import CompeStore
import Foundation

/// What `compe panel` and `compe judges token` do.
extension JudgingService {
    /// Puts registered judges on the panel of a contest's stage (nil: the current one); each
    /// stage has a panel of its own.
    public func addToPanel(contest slug: String, stage: String? = nil, judges: [String]) async throws {
        let contest = try await judged(contest: slug, stage: stage)
        try await storeErrors { try await store.addToPanel(contest: slug, stage: contest.stageID, judges: judges) }
    }

    /// Takes a judge off the panel of a contest's stage, with the judge's assignments there
    /// (returns how many); the judge's scores there stop counting.
    @discardableResult
    public func removeFromPanel(contest slug: String, stage: String? = nil, judge: String) async throws -> Int {
        let contest = try await judged(contest: slug, stage: stage)
        return try await storeErrors { try await store.removeFromPanel(contest: slug, stage: contest.stageID, judge: judge) }
    }

    /// The panel of a contest's stage.
    public func panel(contest slug: String, stage: String? = nil) async throws -> [Judge] {
        let contest = try await judged(contest: slug, stage: stage)
        return try await storeErrors { try await store.panel(contest: slug, stage: contest.stageID) }
    }

    /// A new personal token for `judge`, replacing any earlier one; only its hash is kept, so
    /// this is the one time it can be shown.
    public func issueToken(judge: String, expires: Date?, now: Date = Date()) async throws -> String {
        // A token that is dead on arrival would only make a judge's first login fail.
        if let expires, expires <= now { throw JudgingError.expiryPassed(DateParsing.ymd(expires, in: catalog.timeZone)) }
        let token = JudgeToken.generate()
        try await storeErrors { try await store.setToken(token, judge: judge, expires: expires) }
        return token
    }

    /// `issueToken` valid through `lastDay` (YYYY-MM-DD, to the end of that day in the site's
    /// time zone; nil: no expiry).
    public func issueToken(judge: String, lastDay: String?, now: Date = Date()) async throws -> String {
        let until = try lastDay.map { text -> Date in
            guard let day = DateParsing.day(text) else { throw JudgingError.badDay(text) }
            let end = day.addingTimeInterval(86_400 - Double(catalog.timeZone.secondsFromGMT(for: day)))
            guard end > now else { throw JudgingError.expiryPassed(text) }
            return end
        }
        return try await issueToken(judge: judge, expires: until, now: now)
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
