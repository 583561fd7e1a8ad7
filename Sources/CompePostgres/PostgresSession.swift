import CompeStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A transaction on one PostgreSQL connection, for the store's synchronous statements (run on
/// the connection's own thread, never an event loop).
///
/// Statements whose answer is not needed (`send`: BEGIN, SAVEPOINT, most inserts and updates)
/// are pipelined: written to the connection at once and waited for together before the next
/// statement that needs an answer, at the end of a savepoint, or at COMMIT. PostgreSQL runs them
/// in order, so an entry's half dozen statements cost about one round trip instead of six; the
/// first error among them is the one reported.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        let result = try wait(start(sql, arguments))
        return result.metadata.rows ?? 0
    }

    func send(_ sql: String, _ arguments: SQLArguments) throws {
        pending.append(try start(sql, arguments))
    }

    func each(_ sql: String, _ arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        var columns: [String]?
        for row in try wait(start(sql, arguments)).rows {
            let values = row.makeRandomAccess()
            if columns == nil { columns = values.map(\.columnName) }
            try body(PostgresRowValues(row: values, columns: columns ?? []))
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        try send("SAVEPOINT compe", [])
        do {
            let value = try body()
            try flush()
            try send("RELEASE SAVEPOINT compe", [])
            return value
        } catch {
            try? flush()
            let failure = Self.classify(error)
            // A lost connection or a deadlock ends the whole transaction: let it through.
            if let sql = failure as? SQLFailure, sql.kind == .unavailable || sql.kind == .conflict { throw sql }
            try run("ROLLBACK TO SAVEPOINT compe")
            try run("RELEASE SAVEPOINT compe")
            throw error
        }
    }

    /// One statement: every insert but the last in a `WITH` clause of the last (PostgreSQL runs
    /// them all, in one snapshot; foreign keys are checked at the end of the statement, so rows
    /// may refer to rows inserted by an earlier clause). Larger than one statement may carry, or
    /// with empty inserts, one statement per insert.
    func insert(_ inserts: [SQLInsert]) throws {
        let present = inserts.filter { !$0.rows.isEmpty }
        guard let last = present.last else { return }
        let parameters = present.reduce(0) { $0 + $1.rows.count * $1.columns.count }
        guard present.count > 1, parameters <= 30_000 else {
            for insert in present { try self.insert(into: insert.table, columns: insert.columns, rows: insert.rows, suffix: insert.suffix) }
            return
        }
        let clauses = present.dropLast().enumerated().map { index, insert in "i\(index) AS (\(insert.statement(rows: insert.rows.count)))" }
        try send("WITH " + clauses.joined(separator: ", ") + " " + last.statement(rows: last.rows.count),
                 SQLArguments(present.flatMap { $0.rows.flatMap { $0 } }))
    }

    /// Read from the sequence itself: `pg_sequences.last_value` is null for a sequence set by
    /// `setval(…, false)` and never used since (as `compe migrate` leaves it), which would read
    /// as 0. Not yet called, the last id handed out is one before the value it will give next.
    func lastGeneratedID(table: String) throws -> Int64? {
        guard let sequence = try first("SELECT pg_get_serial_sequence(?, 'id') AS name", [table], { try $0.optionalString("name") }) ?? nil,
              sequence.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "\"") }) else { return nil }
        return try first("SELECT last_value, is_called FROM \(sequence)", []) { row in
            let last = Int64(try row.int("last_value"))
            return try row.int("is_called") == 1 ? last : last - 1
        }
    }

    /// From the table's identity sequence, which every instance shares.
    func nextIDs(table: String, count: Int) throws -> [Int64] {
        guard count > 0 else { return [] }
        return try rows("SELECT nextval(pg_get_serial_sequence(?, 'id')) AS id FROM generate_series(1, ?)", [table, count]) { try $0.int64("id") }
    }

    func lock(_ name: String) throws {
        try execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [name])
    }

    /// Runs a statement without arguments (BEGIN, COMMIT, ROLLBACK …) and waits for it (and
    /// for everything sent before it).
    func run(_ sql: String) throws {
        _ = try wait(start(sql, []))
    }

    /// Waits for every pipelined statement; throws the first one's error.
    func flush() throws {
        let futures = pending
        pending = []
        var first: (any Error)?
        for future in futures {
            do { _ = try future.wait() } catch { if first == nil { first = Self.classify(error) } }
        }
        if let first { throw first }
    }

    /// Waits for `future`, after the statements sent before it (their error comes first).
    private func wait(_ future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        do {
            try flush()
        } catch {
            _ = try? future.wait()
            throw error
        }
        do { return try future.wait() } catch { throw Self.classify(error) }
    }

    /// Writes a statement to the connection without waiting for it.
    private func start(_ sql: String, _ arguments: SQLArguments) throws -> EventLoopFuture<PostgresQueryResult> {
        var binds = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob(let v): try binds.append(v)
            }
        }
        return connection.query(PostgresQuery(unsafeSQL: Placeholders.numbered(sql), binds: binds), logger: logger)
    }

    /// What went wrong, in words that leak no query or value: the server's message, or the
    /// network's (connection refused, reset), or the kind of failure.
    static func reason(_ error: any Error) -> PostgresReason {
        guard let error = error as? PSQLError else { return PostgresReason(text: "\(error)") }
        if let message = error.serverInfo?[.message] { return PostgresReason(text: message) }
        if let underlying = error.underlying { return PostgresReason(text: "\(underlying)") }
        return PostgresReason(text: "\(error.code)")
    }

    /// PostgreSQL's errors as `SQLFailure`s, by SQLSTATE (or by the connection's state).
    static func classify(_ error: any Error) -> any Error {
        // The store's own errors (and SQLFailures already classified) pass through.
        guard let error = error as? PSQLError else { return error }
        if let state = error.serverInfo?[.sqlState] {
            switch state {
            case "23505": return SQLFailure(.uniqueViolation, underlying: error)
            case "53100": return SQLFailure(.diskFull, underlying: error)
            case "40001", "40P01": return SQLFailure(.conflict, underlying: error)
            case "57P01", "57P02", "57P03", "53300": return SQLFailure(.unavailable, underlying: reason(error))
            case let s where s.hasPrefix("08"): return SQLFailure(.unavailable, underlying: reason(error))
            default: return SQLFailure(.other, underlying: error, detail: "SQLSTATE \(state): \(error.serverInfo?[.message] ?? "")")
            }
        }
        switch error.code {
        case .server, .queryCancelled, .tooManyParameters, .invalidCommandTag, .unsupportedAuthMechanism:
            return SQLFailure(.other, underlying: error)
        default:
            // The connection failed, closed or was never made: the database is unreachable.
            return SQLFailure(.unavailable, underlying: reason(error))
        }
    }
}

