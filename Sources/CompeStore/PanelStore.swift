import CompeCore
import Crypto
import Foundation
import GRDB

extension EntryStore {
    /// Puts judges on a contest's panel (already there: nothing changes). Every handle must be
    /// a registered judge.
    public func addToPanel(contest: String, judges: [String], now: Date = Date()) async throws {
        try await writing { db in
            for judge in judges {
                guard try Judge.fetchOne(db, key: judge) != nil else { throw StoreError.unknownJudge(judge) }
                try db.execute(sql: "INSERT OR IGNORE INTO panel (contest, judge, added_at) VALUES (?, ?, ?)",
                               arguments: [contest, judge, Timestamp.string(now)])
            }
        }
    }

    /// Takes a judge off a contest's panel (assignments already made stay: remove them with a
    /// declared conflict if the judge must not score).
    public func removeFromPanel(contest: String, judge: String) async throws {
        try await writing { db in
            try db.execute(sql: "DELETE FROM panel WHERE contest = ? AND judge = ?", arguments: [contest, judge])
            guard db.changesCount > 0 else { throw StoreError.notOnPanel(judge: judge, contest: contest) }
        }
    }

    /// The judges on a contest's panel, by handle.
    public func panel(contest: String) async throws -> [Judge] {
        try await reading { db in
            try Judge.fetchAll(db, sql: "SELECT j.* FROM judge j JOIN panel p ON p.judge = j.handle WHERE p.contest = ? ORDER BY j.handle",
                               arguments: [contest])
        }
    }
}

/// Judges' personal tokens: `cjt_` and 43 characters of base64url (256 bits from the system's
/// secure generator). Only the SHA-256 is stored; a new token replaces the judge's old one.
public enum JudgeToken {
    /// The prefix every token starts with (so it is recognisable in a leaked file or a paste).
    public static let prefix = "cjt_"

    /// A new token.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Base64URL.encode(bytes)
    }

    /// What the database stores for `token`.
    public static func hash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }
}

/// base64url without padding (RFC 4648 §5).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension EntryStore {
    /// Stores `token` (as its hash) as the judge's only token, valid until `expires` if given.
    public func setToken(_ token: String, judge: String, expires: Date?, now: Date = Date()) async throws {
        try await writing { db in
            guard try Judge.fetchOne(db, key: judge) != nil else { throw StoreError.unknownJudge(judge) }
            try db.execute(sql: "INSERT OR REPLACE INTO judge_token (judge, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [judge, JudgeToken.hash(token), expires.map(Timestamp.string), Timestamp.string(now)])
        }
    }

    /// Removes the judge's token; false when there was none.
    @discardableResult
    public func revokeToken(judge: String) async throws -> Bool {
        try await writing { db in
            guard try Judge.fetchOne(db, key: judge) != nil else { throw StoreError.unknownJudge(judge) }
            try db.execute(sql: "DELETE FROM judge_token WHERE judge = ?", arguments: [judge])
            return db.changesCount > 0
        }
    }

    /// The judge `token` belongs to, when it is known and not expired. The stored hash is
    /// compared with the presented one in constant time.
    public func judge(forToken token: String, now: Date = Date()) async throws -> String? {
        guard token.hasPrefix(JudgeToken.prefix), token.utf8.count <= 128 else { return nil }
        let presented = JudgeToken.hash(token)
        let stamp = Timestamp.string(now)
        return try await reading { db -> String? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT judge, token_hash, expires_at FROM judge_token WHERE token_hash = ?"),
                                             arguments: [presented]),
                  ConstantTime.equal(row["token_hash"] as Data, presented) else { return nil }
            if let expires = row["expires_at"] as String?, expires <= stamp { return nil }
            return row["judge"] as String
        }
    }
}

/// Comparisons whose time does not depend on where two secrets differ.
public enum ConstantTime {
    /// Whether `a` and `b` are equal, looking at every byte.
    public static func equal(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
