import CompeCore
import Foundation
import GRDB

/// What an entrant submits, before it has an id.
public struct EntryDraft: Sendable, Hashable {
    /// The contest's slug.
    public var contest: String
    /// Entry title (≤ 200 characters).
    public var title: String
    /// Markdown summary (≤ 5,000 characters), rendered untrusted.
    public var summary: String
    /// Team name.
    public var teamName: String
    /// Member names, one per line in the form.
    public var members: [String]
    /// Where to reach the team.
    public var contactEmail: String
    /// Country or region.
    public var country: String
    /// Optional https link.
    public var link: String?
    /// The language the entrant used (for receipts and emails).
    public var language: String

    /// Creates a draft.
    public init(contest: String, title: String, summary: String, teamName: String, members: [String],
                contactEmail: String, country: String, link: String?, language: String) {
        self.contest = contest
        self.title = title
        self.summary = summary
        self.teamName = teamName
        self.members = members
        self.contactEmail = contactEmail
        self.country = country
        self.link = link
        self.language = language
    }
}

/// One file of an entry, as stored.
public struct EntryFile: Sendable, Hashable, Codable {
    /// The name the entrant's file had (cleaned for display; never a path).
    public var name: String
    /// Size in bytes.
    public var bytes: Int64
    /// Lowercase hex SHA-256.
    public var sha256: String
    /// Kind decided from the content.
    public var kind: String

    /// Creates a file description.
    public init(name: String, bytes: Int64, sha256: String, kind: String) {
        self.name = name
        self.bytes = bytes
        self.sha256 = sha256
        self.kind = kind
    }
}

