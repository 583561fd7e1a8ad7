import CompeCore
import CompeStore
import Foundation

/// Limits of resumable uploads (`compe serve --upload-…`).
public struct ResumableUploadSettings: Sendable, Hashable {
    /// How long an upload may stay unfinished, or finished and unused (`Upload-Expires`).
    public var expiry: TimeInterval = 24 * 3600
    /// Unfinished uploads one client address may have at once.
    public var perClient = 8
    /// Bytes still to come of one client's unfinished uploads, in MiB.
    public var clientMB = 4096
    /// Bytes still to come of every unfinished upload, in MiB.
    public var totalMB = 65536
    /// During one long `PATCH`, the bytes are made durable and acknowledged every this many
    /// bytes, so a request cut off late loses little.
    public var checkpointBytes: Int64 = 64 << 20

    public init() {}
}

/// Why a resumable upload request is refused: the problem as entrants read it (`FieldProblem`,
/// bilingual at the edge), and for the limits the seconds to wait.
public struct UploadRefusal: Error, Sendable {
    public var problem: FieldProblem
    public var retryAfter: Int?

    public init(_ problem: FieldProblem, retryAfter: Int? = nil) {
        self.problem = problem
        self.retryAfter = retryAfter
    }
}

/// Resumable uploads (tus 1.0) for entrants on slow or broken links: creating an upload under a
/// contest's limits, acknowledging bytes only once they are on disk, checking the finished file
/// by its bytes, handing finished uploads to the entry, edit or later-stage submission that
/// names them, and sweeping the expired. The HTTP side (`UploadAPI`) reads headers and streams
/// bodies; every rule is here.
public struct ResumableUploadService: Sendable {
    public let store: EntryStore
    public let settings: ResumableUploadSettings

    public init(store: EntryStore, settings: ResumableUploadSettings = ResumableUploadSettings()) {
        self.store = store
        self.settings = settings
    }

