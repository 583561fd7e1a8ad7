import CompeCore
import Foundation

/// The migration of the entry log: every leaf with its event (private: the leaf data holds the
/// salt), each contest's size (one row per contest, so concurrent appends on PostgreSQL take
/// their indices one after another under its row lock), and the signed tree heads.
public enum EntryLogMigration {
    public static let name = "2026-12-05 entry log"

    public static let postgres: [String] = [
        """
        CREATE TABLE log_leaf (contest TEXT NOT NULL, idx BIGINT NOT NULL, entry_id BIGINT NOT NULL REFERENCES entry (id), event TEXT NOT NULL,
            leaf_data TEXT NOT NULL, leaf_hash BYTEA NOT NULL, PRIMARY KEY (contest, idx))
        """,
        "CREATE INDEX log_leaf_entry ON log_leaf (entry_id)",
        "CREATE TABLE log_size (contest TEXT PRIMARY KEY, size BIGINT NOT NULL)",
        """
        CREATE TABLE log_head (contest TEXT NOT NULL, size BIGINT NOT NULL, root TEXT NOT NULL, time TEXT NOT NULL, signature TEXT NOT NULL,
            PRIMARY KEY (contest, size, time))
        """,
    ]

    public static let sqlite: [String] = postgres.map {
        $0.replacingOccurrences(of: "BIGINT", with: "INTEGER").replacingOccurrences(of: "BYTEA", with: "BLOB")
    }
}

extension EntryStore {
    /// Appends one leaf per event to its contest's log, in the caller's transaction (no event
    /// without its leaf, no leaf without its event); returns each event's receipt, in order.
    static func appendToLog(_ events: [(entryID: Int64, leaf: LogLeaf)], _ db: any SQLSession) throws -> [LogReceipt] {
        var receipts = [LogReceipt?](repeating: nil, count: events.count)
        var rows: [[SQLValue]] = []
        for contest in Set(events.map(\.leaf.contest)).sorted() {
            let positions = events.indices.filter { events[$0].leaf.contest == contest }
            guard let size = try db.first("""
                INSERT INTO log_size (contest, size) VALUES (?, ?) ON CONFLICT (contest) DO UPDATE SET size = log_size.size + excluded.size RETURNING size
                """, [contest, Int64(positions.count)], { try $0.int64("size") }) else { throw SQLFailure(.other, detail: "no log size for \(contest)") }
            for (offset, position) in positions.enumerated() {
                let receipt = LogReceipt(index: size - Int64(positions.count) + Int64(offset), leaf: events[position].leaf)
                receipts[position] = receipt
                rows.append([.text(contest), .integer(receipt.index), .integer(events[position].entryID), .text(receipt.leaf.event.rawValue),
                             .text(String(decoding: receipt.leaf.data, as: UTF8.self)), .blob(Data(receipt.leaf.hash))])
            }
        }
        if !rows.isEmpty {
            try db.insert(into: "log_leaf", columns: ["contest", "idx", "entry_id", "event", "leaf_data", "leaf_hash"], rows: rows)
        }
        return receipts.map { $0! }
    }

    /// The leaf of a new event of `draft`'s entry with `files`, at `now`.
    static func leaf(_ event: LogLeaf.Event, contest: String, files: [String], fields: String, now: Date) -> LogLeaf {
        LogLeaf(contest: contest, event: event, files: files, fields: fields, salt: LogLeaf.newSalt(), time: UTCTimestamp.format(now, milliseconds: false))
    }

    /// An entry's events in the log, oldest first.
    static func logReceipts(entryID: Int64, _ db: any SQLSession) throws -> [LogReceipt] {
        try db.rows("SELECT idx, leaf_data FROM log_leaf WHERE entry_id = ? ORDER BY contest, idx", [entryID]) { row in
            let text = try row.string("leaf_data")
            guard let leaf = try? JSONDecoder().decode(LogLeaf.self, from: Data(text.utf8)) else {
                throw SQLFailure(.unexpectedType, detail: "log_leaf.leaf_data is not a leaf: \(text)")
            }
            return LogReceipt(index: try row.int64("idx"), leaf: leaf)
        }
    }

    /// The leaf hashes of `contest`'s log, in order: what anyone may see.
    public func logLeaves(contest: String) async throws -> [MerkleTree.Hash] {
        try await reading { db in
            try db.rows("SELECT leaf_hash FROM log_leaf WHERE contest = ? ORDER BY idx", [contest]) { [UInt8](try $0.data("leaf_hash")) }
        }
    }

    /// The leaf hashes of `contest`'s log from index `from` on, up to its recorded size (the log
    /// only grows: a reader that has the first `from` reads only what came since).
    public func logLeaves(contest: String, from: Int) async throws -> [MerkleTree.Hash] {
        try await reading { db in
            let size = try db.integer("SELECT size FROM log_size WHERE contest = ?", [contest]) ?? 0
            guard size > Int64(from) else { return [] }
            return try db.rows("SELECT leaf_hash FROM log_leaf WHERE contest = ? AND idx >= ? AND idx < ? ORDER BY idx", [contest, Int64(from), size]) {
                [UInt8](try $0.data("leaf_hash"))
            }
        }
    }

    /// The event of each leaf of `contest`'s log, in order (what `events.json` publishes, so
    /// anyone can count the active entries).
    public func logEvents(contest: String) async throws -> [String] {
        try await reading { db in
            try db.rows("SELECT event FROM log_leaf WHERE contest = ? ORDER BY idx", [contest]) { try $0.string("event") }
        }
    }
}

extension EntryStore {
    /// Keeps a signed head.
    public func recordHead(_ head: SignedHead) async throws {
        try await writing { db in
            try db.execute("INSERT INTO log_head (contest, size, root, time, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           [head.contest, head.size, head.root, head.time, head.signature])
        }
    }

    /// Every signed head of `contest`, oldest first.
    public func heads(contest: String) async throws -> [SignedHead] {
        try await reading { db in
            try db.rows("SELECT contest, size, root, time, signature FROM log_head WHERE contest = ? ORDER BY size, time", [contest]) { row in
                SignedHead(contest: try row.string("contest"), root: try row.string("root"), size: try row.int64("size"),
                           time: try row.string("time"), signature: try row.string("signature"))
            }
        }
    }

    /// The contests that have a log, by name.
    public func loggedContests() async throws -> [String] {
        try await reading { db in try db.rows("SELECT contest FROM log_size ORDER BY contest") { try $0.string("contest") } }
    }
}
