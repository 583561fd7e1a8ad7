import ArgumentParser
import CompeCore
import CompeServer
import Foundation
import Logging

/// `compe serve`: the built site and the entry API on one port.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the built site and the entry API on localhost.",
        discussion: """
        Serves Public/ with clean URLs (/about/ → about/index.html), 404.html for unknown paths,
        /healthz, and the entry API under /api (contest dates and limits come from the briefs in
        --content; entries are stored in --data). SIGTERM or SIGINT stops it gracefully: requests
        in progress finish, new connections are refused.
        """
    )

    @Option(help: "TCP port (0 picks a free one).") var port = 8080
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("public"), help: "The built site.") var publicDir = "Public"
    @Option(help: "Where entries are stored (SQLite and uploads).") var data = "Data"
    @Option(help: "The content directory (contest briefs).") var content = "Content"
    @Option(name: .customLong("rate-limit"), help: "Entry posts per IP per minute; 0 disables the limit.") var rateLimit = 30
    @Option(help: ArgumentHelp("Pretend the time is this (RFC 3339), for demos and tests.", visibility: .hidden)) var now: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 or more") }
        if let now, DateParsing.dateTime(now) == nil { throw ValidationError("--now must be a date-time such as 2027-01-20T12:00:00+09:00") }
    }

    func run() async throws {
        let dir = directory(publicDir)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.html").path) else {
            throw fail("\(publicDir)/index.html not found: run 'compe build' first")
        }
        var logger = Logger(label: "compe")
        logger.logLevel = .info
        let fixed = now.flatMap(DateParsing.dateTime)
        let start = Date()
        let clock: @Sendable () -> Date = { fixed.map { $0.addingTimeInterval(Date().timeIntervalSince(start)) } ?? Date() }
        let config = ServerConfiguration(host: host, port: port, publicDir: dir, dataDir: directory(data),
                                         contentDir: directory(content), rateLimit: rateLimit, clock: clock)
        do {
            try await SiteServer.run(config, logger: logger) { bound in
                // Written unbuffered: scripts and tests read the bound port from this line.
                FileHandle.standardOutput.write(Data("serving \(dir.path) on http://\(host):\(bound)/\n".utf8))
            }
        } catch let error as DiagnosticError {
            printDiagnostics(error.diagnostics)
            throw fail("the content has errors; fix them before serving the entry API")
        }
    }
}
