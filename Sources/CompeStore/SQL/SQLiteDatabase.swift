import Foundation
import GRDB
import GRDBSQLite

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
        let row: SQLiteRow
        do {
            let statement = try db.cachedStatement(sql: sql)
            row = SQLiteRow(statement: statement.sqliteStatement, columns: statement.columnNames.map { $0.lowercased() })
            cursor = try Row.fetchCursor(statement, arguments: Self.grdb(arguments))
        } catch {
            throw SQLiteDatabase.classify(error)
        }
        // GRDB steps the statement; the values are read from it directly while it stands on a row.
        while try cursor.next() != nil { try body(row) }
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

/// The row a statement stands on (valid only until the cursor moves), read with SQLite's own
/// column functions: GRDB's generic decoding instantiated type metadata for every value, and
/// its lookup by name hashed the name case-insensitively on every read; together they were
/// most of the time `compe results` spent reading 150,000 scores.
struct SQLiteRow: SQLRow {
    let statement: SQLiteStatement
    /// The statement's column names in lower case, read once per statement.
    let columns: [String]

    func value(_ index: Int) throws -> SQLValue {
        guard index >= 0 && index < columns.count else { throw SQLFailure(.unexpectedType, detail: "the query has no column \(index)") }
        return try value(at: Int32(index), column: columns[index])
    }

    /// A linear search: a query names a handful of columns, and comparing short names (lengths
    /// first) is cheaper than hashing one.
    func value(named name: String) throws -> SQLValue {
        let length = name.utf8.count
        for (i, column) in columns.enumerated() where column.utf8.count == length && column == name {
            return try value(at: Int32(i), column: name)
        }
        throw SQLFailure(.unexpectedType, detail: "the query has no column \(name)")
    }

    /// The store keeps integers, text and bytes; a real number (a value typed by hand into the
    /// file, say) is refused rather than rounded into an integer.
    func value(at i: Int32, column: String) throws -> SQLValue {
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, i))
        case SQLITE_TEXT:
            // The text first, then its length in bytes (SQLite's documented order).
            guard let text = sqlite3_column_text(statement, i) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, i))), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(statement, i) else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, i))))
        case SQLITE_FLOAT:
            throw SQLFailure(.unexpectedType, detail: "column \(column) holds the real number \(sqlite3_column_double(statement, i)), not an integer, text or bytes")
        default:
            return .null
        }
    }
}
