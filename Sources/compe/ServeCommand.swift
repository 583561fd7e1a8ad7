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
    @Flag(help: "Build, then rebuild on every change to --content or --static and reload open pages.") var watch = false
    @Flag(help: "With --watch, include pages and contests marked draft: true.") var drafts = false
    @Option(help: ArgumentHelp("Pretend the time is this (RFC 3339), for demos and tests.", visibility: .hidden)) var now: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 or more") }
        if let now, DateParsing.dateTime(now) == nil { throw ValidationError("--now must be a date-time such as 2027-01-20T12:00:00+09:00") }
    }

    func run() async throws {
        let dir = directory(publicDir)
        let live = watch ? LiveReload() : nil
        var watcher: FileWatcher?
        if let live { watcher = try startWatching(live) }
        defer { watcher?.stop() }
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.html").path) else {
            throw fail("\(publicDir)/index.html not found: run 'compe build' first")
        }
        var logger = Logger(label: "compe")
        logger.logLevel = .info
        let fixed = now.flatMap(DateParsing.dateTime)
        let start = Date()
        let clock: @Sendable () -> Date = { fixed.map { $0.addingTimeInterval(Date().timeIntervalSince(start)) } ?? Date() }
        var config = ServerConfiguration(host: host, port: port, publicDir: dir, dataDir: directory(data),
                                         contentDir: directory(content), rateLimit: rateLimit, clock: clock)
        config.liveReload = live
        do {
            try await SiteServer.run(config, logger: logger) { bound in
                // Written unbuffered: scripts and tests read the bound port from this line.
                say("serving \(dir.path) on http://\(host):\(bound)/")
            }
        } catch let error as DiagnosticError {
            printDiagnostics(error.diagnostics)
            throw fail("the content has errors; fix them before serving the entry API")
        }
    }

    /// Builds once (a failure stops here), then rebuilds on every batch of changes. The watcher
    /// starts first, so an edit made during the first build is not missed.
    func startWatching(_ live: LiveReload) throws -> FileWatcher {
        let memory = BuildMemory()
        let building = NSLock()
        let contentDir = directory(content), staticURL = directory(staticDir), out = directory(publicDir)
        let dataDir = directory(data), drafts = drafts
        let fixed = now.flatMap(DateParsing.dateTime)
        let started = Date()
        /// One build at a time; `changed` (from the watcher) is first tried on the one-page fast
        /// path, and invalidated in the source cache under the same lock (so it never
        /// interleaves with a build in progress).
        /// The report, and whether the build went further than the one-page path (so contests
        /// or site settings may have changed).
        @Sendable func build(changed: [String]? = []) throws -> (report: BuildReport, full: Bool) {
            var options = BuildOptions(content: contentDir, contentDisplay: content, staticDir: staticURL, output: out,
                                       includeDrafts: drafts, now: fixed.map { $0.addingTimeInterval(Date().timeIntervalSince(started)) } ?? Date())
            options.entryContests = EntryStore.contestsByEntry(dataDirectory: dataDir)
            return try building.withLock {
                let builder = SiteBuilder(options: options, memory: memory)
                if let changed, let report = try builder.rebuild(pages: changed) { return (report, false) }
                memory.sources.invalidate(changed, root: contentDir.path)
                return (try builder.build(), true)
            }
        }
        let watcher = try FileWatcher(roots: [contentDir, staticURL]) { changed in
            // Editors' swap and backup files are not content.
            let relevant = changed?.filter { p in
                let name = (p as NSString).lastPathComponent
                return !name.hasPrefix(".") && !name.hasSuffix("~") && !name.hasSuffix(".swp")
            }
            if relevant?.isEmpty == true { return }
            let start = ContinuousClock.now
            do {
                let (report, full) = try build(changed: relevant)
                live.rebuilt(content: full ? memory.lastContent : nil)
                let ms = (ContinuousClock.now - start).components.attoseconds / 1_000_000_000_000_000
                printDiagnostics(report.warnings)
                say("rebuilt in \(ms) ms: \(report.written) file\(report.written == 1 ? "" : "s") written (" + report.timings.map { "\($0.step) \($0.ms)" }.joined(separator: ", ") + " ms)")
            } catch let error as DiagnosticError {
                printDiagnostics(error.diagnostics)
                live.failed(error.diagnostics)
                say("build failed; still serving the last good site")
            } catch {
                live.failed([.error(SourceLocation(path: publicDir), "\(error)")])
                say("build failed: \(error)")
            }
        }
        memory.sources.invalidate([], root: contentDir.path)
        watcher.start()
        do {
            let report = try build().report
            printDiagnostics(report.warnings)
            say("built \(report.pages) pages (\(report.written) files written); watching \(content)/ and \(staticDir)/")
        } catch let error as DiagnosticError {
            printDiagnostics(error.diagnostics)
            watcher.stop()
            throw fail("the content has errors; fix them and start again")
        }
        return watcher
    }
}