/// A stored entry.
public struct Entry: Sendable, Hashable {
    /// Database id.
    public var id: Int64
    /// Human id such as `E-0007`.
    public var code: String
    /// The submitted fields.
    public var draft: EntryDraft
    /// Files in the order they were sent.
    public var files: [EntryFile]
    /// When it was first stored.
    public var receivedAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When the entrant withdrew it, if they did.
    public var withdrawnAt: Date?
}

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
    /// The content-addressed files.
    public let uploads: UploadStore
    let pool: DatabasePool
    let tokens: EditTokens

    /// Opens the data directory, creating it and migrating the schema as needed.
    public init(dataDirectory: URL) throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        uploads = try UploadStore(dataDirectory: dataDirectory)
        tokens = try EditTokens(dataDirectory: dataDirectory)
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: dataDirectory.appendingPathComponent("compe.sqlite").path, configuration: config)
        try Schema.migrator.migrate(pool)
    }

    /// Stores a new entry with its (already committed) files in one transaction.
    /// With an `idempotencyKey` already used for this contest, returns the first entry instead.
    public func create(_ draft: EntryDraft, files: [EntryFile], idempotencyKey: String?, now: Date = Date()) async throws -> Receipt {
        let salt = EditTokens.newSalt()
        let tokens = self.tokens
        let (entry, replayed, storedSalt): (Entry, Bool, Data) = try await pool.write { db in
            if let key = idempotencyKey,
               let existing = try EntryRow.filter(Column("contest") == draft.contest && Column("idempotency_key") == key).fetchOne(db) {
                return (try Self.load(existing, db), true, existing.tokenSalt)
            }
            let stamp = Timestamp.string(now)
            var row = EntryRow(id: nil, code: "pending-\(UUID().uuidString)", contest: draft.contest, title: draft.title,
                               summary: draft.summary, teamName: draft.teamName, members: draft.members.joined(separator: "\n"),
                               contactEmail: draft.contactEmail, country: draft.country, link: draft.link, language: draft.language,
                               tokenSalt: salt, tokenHash: Data(), receivedAt: stamp, updatedAt: stamp, withdrawnAt: nil,
                               idempotencyKey: idempotencyKey)
            try row.insert(db)
            let id = row.id!
            row.code = EntryCode.format(id)
            row.tokenHash = EditTokens.hash(tokens.token(entryID: id, salt: salt))
            try row.update(db)
            try Self.saveFiles(files, entryID: id, db)
            try ChangeRow(entryId: id, at: stamp, action: "create", detail: "files=\(files.count)").insert(db)
            return (try Self.load(row, db), false, salt)
        }
        return Receipt(entry: entry, editToken: tokens.token(entryID: entry.id, salt: storedSalt), replayed: replayed)
    }

    /// The entry with code `code` if `token` is its edit token; nil otherwise (no hint which).
    public func authorized(code: String, token: String) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await pool.read { db in
            guard let row = try EntryRow.fetchOne(db, key: id), EditTokens.matches(token, hash: row.tokenHash) else { return nil }
            return try Self.load(row, db)
        }
    }

    /// Replaces an entry's fields, and its files when `files` is not nil; the change is audited.
    public func replace(code: String, token: String, with draft: EntryDraft, files: [EntryFile]?, now: Date = Date()) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await pool.write { db in
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
            return try Self.load(row, db)
        }
    }

    /// Marks an entry withdrawn (kept for the audit trail, hidden from judging). Idempotent.
    public func withdraw(code: String, token: String, now: Date = Date()) async throws -> Entry? {
        guard let id = EntryCode.parse(code) else { return nil }
        return try await pool.write { db in
            guard var row = try EntryRow.fetchOne(db, key: id), EditTokens.matches(token, hash: row.tokenHash) else { return nil }
            if row.withdrawnAt == nil {
                row.withdrawnAt = Timestamp.string(now)
                row.updatedAt = row.withdrawnAt!
                try row.update(db)
                try ChangeRow(entryId: id, at: row.updatedAt, action: "withdraw", detail: "").insert(db)
            }
            return try Self.load(row, db)
        }
    }

    /// Entries of a contest in id order (withdrawn ones included; check `withdrawnAt`).
    public func entries(contest: String) async throws -> [Entry] {
        try await pool.read { db in
            // Two queries for the whole contest, not one per entry for its files.
            var files: [Int64: [FileRow]] = [:]
            let fileRows = try FileRow.fetchCursor(db, sql: """
                SELECT f.* FROM entry_file f JOIN entry e ON e.id = f.entry_id WHERE e.contest = ? ORDER BY f.entry_id, f.position
                """, arguments: [contest])
            while let f = try fileRows.next() { files[f.entryId, default: []].append(f) }
            return try EntryRow.filter(Column("contest") == contest).order(Column("id")).fetchAll(db).map { Self.entry($0, files: files[$0.id!] ?? []) }
        }
    }

    /// The contest of every entry code in `dataDirectory`, read without creating anything
    /// (an empty map when there is no database yet). The build uses it to link backlog items.
    public static func contestsByEntry(dataDirectory: URL) -> [String: String] {
        let path = dataDirectory.appendingPathComponent("compe.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        var config = Configuration()
        config.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: config),
              let rows = try? queue.read({ db in try Row.fetchAll(db, sql: "SELECT code, contest FROM entry") }) else { return [:] }
        return Dictionary(rows.map { ($0["code"] as String, $0["contest"] as String) }, uniquingKeysWith: { a, _ in a })
    }

    /// Number of entries stored (all contests).
    public func count() async throws -> Int {
        try await pool.read { db in try EntryRow.fetchCount(db) }
    }

    /// Runs SQLite's integrity check; "ok" when the file is sound.
    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    static func saveFiles(_ files: [EntryFile], entryID: Int64, _ db: GRDB.Database) throws {
        for (i, f) in files.enumerated() {
            try FileRow(entryId: entryID, position: i, name: f.name, bytes: f.bytes, sha256: f.sha256, kind: f.kind).insert(db)
        }
    }

    static func load(_ row: EntryRow, _ db: GRDB.Database) throws -> Entry {
        entry(row, files: try FileRow.filter(Column("entry_id") == row.id!).order(Column("position")).fetchAll(db))
    }

    /// An entry from its row and its files' rows (in position order).
    static func entry(_ row: EntryRow, files: [FileRow]) -> Entry {
        let draft = EntryDraft(contest: row.contest, title: row.title, summary: row.summary, teamName: row.teamName,
                               members: row.members.split(separator: "\n").map(String.init), contactEmail: row.contactEmail,
                               country: row.country, link: row.link, language: row.language)
        return Entry(id: row.id!, code: row.code, draft: draft,
                     files: files.map { EntryFile(name: $0.name, bytes: $0.bytes, sha256: $0.sha256, kind: $0.kind) },
                     receivedAt: Timestamp.date(row.receivedAt), updatedAt: Timestamp.date(row.updatedAt),
                     withdrawnAt: row.withdrawnAt.map(Timestamp.date))
    }
}

/// Entry codes: `E-0007` for id 7 (at least four digits).
public enum EntryCode {
    /// The code of an id.
    public static func format(_ id: Int64) -> String {
        let digits = String(id)
        return "E-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The id of a code, or nil for anything that is not exactly a code.
    public static func parse(_ code: String) -> Int64? {
        guard code.hasPrefix("E-"), code.count >= 6, code.count <= 20 else { return nil }
        let digits = code.dropFirst(2)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(digits), id > 0, format(id) == code else { return nil }
        return id
    }
}

/// Timestamps as stored: RFC 3339 in UTC with milliseconds, sortable as text.
enum Timestamp {
    static func string(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = ms / 1000
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        let p = c.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return "\(p.year!)-\(two(p.month))-\(two(p.day))T\(two(p.hour)):\(two(p.minute)):\(two(p.second)).\(String(format: "%03d", ms % 1000))Z"
    }

    static func date(_ text: String) -> Date {
        // "2027-01-20T03:04:05.123Z", the only form `string` writes: read the digits directly
        // (a general date parser per row was a visible share of `compe results` on 10k entries).
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            return n
        }
        guard b.count >= 20, let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
              let mi = number(14, 2), let s = number(17, 2) else { return Date(timeIntervalSince1970: 0) }
        let ms = number(20, 3) ?? 0
        // Days from 1970-01-01 to y-mo-d (proleptic Gregorian; Howard Hinnant's days_from_civil).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Date(timeIntervalSince1970: Double(days * 86400 + h * 3600 + mi * 60 + s) + Double(ms) / 1000)
    }
}
