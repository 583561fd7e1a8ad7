import CompeCore
import CompeServer
import CompeStore
import CompeTestSupport
import Foundation
import Logging
import Synchronization

/// A real compe server on 127.0.0.1 over a temp content directory and a temp SQLite file.
final class ServerFixture: @unchecked Sendable {
    let site: TestSite
    let server: RunningServer
    let now: TestClock
    var data: URL { site.root.appendingPathComponent("Data") }
    var port: Int { server.port }

    /// The test contest is open from 2027-01-10 to 2027-02-10 (Tokyo); the clock starts inside.
    static let duringContest = DateParsing.dateTime("2027-01-20T12:00:00+09:00")!

    /// What the server logged at warning level and above.
    let logs = LogRecorder()

    init(site: TestSite? = nil, rateLimit: Int = 0, siteYML: String? = nil, idleTimeout: Int = 30, slowUploadGrace: Int = 30,
         connections: ConnectionPolicy = ConnectionPolicy(), configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        let site = try site ?? TestSite.minimal()
        if let siteYML { try site.write("site.yml", siteYML) }
        let publicDir = site.root.appendingPathComponent("Public")
        try FileManager.default.createDirectory(at: publicDir, withIntermediateDirectories: true)
        try "<html lang=\"ja\"></html>".write(to: publicDir.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        let now = TestClock(Self.duringContest)
        let logs = self.logs
        var logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: logs) }
        logger.logLevel = .info
        var config = ServerConfiguration(port: 0, publicDir: publicDir, dataDir: site.root.appendingPathComponent("Data"),
                                         contentDir: site.content, rateLimit: rateLimit, idleTimeout: idleTimeout, clock: { now.withLock { $0 } })
        var connections = connections
        if slowUploadGrace != 30 { connections.bodyGrace = .seconds(Int64(slowUploadGrace)) }
        config.connections = connections
        configure(&config)
        self.site = site
        self.now = now
        self.server = try await SiteServer.start(config, logger: logger)
    }

    func stop() async { await server.stop() }

    /// Runs `body` against a new server and stops the server when `body` ends, whether it
    /// returns or throws: no server outlives its test.
    static func with<T: Sendable>(site: TestSite? = nil, rateLimit: Int = 0, siteYML: String? = nil, idleTimeout: Int = 30,
                                  slowUploadGrace: Int = 30, connections: ConnectionPolicy = ConnectionPolicy(),
                                  configure: (inout ServerConfiguration) -> Void = { _ in },
                                  _ body: (ServerFixture) async throws -> T) async throws -> T {
        let fixture = try await ServerFixture(site: site, rateLimit: rateLimit, siteYML: siteYML, idleTimeout: idleTimeout,
                                              slowUploadGrace: slowUploadGrace, connections: connections, configure: configure)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    /// POSTs a multipart body (blocking socket I/O off the cooperative pool).
    func post(_ body: MultipartBody, path: String = "/api/contests/test/entries", headers: [String] = ["Accept: application/json"],
              rawBody: Data? = nil) async throws -> RawHTTP.Response {
        let port = self.port
        let data = rawBody ?? body.finished
        let head = body.head(path, extra: headers, length: data.count)
        return try await offPool { try RawHTTP.send(port: port, head: head, body: data) }
    }

    /// Sends a request without a body.
    func request(_ method: String, _ path: String, headers: [String] = ["Accept: application/json"]) async throws -> RawHTTP.Response {
        let port = self.port
        let head = (["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        return try await offPool { try RawHTTP.send(port: port, head: head) }
    }

    /// The store, opened on the same data directory (a second connection, as an operator would).
    func store() throws -> EntryStore { try EntryStore(dataDirectory: data) }

    /// Files left in `Data/tmp` (should be none after any request).
    func stagingFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("tmp").path)) ?? []
    }
}

/// Runs blocking socket I/O on a thread of its own: never on Swift's cooperative pool nor on
/// Dispatch's (the in-process server's tasks and GRDB's queues need those threads to answer).
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// The server's clock in a test: a date the test moves (before `opens`, after `closes`).
/// An atomic rather than a `Mutex`: every request reads it, and ThreadSanitizer does not see the
/// ordering a contended `Mutex` gives on Linux (the kernel hands the lock over), so it reported
/// the reads as races.
final class TestClock: Sendable {
    private let seconds: Atomic<UInt64>

    init(_ date: Date) { seconds = Atomic(date.timeIntervalSince1970.bitPattern) }

    /// Reads or moves the date.
    func withLock<R>(_ body: (inout Date) -> R) -> R {
        let before = seconds.load(ordering: .acquiring)
        var date = Date(timeIntervalSince1970: Double(bitPattern: before))
        let result = body(&date)
        if date.timeIntervalSince1970.bitPattern != before { seconds.store(date.timeIntervalSince1970.bitPattern, ordering: .releasing) }
        return result
    }
}

/// Log messages kept for a test to read.
final class LogRecorder: Sendable {
    private let lines = Mutex([String]())

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Every line so far (`level message key=value …`).
    var all: [String] { lines.withLock { $0 } }

    /// Whether a line contains `text`.
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// A swift-log handler writing into a `LogRecorder`.
struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        recorder.append("\(level) \(message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}
