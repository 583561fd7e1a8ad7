import CLinux
import CompeCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file received for an entry and staged in `tmp/`, not stored yet: its name as shown (cleaned,
/// never a path), its bytes, and its kind from its content.
public struct StagedFile: Sendable {
    public var name: String
    public var upload: StagedUpload
    public var kind: String

    public init(name: String, upload: StagedUpload, kind: String) {
        self.name = name
        self.upload = upload
        self.kind = kind
    }
}

/// Files of entries, stored by content: `uploads/ab/abcdef…` where the name is the SHA-256.
///
/// An upload is first written to `tmp/` while it is hashed and counted; it is moved into
/// `uploads/` only when complete (fsync, rename, fsync of the directory), so a reader never
/// sees a partial file, and a crash leaves at most a stray temp file that the next start
/// removes. Names from users never reach the file system.
public final class UploadStore: Sendable {
    /// `Data/uploads`.
    public let root: URL
    /// `Data/tmp`, for uploads in progress.
    public let staging: URL
    /// `root` and `staging` as paths. Every upload's paths are made from these with plain string
    /// joins: `URL.appendingPathComponent` asks the file system whether each name is a directory
    /// (a `stat` per call), which was half the cost of storing a small upload.
    private let rootPath: String, stagingPath: String

    /// Opens (and creates) the store under `dataDirectory`.
    public init(dataDirectory: URL) throws {
        root = dataDirectory.appendingPathComponent("uploads", isDirectory: true)
        staging = dataDirectory.appendingPathComponent("tmp", isDirectory: true)
        rootPath = root.path
        stagingPath = staging.path
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
    }

    /// Removes temp files left by a crash, those not written to for `age` seconds. Call before
    /// serving. A server that owns the directory alone removes them all (`age` 0); servers that
    /// share it (PostgreSQL, a shared mount) must spare the uploads the others are receiving,
    /// which are written to all the time (a stalled upload is cut off within a minute).
    public func removeStaleStagingFiles(olderThan age: TimeInterval = 0) {
        let cutoff = Date().addingTimeInterval(-age)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [] {
            let url = staging.appendingPathComponent(name)
            if age > 0, let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
               modified > cutoff { continue }
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// Starts a new upload in `tmp/`.
    public func begin() throws -> StagedUpload {
        let path = stagingPath + "/upload-" + UUID().uuidString
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.fileSystem(.create, path: path, errno: errno) }
        return StagedUpload(fd: fd, path: path)
    }

    /// Makes a finished upload durable and visible under its hash. Identical content is stored once.
    /// Content already stored (durably, by an earlier commit) is not written again, nor synced.
    ///
    /// With `sync: false` the file is moved into place without being flushed: the caller must
    /// call `syncAll()` before it relies on the file (the entry store's group commit does, once
    /// for a whole batch of entries, before their rows are committed).
    ///
    /// A finished resumable upload (`StagedUpload.adopting`) is linked into place, not moved:
    /// its file stays where it is until the entry that takes it has committed, so a refused or
    /// failed entry leaves the upload whole for the next try.
    public func commit(_ upload: StagedUpload, sync: Bool = true) throws -> StoredBlob {
        let blob = try upload.finish(sync: false)
        let dir = rootPath + "/" + blob.sha256.prefix(2)
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            let code = errno
            upload.discard()
            throw StoreError.fileSystem(.create, path: dir, errno: code)
        }
        let target = dir + "/" + blob.sha256
        if upload.isAdopted {
            if access(target, F_OK) != 0 { try Self.linkOrCopy(upload.path, to: target) }
            if sync {
                try Self.fsyncDirectory(dir)
                try Self.fsyncDirectory(rootPath)
            }
        } else if access(target, F_OK) == 0 {
            upload.closeFile()
            unlink(upload.path)
        } else {
            if sync { try upload.sync() } else { upload.closeFile() }
            guard rename(upload.path, target) == 0 else {
                let code = errno
                unlink(upload.path)
                throw StoreError.fileSystem(.rename, path: target, errno: code)
            }
            if sync {
                try Self.fsyncDirectory(dir)
                try Self.fsyncDirectory(rootPath)
            }
        }
        return blob
    }

    /// Commits every staged file (`commit`), in order; on a failure the ones not committed yet
    /// are discarded, so `tmp/` keeps nothing of the request.
    public func commitAll(_ staged: [StagedFile], sync: Bool) throws -> [EntryFile] {
        var out: [EntryFile] = []
        for (i, file) in staged.enumerated() {
            do {
                let blob = try commit(file.upload, sync: sync)
                out.append(EntryFile(name: file.name, bytes: blob.bytes, sha256: blob.sha256, kind: file.kind))
            } catch {
                for rest in staged[i...] { rest.upload.discard() }
                throw error
            }
        }
        return out
    }

    /// Makes every upload committed so far durable, with their directory entries: one `syncfs`
    /// of the file system that holds them, instead of a file and two directory syncs per upload.
    public func syncAll() throws {
        let fd = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.fileSystem(.open, path: root.path, errno: errno) }
        defer { close(fd) }
        guard compe_syncfs(fd) == 0 else { throw StoreError.fileSystem(.sync, path: root.path, errno: errno) }
    }

    /// The file of a stored blob, or nil when `sha256` is not a hash or not stored.
    public func file(sha256: String) -> URL? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        let url = root.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A copy of the stored image `sha256` without its metadata (`ImageMetadata.strip`), for
    /// judges of a blind contest: `derived/blind/<sha256>`, made on first use and kept (it can
    /// always be made again, so backups leave it out), with its own hash and size in a sidecar
    /// file. Other kinds, and images with nothing to strip, are the stored file itself.
    public func blindCopy(sha256: String, kind: FileKind) throws -> (url: URL, sha256: String, bytes: Int64)? {
        guard let original = file(sha256: sha256) else { return nil }
        guard [.jpeg, .png, .gif, .webp].contains(kind) else { return nil }
        let folder = root.deletingLastPathComponent().appendingPathComponent("derived/blind", isDirectory: true)
        let copy = folder.appendingPathComponent(sha256), sidecar = folder.appendingPathComponent(sha256 + ".sha256")
        if let text = try? String(contentsOf: sidecar, encoding: .utf8), FileManager.default.fileExists(atPath: copy.path) {
            let parts = text.split(separator: " ")
            if parts.count == 2, let bytes = Int64(parts[1]) { return (copy, String(parts[0]), bytes) }
        }
        let bytes = [UInt8](try Data(contentsOf: original))
        let stripped = ImageMetadata.strip(bytes, kind: kind)
        let hash = SHA256.hash(data: stripped).map { String(format: "%02x", $0) }.joined()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Written under temporary names and renamed: two judges opening the same image at once
        // both end with whole files.
        let unique = UUID().uuidString
        let tmpCopy = folder.appendingPathComponent(".\(unique)"), tmpSidecar = folder.appendingPathComponent(".\(unique).sha256")
        try Data(stripped).write(to: tmpCopy)
        try Data("\(hash) \(stripped.count)".utf8).write(to: tmpSidecar)
        guard rename(tmpCopy.path, copy.path) == 0, rename(tmpSidecar.path, sidecar.path) == 0 else {
            throw StoreError.fileSystem(.create, path: copy.path, errno: errno)
        }
        return (copy, hash, Int64(stripped.count))
    }

    /// The hash of every stored file (names under `uploads/xx/` that are hashes).
    public func storedHashes() -> [String] {
        let fm = FileManager.default
        let isHash = { (name: String) in name.count == 64 && name.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
        return ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).sorted().flatMap { dir in
            ((try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? []).filter { isHash($0) && $0.hasPrefix(dir) }
        }
    }

    /// A hard link of `source` at `target` (the same disk: `Data/`), or a synced copy when the
    /// two are on different file systems; written under a temporary name and renamed, so
    /// `target` is never a partial file.
    static func linkOrCopy(_ source: String, to target: String) throws {
        if link(source, target) == 0 || errno == EEXIST { return }
        guard errno == EXDEV || errno == EPERM else { throw StoreError.fileSystem(.create, path: target, errno: errno) }
        let partial = target + ".partial-" + UUID().uuidString
        do {
            try FileManager.default.copyItem(atPath: source, toPath: partial)
            let fd = open(partial, O_RDONLY | O_CLOEXEC)
            defer { if fd >= 0 { close(fd) } }
            guard fd >= 0, fsync(fd) == 0 else { throw StoreError.fileSystem(.sync, path: partial, errno: errno) }
            guard rename(partial, target) == 0 else { throw StoreError.fileSystem(.rename, path: target, errno: errno) }
        } catch {
            unlink(partial)
            throw error as? StoreError ?? StoreError.fileSystem(.write, path: target, errno: EIO)
        }
    }

    static func fsyncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.fileSystem(.open, path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.fileSystem(.sync, path: path, errno: errno) }
    }
}

