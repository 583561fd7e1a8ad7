import CompeStore
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The store's database on PostgreSQL (13 or later), shared by any number of compe instances.
///
/// A fixed set of connections, each with its own thread: a transaction takes a free one, runs
/// the store's (synchronous) statements on its thread, one round trip each, and gives it back.
/// Write transactions run at READ COMMITTED; the store takes named locks
/// (`pg_advisory_xact_lock`) where a rule reads before it writes (a judge's sheet revision, an
/// entry's edit), and unique keys settle the rest (an `Idempotency-Key` stored by two instances
/// at once: the second waits, fails on the key, and answers with the first entry). Deadlocks and
/// serialization failures run the transaction again.
///
/// Connections are opened when first needed and again after the server went away, so instances
/// recover by themselves when the database comes back; meanwhile every call fails at once with
/// `SQLFailure(.unavailable)` (the server answers 503). The schema is migrated on first use,
/// under a session advisory lock, so instances starting together migrate once.
public final class PostgresDatabase: SQLDatabase {
    /// Where to connect (no password in it).
    public let location: String
    private let configuration: PostgresConnection.Configuration
    private let slots: [Slot]
    private let free: Mutex<(slots: [Int], waiting: [CheckedContinuation<Int, Never>])>
    private let migrated = Mutex(false)
    private let logger: Logger

    /// Prepares connections to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=…]`;
    /// a password not in the URL comes from `PGPASSWORD`). Nothing is connected yet: a URL that
    /// does not parse is the only error here.
    public init(url: String, connections: Int = 8, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let parsed = try PostgresURL(url, environment: environment)
        location = parsed.display
        configuration = parsed.configuration
        slots = (0..<max(1, connections)).map { Slot(index: $0) }
        free = Mutex((Array(slots.indices), []))
        var logger = Logger(label: "compe.postgres")
        logger.logLevel = .error
        self.logger = logger
    }

    /// A quarter of the connections (2 of 8): entries arriving meanwhile wait and go in together
    /// in the next transaction, which costs the database far less than more, smaller ones
    /// (measured with `Scripts/bench several`: 4 writers per instance gave 891 entries/s, 2 gave
    /// 1,280/s), while reads and judges' writes keep connections of their own.
    public var concurrentWriters: Int { max(1, slots.count / 4) }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", retries: 0, body)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN", retries: 5, body)
    }

    /// "ok" when the database answers and holds every migration this version knows.
    public func integrityCheck() async throws -> String {
        let applied = try await read { db in try db.integer("SELECT COUNT(*) FROM schema_migrations") ?? 0 }
        return applied >= PostgresSchema.migrations.count ? "ok" : "schema has \(applied) of \(PostgresSchema.migrations.count) migrations"
    }

    public func continueSequences() async throws {
        try await write { db in
            let columns = try db.rows("""
                SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND is_identity = 'YES'
                """) { (try $0.string("table_name"), try $0.string("column_name")) }
            for (table, column) in columns {
                try db.execute("SELECT setval(pg_get_serial_sequence(?, ?), (SELECT COALESCE(MAX(\(column)), 0) + 1 FROM \(table)), false)",
                               [table, column])
            }
        }
    }

    public func close() async {
        for slot in slots {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                slot.queue.async {
                    try? slot.connection?.close().wait()
                    slot.connection = nil
                    done.resume()
                }
            }
        }
    }

    /// Runs `body` between `begin` and COMMIT on a free connection, again (up to `retries` times)
    /// after a deadlock or serialization failure.
    private func transaction<T: Sendable>(begin: String, retries: Int, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        let index = await acquire()
        defer { release(index) }
        let slot = slots[index]
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                continuation.resume(with: Result {
                    let connection = try self.connection(slot)
                    try self.migrateOnce(connection)
                    var attempt = 0
                    while true {
                        let session = PostgresSession(connection: connection, logger: self.logger)
                        do {
                            try session.send(begin, [])
                            let value = try body(session)
                            try session.run("COMMIT")
                            return value
                        } catch {
                            let failure = PostgresSession.classify(error)
                            if connection.isClosed || (failure as? SQLFailure)?.kind == .unavailable {
                                slot.connection = nil
                                try? connection.close().wait()
                                throw (failure as? SQLFailure)?.kind == .unavailable ? failure : SQLFailure(.unavailable, underlying: error)
                            }
                            try? session.run("ROLLBACK")
                            if (failure as? SQLFailure)?.kind == .conflict && attempt < retries {
                                attempt += 1
                                continue
                            }
                            throw failure
                        }
                    }
                })
            }
        }
    }

    /// The slot's connection, opened (again) when it has none or lost it. Runs on the slot's thread.
    private func connection(_ slot: Slot) throws -> PostgresConnection {
        if let existing = slot.connection, !existing.isClosed { return existing }
        slot.connection = nil
        do {
            let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                            id: slot.index, logger: logger).wait()
            slot.connection = connection
            return connection
        } catch {
            throw SQLFailure(.unavailable, underlying: PostgresSession.reason(error), detail: "cannot connect to \(location)")
        }
    }

    /// Applies the migrations this database lacks, once per process, while holding a session
    /// advisory lock (another instance starting at the same time waits, then finds them applied).
    private func migrateOnce(_ connection: PostgresConnection) throws {
        guard !migrated.withLock({ $0 }) else { return }
        let session = PostgresSession(connection: connection, logger: logger)
        do {
            try session.run("SELECT pg_advisory_lock(\(Self.migrationLock))")
            defer { try? session.run("SELECT pg_advisory_unlock(\(Self.migrationLock))") }
            try session.run("CREATE TABLE IF NOT EXISTS schema_migrations (identifier TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            let applied = Set(try session.rows("SELECT identifier FROM schema_migrations") { try $0.string("identifier") })
            for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
                try session.run("BEGIN")
                do {
                    for statement in migration.statements { try session.execute(statement, []) }
                    try session.execute("INSERT INTO schema_migrations (identifier, applied_at) VALUES (?, ?)",
                                        [migration.name, ISO8601DateFormatter().string(from: Date())])
                    try session.run("COMMIT")
                } catch {
                    try? session.run("ROLLBACK")
                    throw error
                }
            }
            migrated.withLock { $0 = true }
        } catch {
            throw PostgresSession.classify(error)
        }
    }

    /// The advisory lock key migrations hold ("compe" in ASCII).
    static let migrationLock: Int64 = 0x636f6d7065

    private func acquire() async -> Int {
        await withCheckedContinuation { continuation in
            let index: Int? = free.withLock { state in
                if let index = state.slots.popLast() { return index }
                state.waiting.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    private func release(_ index: Int) {
        let waiter: CheckedContinuation<Int, Never>? = free.withLock { state in
            if state.waiting.isEmpty {
                state.slots.append(index)
                return nil
            }
            return state.waiting.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}

/// One connection and the thread its (blocking) statements run on. `connection` is touched only
/// on `queue`.
private final class Slot: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    var connection: PostgresConnection?

    init(index: Int) {
        self.index = index
        queue = DispatchQueue(label: "compe.postgres.\(index)")
    }

    /// A connection still open when its database is let go (a command ends without `close()`) is
    /// closed on the slot's thread, never on the thread that happened to drop the last reference
    /// (it may be an event loop, where waiting is not allowed).
    deinit {
        guard let connection else { return }
        queue.async { try? connection.close().wait() }
    }
}
