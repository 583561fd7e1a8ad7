import CompeCore
import Foundation

extension EntryStore {
    /// Publishes the shortlist that closes `stage` of `contest`, in one transaction: the stage's
    /// scores freeze, `finalists` go on to stage `next`, and each entry of `population` (the
    /// stage's active entries) gets one mail: `shortlisted` or `notShortlisted` (detail: the
    /// stage). Throws `stagePublished` when that shortlist was published before.
    public func publishShortlist(contest: String, stage: String, next: String, finalists: [Int64], population: [Int64],
                                 now: Date = Date()) async throws -> (shortlisted: Int, notShortlisted: Int) {
        try await writing { db in
            let stamp = Timestamp.string(now)
            try db.lock("shortlist:\(contest)")
            guard try db.execute("INSERT INTO publication (contest, stage, published_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                 [contest, stage, stamp]) > 0 else {
                throw StoreError.stagePublished(contest: contest, stage: stage)
            }
            let chosen = Set(finalists)
            for id in finalists {
                try db.execute("INSERT INTO finalist (contest, stage, entry_id, created_at) VALUES (?, ?, ?, ?)", [contest, next, id, stamp])
                try self.queueMail(.shortlisted, entryID: id, detail: stage, now: now, always: true, db)
            }
            var others = 0
            for id in population where !chosen.contains(id) {
                if try self.queueMail(.notShortlisted, entryID: id, detail: stage, now: now, always: true, db) { others += 1 }
            }
            return (finalists.count, others)
        }
    }

    /// Whether entry `id` went on to `stage` of its contest.
    public func isFinalist(entryID id: Int64, stage: String) async throws -> Bool {
        try await reading { db in try db.integer("SELECT 1 FROM finalist WHERE entry_id = ? AND stage = ?", [id, stage]) != nil }
    }
}

/// A finalist's submission for a later stage, as stored: its fields and files, beside the entry.
public struct StageReceipt: Sendable, Hashable {
    public var entry: Entry
    public var stage: String
    /// The stage's extra fields by id (entrant text).
    public var fields: [String: String]
    public var files: [EntryFile]
    public var receivedAt: Date
    public var updatedAt: Date
}

extension EntryStore {
    /// Stores a finalist's submission for `stage` with files received in `tmp/`, under the rule
    /// every entry follows: the files are moved into `uploads/` and made durable before the row
    /// commits. Sent again before the stage closes, it replaces the earlier one (its files only
    /// when new ones come). Nil for a wrong token, a withdrawn entry, or one that did not go on
    /// to `stage` (the caller checks that first to say so). The entry itself is never changed.
    /// `claims`: the finished resumable uploads among `staged`, marked used in its transaction.
    public func submitStage(code: String, token: String, stage: String, fields: [String: String], staged: [StagedFile],
                            claims: [UploadClaim] = [], now: Date = Date()) async throws -> StageReceipt? {
        let files = try uploads.commitAll(staged, sync: true)
        guard let id = EntryCode.parse(code) else { return nil }
        let json = String(decoding: try JSONCoding.data(fields), as: UTF8.self)
        return try await writing { db in
            try db.lock("entry:\(id)")
            guard let row = try Self.entryRow(id: id, db), EditTokens.matches(token, hash: row.tokenHash), row.withdrawnAt == nil,
                  try db.integer("SELECT 1 FROM finalist WHERE entry_id = ? AND stage = ?", [id, stage]) != nil else { return nil }
            let stamp = Timestamp.string(now)
            try db.execute("""
                INSERT INTO stage_submission (entry_id, stage, fields, received_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (entry_id, stage) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at
                """, [id, stage, json, stamp, stamp])
            if !files.isEmpty {
                try db.execute("DELETE FROM stage_file WHERE entry_id = ? AND stage = ?", [id, stage])
                for (i, f) in files.enumerated() {
                    try db.execute("INSERT INTO stage_file (entry_id, stage, position, name, bytes, sha256, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   [id, stage, i, f.name, f.bytes, f.sha256, f.kind])
                }
                try Self.useUploads(claims, entryID: id, now: now, db)
            }
            try db.execute("INSERT INTO entry_change (entry_id, at, action, detail) VALUES (?, ?, 'stage', ?)", [id, stamp, stage])
            try self.queueMail(.stageReceipt, entryID: id, detail: stage, now: now, db)
            let stageFiles = try db.rows("SELECT sha256 FROM stage_file WHERE entry_id = ? AND stage = ? ORDER BY position", [id, stage]) { try $0.string("sha256") }
            _ = try Self.appendToLog([(id, Self.leaf(.stage, contest: row.contest, files: stageFiles, fields: LogLeaf.fieldsHash(fields), now: now))], db)
            return try Self.stageReceipt(entry: try Self.load(row, db), stage: stage, db)
        }
    }

    /// Entry `id`'s submission for `stage`, if it sent one.
    public func stageSubmission(entryID id: Int64, stage: String) async throws -> StageReceipt? {
        try await reading { db in
            guard let row = try Self.entryRow(id: id, db) else { return nil }
            return try Self.stageReceipt(entry: try Self.load(row, db), stage: stage, db)
        }
    }

    static func stageReceipt(entry: Entry, stage: String, _ db: any SQLSession) throws -> StageReceipt? {
        guard let sub = try db.first("SELECT fields, received_at, updated_at FROM stage_submission WHERE entry_id = ? AND stage = ?", [entry.id, stage], {
            (fields: try $0.string("fields"), received: try $0.string("received_at"), updated: try $0.string("updated_at"))
        }) else { return nil }
        let files = try db.rows("SELECT name, bytes, sha256, kind FROM stage_file WHERE entry_id = ? AND stage = ? ORDER BY position", [entry.id, stage]) {
            EntryFile(name: try $0.string("name"), bytes: try $0.int64("bytes"), sha256: try $0.string("sha256"), kind: try $0.string("kind"))
        }
        let fields = (try? JSONDecoder().decode([String: String].self, from: Data(sub.fields.utf8))) ?? [:]
        return StageReceipt(entry: entry, stage: stage, fields: fields, files: files,
                            receivedAt: try Timestamp.date(sub.received, table: "stage_submission", column: "received_at"),
                            updatedAt: try Timestamp.date(sub.updated, table: "stage_submission", column: "updated_at"))
    }
}
