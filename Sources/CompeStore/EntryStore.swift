import CompeCore
import Foundation
import Crypto
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

/// Entries and their files: rows in the store's database (SQLite in `Data/compe.sqlite` by
/// default, or PostgreSQL), files content-addressed in `Data/uploads/`.
///
/// Every write returns after its transaction is durable, so a response sent after it describes
/// a stored entry. The rules here are written once for both engines (see `SQLDatabase`).
public final class EntryStore: Sendable {
    private let queue = EntryQueue()
    /// The content-addressed files.
    public let uploads: UploadStore
    /// The bytes of resumable uploads in progress (`Data/resumable/`).
    public let resumable: ResumableFiles
    /// The database the rows live in.
    public let database: any SQLDatabase
    let tokens: EditTokens
    /// The data directory.
    public let dataDirectory: URL
    /// Whether entry changes queue mail to the entrant (the server was given a relay).
    public let queuesMail: Bool
    /// The right-hand side of queued mail's `Message-ID`s.
    let messageDomain: String

    /// Opens the data directory, creating it as needed. The rows live in `database`, or, when it
    /// is nil, in `compe.sqlite` inside the directory (created and migrated as needed). With
    /// `queuesMail`, every create, change and withdrawal also writes its mail to the outbox in
    /// the same transaction; `messageDomain` goes into their `Message-ID`s.
    public init(dataDirectory: URL, database: (any SQLDatabase)? = nil, queuesMail: Bool = false,
                messageDomain: String = "compe.invalid") throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        self.dataDirectory = dataDirectory
        self.queuesMail = queuesMail
        self.messageDomain = messageDomain
        uploads = try UploadStore(dataDirectory: dataDirectory)
        resumable = try ResumableFiles(dataDirectory: dataDirectory)
        tokens = try EditTokens(dataDirectory: dataDirectory)
        do {
            self.database = try database ?? SQLiteDatabase(path: Self.sqlitePath(dataDirectory))
        } catch let error as StoreError { throw error } catch { throw StoreError.database(error) }
    }

    /// Where the SQLite database of `dataDirectory` lives.
    public static func sqlitePath(_ dataDirectory: URL) -> String {
        dataDirectory.appendingPathComponent("compe.sqlite").path
    }

    /// Runs a read; errors other than the store's own come back as `StoreError.database`.
    func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do { return try await database.read(body) } catch let error as StoreError { throw error } catch { throw StoreError.database(error) }
    }

    /// Runs a write transaction; errors wrapped as in `reading`.
    @discardableResult
    func writing<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do { return try await database.write(body) } catch let error as StoreError { throw error } catch { throw StoreError.database(error) }
    }

    /// Stores a new entry with files received in `tmp/`: the one durability rule of entries
    /// lives here — the files are moved into `uploads/` now, and made durable (one `syncfs` for
    /// a whole batch of entries) before the batch's rows commit, so an acknowledged entry never
    /// lacks a file, whatever is killed when. On a failure no staged file is left behind.
    ///
    /// `closedBy` names the stage whose published results close the contest's entry window: the
    /// entry is refused (`StoreError.resultsPublished`) when they are, checked in the very
    /// transaction that would store it, so no entry lands after the results whatever the timing.
    /// `consents`: the data-sharing agreements the entrant ticked, recorded with the entry.
    ///
    /// `claims`: the finished resumable uploads among `staged`, marked used by this entry in its
    /// transaction (refused as a whole with `StoreError.uploadUnavailable` when one is unknown,
    /// another client's or used already).
    public func create(_ draft: EntryDraft, staged: [StagedFile], idempotency: IdempotencyClaim?, closedBy: String? = nil,
                       consents: [ConsentChoice] = [], claims: [UploadClaim] = [], now: Date = Date()) async throws -> Receipt {
        let files = try uploads.commitAll(staged, sync: false)
        return try await create(draft, files: files, filesSynced: false, idempotency: idempotency, closedBy: closedBy, consents: consents,
                                claims: claims, now: now)
    }

    /// Stores a new entry with files already durable in `uploads/` (a copy, a test).
    /// With an idempotency claim whose key this contest saw in the last 24 hours, returns the
    /// first entry instead when the request is the same, and throws
    /// `StoreError.idempotencyMismatch` when it is not (nothing is stored).
    ///
    /// Group commit: entries that arrive while a transaction is being written wait and are then
    /// written together in the next one (see `write(_:)`: one failing does not undo the others),
    /// so one fsync of the log covers many entries. Each call returns only after the transaction
    /// holding its entry has committed.
    public func create(_ draft: EntryDraft, files: [EntryFile], idempotency: IdempotencyClaim?, consents: [ConsentChoice] = [],
                       now: Date = Date()) async throws -> Receipt {
        try await create(draft, files: files, filesSynced: true, idempotency: idempotency, consents: consents, now: now)
    }

    func create(_ draft: EntryDraft, files: [EntryFile], filesSynced: Bool, idempotency: IdempotencyClaim?, closedBy: String? = nil,
                consents: [ConsentChoice] = [], claims: [UploadClaim] = [], now: Date) async throws -> Receipt {
        let salt = EditTokens.newSalt()
        let (entry, replayed, storedSalt) = try await withCheckedThrowingContinuation { continuation in
            let request = PendingEntry(draft: draft, files: files, filesSynced: filesSynced, idempotency: idempotency, closedBy: closedBy,
                                       consents: consents, claims: claims, now: now, salt: salt, continuation: continuation)
            if queue.enqueue(request, writers: database.concurrentWriters) { Task { await drainQueue() } }
        }
        return Receipt(entry: entry, editToken: tokens.token(entryID: entry.id, salt: storedSalt), replayed: replayed)
    }

    /// Writes queued entries, a batch at a time, until the queue is empty.
    private func drainQueue() async {
        while let batch = queue.take(max: 256) {
            do {
                if batch.contains(where: { !$0.filesSynced }) { try uploads.syncAll() }
                for (request, result) in zip(batch, try await write(batch)) { request.continuation.resume(with: result) }
            } catch {
                for request in batch { request.continuation.resume(throwing: error) }
            }
        }
    }

    /// Stores a batch's entries, each with its own outcome. Entries without an idempotency key
    /// go in together, in one transaction of a few statements for the whole batch
    /// (`insertTogether`). If that fails for a reason of its own (not a database that is down),
    /// and for entries with a key (which may be answered by an entry stored before) or naming
    /// resumable uploads (which may be refused), each goes in by itself, in its own savepoint of
    /// one transaction, so one entry's failure is its own.
    private func write(_ batch: [PendingEntry]) async throws -> [Result<(Entry, Bool, Data), Error>] {
        var results = [Result<(Entry, Bool, Data), Error>?](repeating: nil, count: batch.count)
        let together = batch.indices.filter { batch[$0].idempotency == nil && batch[$0].claims.isEmpty }
        if !together.isEmpty {
            do {
                let (made, closed) = try await writing { db -> ([Entry], [Int]) in
                    let closed = try Self.closedByResults(together.map { batch[$0] }, db)
                    let open = together.indices.filter { !closed.contains($0) }
                    return (try self.insertTogether(open.map { batch[together[$0]] }, db), closed.map { together[$0] })
                }
                for index in closed { results[index] = .failure(StoreError.resultsPublished(contest: batch[index].draft.contest)) }
                for (index, entry) in zip(together.filter { !closed.contains($0) }, made) { results[index] = .success((entry, false, batch[index].salt)) }
            } catch let error as StoreError where error.isUnavailable {
                throw error
            } catch {
                // Alone, it failed by itself; otherwise one of them is at fault, and they go in
                // one at a time below, so only that one fails.
                if together.count == 1 { results[together[0]] = .failure(error) }
            }
        }
        let rest = batch.indices.filter { results[$0] == nil }
        if !rest.isEmpty {
            let made = try await writing { db in
                try rest.map { index -> Result<(Entry, Bool, Data), Error> in
                    do {
                        return .success(try db.savepoint { try self.insert(batch[index], db) })
                    } catch let elsewhere as ClaimedElsewhere {
                        return .success((elsewhere.entry, true, elsewhere.salt))
                    } catch let failure as SQLFailure where failure.kind == .conflict || failure.kind == .unavailable {
                        throw failure  // the whole transaction is run again, or fails for every entry
                    } catch {
                        return .failure(error is StoreError ? error : StoreError.database(error))
                    }
                }
            }
            for (index, result) in zip(rest, made) { results[index] = result }
        }
        return results.map { $0! }
    }

    /// The positions in `requests` of entries whose contest's results are published (the stage
    /// each names in `closedBy`): one query per contest and stage in the batch, in the writing
    /// transaction.
    private static func closedByResults(_ requests: [PendingEntry], _ db: any SQLSession) throws -> Set<Int> {
        var published: [String: Bool] = [:]
        var closed: Set<Int> = []
        for (i, request) in requests.enumerated() {
            guard let stage = request.closedBy else { continue }
            let key = request.draft.contest + "\u{0}" + stage
            if published[key] == nil {
                published[key] = try db.integer("SELECT 1 FROM publication WHERE contest = ? AND stage = ?", [request.draft.contest, stage]) != nil
            }
            if published[key] == true { closed.insert(i) }
        }
        return closed
    }

    /// Inserts entries without idempotency keys: their ids reserved in one trip, then their
    /// rows, files, audit and mail, all of them together (one statement on PostgreSQL), sent
    /// without waiting (the commit reports any failure). The same rows as `insert(_:_:)` makes one
    /// entry at a time.
    private func insertTogether(_ requests: [PendingEntry], _ db: any SQLSession) throws -> [Entry] {
        let ids = try db.nextIDs(table: "entry", count: requests.count)
        var rows: [EntryRow] = [], entries: [Entry] = [], files: [[SQLValue]] = [], changes: [[SQLValue]] = [], consents: [[SQLValue]] = []
        for (request, id) in zip(requests, ids) {
            consents += ConsentRow.values(request.consents, given: true, entryID: id, at: request.now)
            let row = newRow(request, id: id)
            let fileRows = FileRow.rows(request.files, entryID: id)
            rows.append(row)
            files += fileRows.map(\.values)
            changes.append(Self.creation(row, files: request.files.count))
            entries.append(try Self.entry(row, files: fileRows))
        }
        var inserts = [SQLInsert(table: "entry", columns: EntryRow.names, rows: rows.map(\.values)),
                       SQLInsert(table: "entry_file", columns: FileRow.names, rows: files),
                       SQLInsert(table: "entry_change", columns: Self.changeColumns, rows: changes)]
        if !consents.isEmpty { inserts.append(SQLInsert(table: "consent_event", columns: ConsentRow.names, rows: consents)) }
        if queuesMail {
            inserts.append(SQLInsert(table: "outbox", columns: Self.outboxInsertColumns, rows: zip(requests, entries).map { request, entry in
                mailRow(.receipt, entryID: entry.id, now: request.now)
            }, suffix: "ON CONFLICT DO NOTHING"))
        }
        try db.insert(inserts)
        let receipts = try Self.appendToLog(zip(requests, entries).map { request, entry in
            (entry.id, Self.leaf(.received, contest: entry.draft.contest, files: entry.files.map(\.sha256), fields: LogLeaf.fieldsHash(entry.draft),
                                 now: request.now))
        }, db)
        for i in entries.indices { entries[i].log = [receipts[i]] }
        return entries
    }

    /// The columns of an audit row in `entry_change`.
    static let changeColumns = ["entry_id", "at", "action", "detail"]

    /// The audit row of a new entry.
    private static func creation(_ row: EntryRow, files: Int) -> [SQLValue] {
        [.integer(row.id), .text(row.receivedAt), .text("create"), .text("files=\(files)")]
    }

    /// The row a new entry gets once its id is known.
    private func newRow(_ request: PendingEntry, id: Int64) -> EntryRow {
        let draft = request.draft, stamp = Timestamp.string(request.now)
        return EntryRow(id: id, code: EntryCode.format(id), contest: draft.contest, title: draft.title, summary: draft.summary,
                        teamName: draft.teamName, members: draft.members.joined(separator: "\n"), contactEmail: draft.contactEmail,
                        country: draft.country, link: draft.link, language: draft.language, tokenSalt: request.salt,
                        tokenHash: EditTokens.hash(tokens.token(entryID: id, salt: request.salt)), receivedAt: stamp, updatedAt: stamp,
                        withdrawnAt: nil)
    }

    /// Inserts one entry (or finds the one its idempotency key already made).
    private func insert(_ request: PendingEntry, _ db: any SQLSession) throws -> (Entry, Bool, Data) {
        let draft = request.draft, files = request.files, salt = request.salt
        let now = request.now
        if let claim = request.idempotency, let existing = try Self.claimed(claim, contest: draft.contest, now: now, db) {
            return (existing.entry, true, existing.salt)
        }
        if !(try Self.closedByResults([request], db)).isEmpty { throw StoreError.resultsPublished(contest: draft.contest) }
        let stamp = Timestamp.string(now)
        guard let id = try db.nextIDs(table: "entry", count: 1).first else { throw SQLFailure(.other, detail: "no id for a new entry") }
        let row = newRow(request, id: id)
        try db.insert(into: "entry", columns: EntryRow.names, rows: [row.values])
        if let claim = request.idempotency {
            // Claimed first: when another instance is storing the same key right now, this waits
            // for it and then fails on the key, and the claim is answered with its entry.
            // Keys older than the window are forgotten here, on the way (an index on created_at),
            // so an expired key can be claimed again.
            try db.send("DELETE FROM idempotency WHERE created_at < ?", [Timestamp.string(now.addingTimeInterval(-IdempotencyClaim.window))])
            do {
                try db.savepoint {
                    try db.execute("INSERT INTO idempotency (contest, key_hash, request_hash, entry_id, created_at) VALUES (?, ?, ?, ?, ?)",
                                   [draft.contest, claim.keyHash, claim.request, id, stamp])
                }
            } catch let failure as SQLFailure where failure.kind == .uniqueViolation {
                guard let existing = try Self.claimed(claim, contest: draft.contest, now: now, db) else { throw failure }
                throw ClaimedElsewhere(entry: existing.entry, salt: existing.salt)
            }
        }
        try Self.saveFiles(files, entryID: id, db)
        try Self.useUploads(request.claims, entryID: id, now: now, db)
        try db.insert(into: "entry_change", columns: Self.changeColumns, rows: [Self.creation(row, files: files.count)])
        if !request.consents.isEmpty {
            try db.insert(into: "consent_event", columns: ConsentRow.names, rows: ConsentRow.values(request.consents, given: true, entryID: id, at: now))
        }
        try queueMail(.receipt, entryID: id, now: now, db)
        var entry = try Self.entry(row, files: FileRow.rows(files, entryID: id))
        entry.log = try Self.appendToLog([(id, Self.leaf(.received, contest: draft.contest, files: files.map(\.sha256),
                                                         fields: LogLeaf.fieldsHash(draft), now: now))], db)
        return (entry, false, salt)
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
    static func claimed(_ claim: IdempotencyClaim, contest: String, now: Date, _ db: any SQLSession) throws -> (entry: Entry, salt: Data)? {
        let since = Timestamp.string(now.addingTimeInterval(-IdempotencyClaim.window))
        guard let row = try db.first("SELECT request_hash, entry_id FROM idempotency WHERE contest = ? AND key_hash = ? AND created_at >= ?",
                                     [contest, claim.keyHash, since], { (request: try $0.data("request_hash"), entry: try $0.int64("entry_id")) }) else { return nil }
        guard row.request == claim.request else { throw StoreError.idempotencyMismatch }
        guard let entry = try entryRow(id: row.entry, db) else { return nil }
        return (try load(entry, db), entry.tokenSalt)
    }

    /// The entry with code `code` if `token` is its edit token; nil otherwise (no hint which).
    public func authorized(code: String, token: String) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await reading { db in
            guard let row = try Self.entryRow(id: id, db), EditTokens.matches(token, hash: row.tokenHash) else { return nil }
            return try Self.load(row, db)
        }
    }

    /// Replaces an entry's fields, and its files with `staged` ones (received in `tmp/`, made
    /// durable here before the change commits) when not nil; the change is audited.
    /// `claims`: the finished resumable uploads among them, marked used in the change's transaction.
    public func replace(code: String, token: String, with draft: EntryDraft, staged: [StagedFile]?, claims: [UploadClaim] = [],
                        now: Date = Date()) async throws -> Entry? {
        let files = try staged.map { try uploads.commitAll($0, sync: true) }
        return try await replace(code: code, token: token, with: draft, files: files, claims: claims, now: now)
    }

    /// Replaces an entry's fields, and its files (already durable) when `files` is not nil.
    public func replace(code: String, token: String, with draft: EntryDraft, files: [EntryFile]?, claims: [UploadClaim] = [],
                        now: Date = Date()) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await writing { db in
            try db.lock("entry:\(id)")
            guard var row = try Self.entryRow(id: id, db), EditTokens.matches(token, hash: row.tokenHash),
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
                try db.execute("DELETE FROM entry_file WHERE entry_id = ?", [id])
                try Self.saveFiles(files, entryID: id, db)
                try Self.useUploads(claims, entryID: id, now: now, db)
                changed.append("files")
            }
            row.updatedAt = Timestamp.string(now)
            try db.execute("""
                UPDATE entry SET title = ?, summary = ?, team_name = ?, members = ?, contact_email = ?, country = ?, link = ?, updated_at = ?
                WHERE id = ?
                """, [row.title, row.summary, row.teamName, row.members, row.contactEmail, row.country, row.link, row.updatedAt, id])
            try db.execute("INSERT INTO entry_change (entry_id, at, action, detail) VALUES (?, ?, 'update', ?)",
                           [id, row.updatedAt, changed.joined(separator: ",")])
            try self.queueMail(.changed, entryID: id, now: now, db)
            var changedEntry = try Self.load(row, db)
            changedEntry.log += try Self.appendToLog([(id, Self.leaf(.replaced, contest: row.contest, files: changedEntry.files.map(\.sha256),
                                                                     fields: LogLeaf.fieldsHash(changedEntry.draft), now: now))], db)
            return changedEntry
        }
    }

    /// Marks an entry withdrawn (kept for the audit trail, hidden from judging). Idempotent.
    public func withdraw(code: String, token: String, now: Date = Date()) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await writing { db in
            try db.lock("entry:\(id)")
            guard var row = try Self.entryRow(id: id, db), EditTokens.matches(token, hash: row.tokenHash) else { return nil }
            guard row.withdrawnAt == nil else { return try Self.load(row, db) }
            row.withdrawnAt = Timestamp.string(now)
            row.updatedAt = Timestamp.string(now)
            try db.execute("UPDATE entry SET withdrawn_at = ?, updated_at = ? WHERE id = ?", [row.withdrawnAt, row.updatedAt, id])
            try db.execute("INSERT INTO entry_change (entry_id, at, action, detail) VALUES (?, ?, 'withdraw', '')", [id, row.updatedAt])
            try self.queueMail(.withdrawn, entryID: id, now: now, db)
            var withdrawn = try Self.load(row, db)
            withdrawn.log += try Self.appendToLog([(id, Self.leaf(.withdrawn, contest: row.contest, files: withdrawn.files.map(\.sha256),
                                                                  fields: LogLeaf.fieldsHash(withdrawn.draft), now: now))], db)
            return withdrawn
        }
    }

    /// Entries of a contest in id order (withdrawn ones included; check `withdrawnAt`).
    public func entries(contest: String) async throws -> [Entry] {
        try await reading { db in
            // Two queries for the whole contest, not one per entry for its files.
            var files: [Int64: [FileRow]] = [:]
            try db.each("""
                SELECT \(FileRow.columns(prefix: "f.")) FROM entry_file f JOIN entry e ON e.id = f.entry_id
                WHERE e.contest = ? ORDER BY f.entry_id, f.position
                """, [contest]) { row in
                let file = try FileRow(row: row)
                files[file.entryId, default: []].append(file)
            }
            return try db.rows("SELECT \(EntryRow.columns) FROM entry WHERE contest = ? ORDER BY id", [contest]) {
                let row = try EntryRow(row: $0)
                return try Self.entry(row, files: files[row.id] ?? [])
            }
        }
    }

    /// How many times each kind of change ("create", "update", "withdraw") happened to the
    /// contest's entries: the statistics page counts edits and withdrawals from this log.
    public func changeCounts(contest: String) async throws -> [String: Int] {
        try await reading { db in
            let rows = try db.rows("""
                SELECT c.action, COUNT(*) AS changes FROM entry_change c JOIN entry e ON e.id = c.entry_id WHERE e.contest = ? GROUP BY c.action
                """, [contest]) { (try $0.string("action"), try $0.int("changes")) }
            return Dictionary(uniqueKeysWithValues: rows)
        }
    }

    /// The contest of every entry code in `database` (PostgreSQL: the data directory holds no
    /// database to read), for the build's backlog links.
    public static func contestsByEntry(database: any SQLDatabase) async throws -> [String: String] {
        do { return try await database.read { db in try contestsByEntry(db) } } catch { throw StoreError.database(error) }
    }

    /// The contest of every entry code in `dataDirectory`'s SQLite database, read without creating
    /// anything (an empty map when there is no database yet). The build uses it to link backlog
    /// items. A database that exists but cannot be read is an error, not an empty map.
    public static func contestsByEntry(dataDirectory: URL) throws -> [String: String] {
        let path = sqlitePath(dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        do {
            return try SQLiteDatabase.readOnly(path: path) { db in try contestsByEntry(db) }
        } catch {
            throw StoreError.database(error)
        }
    }

    private static func contestsByEntry(_ db: any SQLSession) throws -> [String: String] {
        Dictionary(try db.rows("SELECT code, contest FROM entry") { (try $0.string("code"), try $0.string("contest")) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every file hash entries reference, their own files and their later stages' alike: what
    /// backups carry and what fsck never calls left over (one query for all three).
    static let referencedHashesQuery = "SELECT sha256 FROM entry_file UNION SELECT sha256 FROM stage_file ORDER BY sha256"

    /// Every file hash entries reference.
    public func referencedHashes() async throws -> [String] {
        try await reading { db in try db.rows(Self.referencedHashesQuery) { try $0.string("sha256") } }
    }

    /// Hashes of files under `uploads/` that no entry references.
    public func orphanUploads() async throws -> [String] {
        let referenced = Set(try await referencedHashes())
        return uploads.storedHashes().filter { !referenced.contains($0) }
    }

    /// Number of entries stored (all contests).
    public func count() async throws -> Int {
        try await reading { db in Int(try db.integer("SELECT COUNT(*) FROM entry") ?? 0) }
    }

    /// Runs the engine's integrity check; "ok" when the database is sound.
    public func integrityCheck() async throws -> String {
        do { return try await database.integrityCheck() } catch { throw StoreError.database(error) }
    }

    static func saveFiles(_ files: [EntryFile], entryID: Int64, _ db: any SQLSession) throws {
        try db.insert(into: "entry_file", columns: FileRow.names, rows: FileRow.rows(files, entryID: entryID).map(\.values))
    }

    /// The row of entry `id`, or nil.
    static func entryRow(id: Int64, _ db: any SQLSession) throws -> EntryRow? {
        try db.first("SELECT \(EntryRow.columns) FROM entry WHERE id = ?", [id]) { try EntryRow(row: $0) }
    }

    static func load(_ row: EntryRow, _ db: any SQLSession) throws -> Entry {
        var loaded = try entry(row, files: try db.rows("SELECT \(FileRow.columns()) FROM entry_file WHERE entry_id = ? ORDER BY position", [row.id]) {
            try FileRow(row: $0)
        })
        loaded.log = try logReceipts(entryID: row.id, db)
        return loaded
    }

    /// An entry from its row and its files' rows (in position order).
    static func entry(_ row: EntryRow, files: [FileRow]) throws -> Entry {
        let draft = EntryDraft(contest: row.contest, title: row.title, summary: row.summary, teamName: row.teamName,
                               members: row.members.split(separator: "\n").map(String.init), contactEmail: row.contactEmail,
                               country: row.country, link: row.link, language: row.language)
        return Entry(id: row.id, code: row.code, draft: draft,
                     files: files.map { EntryFile(name: $0.name, bytes: $0.bytes, sha256: $0.sha256, kind: $0.kind) },
                     receivedAt: try Timestamp.date(row.receivedAt, column: "received_at"),
                     updatedAt: try Timestamp.date(row.updatedAt, column: "updated_at"),
                     withdrawnAt: try row.withdrawnAt.map { try Timestamp.date($0, column: "withdrawn_at") })
    }
}

/// Another instance stored the same idempotency key while this one was inserting: its entry
/// answers the claim (this instance's row is undone with its savepoint).
struct ClaimedElsewhere: Error {
    var entry: Entry
    var salt: Data
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
    /// The stage whose published results close the entry window (see `create`).
    var closedBy: String?
    /// Data-sharing agreements ticked on the form, recorded in the entry's transaction.
    var consents: [ConsentChoice]
    /// Finished resumable uploads the entry takes, marked used in its transaction.
    var claims: [UploadClaim]
    var now: Date
    var salt: Data
    var continuation: CheckedContinuation<(Entry, Bool, Data), Error>
}

/// The entries waiting to be written, and how many writers are draining them.
///
/// Guarded by an `NSLock` (a pthread mutex) rather than `Synchronization.Mutex`: on Linux a
/// contended `Mutex` is handed over through the kernel (futex), which ThreadSanitizer cannot
/// see, so it reported this queue's hand-overs between the entry endpoint and the writer as
/// races; with a pthread mutex it sees the order and checks the queue for real.
final class EntryQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [PendingEntry] = []
    private var draining = 0

    /// Adds an entry; true when the caller must start a writer (fewer than `writers` are running).
    func enqueue(_ entry: PendingEntry, writers: Int) -> Bool {
        lock.withLock {
            pending.append(entry)
            if draining >= writers { return false }
            draining += 1
            return true
        }
    }

    /// The next batch, or nil (and the writer stops) when nothing is waiting.
    func take(max: Int) -> [PendingEntry]? {
        lock.withLock {
            if pending.isEmpty {
                draining -= 1
                return nil
            }
            let batch = Array(pending.prefix(max))
            pending.removeFirst(batch.count)
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
