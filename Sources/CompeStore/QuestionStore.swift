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

/// The migration that lets an answer be mailed: the asker's one notice (queued by `compe
/// announce`, retried like other mail, the address dropped once it is sent or given up), and
/// an answer mailed to each entrant once however often it is announced.
public enum AnswerMailMigration {
    public static let name = "2026-12-08 answer mail"

    public static let postgres: [String] = [
        "ALTER TABLE question ADD COLUMN notice_queued_at TEXT",
        "ALTER TABLE question ADD COLUMN notice_next_at TEXT",
        "ALTER TABLE question ADD COLUMN notice_attempts BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE question ADD COLUMN notice_error TEXT",
        "DROP INDEX outbox_once",
        "CREATE UNIQUE INDEX outbox_once ON outbox (entry_id, kind, detail) WHERE kind IN ('update', 'results', 'shortlisted', 'not_shortlisted', 'answer')",
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
    /// The asker's notice: not asked for, waiting to be announced, queued, sent, or given up.
    public var notice: Notice = .none

    public enum Notice: Sendable, Hashable {
        case none, unannounced, queued(error: String?), sent(Date), failed(String)
    }

    /// `Q-007`.
    public var code: String { QuestionID.code(number) }
}

extension EntryStore {
    /// Keeps a new question of `contest`, numbered after the contest's last stored one and after
    /// `published` (the highest answer number in the content: answers written by hand, with no
    /// stored question, keep their numbers); returns its number.
    public func ask(_ question: AskedQuestion, contest: String, after published: Int64 = 0, now: Date) async throws -> Int64 {
        try await writing { db in
            try db.lock("questions:\(contest)")
            let number = max(try db.integer("SELECT MAX(number) FROM question WHERE contest = ?", [contest]) ?? 0, published) + 1
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
                SELECT contest, number, language, text, CASE WHEN email IS NULL THEN 0 ELSE 1 END AS has_email, asked_at, state, reason, closed_at,
                       notice_queued_at, notice_next_at, notice_error, notified_at FROM question
                WHERE contest = ?\(openOnly ? " AND state = 'open'" : "") ORDER BY number
                """, [contest]) { row in
                let state = try row.string("state")
                let hasEmail = try row.int64("has_email") != 0
                let notice: StoredQuestion.Notice
                if let sent = try row.optionalString("notified_at") {
                    notice = .sent(try Timestamp.date(sent, table: "question", column: "notified_at"))
                } else if try row.optionalString("notice_queued_at") != nil {
                    notice = try row.optionalString("notice_next_at") == nil ? .failed(try row.optionalString("notice_error") ?? "")
                        : .queued(error: try row.optionalString("notice_error"))
                } else {
                    notice = hasEmail ? .unannounced : .none
                }
                guard let known = StoredQuestion.State(rawValue: state) else { throw StoreError.corrupt(table: "question", column: "state", value: state) }
                return StoredQuestion(contest: try row.string("contest"), number: try row.int64("number"), language: try row.string("language"),
                                      text: try row.string("text"), hasEmail: hasEmail,
                                      askedAt: try Timestamp.date(try row.string("asked_at"), table: "question", column: "asked_at"),
                                      state: known, reason: try row.optionalString("reason"),
                                      closedAt: try row.optionalString("closed_at").map { try Timestamp.date($0, table: "question", column: "closed_at") },
                                      notice: notice)
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

    /// Marks an open question answered (`compe questions answer`); false when it is not open.
    public func markAnswered(contest: String, number: Int64, now: Date) async throws -> Bool {
        try await writing { db in
            try db.execute("UPDATE question SET state = 'answered', closed_at = ? WHERE contest = ? AND number = ? AND state = 'open'",
                           [Timestamp.string(now), contest, number]) == 1
        }
    }

    /// Queues the asker's one notice that the answer is out (`compe announce <contest> Q-007`),
    /// marking the question answered if it was still open (an answer written by hand). Nothing
    /// is queued twice, and nothing for a question without an address or one dismissed.
    public func queueAnswerNotice(contest: String, number: Int64, now: Date) async throws -> AnswerNoticeQueueing {
        try await writing { db in
            let stamp = Timestamp.string(now)
            let row = try db.rows("SELECT state, CASE WHEN email IS NULL THEN 0 ELSE 1 END AS has_email, notice_queued_at FROM question WHERE contest = ? AND number = ?",
                                  [contest, number]) { (try $0.string("state"), try $0.int64("has_email") != 0, try $0.optionalString("notice_queued_at")) }.first
            guard let (state, hasEmail, queuedAt) = row else { return .noSuchQuestion }
            if state == StoredQuestion.State.dismissed.rawValue { return .dismissed }
            try db.execute("UPDATE question SET state = 'answered', closed_at = ? WHERE contest = ? AND number = ? AND state = 'open'", [stamp, contest, number])
            // Asked before the address test: a notice sent (or given up) has its address deleted.
            guard queuedAt == nil else { return .before }
            guard hasEmail else { return .noAddress }
            try db.execute("UPDATE question SET notice_queued_at = ?, notice_next_at = ? WHERE contest = ? AND number = ?", [stamp, stamp, contest, number])
            return .queued
        }
    }

    /// Askers' notices due at `now`, claimed for `lease` seconds like the outbox's mail.
    public func dueAnswerNotices(now: Date, limit: Int = 20, lease: TimeInterval) async throws -> [AnswerNotice] {
        try await writing { db in
            try db.lock("question_notices")
            let due = try db.rows("""
                SELECT contest, number, language, email, notice_queued_at, notice_attempts FROM question
                WHERE notice_next_at IS NOT NULL AND notice_next_at <= ? AND notified_at IS NULL AND email IS NOT NULL ORDER BY notice_next_at LIMIT ?
                """, [Timestamp.string(now), limit]) { row in
                AnswerNotice(contest: try row.string("contest"), number: try row.int64("number"), language: try row.string("language"),
                             email: try row.string("email"),
                             queuedAt: try Timestamp.date(try row.string("notice_queued_at"), table: "question", column: "notice_queued_at"),
                             attempts: try row.int("notice_attempts"))
            }
            let until = Timestamp.string(now.addingTimeInterval(lease))
            for n in due { try db.execute("UPDATE question SET notice_next_at = ? WHERE contest = ? AND number = ?", [until, n.contest, n.number]) }
            return due
        }
    }

    /// Records one attempt at an asker's notice. Sent, or given up (`retryAt` nil): the address
    /// is deleted, its one use over. Otherwise it is tried again at `retryAt`.
    public func recordAnswerNotice(contest: String, number: Int64, sent: Bool, error: String? = nil, retryAt: Date? = nil, now: Date) async throws {
        try await writing { db in
            if sent {
                try db.execute("UPDATE question SET notified_at = ?, notice_next_at = NULL, notice_error = NULL, notice_attempts = notice_attempts + 1, email = NULL WHERE contest = ? AND number = ?",
                               [Timestamp.string(now), contest, number])
            } else if let retryAt {
                try db.execute("UPDATE question SET notice_next_at = ?, notice_error = ?, notice_attempts = notice_attempts + 1 WHERE contest = ? AND number = ?",
                               [Timestamp.string(retryAt), error, contest, number])
            } else {
                try db.execute("UPDATE question SET notice_next_at = NULL, notice_error = ?, notice_attempts = notice_attempts + 1, email = NULL WHERE contest = ? AND number = ?",
                               [error, contest, number])
            }
        }
    }
}

/// What `queueAnswerNotice` did.
public enum AnswerNoticeQueueing: Sendable, Hashable {
    /// The asker's notice is queued.
    case queued
    /// It was queued by an earlier announcement.
    case before
    /// The asker gave no address.
    case noAddress
    /// The store has no such question (an answer the organisers wrote without one).
    case noSuchQuestion
    /// The question was dismissed: it has no answer to announce.
    case dismissed
}

/// An asker's notice due to be sent: the address, and the language the question was asked in.
public struct AnswerNotice: Sendable, Hashable {
    public var contest: String
    public var number: Int64
    public var language: String
    public var email: String
    public var queuedAt: Date
    public var attempts: Int
}
