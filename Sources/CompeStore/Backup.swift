import CompeCore
import Crypto
import Foundation
import GRDB

/// Files of the data directory besides the database and the uploads.
public enum DataFile {
    /// The site's signing key (signify's secret-key format), made by `compe keys init`.
    public static let siteKey = "site.sec"
}

/// What a backup holds.
public struct BackupReport: Sendable {
    public var entries: Int
    public var files: Int
    public var bytes: Int64
}

extension EntryStore {
    /// Writes a backup of this store to `file` (an archive `tar` can read): the database as one
    /// consistent snapshot (SQLite's online backup: entries committed meanwhile are in it whole
    /// or not at all), every upload it references (checked against its hash on the way),
    /// `secret.key`, the signing key `site.sec` when there is one, and `MANIFEST.sha256`. Safe while the server runs. `file` must not exist.
    public func backup(to file: URL) throws -> BackupReport {
        guard !FileManager.default.fileExists(atPath: file.path) else { throw StoreError.backupExists(file.path) }
        let folder = file.deletingLastPathComponent()
        let snapshotPath = folder.appendingPathComponent(".\(file.lastPathComponent).sqlite-\(UUID().uuidString)").path
        let partial = folder.appendingPathComponent(".\(file.lastPathComponent).part-\(UUID().uuidString)").path
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(snapshotPath + suffix) }
            unlink(partial)
        }
        guard let sqlite = database as? SQLiteDatabase else { throw StoreError.useDatabaseTools(operation: "backup", location: database.location) }
        let (entries, hashes): (Int, [String])
        do {
            let snapshot = try DatabaseQueue(path: snapshotPath)
            try sqlite.pool.backup(to: snapshot)
            (entries, hashes) = try snapshot.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") ?? 0,
                 try String.fetchAll(db, sql: EntryStore.referencedHashesQuery))
            }
            try snapshot.close()
        } catch let error as StoreError { throw error } catch { throw StoreError.database(error) }
        let tar = try TarWriter(path: partial)
        var manifest = ""
        var bytes: Int64 = 0
        func add(_ name: String, path: String) throws {
            let digest = try FileHash.sha256(path)
            manifest += "\(digest)  \(name)\n"
            try tar.add(name, file: path)
            bytes += Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        try add("compe.sqlite", path: snapshotPath)
        try add("secret.key", path: dataDirectory.appendingPathComponent("secret.key").path)
        let siteKey = dataDirectory.appendingPathComponent(DataFile.siteKey).path
        if FileManager.default.fileExists(atPath: siteKey) { try add(DataFile.siteKey, path: siteKey) }
        for hash in hashes {
            guard let url = uploads.file(sha256: hash) else { throw StoreError.damagedUpload(hash, reason: "missing") }
            let name = "uploads/\(hash.prefix(2))/\(hash)"
            try add(name, path: url.path)
            guard manifest.hasSuffix("\(hash)  \(name)\n") else { throw StoreError.damagedUpload(hash, reason: "its content does not match its name") }
        }
        try tar.add("MANIFEST.sha256", data: Data(manifest.utf8))
        try tar.finish()
        guard rename(partial, file.path) == 0 else { throw StoreError.fileSystem(.rename, path: file.path, errno: errno) }
        return BackupReport(entries: entries, files: hashes.count, bytes: bytes)
    }
}

/// SHA-256 of files, streamed.
public enum FileHash {
    /// Lowercase hex SHA-256 of the file at `path`.
    public static func sha256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError.fileSystem(.open, path: path, errno: errno) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.encode(hasher.finalize())
    }
}

/// `compe restore`: a backup into an empty data directory, every hash checked before anything
/// takes its final place.
public enum Restore {
    /// Restores `file` into `data` (which must be missing or empty). Nothing is left in `data`
    /// when a check fails.
    public static func restore(_ file: URL, into data: URL) throws -> BackupReport {
        let fm = FileManager.default
        if fm.fileExists(atPath: data.path), !((try? fm.contentsOfDirectory(atPath: data.path)) ?? []).isEmpty {
            throw StoreError.notEmpty(data.path)
        }
        try fm.createDirectory(at: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let staging = data.appendingPathComponent(".restore-\(UUID().uuidString)")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: staging) }
        var extracted: [String] = []
        try TarReader(path: file.path).forEach { name, _, extract in
            guard Self.allowed(name), !extracted.contains(name) else { throw StoreError.notABackup("unexpected file '\(name)'") }
            let target = staging.appendingPathComponent(name)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try extract(target.path)
            extracted.append(name)
        }
        guard let text = fm.contents(atPath: staging.appendingPathComponent("MANIFEST.sha256").path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw StoreError.notABackup("no MANIFEST.sha256")
        }
        var listed: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw StoreError.notABackup("a manifest line is not '<sha256>  <name>'") }
            listed[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
        }
        guard Set(listed.keys) == Set(extracted).subtracting(["MANIFEST.sha256"]), listed["compe.sqlite"] != nil, listed["secret.key"] != nil else {
            throw StoreError.notABackup("the manifest does not list exactly the files in the archive")
        }
        for (name, digest) in listed {
            let actual = try FileHash.sha256(staging.appendingPathComponent(name).path)
            guard actual == digest else { throw StoreError.notABackup("\(name) does not match its SHA-256") }
            if name.hasPrefix("uploads/"), !name.hasSuffix("/" + actual) { throw StoreError.notABackup("\(name) does not hold what its name says") }
        }
        let report = try Fsck.check(data: staging, repair: false)
        guard report.isClean else { throw StoreError.notABackup(report.summary) }
        try fm.removeItem(at: staging.appendingPathComponent("MANIFEST.sha256"))
        for item in try fm.contentsOfDirectory(atPath: staging.path) {
            try fm.moveItem(at: staging.appendingPathComponent(item), to: data.appendingPathComponent(item))
        }
        return BackupReport(entries: report.entries, files: report.referenced, bytes: 0)
    }

    /// The names a backup may hold.
    static func allowed(_ name: String) -> Bool {
        if ["compe.sqlite", "secret.key", DataFile.siteKey, "MANIFEST.sha256"].contains(name) { return true }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let hex = { (s: Substring) in s.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
        return parts.count == 3 && parts[0] == "uploads" && parts[1].count == 2 && parts[2].count == 64 && hex(parts[1]) && hex(parts[2])
            && parts[2].hasPrefix(parts[1])
    }
}
