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
        /// Rows that break the store's own rules (`EntryStore.dataProblems`): damage.
        public var rows: [String] = []

        /// Whether nothing is damaged (leftovers are not damage).
        public var isClean: Bool { integrity == "ok" && missing.isEmpty && corrupt.isEmpty && rows.isEmpty }

        /// One line.
        public var summary: String {
            var parts = ["database \(integrity == "ok" ? "ok" : "DAMAGED (\(integrity))")",
                         rows.isEmpty ? "rows ok" : "\(rows.count) DAMAGED row(s): \(rows.prefix(5).joined(separator: "; "))" + (rows.count > 5 ? " …" : ""),
                         "\(entries) entries",
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
        let (integrity, entries, hashes, countries, rows): (String, Int, [String], [String], [String])
        do {
            (integrity, entries, hashes, countries, rows) = try SQLiteDatabase.readOnly(path: database) { db in
                (try db.rows("PRAGMA integrity_check") { try $0.string("integrity_check") }.joined(separator: "; "),
                 Int(try db.integer("SELECT COUNT(*) FROM entry") ?? 0),
                 try db.rows(EntryStore.referencedHashesQuery) { try $0.string("sha256") },
                 try EntryStore.uncodedCountries(db), try EntryStore.dataProblems(db))
            }
        } catch { throw StoreError.database(error) }
        var report = try files(data: data, integrity: integrity, entries: entries, hashes: hashes, repair: repair)
        report.uncodedCountries = countries
        report.rows = rows
        return report
    }

    /// Checks (and with `repair`, tidies) a store whose rows live elsewhere (PostgreSQL): the
    /// database's own check, the rows (`EntryStore.dataProblems`, as on SQLite), and the files
    /// under the store's data directory.
    public static func check(store: EntryStore, repair: Bool) async throws -> Report {
        let integrity = try await store.integrityCheck()
        let entries = try await store.count()
        let hashes = try await store.referencedHashes()
        var report = try files(data: store.dataDirectory, integrity: integrity, entries: entries, hashes: hashes, repair: repair)
        (report.uncodedCountries, report.rows) = try await store.reading { db in (try EntryStore.uncodedCountries(db), try EntryStore.dataProblems(db)) }
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

extension EntryStore {
    /// Every reference from one table to another, checked by `dataProblems`: the child table,
    /// its column, the parent table and column. Tables with a foreign key have it enforced by the
    /// engine; this also covers the ones without (the audit), and a database restored by hand.
    static let references: [(table: String, column: String, parent: String, parentColumn: String)] = [
        ("entry_file", "entry_id", "entry", "id"), ("entry_change", "entry_id", "entry", "id"), ("conflict", "entry_id", "entry", "id"),
        ("conflict", "judge", "judge", "handle"), ("assignment", "entry_id", "entry", "id"), ("assignment", "judge", "judge", "handle"),
        ("score", "entry_id", "entry", "id"), ("score", "judge", "judge", "handle"), ("score_comment", "entry_id", "entry", "id"),
        ("score_audit", "entry_id", "entry", "id"), ("score_audit", "judge", "judge", "handle"), ("sheet", "entry_id", "entry", "id"),
        ("idempotency", "entry_id", "entry", "id"), ("panel", "judge", "judge", "handle"), ("judge_token", "judge", "judge", "handle"),
        ("outbox", "entry_id", "entry", "id"), ("finalist", "entry_id", "entry", "id"), ("stage_submission", "entry_id", "entry", "id"),
        ("stage_file", "entry_id", "entry", "id"), ("consent_event", "entry_id", "entry", "id"),
        ("share_file", "share_id", "share", "id"), ("partner_access", "share_id", "share", "id"),
        ("log_leaf", "entry_id", "entry", "id"),
    ]

    /// What is wrong with the rows, in words: a row that points at an entry or a judge that is
    /// not there, an entry code that is not its id's, an id generator behind the largest id
    /// (the next insert would fail or reuse an id). The same queries on both engines.
    static func dataProblems(_ db: any SQLSession) throws -> [String] {
        var problems: [String] = []
        for r in references {
            let missing = try db.rows("""
                SELECT c.\(r.column) AS missing, COUNT(*) AS n FROM \(r.table) c LEFT JOIN \(r.parent) p ON p.\(r.parentColumn) = c.\(r.column)
                WHERE p.\(r.parentColumn) IS NULL GROUP BY c.\(r.column)
                """, []) { row -> String in
                let key: String
                switch try row.value(named: "missing") {
                case .integer(let v): key = r.parent == "entry" ? EntryCode.format(v) : String(v)
                case .text(let v): key = v
                default: key = "?"
                }
                return "\(try row.int("n")) \(r.table) row(s) point at \(r.parent) \(key), which does not exist"
            }
            problems += missing
        }
        problems += try db.rows("SELECT id, code FROM entry ORDER BY id", []) { row -> String? in
            let id = try row.int64("id"), code = try row.string("code")
            return code == EntryCode.format(id) ? nil : "entry \(id) is numbered \(code)"
        }.compactMap { $0 }
        for table in ["entry", "entry_change", "score_audit", "outbox", "consent_event", "share", "partner_access"] {
            guard let largest = try db.integer("SELECT MAX(id) FROM \(table)", []) else { continue }
            let last = try db.lastGeneratedID(table: table) ?? 0
            if last < largest { problems.append("the id generator of \(table) is at \(last), behind its largest id \(largest)") }
        }
        return problems + (try logProblems(db))
    }
    /// What is wrong with the entry log: a contest's size that is not its number of leaves, a
    /// gap in the indices, a leaf whose hash is not SHA-256(0x00 ‖ its data), an entry received
    /// since the log began without its leaf.
    static func logProblems(_ db: any SQLSession) throws -> [String] {
        var problems: [String] = []
        let sizes = Dictionary(try db.rows("SELECT contest, size FROM log_size") { (try $0.string("contest"), try $0.int64("size")) },
                               uniquingKeysWith: { a, _ in a })
        var counts: [String: Int64] = [:], expected: [String: Int64] = [:]
        try db.each("SELECT contest, idx, leaf_data, leaf_hash FROM log_leaf ORDER BY contest, idx", []) { row in
            let contest = try row.string("contest"), index = try row.int64("idx")
            if index != expected[contest, default: 0] { problems.append("the log of \(contest) has no leaf \(expected[contest, default: 0]) (next: \(index))") }
            expected[contest] = index + 1
            counts[contest, default: 0] += 1
            if MerkleTree.leafHash(Array(try row.string("leaf_data").utf8)) != [UInt8](try row.data("leaf_hash")) {
                problems.append("leaf \(index) of the log of \(contest) does not hash to its stored hash")
            }
        }
        for contest in Set(sizes.keys).union(counts.keys).sorted() where sizes[contest] ?? 0 != counts[contest] ?? 0 {
            problems.append("the log of \(contest) counts \(sizes[contest] ?? 0) leaves but holds \(counts[contest] ?? 0)")
        }
        let unlogged = try db.rows("""
            SELECT e.code FROM entry e WHERE e.id >= (SELECT MIN(entry_id) FROM log_leaf)
            AND NOT EXISTS (SELECT 1 FROM log_leaf l WHERE l.entry_id = e.id AND l.event = 'received') ORDER BY e.id
            """, []) { try $0.string("code") }
        if !unlogged.isEmpty {
            problems.append("\(unlogged.count) \(unlogged.count == 1 ? "entry has" : "entries have") no leaf in the entry log: \(unlogged.prefix(5).joined(separator: ", "))")
        }
        return problems
    }
}
