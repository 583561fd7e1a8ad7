import CompeCore
import Foundation

/// `compe fsck`: is the data directory whole? The database passes SQLite's integrity check,
/// every upload an entry references is present and holds what its name (its SHA-256) says, and
/// nothing in `uploads/` is left over. `repair` moves leftovers to `lost+found/` and clears
/// `tmp/`; missing or damaged files cannot be repaired (restore a backup).
public enum Fsck {
    /// What was found.
    public struct Report: Sendable {
        public var integrity: String
        public var entries: Int
        public var referenced: Int
        public var missing: [String]
        public var corrupt: [String]
        public var orphans: [String]
        public var staged: Int
        public var repaired: Bool
        /// Entries whose country is text from before countries were ISO codes, which the
        /// migration could not map (not damage: they count as `other` until an edit fixes them).
        public var uncodedCountries: [String] = []

        /// Whether nothing is damaged (leftovers are not damage).
        public var isClean: Bool { integrity == "ok" && missing.isEmpty && corrupt.isEmpty }

        /// One line.
        public var summary: String {
            var parts = ["database \(integrity == "ok" ? "ok" : "DAMAGED (\(integrity))")", "\(entries) entries",
                         "\(referenced) files checked", "\(missing.count) missing", "\(corrupt.count) damaged"]
            parts.append("\(orphans.count) left over" + (repaired && !orphans.isEmpty ? " (moved to lost+found/)" : ""))
            if staged > 0 { parts.append("\(staged) in tmp/" + (repaired ? " (removed)" : "")) }
            if !uncodedCountries.isEmpty {
                parts.append("\(uncodedCountries.count) with a country that is not an ISO code (\(uncodedCountries.prefix(10).joined(separator: " "))"
                             + (uncodedCountries.count > 10 ? " …" : "") + "; counted as 'other' until the entrant edits the entry)")
            }
            return parts.joined(separator: ", ")
        }
    }

    /// Checks (and with `repair`, tidies) the data directory `data` and its SQLite database.
    public static func check(data: URL, repair: Bool) throws -> Report {
        let database = EntryStore.sqlitePath(data)
        guard FileManager.default.fileExists(atPath: database) else { throw StoreError.noDatabase(data.path) }
        let (integrity, entries, hashes, countries): (String, Int, [String], [String])
        do {
            (integrity, entries, hashes, countries) = try SQLiteDatabase.readOnly(path: database) { db in
                (try db.rows("PRAGMA integrity_check") { try $0.string("integrity_check") }.joined(separator: "; "),
                 Int(try db.integer("SELECT COUNT(*) FROM entry") ?? 0),
                 try db.rows("SELECT DISTINCT sha256 FROM entry_file") { try $0.string("sha256") },
                 try EntryStore.uncodedCountries(db))
            }
        } catch { throw StoreError.database(error) }
        var report = try files(data: data, integrity: integrity, entries: entries, hashes: hashes, repair: repair)
        report.uncodedCountries = countries
        return report
    }

    /// Checks (and with `repair`, tidies) a store whose rows live elsewhere (PostgreSQL): the
    /// database's own check, and the files under the store's data directory.
    public static func check(store: EntryStore, repair: Bool) async throws -> Report {
        let integrity = try await store.integrityCheck()
        let entries = try await store.count()
        let hashes = try await store.referencedHashes()
        var report = try files(data: store.dataDirectory, integrity: integrity, entries: entries, hashes: hashes, repair: repair)
        report.uncodedCountries = try await store.reading { db in try EntryStore.uncodedCountries(db) }
        return report
    }

    /// The files part of the check, given what the database says.
    private static func files(data: URL, integrity: String, entries: Int, hashes: [String], repair: Bool) throws -> Report {
        let uploads = data.appendingPathComponent("uploads")
        var missing: [String] = [], corrupt: [String] = []
        for hash in hashes.sorted() {
            let path = uploads.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(hash).path
            guard FileManager.default.fileExists(atPath: path) else { missing.append(hash); continue }
            if (try? FileHash.sha256(path)) != hash { corrupt.append(hash) }
        }
        let referenced = Set(hashes)
        let fm = FileManager.default
        var orphans: [String] = []
        for dir in ((try? fm.contentsOfDirectory(atPath: uploads.path)) ?? []).sorted() {
            for name in ((try? fm.contentsOfDirectory(atPath: uploads.appendingPathComponent(dir).path)) ?? []).sorted() where !referenced.contains(name) {
                orphans.append("\(dir)/\(name)")
            }
        }
        let tmp = data.appendingPathComponent("tmp")
        let staged = ((try? fm.contentsOfDirectory(atPath: tmp.path)) ?? []).count
        if repair {
            let lost = data.appendingPathComponent("lost+found")
            for orphan in orphans {
                try fm.createDirectory(at: lost, withIntermediateDirectories: true)
                let target = lost.appendingPathComponent((orphan as NSString).lastPathComponent)
                try? fm.removeItem(at: target)
                try fm.moveItem(at: uploads.appendingPathComponent(orphan), to: target)
            }
            for name in (try? fm.contentsOfDirectory(atPath: tmp.path)) ?? [] { try? fm.removeItem(at: tmp.appendingPathComponent(name)) }
        }
        return Report(integrity: integrity, entries: entries, referenced: hashes.count, missing: missing, corrupt: corrupt,
                      orphans: orphans, staged: staged, repaired: repair)
    }
}

extension EntryStore {
    /// The codes of entries whose country is not an ISO 3166-1 code.
    static func uncodedCountries(_ db: any SQLSession) throws -> [String] {
        try db.rows("SELECT code, country FROM entry ORDER BY id") { (try $0.string("code"), try $0.string("country")) }
            .filter { !Country.isCode($0.1) }.map(\.0)
    }
}
