import CompeCore
import Crypto
import Foundation

extension EntryStore {
    /// Puts judges on the panel of a contest's stage (already there: nothing changes). Every
    /// handle must be a registered judge.
    public func addToPanel(contest: String, stage: String, judges: [String], now: Date = Date()) async throws {
        try await writing { db in
            for judge in judges {
                guard try Judge.exists(judge, db) else { throw StoreError.unknownJudge(judge) }
                try db.execute("INSERT INTO panel (contest, stage, judge, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                               [contest, stage, judge, Timestamp.string(now)])
            }
        }
    }

    /// Takes a judge off a contest's panel, with the judge's assignments in it: the judge's
    /// queue and the judge API no longer show them, and the judge's scores stop counting
    /// (they stay in the database and the audit trail). Returns how many assignments went;
    /// `compe assign` gives their entries other judges.
    @discardableResult
    public func removeFromPanel(contest: String, stage: String, judge: String) async throws -> Int {
        try await writing { db in
            guard try db.execute("DELETE FROM panel WHERE contest = ? AND stage = ? AND judge = ?", [contest, stage, judge]) > 0 else {
                throw StoreError.notOnPanel(judge: judge, contest: contest)
            }
            return try db.execute("DELETE FROM assignment WHERE contest = ? AND stage = ? AND judge = ?", [contest, stage, judge])
        }
    }

    /// The judges on the panel of a contest's stage, by handle.
    public func panel(contest: String, stage: String) async throws -> [Judge] {
        try await reading { db in
            try db.rows("""
                SELECT j.handle, j.name, j.email, j.organisation, j.created_at FROM judge j JOIN panel p ON p.judge = j.handle
                WHERE p.contest = ? AND p.stage = ? ORDER BY j.handle
                """, [contest, stage]) { try Judge(row: $0) }
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
            guard try Judge.exists(judge, db) else { throw StoreError.unknownJudge(judge) }
            try db.execute("""
                INSERT INTO judge_token (judge, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (judge) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at,
                                                  created_at = excluded.created_at
                """, [judge, JudgeToken.hash(token), expires.map(Timestamp.string), Timestamp.string(now)])
        }
    }

    /// Removes the judge's token; false when there was none.
    @discardableResult
    public func revokeToken(judge: String) async throws -> Bool {
        try await writing { db in
            guard try Judge.exists(judge, db) else { throw StoreError.unknownJudge(judge) }
            return try db.execute("DELETE FROM judge_token WHERE judge = ?", [judge]) > 0
        }
    }

    /// The judge `token` belongs to, when it is known and not expired. The stored hash is
    /// compared with the presented one in constant time.
    public func judge(forToken token: String, now: Date = Date()) async throws -> String? {
        guard token.hasPrefix(JudgeToken.prefix), token.utf8.count <= 128 else { return nil }
        let presented = JudgeToken.hash(token)
        let stamp = Timestamp.string(now)
        return try await reading { db -> String? in
            guard let row = try db.first("SELECT judge, token_hash, expires_at FROM judge_token WHERE token_hash = ?", [presented], {
                (judge: try $0.string("judge"), hash: try $0.data("token_hash"), expires: try $0.optionalString("expires_at"))
            }), ConstantTime.equal(row.hash, presented) else { return nil }
            if let expires = row.expires, expires <= stamp { return nil }
            return row.judge
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
