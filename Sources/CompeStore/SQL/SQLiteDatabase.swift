import Foundation
import GRDB

/// The store's database as one SQLite file (`Data/compe.sqlite`): a GRDB `DatabasePool` in WAL
/// mode with `synchronous=FULL`, so when a write returns its transaction is on disk.
public final class SQLiteDatabase: SQLDatabase {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating it, readable by compe's user only) and migrates the database file.
    public init(path: String) throws {
        self.path = path
        // The database and its WAL hold every entrant's address: readable by compe's user only
        // (SQLite gives the -wal and -shm files the database file's mode).
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { Glibc.close(fd) }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
        } catch {
            throw Self.classify(error)
        }
    }

    /// Reads an existing database file without creating, migrating or writing anything.
    static func readOnly<T>(path: String, _ body: (any SQLSession) throws -> T) throws -> T {
        var config = Configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in try body(SQLiteSession(db: db)) }
        } catch {
            throw classify(error)
        }
    }

    public var concurrentWriters: Int { 1 }
    public var location: String { path }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do { return try await pool.read { db in try body(SQLiteSession(db: db)) } } catch { throw Self.classify(error) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do { return try await pool.write { db in try body(SQLiteSession(db: db)) } } catch { throw Self.classify(error) }
    }

    public func integrityCheck() async throws -> String {
        try await read { db in try db.rows("PRAGMA integrity_check") { try $0.string("integrity_check") }.joined(separator: "; ") }
    }

    /// SQLite's AUTOINCREMENT already follows the largest id inserted.
    public func continueSequences() async throws {}

    public func close() async {
        try? pool.close()
    }

    /// GRDB's errors as `SQLFailure`s; the store's own errors pass through.
    static func classify(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }   // SQLFailures and the store's own errors pass through
        switch error.resultCode {
        case .SQLITE_FULL: return SQLFailure(.diskFull, underlying: error)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return SQLFailure(.unavailable, underlying: error)
        case .SQLITE_CONSTRAINT where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY:
            return SQLFailure(.uniqueViolation, underlying: error)
        default: return SQLFailure(.other, underlying: error)
        }
    }
}

/// A GRDB connection inside a transaction. Statements are prepared once per connection
/// (`cachedStatement`): compiling them on every call was most of the judge API's time.
struct SQLiteSession: SQLSession {
    let db: GRDB.Database

    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        do {
            try db.cachedStatement(sql: sql).execute(arguments: Self.grdb(arguments))
        } catch {
            throw SQLiteDatabase.classify(error)   // so the store can catch a unique key inside its transaction
        }
        return db.changesCount
    }

    func send(_ sql: String, _ arguments: SQLArguments) throws {
        try execute(sql, arguments)
    }

    func each(_ sql: String, _ arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        let cursor: RowCursor
        do {
            cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: Self.grdb(arguments))
        } catch {
            throw SQLiteDatabase.classify(error)
        }
        while let row = try cursor.next() { try body(SQLiteRow(row: row)) }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var value: T?
        try db.inSavepoint {
            value = try body()
            return .commit
        }
        guard let value else { preconditionFailure("GRDB's inSavepoint returned without running its body") }
        return value
    }

    func lock(_ name: String) throws {}

    /// After the largest id the table ever had (`sqlite_sequence`, kept by AUTOINCREMENT, which
    /// also moves past the ids inserted here); the one writer holds them until it commits.
    func nextIDs(table: String, count: Int) throws -> [Int64] {
        guard count > 0 else { return [] }
        var last: Int64 = 0
        try each("SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), COALESCE((SELECT MAX(id) FROM \(table)), 0)) AS last",
                 [table]) { last = try $0.int64("last") }
        return (1...Int64(count)).map { last + $0 }
    }

    func lastGeneratedID(table: String) throws -> Int64? {
        try first("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]) { try $0.int64("seq") }
    }

    /// GRDB's arguments for `arguments`. Built from an array of existentials: GRDB's initialiser
    /// for a sequence of `DatabaseValue`s maps with a key path, unspecialised across modules, which
    /// cost ~8 % of the server's time under the judges' score load.
    static func grdb(_ arguments: SQLArguments) -> StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = []
        values.reserveCapacity(arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: values.append(nil)
            case .integer(let v): values.append(v)
            case .text(let v): values.append(v)
            case .blob(let v): values.append(v)
            }
        }
        return StatementArguments(values)
    }
}

/// A row of a GRDB cursor (valid only while the cursor stands on it).
struct SQLiteRow: SQLRow {
    let row: Row

    func value(_ index: Int) throws -> SQLValue {
        try Self.value(row[index] as DatabaseValue, column: String(index))
    }

    func value(named name: String) throws -> SQLValue {
        guard row.hasColumn(name) else { throw SQLFailure(.unexpectedType, detail: "the query has no column \(name)") }
        return try Self.value(row[name] as DatabaseValue, column: name)
    }

    /// The store keeps integers, text and bytes; a real number (a value typed by hand into the
    /// file, say) is refused rather than rounded into an integer.
    static func value(_ value: DatabaseValue, column: String) throws -> SQLValue {
        switch value.storage {
        case .int64(let i): return .integer(i)
        case .string(let s): return .text(s)
        case .blob(let d): return .blob(d)
        case .double(let d): throw SQLFailure.unexpected(column: column, wanted: "integer, text or bytes", found: .text(String(d)))
        case .null: return .null
        }
    }
}
