import ArgumentParser
import CompeContent
import CompeCore
import Foundation

/// `compe backlog …`: check and summarise the iteration files in Content/backlog/.
struct Backlog: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lint the backlog files and show the current iteration.",
        subcommands: [Lint.self, Status.self]
    )

    /// site.yml and every backlog file of `content`; a missing folder or a broken site.yml stops here.
    static func load(_ content: String) throws -> (SiteConfig, [Iteration], Diagnostics) {
        guard FileManager.default.fileExists(atPath: directory(content).path) else { throw fail("content directory '\(content)' does not exist") }
        let (config, iterations, diags) = ContentLoader(root: directory(content), displayRoot: content, knownTemplates: []).loadBacklog()
        guard let config else {
            printDiagnostics(diags.sorted)
            throw fail("site.yml has errors")
        }
        return (config, iterations, diags)
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every backlog file; print path:line:col: error|warning: message for each problem.",
            discussion: "Exits 1 when there is any error. `compe build` runs the same checks."
        )
        @Option(help: "The content directory.") var content = "Content"

        func run() throws {
            let (_, iterations, diags) = try Backlog.load(content)
            printDiagnostics(diags.sorted)
            let errors = diags.sorted.filter { $0.severity == .error }.count
            if errors > 0 { throw fail("\(errors) error\(errors == 1 ? "" : "s") in the backlog") }
            print("\(iterations.count) iterations, \(iterations.reduce(0) { $0 + $1.items.count }) items: ok")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an iteration as a table: items by status, points done and remaining, days left.",
            discussion: "Without --iteration, the iteration that contains today (in the site's time zone), else the latest one."
        )
        @Option(help: "The content directory.") var content = "Content"
        @Option(help: "The iteration number.") var iteration: Int?
        @Option(help: ArgumentHelp("Pretend today is this day (YYYY-MM-DD).", visibility: .hidden)) var today: String?

        func validate() throws {
            if let today, DateParsing.day(today) == nil { throw ValidationError("--today must be a day such as 2027-01-15") }
        }

        func run() throws {
            let (config, iterations, diags) = try Backlog.load(content)
            if diags.hasErrors {
                printDiagnostics(diags.sorted)
                throw fail("the backlog has errors; run 'compe backlog lint'")
            }
            let day = today.flatMap(DateParsing.day) ?? DateParsing.today(in: config.timeZone)
            if let iteration, !iterations.contains(where: { $0.number == iteration }) {
                throw fail("no iteration \(iteration) (have: \(iterations.map { String($0.number) }.joined(separator: ", ")))")
            }
            guard let shown = iteration.flatMap({ n in iterations.first { $0.number == n } }) ?? Iteration.current(among: iterations, on: day) else {
                throw fail("there are no backlog files in \(content)/backlog/")
            }
            print(StatusTable.render(shown, today: day, language: config.defaultLanguage))
        }
    }
}

/// The terminal table of `compe backlog status`.
enum StatusTable {
    static func render(_ it: Iteration, today: Date, language: String) -> String {
        let title = it.title[language] ?? it.title.values.first ?? ""
        var lines = ["Iteration \(it.number): \(title)", "\(DateParsing.ymd(it.start)) – \(DateParsing.ymd(it.end))"]
        let rows = it.byStatus.map { [$0.status.rawValue, String($0.items.count), String($0.points), $0.items.map(\.id).joined(separator: " ")] }
        let header = ["status", "items", "points", "ids"]
        let widths = (0..<3).map { c in ([header[c]] + rows.map { $0[c] }).map(Terminal.width).max() ?? 0 }
        func row(_ r: [String]) -> String {
            (0..<3).map { c in c == 0 ? Terminal.pad(r[c], widths[c]) : Terminal.padLeft(r[c], widths[c]) }.joined(separator: "  ") + "  " + r[3]
        }
        lines += ["", row(header), String(repeating: "-", count: widths.reduce(0, +) + 10)] + rows.map(row)
        let capacity = it.capacity.map { ", capacity \($0)" } ?? ""
        lines.append("")
        lines.append("points: \(it.donePoints) done, \(it.remainingPoints) remaining of \(it.scope) (committed \(it.committed), added \(it.added)\(capacity))")
        lines.append("days left: \(it.daysLeft(on: today))")
        return lines.joined(separator: "\n")
    }
}
