import CompeCore
import Crypto
import Foundation

/// The migration of resumable uploads (tus 1.0): one row per upload, private to the client that
/// created it. The bytes live in `Data/resumable/<id>`; the row says how many of them are
/// acknowledged (`received`, only ever after an fsync), and once complete their SHA-256 and
/// kind. `used_by` is set in the transaction of the entry (or edit, or later-stage submission)
/// that takes the file, so an upload is used once and never by another client's entry.
public enum ResumableUploadMigration {
    public static let name = "2026-12-06 resumable uploads"

    public static let postgres: [String] = [
        """
        CREATE TABLE resumable_upload (id TEXT PRIMARY KEY, contest TEXT NOT NULL, owner_hash BYTEA NOT NULL, client TEXT NOT NULL,
            length BIGINT NOT NULL, received BIGINT NOT NULL, filename TEXT NOT NULL, declared_kind TEXT NOT NULL,
            created_at TEXT NOT NULL, expires_at TEXT NOT NULL, sha256 TEXT, kind TEXT, completed_at TEXT,
            used_by BIGINT REFERENCES entry (id), used_at TEXT)
        """,
        "CREATE INDEX resumable_upload_expiry ON resumable_upload (expires_at)",
        "CREATE INDEX resumable_upload_client ON resumable_upload (client)",
    ]

    public static let sqlite: [String] = postgres.map {
        $0.replacingOccurrences(of: "BIGINT", with: "INTEGER").replacingOccurrences(of: "BYTEA", with: "BLOB")
    }
}

/// One resumable upload as the store keeps it.
public struct ResumableUpload: Sendable, Hashable {
    /// 32 lowercase hex digits (128 random bits): the last part of its address.
    public var id: String
    public var contest: String
    /// The client's address (by the trusted-proxy rule), for the limits per client.
    public var client: String
    /// The whole file's size, declared at creation.
    public var length: Int64
    /// Bytes acknowledged so far (durable).
    public var received: Int64
    /// The file's name as shown (cleaned; never a path).
    public var filename: String
    /// The kind the client declared (its `filetype`, or its name's extension).
    public var declaredKind: FileKind
    public var createdAt: Date
    public var expiresAt: Date
    /// The content's SHA-256 and kind (from its bytes), once complete.
    public var sha256: String?
    public var kind: FileKind?
    /// The entry that took it, once used.
    public var usedBy: Int64?

    public var isComplete: Bool { sha256 != nil }

    public init(id: String, contest: String, client: String, length: Int64, received: Int64 = 0, filename: String, declaredKind: FileKind,
                createdAt: Date, expiresAt: Date, sha256: String? = nil, kind: FileKind? = nil, usedBy: Int64? = nil) {
        self.id = id
        self.contest = contest
        self.client = client
        self.length = length
        self.received = received
        self.filename = filename
        self.declaredKind = declaredKind
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.sha256 = sha256
        self.kind = kind
        self.usedBy = usedBy
    }

    /// A new upload's id: 128 random bits, hex.
    public static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// Whether `id` could be an upload's id (checked before it reaches a path or a query).
    public static func isID(_ id: some StringProtocol) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The SHA-256 kept for a client's upload key (`Compe-Upload-Key`): the key itself is never stored.
    public static func ownerHash(_ key: String) -> Data { Data(SHA256.hash(data: Data(key.utf8))) }

    static let columns = "id, contest, client, length, received, filename, declared_kind, created_at, expires_at, sha256, kind, used_by"

    init(row: SQLRow) throws {
        let declared = try row.string("declared_kind")
        guard let declaredKind = FileKind(rawValue: declared) else { throw StoreError.corrupt(table: "resumable_upload", column: "declared_kind", value: declared) }
        self.init(id: try row.string("id"), contest: try row.string("contest"), client: try row.string("client"), length: try row.int64("length"),
                  received: try row.int64("received"), filename: try row.string("filename"), declaredKind: declaredKind,
                  createdAt: try Timestamp.date(try row.string("created_at"), table: "resumable_upload", column: "created_at"),
                  expiresAt: try Timestamp.date(try row.string("expires_at"), table: "resumable_upload", column: "expires_at"),
                  sha256: try row.optionalString("sha256"), kind: try row.optionalString("kind").flatMap(FileKind.init(rawValue:)),
                  usedBy: try row.optionalInt("used_by").map(Int64.init))
    }
}

/// A finished upload an entry names, with the key that proves it is the client's own.
public struct UploadClaim: Sendable, Hashable {
    public var id: String
    public var ownerHash: Data

    public init(id: String, ownerHash: Data) {
        self.id = id
        self.ownerHash = ownerHash
    }
}

/// What one client, and all clients, have in unfinished uploads: the limits against abuse are
/// checked on these at creation.
public struct UploadsInFlight: Sendable, Hashable {
    /// Unfinished uploads of the client.
    public var clientUploads: Int
    /// Bytes still to come of the client's unfinished uploads.
    public var clientBytes: Int64
    /// Bytes still to come of every unfinished upload.
    public var totalBytes: Int64
}