    /// The kind a client declares for a file: its MIME type (`filetype`), else its name's extension.
    public static func declaredKind(filetype: String?, filename: String) -> FileKind? {
        let mime = (filetype ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let aliases = ["image/jpg": FileKind.jpeg, "image/pjpeg": .jpeg, "video/quicktime": .mp4, "video/x-m4v": .mp4,
                       "application/x-zip-compressed": .zip, "application/x-pdf": .pdf]
        if let kind = FileKind.allCases.first(where: { $0.mimeType == mime }) ?? aliases[mime] { return kind }
        let ext = filename.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return FileKind.allCases.first { $0.extensions.contains(ext) }
    }

    /// Creates an upload of `length` bytes for `contest` (under `policy`, the limits of the
    /// entry or of the later stage it is for), owned by whoever holds `ownerKey`: refused when
    /// it is larger than a file may be (413), of a kind the contest does not take (415), or
    /// past the limits of the client or of the server on unfinished uploads (429).
    public func create(contest: String, policy: UploadPolicy, client: String, ownerKey: String, length: Int64, filename rawName: String,
                       filetype: String?, now: Date) async throws -> ResumableUpload {
        let filename = FileName.clean(rawName, fallback: "file")
        guard length <= policy.maxFileBytes else { throw UploadRefusal(.fileTooLarge(name: filename, maxMB: policy.maxFileMB)) }
        guard length > 0 else { throw UploadRefusal(.emptyFile(name: filename)) }
        guard let kind = Self.declaredKind(filetype: filetype, filename: filename), policy.types.contains(kind) else {
            throw UploadRefusal(.wrongType(name: filename, allowed: policy.types))
        }
        let flight = try await store.uploadsInFlight(client: client, now: now)
        let retry = 300
        if flight.clientUploads >= settings.perClient { throw UploadRefusal(.tooManyUploads(max: settings.perClient), retryAfter: retry) }
        if flight.clientBytes + length > Int64(settings.clientMB) << 20 { throw UploadRefusal(.clientUploadsInFlight, retryAfter: retry) }
        if flight.totalBytes + length > Int64(settings.totalMB) << 20 { throw UploadRefusal(.totalUploadsInFlight, retryAfter: retry) }
        let upload = ResumableUpload(id: ResumableUpload.newID(), contest: contest, client: client, length: length, filename: filename,
                                     declaredKind: kind, createdAt: now, expiresAt: now.addingTimeInterval(settings.expiry))
        try store.resumable.create(upload.id)
        do {
            try await store.createUpload(upload, ownerHash: ResumableUpload.ownerHash(ownerKey))
        } catch {
            store.resumable.remove(upload.id)
            throw error
        }
        return upload
    }

    /// Upload `id` when `ownerKey` owns it and it has not expired; nil as if unknown. An expired
    /// one is removed on the way (`UploadRefusal(.uploadExpired)`: 410).
    public func upload(id: String, ownerKey: String?, now: Date) async throws -> ResumableUpload? {
        guard ResumableUpload.isID(id), let ownerKey, let upload = try await store.upload(id: id, ownerHash: ResumableUpload.ownerHash(ownerKey)) else {
            return nil
        }
        if upload.usedBy != nil { return nil }
        if upload.expiresAt <= now {
            try await remove(upload.id)
            throw UploadRefusal(.uploadExpired)
        }
        return upload
    }

    /// A writer at `upload`'s acknowledged offset (see `ResumableFiles.writer`). A file gone
    /// from the disk (a restored backup, a cleaned directory) ends the upload: as if unknown.
    public func writer(for upload: ResumableUpload) async throws -> ResumableWriter? {
        guard FileManager.default.fileExists(atPath: store.resumable.path(upload.id)) else {
            try await store.deleteUpload(id: upload.id)
            return nil
        }
        return try store.resumable.writer(upload.id, at: upload.received)
    }

    /// Makes the bytes `writer` wrote since `from` durable and acknowledges them: fsync, then
    /// the new offset in the store. False when another request moved the upload meanwhile
    /// (nothing is acknowledged for this one).
    public func acknowledge(_ writer: ResumableWriter, upload: ResumableUpload, from: Int64) async throws -> Bool {
        guard writer.offset > from else { return true }
        guard writer.isCurrent else { return false }
        try writer.sync()
        guard try await store.advanceUpload(id: upload.id, from: from, to: writer.offset) else { return false }
        writer.remember()
        return true
    }

    /// Completes `upload` once all its bytes are acknowledged: its kind is read from its first
    /// bytes and must be one `policy` takes (else the upload is removed: 415), and its SHA-256
    /// (computed as the bytes came) is recorded. Returns the finished upload.
    public func complete(_ writer: ResumableWriter, upload: ResumableUpload, policy: UploadPolicy, now: Date) async throws -> ResumableUpload {
        writer.closeFile()
        guard let kind = FileKind.detect(writer.head), policy.types.contains(kind) else {
            try await remove(upload.id)
            throw UploadRefusal(.wrongType(name: upload.filename, allowed: policy.types))
        }
        let sha256 = writer.digest
        try await store.completeUpload(id: upload.id, length: upload.length, sha256: sha256, kind: kind, now: now)
        var done = upload
        done.received = upload.length
        done.sha256 = sha256
        done.kind = kind
        return done
    }

    /// Removes upload `id` (termination, or a refused or expired upload) and its file.
    public func remove(_ id: String) async throws {
        try await store.deleteUpload(id: id)
        store.resumable.remove(id)
    }

    /// The finished uploads `ids` of the client holding `ownerKey`, as files of an event of
    /// `contest` under `policy`, with the claims that mark them used in its transaction; or the
    /// problem, at field `uploads` (one unknown, another client's, unfinished, used, of
    /// another contest, or past the policy: all said as one thing, so nobody learns of others'
    /// uploads).
    public func files(_ ids: [String], ownerKey: String?, contest: String, policy: UploadPolicy,
                      now: Date) async throws -> Result<(files: [StagedFile], claims: [UploadClaim]), FieldError> {
        guard !ids.isEmpty else { return .success(([], [])) }
        var files: [StagedFile] = [], claims: [UploadClaim] = []
        for id in ids {
            let found = try? await upload(id: id, ownerKey: ownerKey, now: now)
            guard let upload = found ?? nil, let ownerKey, upload.contest == contest, let sha256 = upload.sha256, let kind = upload.kind,
                  !claims.contains(where: { $0.id == id }) else {
                return .failure(FieldError(field: "uploads", problem: .uploadUnavailable(id: String(id.prefix(32)))))
            }
            guard upload.length <= policy.maxFileBytes else {
                return .failure(FieldError(field: "uploads", problem: .fileTooLarge(name: upload.filename, maxMB: policy.maxFileMB)))
            }
            guard policy.types.contains(kind) else {
                return .failure(FieldError(field: "uploads", problem: .wrongType(name: upload.filename, allowed: policy.types)))
            }
            let path = store.resumable.path(upload.id)
            let handle = FileHandle(forReadingAtPath: path)
            let head = [UInt8]((try? handle?.read(upToCount: 16)) ?? Data())
            try? handle?.close()
            files.append(StagedFile(name: upload.filename, upload: .adopting(path: path, blob: StoredBlob(sha256: sha256, bytes: upload.length), head: head),
                                    kind: kind.rawValue))
            claims.append(UploadClaim(id: upload.id, ownerHash: ResumableUpload.ownerHash(ownerKey)))
        }
        return .success((files, claims))
    }

    /// Removes expired uploads (their rows and files), the files of uploads an event took, and
    /// files no row knows (a crash between the file and its row); returns how many uploads expired.
    /// A file without a row is spared for an hour: its upload may be being created right now.
    @discardableResult
    public func sweep(now: Date) async throws -> Int {
        let (expired, used) = try await store.expiredUploads(now: now)
        for id in expired + used { store.resumable.remove(id) }
        // A write only when something is due (used uploads' rows go at their expiry too).
        if !expired.isEmpty || !used.isEmpty { try await store.forgetExpiredUploads(now: now) }
        let known = Set(try await store.uploadIDs())
        for id in store.resumable.ids(olderThan: 3600) where !known.contains(id) { store.resumable.remove(id) }
        return expired.count
    }
}
