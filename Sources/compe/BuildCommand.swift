import ArgumentParser
import CompeContent
import CompeCore
import CompeSite
import CompeStore
import Foundation

/// `compe build`: Content/ + Static/ → Public/.
struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the static site from Content/ and Static/ into Public/.",
        discussion: """
        Every content problem is printed as path:line:col: error: message, all at once, and the
        build then exits 1 without touching the output directory. The first build (or --clean)
        writes everything and replaces the output directory in one swap; later builds render and
        write only the files whose inputs changed, and give the same bytes as a clean build.
        """
    )

    @Option(help: "The content directory.") var content = "Content"
    @Option(name: .customLong("static"), help: "Files copied verbatim into the output.") var staticDir = "Static"
    @Option(help: "The output directory.") var out = "Public"
    @Flag(help: "Include pages and contests marked draft: true.") var drafts = false
    @Flag(help: "Print the time taken by each build step (load, render, check, write).") var timings = false
    @Flag(help: "Render and write every file, ignoring what the last build left (its manifest in the output's .compe-build).") var clean = false
    @Option(help: "The entry store, read (never written) to link backlog items to their contest entries.") var data = "Data"
    @Option(help: databaseHelp) var database: String?
    @Option(help: ArgumentHelp("Decide which contests are open as of this time (RFC 3339), instead of now.", visibility: .hidden))
    var now: String?

    func validate() throws {
        _ = try openDatabase(database)
        if let now, DateParsing.dateTime(now) == nil {
            throw ValidationError("--now must be a date-time such as 2027-01-20T12:00:00+09:00")
        }
        let c = directory(content).path, o = directory(out).path
        if o == c || c.hasPrefix(o + "/") || o == directory(staticDir).path {
            throw ValidationError("--out must not be the content or static directory, nor contain them")
        }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: directory(content).path) else {
            throw fail("content directory '\(content)' does not exist")
        }
        try DataPlacement.check(data: directory(data), publicDir: directory(out))
        var options = BuildOptions(content: directory(content), contentDisplay: content, staticDir: directory(staticDir),
                                   output: directory(out), includeDrafts: drafts,
                                   now: now.flatMap(DateParsing.dateTime) ?? Date())
        options.entryContests = try await entryContests(data: data, database: database)
        let start = Date()
        do {
            let report = try SiteBuilder(options: options).build(clean: clean)
            printDiagnostics(report.warnings)
            let ms = Int(Date().timeIntervalSince(start) * 1000)
            print("built \(report.pages) pages (\(report.files) files, \(report.written) written) into \(out)/ in \(ms) ms")
            if timings { print(report.timings.map { "\($0.step) \($0.ms) ms" }.joined(separator: ", ")) }
        } catch let error as DiagnosticError {
            printDiagnostics(error.diagnostics)
            let count = error.diagnostics.filter { $0.severity == .error }.count
            throw fail("build failed with \(count) error\(count == 1 ? "" : "s"); \(out)/ was left as it was")
        } catch let error as OutputWriter.WriteError {
            throw fail(error.description)
        }
    }
}