/// A row of a PostgreSQL answer.
struct PostgresRowValues: SQLRow {
    let row: PostgresRandomAccessRow
    /// The answer's column names, read once per statement (as `SQLiteRow` does): one short
    /// linear search per read instead of two hashed lookups.
    let columns: [String]

    func value(_ index: Int) throws -> SQLValue { try Self.value(row[index]) }

    func value(named name: String) throws -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { throw SQLFailure(.unexpectedType, detail: "the query has no column \(name)") }
        return try Self.value(row[index])
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(try cell.decode(Data.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// `?` placeholders (the store's SQL) as `$1, $2, …` (PostgreSQL's), outside quoted text.
/// One pass over the UTF-8 bytes (the characters that matter are ASCII): cheap enough per
/// statement that no cache is needed, which a batch's multi-row statements, one text per batch
/// size, would only have filled.
enum Placeholders {
    static func numbered(_ sql: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(sql.utf8.count + sql.utf8.count / 2)
        var n = 0, quoted = false
        for byte in sql.utf8 {
            if byte == UInt8(ascii: "'") { quoted.toggle() }
            if byte == UInt8(ascii: "?") && !quoted {
                n += 1
                out.append(UInt8(ascii: "$"))
                out.append(contentsOf: String(n).utf8)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A PostgreSQL failure said in one line.
struct PostgresReason: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}
