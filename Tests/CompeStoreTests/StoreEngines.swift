import CompePostgres
@testable import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// The database engines every store test runs on: the same test, the same assertions.
enum Engine: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// A store on a fresh database of `engine`, in a fresh data directory; `instance()` opens
/// another store on the same database and directory, as a second server would.
final class StoreUnderTest: @unchecked Sendable {
    let engine: Engine
    let directory: URL
    let store: EntryStore
    private let databaseURL: String?
    private var others: [EntryStore] = []

    init(_ engine: Engine, queuesMail: Bool = false) async throws {
        self.engine = engine
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(engine)-\(UUID().uuidString)")
        switch engine {
        case .sqlite:
            databaseURL = nil
            store = try EntryStore(dataDirectory: directory, queuesMail: queuesMail)
        case .postgres:
            let url = try TestPostgres.freshDatabase()
            databaseURL = url
            store = try EntryStore(dataDirectory: directory, database: try PostgresDatabase(url: url), queuesMail: queuesMail)
        }
    }

    /// Another store on the same data (a second instance).
    func instance(queuesMail: Bool = false) throws -> EntryStore {
        let other = try EntryStore(dataDirectory: directory, database: try databaseURL.map { try PostgresDatabase(url: $0) },
                                   queuesMail: queuesMail)
        others.append(other)
        return other
    }

    /// Closes connections, drops the database, removes the directory.
    func finish() async {
        for store in [store] + others { await store.database.close() }
        if let databaseURL { TestPostgres.drop(databaseURL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a store on `engine`, cleaning up afterwards whatever happens.
    static func with(_ engine: Engine, queuesMail: Bool = false, _ body: (StoreUnderTest) async throws -> Void) async throws {
        let subject = try await StoreUnderTest(engine, queuesMail: queuesMail)
        do {
            try await body(subject)
        } catch {
            await subject.finish()
            throw error
        }
        await subject.finish()
    }
}

/// The PostgreSQL server the tests use: `COMPE_TEST_POSTGRES` (a URL) when set (Scripts/test
/// starts one cluster for every suite), otherwise a throwaway cluster this process starts with
/// `Scripts/postgres-cluster` and stops at exit. Each test gets its own database.
enum TestPostgres {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let server: Result<String, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["COMPE_TEST_POSTGRES"], !url.isEmpty { return url }
        let dir = "/tmp/compe-test-pg-\(getpid())"
        let port = 20000 + Int(getpid() % 20000)
        let url = try run([root.appendingPathComponent("Scripts/postgres-cluster").path, "start", dir, "\(port)"])
        startedCluster = dir
        atexit { if let dir = TestPostgres.startedCluster { _ = try? TestPostgres.run([TestPostgres.root.appendingPathComponent("Scripts/postgres-cluster").path, "stop", dir]) } }
        return url
    }

    nonisolated(unsafe) static var startedCluster: String?

    /// A new, empty database on the server; its URL.
    static func freshDatabase() throws -> String {
        let base = try server.get()
        let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        _ = try run(["psql", base, "-qAtc", "CREATE DATABASE \(name)"])
        return base.replacingOccurrences(of: #"/[^/?]+(\?|$)"#, with: "/\(name)$1", options: .regularExpression)
    }

    static func drop(_ url: String) {
        guard let base = try? server.get(), let name = url.split(separator: "/").last.map(String.init) else { return }
        _ = try? run(["psql", base, "-qAtc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }

    /// Runs a program; its standard output, trimmed.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String { try Command.run(arguments) }
}
