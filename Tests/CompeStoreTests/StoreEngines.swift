import CompePostgres
@testable import CompeStore
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

    /// Runs a program; its standard output, trimmed. A failure carries its standard error.
    /// Started with posix_spawn and reaped with waitpid (Foundation's Process never saw the
    /// cluster script end once pg_ctl had started a server from it), output through files (a
    /// server started by pg_ctl would hold a pipe open).
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("compe-run-\(UUID().uuidString)").path
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else { throw CommandFailed(command: arguments.joined(separator: " "), stderr: "posix_spawn: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = FileManager.default.contents(atPath: outPath) ?? Data()
        let error = FileManager.default.contents(atPath: errPath) ?? Data()
        guard status == 0 else {
            throw CommandFailed(command: arguments.joined(separator: " "), stderr: String(decoding: error, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var command: String
        var stderr: String
        var description: String { "\(command) failed: \(stderr)" }
    }
}
