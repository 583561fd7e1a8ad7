import Crypto
import Foundation

/// `compe migrate`: every row of a SQLite store copied into an empty database on another engine
/// (PostgreSQL), in one transaction, then read back and compared table by table (row counts and
/// an order-independent SHA-256 of the rows). The uploads and `secret.key` stay where they are:
/// the servers keep the same `--data` directory and add `--database`.
public enum StoreCopy {
    /// One table's outcome.
    public struct Table: Sendable, Hashable {
        public var name: String
        public var rows: Int
        /// SHA-256 over the sorted digests of the rows (the same rows in any order give the same value).
        public var checksum: String
    }

    /// Tables in the order their foreign keys allow. A table the source has and this list lacks
    /// stops the copy (a migration added without teaching the copy about its table).
    static let order = ["entry", "entry_file", "entry_change", "judge", "conflict", "assignment", "score", "score_comment",
                        "score_audit", "publication", "idempotency", "panel", "judge_token", "sheet", "score_request", "outbox",
                        "mail_recipient", "finalist", "stage_submission", "stage_file", "consent_event", "share",
                        "share_file", "partner_token", "partner_access",
                        "log_leaf", "log_size", "log_head", "resumable_upload", "question"]

    /// Copies `source` (a SQLite store) into `target`, which must hold no rows; returns what was
    /// copied and verified. Nothing is left in `target` if any step fails.
    public static func copy(from source: SQLiteDatabase, to target: any SQLDatabase) async throws -> [Table] {
        let layout = try await source.read { db in
            let tables = try db.rows("""
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                """) { try $0.string("name") }
            if let unknown = tables.first(where: { !order.contains($0) }) { throw StoreError.unknownTable(unknown) }
            return try order.filter(tables.contains).map { table in
                (table, try db.rows("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table]) { try $0.string("name") })
            }
        }
        // Rows are read in one snapshot, so the copy is consistent even if a server still writes.
        let data = try await source.read { db in
            try layout.map { table, columns in
                try db.rows("SELECT \(columns.joined(separator: ", ")) FROM \(table)") { row in try columns.map { try row.value(named: $0) } }
            }
        }
        try await target.write { db in
            for (table, _) in layout where try db.integer("SELECT COUNT(*) FROM \(table)") != 0 {
                throw StoreError.targetNotEmpty(target.location, table: table)
            }
            for ((table, columns), rows) in zip(layout, data) {
                try db.insert(into: table, columns: columns, rows: rows)
            }
        }
        try await target.continueSequences()
        let expected = zip(layout, data).map { Table(name: $0.0, rows: $1.count, checksum: checksum($1)) }
        let copied = try await target.read { db in
            try layout.map { table, columns in
                checksum(try db.rows("SELECT \(columns.joined(separator: ", ")) FROM \(table)") { row in try columns.map { try row.value(named: $0) } })
            }
        }
        for (table, checksum) in zip(expected, copied) where table.checksum != checksum {
            throw StoreError.copyMismatch(table: table.name)
        }
        return expected
    }

    /// SHA-256 over the sorted per-row digests: independent of the order rows come back in
    /// (engines sort text differently), sensitive to any value, type or row count difference.
    static func checksum(_ rows: [[SQLValue]]) -> String {
        var digests = rows.map { row -> Data in
            var hasher = SHA256()
            for value in row {
                switch value {
                case .null: hasher.update(data: Data([0]))
                case .integer(let v): hasher.update(data: Data("i\(v);".utf8))
                case .text(let v): hasher.update(data: Data("t\(v.utf8.count):".utf8)); hasher.update(data: Data(v.utf8))
                case .blob(let v): hasher.update(data: Data("b\(v.count):".utf8)); hasher.update(data: v)
                }
            }
            return Data(hasher.finalize())
        }
        digests.sort { $0.lexicographicallyPrecedes($1) }
        var total = SHA256()
        for digest in digests { total.update(data: digest) }
        return total.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
