import ArgumentParser
import CompeCore
import CompeServer
import CompeSite
import CompeStore
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

        With --watch it is the dev server: it builds first, then watches --content and --static
        and rebuilds only what an edit changed; open pages reload by themselves, and a content
        error shows as an overlay (path:line:col: message) while the last good site stays served.
        """
    )

    @Option(help: "TCP port (0 picks a free one).") var port = 8080
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("public"), help: "The built site.") var publicDir = "Public"
    @Option(help: "Where entries are stored (SQLite and uploads).") var data = "Data"
    @Option(help: "The content directory (contest briefs).") var content = "Content"
    @Option(name: .customLong("static"), help: "Static files (watched with --watch).") var staticDir = "Static"
    @Option(name: .customLong("rate-limit"), help: "Entry posts per IP per minute; 0 disables the limit.") var rateLimit = 30
    @Option(name: .customLong("max-connections"), help: "Open connections in all (at most half the open-file limit); others wait.")
    var maxConnections = 4096
    @Option(name: .customLong("max-connections-per-client"), help: "Open connections one client address may hold; more are closed.")
    var maxPerClient = 64
    @Flag(help: "Build, then rebuild on every change to --content or --static and reload open pages.") var watch = false
    @Flag(help: "With --watch, include pages and contests marked draft: true.") var drafts = false
    @Option(help: ArgumentHelp("Pretend the time is this (RFC 3339), for demos and tests.", visibility: .hidden)) var now: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 or more") }
        guard maxConnections >= 1, maxPerClient >= 1 else { throw ValidationError("--max-connections and --max-connections-per-client must be at least 1") }
        if let now, DateParsing.dateTime(now) == nil { throw ValidationError("--now must be a date-time such as 2027-01-20T12:00:00+09:00") }
    }

    func run() async throws {
        try DataPlacement.check(data: directory(data), publicDir: directory(publicDir))
        DescriptorLimit.raise()
        let clock = Self.clock(startingAt: now.flatMap(DateParsing.dateTime))
        let live = watch ? LiveReload() : nil
        let site = try live.map { try startWatching($0, clock: clock) }
        defer { site?.stop() }
        guard FileManager.default.fileExists(atPath: directory(publicDir).appendingPathComponent("index.html").path) else {
            throw fail("\(publicDir)/index.html not found: run 'compe build' first")
        }
        var logger = Logger(label: "compe")
        logger.logLevel = .info
        var config = ServerConfiguration(host: host, port: port, publicDir: directory(publicDir), dataDir: directory(data),
                                         contentDir: directory(content), rateLimit: rateLimit, clock: clock)
        config.liveReload = live
        config.connections.total = maxConnections
        config.connections.perClient = maxPerClient
        do {
            try await SiteServer.run(config, logger: logger) { bound in
                // Written unbuffered: scripts and tests read the bound port from this line.
                say("serving \(directory(publicDir).path) on http://\(host):\(bound)/")
            }
        } catch let error as DiagnosticError {
            printDiagnostics(error.diagnostics)
            throw fail("the content has errors; fix them before serving the entry API")
        }
    }

    /// The server's clock: now, or a pretended moment that then runs on at the real pace.
    static func clock(startingAt fixed: Date?) -> @Sendable () -> Date {
        let start = Date()
        return { fixed.map { $0.addingTimeInterval(Date().timeIntervalSince(start)) } ?? Date() }
    }

    /// Builds once (content errors stop here), then rebuilds on every change; open pages are
    /// told to reload, or shown the errors.
    func startWatching(_ live: LiveReload, clock: @escaping @Sendable () -> Date) throws -> WatchedSite {
        let (content, staticDir, publicDir, data, drafts) = (content, staticDir, publicDir, data, drafts)
        let site = WatchedSite(options: {
            var options = BuildOptions(content: directory(content), contentDisplay: content, staticDir: directory(staticDir),
                                       output: directory(publicDir), includeDrafts: drafts, now: clock())
            options.entryContests = try EntryStore.contestsByEntry(dataDirectory: directory(data))
            return options
        }, onEvent: { event in
            switch event {
            case .rebuilt(let report, let content, let ms):
                live.rebuilt(content: content)
                printDiagnostics(report.warnings)
                say("rebuilt in \(ms) ms: \(report.written) file\(report.written == 1 ? "" : "s") written ("
                    + report.timings.map { "\($0.step) \($0.ms)" }.joined(separator: ", ") + " ms)")
            case .failed(let problems):
                printDiagnostics(problems)
                live.failed(problems)
                say("build failed; still serving the last good site")
            }
        })
        do {
            let report = try site.start()
            printDiagnostics(report.warnings)
            say("built \(report.pages) pages (\(report.written) files written); watching \(content)/ and \(staticDir)/")
        } catch let error as DiagnosticError {
            printDiagnostics(error.diagnostics)
            throw fail("the content has errors; fix them and start again")
        }
        return site
    }
}
