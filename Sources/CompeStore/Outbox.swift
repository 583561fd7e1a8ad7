import CompeCore
import Foundation

/// What a queued mail is about.
public enum MailKind: String, Sendable, Codable, CaseIterable {
    /// The receipt of a new entry (number, files with hashes, edit link, deadline).
    case receipt
    /// The entry was changed.
    case changed
    /// The entry was withdrawn.
    case withdrawn
    /// The edit link again, asked for with the lost-link form.
    case recover
    /// A contest update (`detail`: its name), sent by `compe announce`.
    case update
    /// A published answer to an entrant's question (`detail`: its id, `Q-007`), announced by
    /// `compe announce <contest> Q-007`.
    case answer
    /// The results are out (queued by `compe results publish`).
    case results
    /// The entry is on a stage's shortlist (`detail`: the stage): what to submit, by when.
    case shortlisted
    /// The entry did not go on from a stage (`detail`: the stage).
    case notShortlisted = "not_shortlisted"
    /// The receipt of a finalist's submission for a later stage (`detail`: the stage).
    case stageReceipt = "stage_receipt"
}

/// Where a queued mail stands.
public enum MailStatus: String, Sendable, Codable {
    case pending, sent, failed
}

/// One row of the outbox.
public struct OutboxMessage: Sendable, Hashable, Codable {
    public var id: Int64
    /// The `Message-ID` (without angle brackets), fixed when queued: a copy sent again after a
    /// crash carries the same one, so mail programs recognise the duplicate.
    public var messageID: String
    public var entryID: Int64
    public var kind: MailKind
    /// For an update, its name.
    public var detail: String
    public var status: MailStatus
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var lastError: String?
    public var sentAt: Date?
}

/// The outbox: mail written in the same transaction as the change that causes it (so a mail is
/// never promised for an entry that was not stored, and never lost for one that was), then
/// delivered by the server's mail worker, at least once.
extension EntryStore {
    /// Queues a mail inside the caller's transaction (only when this store queues mail, unless
    /// `always`: an organiser's explicit command). Updates and results go to an entry once:
    /// returns false when that one was queued before.
    @discardableResult
    func queueMail(_ kind: MailKind, entryID: Int64, detail: String = "", now: Date, always: Bool = false, _ db: any SQLSession) throws -> Bool {
        guard queuesMail || always else { return false }
        let insert = SQLInsert(table: "outbox", columns: Self.outboxInsertColumns, rows: [], suffix: "ON CONFLICT DO NOTHING")
        return try db.execute(insert.statement(rows: 1), SQLArguments(mailRow(kind, entryID: entryID, detail: detail, now: now))) > 0
    }

    /// The columns a queued mail's row is inserted with.
    static let outboxInsertColumns = ["message_id", "entry_id", "kind", "detail", "status", "attempts", "created_at", "next_attempt_at"]

    /// A new pending mail's values for `outboxInsertColumns`, with its `Message-ID` fixed now.
    func mailRow(_ kind: MailKind, entryID: Int64, detail: String = "", now: Date) -> [SQLValue] {
        let stamp = Timestamp.string(now)
        return [.text("\(UUID().uuidString.lowercased())@\(messageDomain)"), .integer(entryID), .text(kind.rawValue), .text(detail),
                .text(MailStatus.pending.rawValue), .integer(0), .text(stamp), .text(stamp)]
    }

    /// Queues `kind` (an update named `detail`, or the results) for every active entry of
    /// `contest`, once per entry however often it is asked; returns (newly queued, queued before).
    public func queueForContest(_ kind: MailKind, contest: String, detail: String = "", now: Date = Date()) async throws -> (new: Int, before: Int) {
        try await writing { db in
            let ids = try db.rows("SELECT id FROM entry WHERE contest = ? AND withdrawn_at IS NULL ORDER BY id", [contest]) { try $0.int64("id") }
            var new = 0
            for id in ids where try self.queueMail(kind, entryID: id, detail: detail, now: now, always: true, db) { new += 1 }
            return (new, ids.count - new)
        }
    }

    /// How many active entries of `contest` would get `kind` (an update named `detail`, or the
    /// results) if it were queued now: those that have not had it queued yet.
    public func contestMailPending(_ kind: MailKind, contest: String, detail: String = "") async throws -> Int {
        try await reading { db in
            Int(try db.integer("""
                SELECT COUNT(*) FROM entry e WHERE e.contest = ? AND e.withdrawn_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entry_id = e.id AND o.kind = ? AND o.detail = ?)
                """, [contest, kind.rawValue, detail]) ?? 0)
        }
    }

