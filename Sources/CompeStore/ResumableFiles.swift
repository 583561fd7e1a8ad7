import CompeCore
import Crypto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of resumable uploads: `Data/resumable/<id>`, one file per upload, written at the
/// offset the client resumes from. The database says how many bytes are acknowledged; the file
/// may hold more (written, not yet synced and acknowledged, when the server was killed), and
/// each write starts by cutting it back to the acknowledged offset.
///
/// The SHA-256 is computed as the bytes arrive. Its state at the last acknowledged offset is
/// kept in memory, so the next request goes on from there; after a restart, or on another
/// instance, the acknowledged bytes are read once to rebuild it.
///
/// One request writes an upload at a time: a new `PATCH` takes the upload over from one still
/// running (a client that lost its connection resumes before the server noticed), and the old
/// one writes nothing more (`ResumableWriter.append` answers false).
public final class ResumableFiles: Sendable {
    /// `Data/resumable`.
    public let directory: URL
    private let directoryPath: String
    /// Per upload: the current writer's generation and the hash state at the acknowledged offset.
    private let slots = Mutex<[String: Slot]>([:])

    final class Slot: @unchecked Sendable {
        /// Guards `generation` and every write to the file.
        let lock = NSLock()
        var generation = 0
        var saved: (offset: Int64, hasher: SHA256, head: [UInt8])?
    }

    /// Opens (and creates, owner only) the directory under `dataDirectory`.
    public init(dataDirectory: URL) throws {
        directory = dataDirectory.appendingPathComponent("resumable", isDirectory: true)
        directoryPath = directory.path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The file of upload `id` (an id checked by `ResumableUpload.isID`).
    public func path(_ id: String) -> String { directoryPath + "/" + id }

    /// Creates the empty file of a new upload, durably (the directory is synced).
    public func create(_ id: String) throws {
        let path = path(id)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.fileSystem(.create, path: path, errno: errno) }
        close(fd)
        try UploadStore.fsyncDirectory(directoryPath)
    }

    /// Removes upload `id`'s file and what is remembered of it.
    public func remove(_ id: String) {
        unlink(path(id))
        _ = slots.withLock { $0.removeValue(forKey: id) }
    }

    /// The ids of the files here not written to for `age` seconds (for the sweeper: files
    /// whose row is gone).
    public func ids(olderThan age: TimeInterval) -> [String] {
        let cutoff = Date().addingTimeInterval(-age)
        return ((try? FileManager.default.contentsOfDirectory(atPath: directoryPath)) ?? []).filter { name in
            guard ResumableUpload.isID(name),
                  let modified = (try? FileManager.default.attributesOfItem(atPath: path(name)))?[.modificationDate] as? Date else { return false }
            return modified < cutoff
        }
    }

    /// Starts writing upload `id` at `offset`, its acknowledged size: the file is cut back to
    /// it and the hash state is the one at `offset`. Any writer of the same upload still
    /// running stops writing from now on.
    public func writer(_ id: String, at offset: Int64) throws -> ResumableWriter {
        let slot = slots.withLock { slots in
            if let slot = slots[id] { return slot }
            let slot = Slot()
            slots[id] = slot
            return slot
        }
        let path = path(id)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.fileSystem(.open, path: path, errno: errno) }
        slot.lock.lock()
        defer { slot.lock.unlock() }
        slot.generation += 1
        guard ftruncate(fd, off_t(offset)) == 0 else {
            let code = errno
            close(fd)
            throw StoreError.fileSystem(.write, path: path, errno: code)
        }
        var state: (hasher: SHA256, head: [UInt8])
        if let saved = slot.saved, saved.offset == offset {
            state = (saved.hasher, saved.head)
        } else {
            do {
                state = try Self.rehash(fd: fd, path: path, upTo: offset)
            } catch {
                close(fd)
                throw error
            }
        }
        return ResumableWriter(fd: fd, path: path, offset: offset, hasher: state.hasher, head: state.head, slot: slot, generation: slot.generation)
    }

    /// The hash state and first bytes of the file's first `count` bytes, read once.
    static func rehash(fd: Int32, path: String, upTo count: Int64) throws -> (hasher: SHA256, head: [UInt8]) {
        var hasher = SHA256(), head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done: Int64 = 0
        while done < count {
            let want = Int(min(Int64(buffer.count), count - done))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StoreError.fileSystem(.open, path: path, errno: n < 0 ? errno : EIO) }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            if head.count < 16 { head += buffer.prefix(min(n, 16 - head.count)) }
            done += Int64(n)
        }
        return (hasher, head)
    }
}

/// One request's writing of a resumable upload: bytes appended at the offset, hashed as they
/// come; `sync` makes them durable, `remember` keeps the hash state for the next request.
/// Used by one request at a time.
public final class ResumableWriter: @unchecked Sendable {
    public let path: String
    /// Bytes in the file now (the acknowledged offset plus what this request wrote).
    public private(set) var offset: Int64
    /// The first 16 bytes of the file, for its kind.
    public private(set) var head: [UInt8]
    private var fd: Int32
    private var hasher: SHA256
    private let slot: ResumableFiles.Slot
    private let generation: Int

    init(fd: Int32, path: String, offset: Int64, hasher: SHA256, head: [UInt8], slot: ResumableFiles.Slot, generation: Int) {
        self.fd = fd
        self.path = path
        self.offset = offset
        self.hasher = hasher
        self.head = head
        self.slot = slot
        self.generation = generation
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `chunk`; false (nothing written) when a newer request took the upload over.
    public func append(_ chunk: UnsafeRawBufferPointer) throws -> Bool {
        slot.lock.lock()
        defer { slot.lock.unlock() }
        guard slot.generation == generation, fd >= 0 else { return false }
        var done = 0
        while done < chunk.count {
            let n = pwrite(fd, chunk.baseAddress! + done, chunk.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                _ = ftruncate(fd, off_t(offset))   // nothing half-written stays past the offset
                throw StoreError.fileSystem(.write, path: path, errno: code)
            }
            done += n
        }
        if head.count < 16 { head.append(contentsOf: chunk.prefix(16 - head.count)) }
        hasher.update(bufferPointer: chunk)
        offset += Int64(chunk.count)
        return true
    }

    /// Flushes the bytes written so far to disk (before they are acknowledged).
    public func sync() throws {
        guard fdatasync(fd) == 0 else { throw StoreError.fileSystem(.sync, path: path, errno: errno) }
    }

    /// Whether this request still owns the upload (no newer request took it over).
    public var isCurrent: Bool {
        slot.lock.lock()
        defer { slot.lock.unlock() }
        return slot.generation == generation
    }

    /// Keeps the hash state at the current offset for the next request (after it was acknowledged).
    public func remember() {
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if slot.generation == generation { slot.saved = (offset, hasher, head) }
    }

    /// The SHA-256 of the whole file (when the offset is its length).
    public var digest: String { Hex.encode(hasher.finalize()) }

    /// Cuts the file back to `offset` (a request whose checksum did not match) and stops writing.
    public func rollBack(to offset: Int64) {
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if slot.generation == generation, fd >= 0 { _ = ftruncate(fd, off_t(offset)) }
        closeFile()
    }

    /// Closes the file.
    public func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}