extension EntryStore {
    /// Keeps a new upload (its file is created by `ResumableFiles.create` first).
    public func createUpload(_ upload: ResumableUpload, ownerHash: Data) async throws {
        try await writing { db in
            try db.execute("""
                INSERT INTO resumable_upload (id, contest, owner_hash, client, length, received, filename, declared_kind, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [upload.id, upload.contest, ownerHash, upload.client, upload.length, upload.received, upload.filename,
                      upload.declaredKind.rawValue, Timestamp.string(upload.createdAt), Timestamp.string(upload.expiresAt)])
        }
    }

    /// The upload `id` if `ownerHash` is its owner's; nil otherwise (no hint which).
    public func upload(id: String, ownerHash: Data) async throws -> ResumableUpload? {
        try await reading { db in
            guard let (upload, owner) = try db.first("SELECT \(ResumableUpload.columns), owner_hash FROM resumable_upload WHERE id = ?", [id], {
                (try ResumableUpload(row: $0), try $0.data("owner_hash"))
            }) else { return nil }
            return ConstantTime.equal(owner, ownerHash) ? upload : nil
        }
    }

    /// Acknowledges bytes `from..<to` of upload `id` (already on disk and synced): true when the
    /// upload still had exactly `from` (another request did not move it meanwhile).
    public func advanceUpload(id: String, from: Int64, to: Int64) async throws -> Bool {
        try await writing { db in
            try db.execute("UPDATE resumable_upload SET received = ? WHERE id = ? AND received = ? AND sha256 IS NULL", [to, id, from]) == 1
        }
    }

    /// Records that upload `id` is complete: all `length` bytes, their hash and kind.
    public func completeUpload(id: String, length: Int64, sha256: String, kind: FileKind, now: Date) async throws {
        try await writing { db in
            try db.execute("UPDATE resumable_upload SET received = ?, sha256 = ?, kind = ?, completed_at = ? WHERE id = ? AND sha256 IS NULL",
                           [length, sha256, kind.rawValue, Timestamp.string(now), id])
        }
    }

    /// Forgets upload `id` (termination, an expired or refused upload); true when it was there.
    /// An upload an entry took keeps its row (the record of where the file came from) until it expires.
    @discardableResult
    public func deleteUpload(id: String, evenIfUsed: Bool = false) async throws -> Bool {
        try await writing { db in
            try db.execute("DELETE FROM resumable_upload WHERE id = ?" + (evenIfUsed ? "" : " AND used_by IS NULL"), [id]) == 1
        }
    }

    /// The unfinished uploads of `client` and of everyone, for the limits at creation. Expired
    /// ones are not counted (the sweeper removes them).
    public func uploadsInFlight(client: String, now: Date) async throws -> UploadsInFlight {
        try await reading { db in
            let stamp = Timestamp.string(now)
            let mine = try db.first("""
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(length - received), 0) AS BIGINT) AS bytes FROM resumable_upload
                WHERE client = ? AND sha256 IS NULL AND expires_at > ?
                """, [client, stamp]) { (try $0.int("n"), try $0.int64("bytes")) } ?? (0, 0)
            let all = try db.integer("SELECT CAST(COALESCE(SUM(length - received), 0) AS BIGINT) FROM resumable_upload WHERE sha256 IS NULL AND expires_at > ?",
                                     [stamp]) ?? 0
            return UploadsInFlight(clientUploads: mine.0, clientBytes: mine.1, totalBytes: all)
        }
    }

    /// What the sweeper removes: the uploads past their expiry that no event took (unfinished,
    /// or finished and never used), and the uploads events took (whose files may go).
    public func expiredUploads(now: Date) async throws -> (expired: [String], used: [String]) {
        try await reading { db in
            let rows = try db.rows("SELECT id, used_by, expires_at FROM resumable_upload WHERE expires_at <= ? OR used_by IS NOT NULL ORDER BY id",
                                   [Timestamp.string(now)]) { (id: try $0.string("id"), used: try $0.optionalInt("used_by") != nil) }
            return (rows.filter { !$0.used }.map(\.id), rows.filter(\.used).map(\.id))
        }
    }

    /// Deletes the rows of expired uploads (used or not): their files are gone already.
    @discardableResult
    public func forgetExpiredUploads(now: Date) async throws -> Int {
        try await writing { db in try db.execute("DELETE FROM resumable_upload WHERE expires_at <= ?", [Timestamp.string(now)]) }
    }

    /// The id of every upload the store knows.
    public func uploadIDs() async throws -> [String] {
        try await reading { db in try db.rows("SELECT id FROM resumable_upload") { try $0.string("id") } }
    }

    /// Marks each claimed upload used by entry `entryID`, in the entry's transaction: every one
    /// must be complete, unused and the client's own, or the whole event is refused
    /// (`StoreError.uploadUnavailable`, as if unknown).
    static func useUploads(_ claims: [UploadClaim], entryID: Int64, now: Date, _ db: any SQLSession) throws {
        for claim in claims {
            let changed = try db.execute("""
                UPDATE resumable_upload SET used_by = ?, used_at = ? WHERE id = ? AND owner_hash = ? AND used_by IS NULL AND sha256 IS NOT NULL
                """, [entryID, Timestamp.string(now), claim.id, claim.ownerHash])
            if changed != 1 { throw StoreError.uploadUnavailable(claim.id) }
        }
    }
}