    /// Queues one mail with the edit links of every active entry of `email` in `contest` (the
    /// lost-link form): one message per request, however many entries the address has (it is
    /// queued on the first of them; `recoverySubjects` finds the others when it is sent).
    /// Returns how many entries it will list. The address is compared without regard to case.
    public func queueRecovery(contest: String, email: String, now: Date = Date()) async throws -> Int {
        try await writing { db in
            let ids = try db.rows("""
                SELECT id FROM entry WHERE contest = ? AND lower(contact_email) = lower(?) AND withdrawn_at IS NULL ORDER BY id
                """, [contest, email]) { try $0.int64("id") }
            if let first = ids.first { try self.queueMail(.recover, entryID: first, now: now, db) }
            return ids.count
        }
    }

    /// The active entries a lost-link mail queued on `entryID` lists: every active entry of the
    /// same contest and address, with the edit token of each.
    public func recoverySubjects(entryID: Int64) async throws -> [(entry: Entry, editToken: String)] {
        try await reading { db in
            guard let row = try Self.entryRow(id: entryID, db) else { return [] }
            let ids = try db.rows("""
                SELECT id FROM entry WHERE contest = ? AND lower(contact_email) = lower(?) AND withdrawn_at IS NULL ORDER BY id
                """, [row.contest, row.contactEmail]) { try $0.int64("id") }
            return try ids.compactMap { id in
                guard let r = try Self.entryRow(id: id, db) else { return nil }
                return (try Self.load(r, db), self.tokens.token(entryID: id, salt: r.tokenSalt))
            }
        }
    }

    /// Pending mail due at `now`, oldest first, claimed for `lease` seconds: until then no other
    /// caller (another server on the same database) gets the same messages. The claimer records
    /// each outcome with `recordDelivery`; a claimer that dies leaves its messages due again when
    /// the lease ends (at least once, never lost).
    public func dueMail(now: Date = Date(), limit: Int = 50, lease: TimeInterval = 600) async throws -> [OutboxMessage] {
        try await writing { db in
            try db.lock("outbox")
            let due = try Self.messages(db, sql: "SELECT \(Self.outboxColumns) FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                                        [Timestamp.string(now), limit])
            let until = Timestamp.string(now.addingTimeInterval(lease))
            for message in due { try db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", [until, message.id]) }
            return due
        }
    }

    /// Pending and failed mail (and sent, with `includeSent`), newest first.
    public func outbox(includeSent: Bool = false) async throws -> [OutboxMessage] {
        try await reading { db in
            try Self.messages(db, sql: """
                SELECT \(Self.outboxColumns) FROM outbox WHERE status IN (\(includeSent ? "'pending', 'failed', 'sent'" : "'pending', 'failed'")) ORDER BY id DESC
                """, [])
        }
    }

    /// Records the outcome of one delivery attempt.
    public func recordDelivery(_ id: Int64, sent: Bool, error: String? = nil, retryAt: Date? = nil, now: Date = Date()) async throws {
        try await writing { db in
            if sent {
                try db.execute("UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
                               [Timestamp.string(now), id])
            } else if let retryAt {
                try db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                               [error, Timestamp.string(retryAt), id])
            } else {
                try db.execute("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?", [error, id])
            }
        }
    }

    /// Puts a failed (or pending) mail back in the queue, due now. False when there is no such mail.
    public func retryMail(_ id: Int64, now: Date = Date()) async throws -> Bool {
        try await writing { db in
            try db.execute("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, created_at = ? WHERE id = ? AND status != 'sent'",
                           [Timestamp.string(now), Timestamp.string(now), id]) > 0
        }
    }

    /// The entry a mail is about, with the edit token its link carries (derived, never stored).
    public func mailSubject(_ message: OutboxMessage) async throws -> (entry: Entry, editToken: String)? {
        try await reading { db in
            guard let row = try Self.entryRow(id: message.entryID, db) else { return nil }
            return (try Self.load(row, db), self.tokens.token(entryID: message.entryID, salt: row.tokenSalt))
        }
    }

    static let outboxColumns = "id, message_id, entry_id, kind, detail, status, attempts, created_at, next_attempt_at, last_error, sent_at"

    private static func messages(_ db: any SQLSession, sql: String, _ arguments: SQLArguments) throws -> [OutboxMessage] {
        try db.rows(sql, arguments) { row in
            func date(_ text: String?, _ column: String) throws -> Date? { try text.map { try Timestamp.date($0, table: "outbox", column: column) } }
            return OutboxMessage(id: try row.int64("id"), messageID: try row.string("message_id"), entryID: try row.int64("entry_id"),
                                 kind: MailKind(rawValue: try row.string("kind")) ?? .receipt, detail: try row.string("detail"),
                                 status: MailStatus(rawValue: try row.string("status")) ?? .pending, attempts: try row.int("attempts"),
                                 createdAt: try date(try row.string("created_at"), "created_at")!,
                                 nextAttemptAt: try date(try row.string("next_attempt_at"), "next_attempt_at")!,
                                 lastError: try row.optionalString("last_error"), sentAt: try date(try row.optionalString("sent_at"), "sent_at"))
        }
    }
}

/// What is known of one address mail goes to (`mail_recipient`).
public struct MailRecipient: Sendable, Hashable {
    /// The address, lower case.
    public var address: String
    /// Mails sent to it on `day` (UTC, YYYY-MM-DD); 0 when `day` is not today.
    public var sentToday: Int
    /// Whether its owner confirmed it (`--confirm-email`).
    public var confirmed: Bool
    /// When a confirmation request was last sent to it.
    public var confirmationSentAt: Date?
}

extension EntryStore {
    /// What is known of `address` today (UTC day of `now`).
    public func mailRecipient(_ address: String, now: Date = Date()) async throws -> MailRecipient {
        let key = address.lowercased(), today = String(Timestamp.string(now).prefix(10))
        return try await reading { db in
            let row = try db.first("SELECT day, sent, confirmed_at, confirm_sent_at FROM mail_recipient WHERE address = ?", [key]) {
                (day: try $0.string("day"), sent: try $0.int("sent"), confirmed: try $0.optionalString("confirmed_at"), asked: try $0.optionalString("confirm_sent_at"))
            }
            return MailRecipient(address: key, sentToday: row?.day == today ? row!.sent : 0, confirmed: row?.confirmed != nil,
                                 confirmationSentAt: try row?.asked.map { try Timestamp.date($0, table: "mail_recipient", column: "confirm_sent_at") })
        }
    }

