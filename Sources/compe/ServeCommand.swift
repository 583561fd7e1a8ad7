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

    @OptionGroup var options: ServeOptions
    @Flag(help: "Build, then rebuild on every change to --content or --static and reload open pages.") var watch = false
    @Flag(help: "With --watch, include pages and contests marked draft: true.") var drafts = false

    func run() async throws {
        try DataPlacement.check(data: directory(options.data), publicDir: directory(options.publicDir))
        DescriptorLimit.raise()
        LoggingSystem.bootstrap(BufferedLogHandler.init)
        defer { BufferedLog.flush() }
        let clock = Self.clock(startingAt: options.now.flatMap(DateParsing.dateTime))
        let live = watch ? LiveReload() : nil
        let contests = watch ? try await EntryContestsCache(data: options.data, database: options.database) : nil
        let refreshing = contests?.refresh(data: options.data, database: options.database)
        defer { refreshing?.cancel() }
        let site = try live.map { try startWatching($0, contests: contests!, clock: clock) }
        defer { site?.stop() }
        guard FileManager.default.fileExists(atPath: directory(options.publicDir).appendingPathComponent("index.html").path) else {
            throw fail("\(options.publicDir)/index.html not found: run 'compe build' first")
        }
        var logger = Logger(label: "compe")
        logger.logLevel = .info
        var config = try options.configuration(clock: clock)
        config.liveReload = live
        let (host, publicDir) = (options.host, options.publicDir)
        do {
            try await SiteServer.run(config, logger: logger) { bound in
                BufferedLog.flush()
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
    func startWatching(_ live: LiveReload, contests: EntryContestsCache, clock: @escaping @Sendable () -> Date) throws -> WatchedSite {
        let (content, staticDir, publicDir, drafts) = (options.content, options.staticDir, options.publicDir, drafts)
        let site = WatchedSite(options: {
            var options = BuildOptions(content: directory(content), contentDisplay: content, staticDir: directory(staticDir),
                                       output: directory(publicDir), includeDrafts: drafts, now: clock())
            options.entryContests = contests.current
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
