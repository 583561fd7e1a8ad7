import CompeCore
import Foundation

/// The migration of entrants' questions: numbered per contest, kept privately (the asker's
/// address is for the one notice when the answer is published, never shown or exported), with
/// what became of each (`open`, `answered`, `dismissed` with the organisers' reason).
public enum QuestionMigration {
    public static let name = "2026-12-07 questions"

    public static let postgres: [String] = [
        """
        CREATE TABLE question (contest TEXT NOT NULL, number BIGINT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL, email TEXT,
            asked_at TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, closed_at TEXT, notified_at TEXT, PRIMARY KEY (contest, number))
        """,
    ]

    public static let sqlite: [String] = postgres.map { $0.replacingOccurrences(of: "BIGINT", with: "INTEGER") }
}

/// A question as the organisers see it (`compe questions list`): never with the asker's
/// address, only whether there is one.
public struct StoredQuestion: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable { case open, answered, dismissed }

    public var contest: String
    public var number: Int64
    public var language: String
    public var text: String
    public var hasEmail: Bool
    public var askedAt: Date
    public var state: State
    /// Why it was dismissed.
    public var reason: String?
    public var closedAt: Date?

    /// `Q-007`.
    public var code: String { Self.code(number) }

    /// The id of question `number`: `Q-007`.
    public static func code(_ number: Int64) -> String { "Q-" + (number < 1000 ? String(format: "%03lld", number) : String(number)) }

    /// The number of a code (`Q-007`, `007` or `7`), or nil.
    public static func number(_ code: String) -> Int64? {
        let digits = code.hasPrefix("Q-") ? String(code.dropFirst(2)) : code
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let n = Int64(digits), n > 0 else { return nil }
        return n
    }
}

extension EntryStore {
    /// Keeps a new question of `contest`, numbered after the contest's last; returns its number.
    public func ask(_ question: AskedQuestion, contest: String, now: Date) async throws -> Int64 {
        try await writing { db in
            try db.lock("questions:\(contest)")
            let number = (try db.integer("SELECT MAX(number) FROM question WHERE contest = ?", [contest]) ?? 0) + 1
            try db.execute("""
                INSERT INTO question (contest, number, language, text, email, asked_at, state) VALUES (?, ?, ?, ?, ?, ?, 'open')
                """, [contest, number, question.language, question.text, question.email.map(SQLValue.text) ?? .null, Timestamp.string(now)])
            return number
        }
    }

    /// The questions of `contest`, oldest first (only the open ones with `openOnly`).
    public func questions(contest: String, openOnly: Bool = false) async throws -> [StoredQuestion] {
        try await reading { db in
            try db.rows("""
                SELECT contest, number, language, text, CASE WHEN email IS NULL THEN 0 ELSE 1 END AS has_email, asked_at, state, reason, closed_at FROM question
                WHERE contest = ?\(openOnly ? " AND state = 'open'" : "") ORDER BY number
                """, [contest]) { row in
                let state = try row.string("state")
                guard let known = StoredQuestion.State(rawValue: state) else { throw StoreError.corrupt(table: "question", column: "state", value: state) }
                return StoredQuestion(contest: try row.string("contest"), number: try row.int64("number"), language: try row.string("language"),
                                      text: try row.string("text"), hasEmail: try row.int64("has_email") != 0,
                                      askedAt: try Timestamp.date(try row.string("asked_at"), table: "question", column: "asked_at"),
                                      state: known, reason: try row.optionalString("reason"),
                                      closedAt: try row.optionalString("closed_at").map { try Timestamp.date($0, table: "question", column: "closed_at") })
            }
        }
    }

    /// Closes an open question without publishing it (a duplicate, out of scope), with the
    /// organisers' reason, kept for the record; false when it is not open (or not there).
    public func dismissQuestion(contest: String, number: Int64, reason: String, now: Date) async throws -> Bool {
        try await writing { db in
            try db.execute("UPDATE question SET state = 'dismissed', reason = ?, closed_at = ? WHERE contest = ? AND number = ? AND state = 'open'",
                           [reason, Timestamp.string(now), contest, number]) == 1
        }
    }
}