/// A stored file's identity: its hash and size.
public struct StoredBlob: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the content.
    public var sha256: String
    /// Size in bytes.
    public var bytes: Int64

    public init(sha256: String, bytes: Int64) {
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// An upload being written: bytes are hashed and counted as they arrive, and the first
/// bytes are kept to decide the file's kind from its content.
///
/// Used by one request at a time; not shared between tasks.
public final class StagedUpload: @unchecked Sendable {
    /// The temp file's path.
    public let path: String
    private var fd: Int32
    private var hasher = SHA256()
    /// Bytes written so far.
    public private(set) var bytes: Int64 = 0
    /// The first 16 bytes, for magic-byte detection.
    public private(set) var head: [UInt8] = []
    /// A finished resumable upload's identity: the file is complete where it is, and is linked
    /// into `uploads/` by `UploadStore.commit`, never moved, written or discarded here.
    private let adopted: StoredBlob?

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        adopted = nil
    }

    private init(adopting path: String, blob: StoredBlob, head: [UInt8]) {
        fd = -1
        self.path = path
        adopted = blob
        bytes = blob.bytes
        self.head = head
    }

    /// A finished resumable upload at `path` (its bytes hashed as they arrived), to go into an
    /// entry like a file of the form.
    public static func adopting(path: String, blob: StoredBlob, head: [UInt8]) -> StagedUpload {
        StagedUpload(adopting: path, blob: blob, head: head)
    }

    /// Whether this is a finished resumable upload (`adopting`).
    public var isAdopted: Bool { adopted != nil }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    /// Lowercase hex SHA-256 of the bytes written so far (the upload stays open).
    public var digest: String { adopted?.sha256 ?? Hex.encode(hasher.finalize()) }

    /// Appends bytes to the file.
    public func append(_ chunk: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw StoreError.fileSystem(.write, path: path, errno: EBADF) }
        if head.count < 16 { head.append(contentsOf: chunk.prefix(16 - head.count)) }
        hasher.update(bufferPointer: chunk)
        var offset = 0
        while offset < chunk.count {
            let n = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.fileSystem(.write, path: path, errno: errno)
            }
            offset += n
        }
        bytes += Int64(chunk.count)
    }

    /// The file's hash and size (no more bytes may be written). With `sync`, also flushes the
    /// file to disk and closes it.
    func finish(sync: Bool = true) throws -> StoredBlob {
        if let adopted { return adopted }
        guard fd >= 0 else { throw StoreError.fileSystem(.write, path: path, errno: EBADF) }
        if sync { try self.sync() }
        return StoredBlob(sha256: Hex.encode(hasher.finalize()), bytes: bytes)
    }

    /// Flushes the file's data (and its size) to disk, then closes it.
    func sync() throws {
        guard fd >= 0 else { return }
        defer { closeFile() }
        guard fdatasync(fd) == 0 else { throw StoreError.fileSystem(.sync, path: path, errno: errno) }
    }

    /// Closes the file (it stays on disk until renamed or unlinked).
    func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Throws the upload away (a finished resumable upload stays, for the client's next try).
    public func discard() {
        if adopted != nil { return }
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(path)
    }
}
