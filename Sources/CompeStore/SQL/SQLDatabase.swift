import Foundation

/// A database engine the store runs on: SQLite in the data directory (the default, one machine)
/// or PostgreSQL (several instances sharing one database).
///
/// The store's rules (what an entry is, when a score may change, what goes to the outbox) are
/// written once against this interface in SQL both engines accept (`INSERT … ON CONFLICT`,
/// `RETURNING`), so both give the same answers and the same errors; what differs between the
/// engines (placeholders, locking, connections, migrations) stays in their implementation.
public protocol SQLDatabase: Sendable {
    /// Runs `body` in a read-only transaction (one consistent snapshot).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Runs `body` in a write transaction; the call returns after the commit is durable. A
    /// transaction the engine had to abandon because of a concurrent one (PostgreSQL's
    /// serialization failures) is run again, so `body` must not have effects outside the database.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// How many write transactions may usefully run at once (SQLite has one writer).
    var concurrentWriters: Int { get }
    /// The engine's own consistency check; "ok" when sound.
    func integrityCheck() async throws -> String
    /// Where the data lives, for messages (never with a password).
    var location: String { get }
    /// Closes connections (a command line run ends; the server shuts down).
    func close() async
    /// After rows were copied in with their ids (`compe migrate`), makes new ids continue after
    /// the largest one.
    func continueSequences() async throws
}

/// One transaction's view of the database. Statements use `?` placeholders.
public protocol SQLSession {
    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    /// Runs a statement whose answer is not needed. An engine may send it without waiting
    /// (PostgreSQL pipelines it): its error then comes from the next statement that waits, the
    /// end of the savepoint, or the commit.
    func send(_ sql: String, _ arguments: SQLArguments) throws
    /// Runs a query, calling `body` for each row in order.
    func each(_ sql: String, _ arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws
    /// `body`'s value, run in a savepoint: if it throws, only its own changes are undone.
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Makes other writers that ask for the same `name` wait until this transaction ends. SQLite
    /// has one writer at a time, so only engines with concurrent writers need to do anything.
    func lock(_ name: String) throws
    /// `count` new ids for rows of `table` (its `id` column) that the caller is about to insert
    /// with their ids given, never handed out before, in one trip to the database: rows whose
    /// other columns derive from the id (an entry's code and token hash) are then written once.
    /// Ids reserved by a transaction that is undone may be skipped; none is used twice.
    func nextIDs(table: String, count: Int) throws -> [Int64]
    /// The last id the table's id generator handed out (nil: none yet), for `compe fsck`: new
    /// ids must come after every id the table holds.
    func lastGeneratedID(table: String) throws -> Int64?
    /// Inserts rows into several tables, in order, without waiting for the answer (like `send`).
    /// PostgreSQL makes it one statement (each insert a data-modifying `WITH` clause); SQLite
    /// runs the inserts one after the other.
    func insert(_ inserts: [SQLInsert]) throws
}

/// Rows for one table, for `SQLSession.insert(_:)`.
public struct SQLInsert: Sendable {
    public var table: String
    public var columns: [String]
    /// Values in `columns` order.
    public var rows: [[SQLValue]]
    /// After the values (`ON CONFLICT DO NOTHING`).
    public var suffix: String

    public init(table: String, columns: [String], rows: [[SQLValue]], suffix: String = "") {
        self.table = table
        self.columns = columns
        self.rows = rows
        self.suffix = suffix
    }

    /// `INSERT INTO table (columns) VALUES (?, …), … suffix` for `count` rows.
    public func statement(rows count: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: tuple, count: count).joined(separator: ", ")
            + (suffix.isEmpty ? "" : " " + suffix)
    }

    /// How many rows fit in one statement under PostgreSQL's 65,535 parameters (with room).
    public var rowsPerStatement: Int { max(1, 30_000 / max(1, columns.count)) }
}

extension SQLSession {
    /// Every row of a query, each turned into a value by `transform`.
    public func rows<T>(_ sql: String, _ arguments: SQLArguments = [], _ transform: (SQLRow) throws -> T) throws -> [T] {
        var out: [T] = []
        try each(sql, arguments) { out.append(try transform($0)) }
        return out
    }

    /// The first row of a query, turned into a value, or nil when there is none.
    public func first<T>(_ sql: String, _ arguments: SQLArguments = [], _ transform: (SQLRow) throws -> T) throws -> T? {
        var out: T?
        try each(sql, arguments) { row in if out == nil { out = try transform(row) } }
        return out
    }

    /// The first column of the first row as an integer (COUNT, an id), or nil when there is no row.
    public func integer(_ sql: String, _ arguments: SQLArguments = []) throws -> Int64? {
        try first(sql, arguments) { try $0.firstInteger() } ?? nil
    }

