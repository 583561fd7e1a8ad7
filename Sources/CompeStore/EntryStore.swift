import CompeCore
import Foundation
import Crypto
import GRDB
import Synchronization

/// The answer to a successful submission: the entry and its edit token.
public struct Receipt: Sendable {
    /// The stored entry.
    public var entry: Entry
    /// The token to view, edit or withdraw it.
    public var editToken: String
    /// True when this answers a repeated `Idempotency-Key` (nothing new was stored).
    public var replayed: Bool
}

/// Entries and their files in SQLite (`Data/compe.sqlite`) and `Data/uploads/`.
///
/// The database is a GRDB `DatabasePool` in WAL mode with `synchronous=FULL`: when a write
/// returns, its transaction is on disk, so a response sent after it describes a durable entry.
public final class EntryStore: Sendable {
    private let queue = EntryQueue()
    /// The content-addressed files.
    public let uploads: UploadStore
    let pool: DatabasePool
    let tokens: EditTokens
    /// The data directory.
    public let dataDirectory: URL
    /// Whether entry changes queue mail to the entrant (the server was given a relay).
    public let queuesMail: Bool
    /// The right-hand side of queued mail's `Message-ID`s.
    let messageDomain: String

    /// Opens the data directory, creating it and migrating the schema as needed. With
    /// `queuesMail`, every create, change and withdrawal also writes its mail to the outbox in
    /// the same transaction; `messageDomain` goes into their `Message-ID`s.
    public init(dataDirectory: URL, queuesMail: Bool = false, messageDomain: String = "compe.invalid") throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        self.dataDirectory = dataDirectory
        self.queuesMail = queuesMail
        self.messageDomain = messageDomain
        uploads = try UploadStore(dataDirectory: dataDirectory)
        tokens = try EditTokens(dataDirectory: dataDirectory)
        // The database and its WAL hold every entrant's address: readable by compe's user only
        // (SQLite gives the -wal and -shm files the database file's mode).
        let file = dataDirectory.appendingPathComponent("compe.sqlite").path
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: dataDirectory.appendingPathComponent("compe.sqlite").path, configuration: config)
        try Schema.migrator.migrate(pool)
    }

    /// Runs a read on the pool; errors other than the store's own come back as
    /// `StoreError.database` with GRDB's error inside.
    func reading<T: Sendable>(_ body: @escaping @Sendable (GRDB.Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch let error as StoreError { throw error } catch { throw StoreError.database(error) }
    }

    /// Runs a write transaction on the pool; errors wrapped as in `reading`.
    func writing<T: Sendable>(_ body: @escaping @Sendable (GRDB.Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch let error as StoreError { throw error } catch { throw StoreError.database(error) }
    }

    /// Stores a new entry with its (already committed) files. `filesSynced: false` says the
    /// files were committed with `UploadStore.commit(_:sync: false)`: they are made durable
    /// (once for the whole batch) before the entry's row is committed.
    /// With an idempotency claim whose key this contest saw in the last 24 hours, returns the
    /// first entry instead when the request is the same, and throws
    /// `StoreError.idempotencyMismatch` when it is not (nothing is stored).
    ///
    /// Group commit: entries that arrive while a transaction is being written wait and are then
    /// written together in the next one, each in its own savepoint (one failing does not undo
    /// the others), so one fsync of the log covers many entries. Each call returns only after
    /// the transaction holding its entry has committed.
    public func create(_ draft: EntryDraft, files: [EntryFile], filesSynced: Bool = true, idempotency: IdempotencyClaim?,
                       now: Date = Date()) async throws -> Receipt {
        let salt = EditTokens.newSalt()
        let (entry, replayed, storedSalt) = try await withCheckedThrowingContinuation { continuation in
            let request = PendingEntry(draft: draft, files: files, filesSynced: filesSynced, idempotency: idempotency, now: now,
                                       salt: salt, continuation: continuation)
            if queue.enqueue(request) { Task { await drainQueue() } }
        }
        return Receipt(entry: entry, editToken: tokens.token(entryID: entry.id, salt: storedSalt), replayed: replayed)
    }

    /// Writes queued entries, a batch per transaction, until the queue is empty.
    private func drainQueue() async {
        while let batch = queue.take(max: 256) {
            do {
                if batch.contains(where: { !$0.filesSynced }) { try uploads.syncAll() }
                let results = try await writing { db in
                    batch.map { request -> Result<(Entry, Bool, Data), Error> in
                        Result { try Self.inSavepoint(db) { try self.insert(request, db) } }
                            .mapError { $0 is StoreError ? $0 : StoreError.database($0) }
                    }
                }
                for (request, result) in zip(batch, results) { request.continuation.resume(with: result) }
            } catch {
                for request in batch { request.continuation.resume(throwing: error) }
            }
        }
    }

    /// `body`'s value, run in a savepoint: if it throws, only its own changes are undone.
    static func inSavepoint<T>(_ db: GRDB.Database, _ body: () throws -> T) throws -> T {
        var value: T?
        try db.inSavepoint {
            value = try body()
            return .commit
        }
        guard let value else { preconditionFailure("GRDB's inSavepoint returned without running its body") }
        return value
    }

    /// Inserts one entry (or finds the one its idempotency key already made).
    private func insert(_ request: PendingEntry, _ db: GRDB.Database) throws -> (Entry, Bool, Data) {
        let draft = request.draft, files = request.files, salt = request.salt
        let now = request.now
        if let claim = request.idempotency, let existing = try Self.claimed(claim, contest: draft.contest, now: now, db) {
            return (existing.entry, true, existing.salt)
        }
        // Plain cached statements: GRDB's Codable records encode every column through an Encoder,
        // which cost more than SQLite itself at thousands of entries per second.
        let stamp = Timestamp.string(now)
        try db.cachedStatement(sql: """
            INSERT INTO entry (code, contest, title, summary, team_name, members, contact_email, country, link, language,
                               token_salt, token_hash, received_at, updated_at, idempotency_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, x'', ?, ?, ?)
            """).execute(arguments: ["pending-\(UUID().uuidString)", draft.contest, draft.title, draft.summary, draft.teamName,
                                     draft.members.joined(separator: "\n"), draft.contactEmail, draft.country, draft.link,
                                     draft.language, salt, stamp, stamp, nil])
        let id = db.lastInsertedRowID
        let code = EntryCode.format(id)
        let hash = EditTokens.hash(tokens.token(entryID: id, salt: salt))
        try db.cachedStatement(sql: "UPDATE entry SET code = ?, token_hash = ? WHERE id = ?").execute(arguments: [code, hash, id])
        try Self.saveFiles(files, entryID: id, db)
        try db.cachedStatement(sql: "INSERT INTO entry_change (entry_id, at, action, detail) VALUES (?, ?, 'create', ?)")
            .execute(arguments: [id, stamp, "files=\(files.count)"])
        try queueMail(.receipt, entryID: id, now: now, db)
        if let claim = request.idempotency {
            // Keys older than the window are forgotten here, on the way (an index on created_at).
            try db.cachedStatement(sql: "DELETE FROM idempotency WHERE created_at < ?")
                .execute(arguments: [Timestamp.string(now.addingTimeInterval(-IdempotencyClaim.window))])
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO idempotency (contest, key_hash, request_hash, entry_id, created_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [draft.contest, claim.keyHash, claim.request, id, stamp])
        }
        let row = EntryRow(id: id, code: code, contest: draft.contest, title: draft.title, summary: draft.summary, teamName: draft.teamName,
                           members: draft.members.joined(separator: "\n"), contactEmail: draft.contactEmail, country: draft.country,
                           link: draft.link, language: draft.language, tokenSalt: salt, tokenHash: hash, receivedAt: stamp,
                           updatedAt: stamp, withdrawnAt: nil, idempotencyKey: nil)
        return (try Self.entry(row, files: files.enumerated().map { i, f in
            FileRow(entryId: id, position: i, name: f.name, bytes: f.bytes, sha256: f.sha256, kind: f.kind)
        }), false, salt)
    }

    /// The first result of an idempotency claim seen in the last 24 hours: the entry and its
    /// token when the request is the same; `StoreError.idempotencyMismatch` when it is not; nil
    /// when the key is new (or forgotten). Callers ask before they move uploads into place, so a
    /// refused replay leaves nothing behind.
    public func replay(_ claim: IdempotencyClaim, contest: String, now: Date = Date()) async throws -> Receipt? {
        let found = try await reading { db in try Self.claimed(claim, contest: contest, now: now, db) }
        return found.map { Receipt(entry: $0.entry, editToken: tokens.token(entryID: $0.entry.id, salt: $0.salt), replayed: true) }
    }

    /// The entry `claim`'s key made in `contest` within `IdempotencyClaim.window` of `now`.
    static func claimed(_ claim: IdempotencyClaim, contest: String, now: Date, _ db: GRDB.Database) throws -> (entry: Entry, salt: Data)? {
        let since = Timestamp.string(now.addingTimeInterval(-IdempotencyClaim.window))
        guard let row = try Row.fetchOne(db, sql: """
            SELECT request_hash, entry_id FROM idempotency WHERE contest = ? AND key_hash = ? AND created_at >= ?
            """, arguments: [contest, claim.keyHash, since]) else { return nil }
        guard (row["request_hash"] as Data) == claim.request else { throw StoreError.idempotencyMismatch }
        guard let entry = try EntryRow.fetchOne(db, key: row["entry_id"] as Int64) else { return nil }
        return (try load(entry, db), entry.tokenSalt)
    }

    /// The entry with code `code` if `token` is its edit token; nil otherwise (no hint which).
    public func authorized(code: String, token: String) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await reading { db in
            guard let row = try EntryRow.fetchOne(db, key: id), EditTokens.matches(token, hash: row.tokenHash) else { return nil }
            return try Self.load(row, db)
        }
    }

    /// Replaces an entry's fields, and its files when `files` is not nil; the change is audited.
    public func replace(code: String, token: String, with draft: EntryDraft, files: [EntryFile]?, now: Date = Date()) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await writing { db in
            guard var row = try EntryRow.fetchOne(db, key: id), EditTokens.matches(token, hash: row.tokenHash),
                  row.withdrawnAt == nil else { return nil }
            var changed: [String] = []
            func set<T: Equatable>(_ name: String, _ path: WritableKeyPath<EntryRow, T>, _ value: T) {
                if row[keyPath: path] != value { changed.append(name); row[keyPath: path] = value }
            }
            set("title", \.title, draft.title)
            set("summary", \.summary, draft.summary)
            set("team_name", \.teamName, draft.teamName)
            set("members", \.members, draft.members.joined(separator: "\n"))
            set("contact_email", \.contactEmail, draft.contactEmail)
            set("country", \.country, draft.country)
            set("link", \.link, draft.link)
            if let files {
                try db.execute(sql: "DELETE FROM entry_file WHERE entry_id = ?", arguments: [id])
                try Self.saveFiles(files, entryID: id, db)
                changed.append("files")
            }
            row.updatedAt = Timestamp.string(now)
            try row.update(db)
            try ChangeRow(entryId: id, at: row.updatedAt, action: "update", detail: changed.joined(separator: ",")).insert(db)
            try self.queueMail(.changed, entryID: id, now: now, db)
            return try Self.load(row, db)
        }
    }

    /// Marks an entry withdrawn (kept for the audit trail, hidden from judging). Idempotent.
    public func withdraw(code: String, token: String, now: Date = Date()) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await writing { db in
            guard var row = try EntryRow.fetchOne(db, key: id), EditTokens.matches(token, hash: row.tokenHash) else { return nil }
            if row.withdrawnAt == nil {
                row.withdrawnAt = Timestamp.string(now)
                row.updatedAt = row.withdrawnAt!
                try row.update(db)
                try ChangeRow(entryId: id, at: row.updatedAt, action: "withdraw", detail: "").insert(db)
                try self.queueMail(.withdrawn, entryID: id, now: now, db)
            }
            return try Self.load(row, db)
        }
    }

    /// Entries of a contest in id order (withdrawn ones included; check `withdrawnAt`).
    public func entries(contest: String) async throws -> [Entry] {
        try await reading { db in
            // Two queries for the whole contest, not one per entry for its files.
            var files: [Int64: [FileRow]] = [:]
            let fileRows = try FileRow.fetchCursor(db, sql: """
                SELECT f.* FROM entry_file f JOIN entry e ON e.id = f.entry_id WHERE e.contest = ? ORDER BY f.entry_id, f.position
                """, arguments: [contest])
            while let f = try fileRows.next() { files[f.entryId, default: []].append(f) }
            return try EntryRow.filter(Column("contest") == contest).order(Column("id")).fetchAll(db).map { try Self.entry($0, files: files[$0.id!] ?? []) }
        }
    }

    /// How many times each kind of change ("create", "update", "withdraw") happened to the
    /// contest's entries: the statistics page counts edits and withdrawals from this log.
    public func changeCounts(contest: String) async throws -> [String: Int] {
        try await reading { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.action, COUNT(*) FROM entry_change c JOIN entry e ON e.id = c.entry_id WHERE e.contest = ? GROUP BY c.action
                """, arguments: [contest])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as String, $0[1] as Int) })
        }
    }

    /// The contest of every entry code in `dataDirectory`, read without creating anything
    /// (an empty map when there is no database yet). The build uses it to link backlog items.
    /// A database that exists but cannot be read is an error, not an empty map.
    public static func contestsByEntry(dataDirectory: URL) throws -> [String: String] {
        let path = dataDirectory.appendingPathComponent("compe.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        var config = Configuration()
        config.readonly = true
        do {
            let rows = try DatabaseQueue(path: path, configuration: config).read { db in
                try Row.fetchAll(db, sql: "SELECT code, contest FROM entry")
            }
            return Dictionary(rows.map { ($0["code"] as String, $0["contest"] as String) }, uniquingKeysWith: { a, _ in a })
        } catch {
            throw StoreError.database(error)
        }
    }

    /// Hashes of files under `uploads/` that no entry references.
    public func orphanUploads() throws -> [String] {
        let referenced = Set(try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM entry_file") })
        return uploads.storedHashes().filter { !referenced.contains($0) }
    }

    /// Number of entries stored (all contests).
    public func count() async throws -> Int {
        try await reading { db in try EntryRow.fetchCount(db) }
    }

    /// Runs SQLite's integrity check; "ok" when the file is sound.
    public func integrityCheck() async throws -> String {
        try await reading { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    static func saveFiles(_ files: [EntryFile], entryID: Int64, _ db: GRDB.Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT INTO entry_file (entry_id, position, name, bytes, sha256, kind) VALUES (?, ?, ?, ?, ?, ?)")
        for (i, f) in files.enumerated() {
            try insert.execute(arguments: [entryID, i, f.name, f.bytes, f.sha256, f.kind])
        }
    }

    static func load(_ row: EntryRow, _ db: GRDB.Database) throws -> Entry {
        try entry(row, files: try FileRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM entry_file WHERE entry_id = ? ORDER BY position"),
                                                   arguments: [row.id!]))
    }

    /// An entry from its row and its files' rows (in position order).
    static func entry(_ row: EntryRow, files: [FileRow]) throws -> Entry {
        let draft = EntryDraft(contest: row.contest, title: row.title, summary: row.summary, teamName: row.teamName,
                               members: row.members.split(separator: "\n").map(String.init), contactEmail: row.contactEmail,
                               country: row.country, link: row.link, language: row.language)
        return Entry(id: row.id!, code: row.code, draft: draft,
                     files: files.map { EntryFile(name: $0.name, bytes: $0.bytes, sha256: $0.sha256, kind: $0.kind) },
                     receivedAt: try Timestamp.date(row.receivedAt, column: "received_at"),
                     updatedAt: try Timestamp.date(row.updatedAt, column: "updated_at"),
                     withdrawnAt: try row.withdrawnAt.map { try Timestamp.date($0, column: "withdrawn_at") })
    }
}

/// Timestamps as stored: RFC 3339 in UTC with milliseconds, sortable as text.
enum Timestamp {
    static func string(_ date: Date) -> String { UTCTimestamp.format(date, milliseconds: true) }

    /// The date of a stored timestamp; one that does not parse is corruption, reported as such
    /// (never silently read as 1970).
    static func date(_ text: String, table: String = "entry", column: String) throws -> Date {
        guard let date = UTCTimestamp.parse(text) else { throw StoreError.corrupt(table: table, column: column, value: text) }
        return date
    }
}

/// An entry waiting for the next group commit.
struct PendingEntry: Sendable {
    var draft: EntryDraft
    var files: [EntryFile]
    var filesSynced: Bool
    var idempotency: IdempotencyClaim?
    var now: Date
    var salt: Data
    var continuation: CheckedContinuation<(Entry, Bool, Data), Error>
}

/// The entries waiting to be written, and whether a writer is already draining them.
final class EntryQueue: Sendable {
    private let state = Mutex<(pending: [PendingEntry], draining: Bool)>(([], false))

    /// Adds an entry; true when the caller must start a writer (none is running).
    func enqueue(_ entry: PendingEntry) -> Bool {
        state.withLock { s in
            s.pending.append(entry)
            if s.draining { return false }
            s.draining = true
            return true
        }
    }

    /// The next batch, or nil (and the writer stops) when nothing is waiting.
    func take(max: Int) -> [PendingEntry]? {
        state.withLock { s in
            if s.pending.isEmpty {
                s.draining = false
                return nil
            }
            let batch = Array(s.pending.prefix(max))
            s.pending.removeFirst(batch.count)
            return batch
        }
    }
}

/// An `Idempotency-Key` bound to the request it came with. The key is stored only as its
/// SHA-256 and forgotten after `window`; a replay with another request is refused, so a key
/// seen by someone else never hands them the entry or its token.
public struct IdempotencyClaim: Sendable {
    /// How long a key is remembered: 24 hours.
    public static let window: TimeInterval = 24 * 3600

    /// SHA-256 of the key.
    public let keyHash: Data
    /// SHA-256 of the request (method, contest, fields, file hashes), made by the caller.
    public let request: Data

    /// A claim for `key` on a request whose digest is `request`.
    public init(key: String, request: Data) {
        keyHash = Data(SHA256.hash(data: Data(key.utf8)))
        self.request = request
    }
}