    /// Counts one mail sent to `address` today.
    public func countMail(to address: String, now: Date = Date()) async throws {
        let key = address.lowercased(), today = String(Timestamp.string(now).prefix(10))
        try await writing { db in
            try db.execute("""
                INSERT INTO mail_recipient (address, day, sent) VALUES (?, ?, 1)
                ON CONFLICT (address) DO UPDATE SET sent = CASE WHEN mail_recipient.day = excluded.day THEN mail_recipient.sent + 1 ELSE 1 END,
                                                    day = excluded.day
                """, [key, today])
        }
    }

    /// Records that a confirmation request carrying a token whose SHA-256 is `tokenHash` was sent
    /// to `address` (a new request replaces the previous token).
    public func askConfirmation(of address: String, tokenHash: Data, now: Date = Date()) async throws {
        let key = address.lowercased(), stamp = Timestamp.string(now)
        try await writing { db in
            try db.execute("""
                INSERT INTO mail_recipient (address, day, sent, confirm_hash, confirm_sent_at) VALUES (?, ?, 0, ?, ?)
                ON CONFLICT (address) DO UPDATE SET confirm_hash = excluded.confirm_hash, confirm_sent_at = excluded.confirm_sent_at
                """, [key, String(stamp.prefix(10)), tokenHash, stamp])
        }
    }

    /// Confirms the address whose pending request carries the token with SHA-256 `tokenHash`;
    /// mail waiting for it becomes due now. Returns the address, nil for an unknown token.
    @discardableResult
    public func confirmAddress(tokenHash: Data, now: Date = Date()) async throws -> String? {
        let stamp = Timestamp.string(now)
        return try await writing { db in
            guard let address = try db.first("SELECT address, confirm_hash FROM mail_recipient WHERE confirm_hash = ?", [tokenHash], {
                (address: try $0.string("address"), hash: try $0.data("confirm_hash"))
            }), ConstantTime.equal(address.hash, tokenHash) else { return nil }
            try db.execute("UPDATE mail_recipient SET confirmed_at = ?, confirm_hash = NULL WHERE address = ?", [stamp, address.address])
            try db.execute("""
                UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending'
                AND entry_id IN (SELECT id FROM entry WHERE lower(contact_email) = ?)
                """, [stamp, address.address])
            return address.address
        }
    }
}