    /// Inserts `rows` (values in `columns` order) with as few statements as the engines allow:
    /// many rows per `INSERT … VALUES (…), (…)`, under PostgreSQL's 65,535 parameters. `suffix`
    /// follows the values (`ON CONFLICT …`, `RETURNING …`); with `returning`, the statement's rows
    /// are passed to it (in no particular order), otherwise the inserts are sent without waiting.
    public func insert(into table: String, columns: [String], rows: [[SQLValue]], suffix: String = "",
                       returning: ((SQLRow) throws -> Void)? = nil) throws {
        let insert = SQLInsert(table: table, columns: columns, rows: rows, suffix: suffix)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + insert.rowsPerStatement)]
            let sql = insert.statement(rows: chunk.count)
            let arguments = SQLArguments(chunk.flatMap { $0 })
            if let returning { try each(sql, arguments, returning) } else { try send(sql, arguments) }
            start += chunk.count
        }
    }

    /// One insert after the other (the engines that cannot do better).
    public func insert(_ inserts: [SQLInsert]) throws {
        for insert in inserts { try self.insert(into: insert.table, columns: insert.columns, rows: insert.rows, suffix: insert.suffix) }
    }
}

/// A value bound to a statement or read from a row.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob(Data)
}

/// Types that bind to a statement placeholder.
public protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLValueConvertible { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLValueConvertible { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension String: SQLValueConvertible { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLValueConvertible { public var sqlValue: SQLValue { .text(String(self)) } }
extension Data: SQLValueConvertible { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLValueConvertible { public var sqlValue: SQLValue { self } }

/// A statement's arguments, written as an array literal (`nil` binds NULL).
public struct SQLArguments: ExpressibleByArrayLiteral, Sendable {
    public var values: [SQLValue]

    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    public init(_ values: [SQLValue]) { self.values = values }
}

/// A row of a query's result. The store reads columns by name (`row.string("title")`), so a
/// column list and the code that reads it cannot drift apart; reading by position is left to
/// the engines' plumbing (a single `COUNT(*)`, a copy of whole tables).
public protocol SQLRow {
    /// The value in column `index` (0-based).
    func value(_ index: Int) throws -> SQLValue
    /// The value of the column called `name` (lower case, as the query names it).
    func value(named name: String) throws -> SQLValue
}

extension SQLRow {
    public func int64(_ name: String) throws -> Int64 {
        guard case .integer(let v) = try value(named: name) else { throw SQLFailure.unexpected(column: name, wanted: "integer", found: try value(named: name)) }
        return v
    }

    public func int(_ name: String) throws -> Int { Int(try int64(name)) }

    public func string(_ name: String) throws -> String {
        guard case .text(let v) = try value(named: name) else { throw SQLFailure.unexpected(column: name, wanted: "text", found: try value(named: name)) }
        return v
    }

    public func data(_ name: String) throws -> Data {
        switch try value(named: name) {
        case .blob(let v): return v
        case .text(let v): return Data(v.utf8)
        case let other: throw SQLFailure.unexpected(column: name, wanted: "bytes", found: other)
        }
    }

    /// The column `name` as text, or nil when NULL.
    public func optionalString(_ name: String) throws -> String? {
        if case .null = try value(named: name) { return nil }
        return try string(name)
    }

    /// The column `name` as an integer, or nil when NULL.
    public func optionalInt(_ name: String) throws -> Int? {
        if case .null = try value(named: name) { return nil }
        return try int(name)
    }

    /// The first column as an integer (`SELECT COUNT(*) …`, `SELECT 1 …`).
    func firstInteger() throws -> Int64? {
        switch try value(0) {
        case .integer(let v): return v
        case .null: return nil
        case let other: throw SQLFailure.unexpected(column: "1", wanted: "integer", found: other)
        }
    }
}

/// A database failure, classified the same way whichever engine reported it, so the store and
/// the server answer alike (a full disk is 507, a database that is down is 503).
public struct SQLFailure: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// A unique key or primary key already holds the value.
        case uniqueViolation
        /// The disk under the database is full.
        case diskFull
        /// The database cannot be reached (down, restarting, refusing connections): try later.
        case unavailable
        /// The engine abandoned the transaction because of a concurrent one (a deadlock or a
        /// serialization failure): running it again is expected to succeed.
        case conflict
        /// A column did not hold the type the store reads from it (or the query lacks it).
        case unexpectedType
        /// Anything else.
        case other
    }

    public var kind: Kind
    /// The engine's own error, kept for logs.
    public var underlying: (any Error)?
    /// Extra words for `description`.
    public var detail: String

    public init(_ kind: Kind, underlying: (any Error)? = nil, detail: String = "") {
        self.kind = kind
        self.underlying = underlying
        self.detail = detail
    }

    static func unexpected(column: String, wanted: String, found: SQLValue) -> SQLFailure {
        SQLFailure(.unexpectedType, detail: "column \(column) holds \(found), not \(wanted)")
    }

    public var description: String {
        let cause = underlying.map { "\($0)" } ?? ""
        return [detail, cause].filter { !$0.isEmpty }.joined(separator: ": ")
    }
}
