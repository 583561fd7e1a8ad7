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

    /// Loads site.yml (for its languages and time zone) and every backlog file.
    static func load(_ content: String) throws -> (SiteConfig, [Iteration], Diagnostics) {
        guard FileManager.default.fileExists(atPath: directory(content).path) else {
            throw fail("content directory '\(content)' does not exist")
        }
        var diags = Diagnostics()
        let loader = ContentLoader(root: directory(content), displayRoot: content, knownTemplates: [])
        guard let config = loader.loadConfig(&diags) else {
            printDiagnostics(diags.sorted)
            throw fail("site.yml has errors")
        }
        let iterations = BacklogLoader(root: directory(content), displayRoot: content, languages: config.languages).load(&diags)
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
            let chosen: Iteration?
            if let iteration {
                chosen = iterations.first { $0.number == iteration }
                if chosen == nil { throw fail("no iteration \(iteration) (have: \(iterations.map { String($0.number) }.joined(separator: ", ")))") }
            } else {
                chosen = iterations.first { $0.start <= day && day <= $0.end } ?? iterations.last { $0.start <= day } ?? iterations.first
            }
            guard let it = chosen else { throw fail("there are no backlog files in \(content)/backlog/") }
            print(StatusTable.render(it, today: day, language: config.defaultLanguage))
        }
    }
}

/// The terminal table of `compe backlog status`.
enum StatusTable {
    static func render(_ it: Iteration, today: Date, language: String) -> String {
        let title = it.title[language] ?? it.title.values.first ?? ""
        var lines = ["Iteration \(it.number): \(title)", "\(DateParsing.ymd(it.start)) – \(DateParsing.ymd(it.end))"]
        let daysLeft = max(0, Int((it.end.timeIntervalSince(max(today, it.start)) / 86_400).rounded()) + (today <= it.end ? 1 : 0))
        let rows: [[String]] = BacklogItem.Status.allCases.map { status in
            let items = it.items.filter { $0.status == status }
            return [status.rawValue, String(items.count), String(items.reduce(0) { $0 + $1.points }),
                    items.map(\.id).joined(separator: " ")]
        }
        let header = ["status", "items", "points", "ids"]
        let widths = (0..<3).map { c in ([header[c]] + rows.map { $0[c] }).map { displayWidth($0) }.max()! }
        func row(_ r: [String]) -> String {
            (0..<3).map { c in c == 0 ? pad(r[c], widths[c]) : String(repeating: " ", count: widths[c] - displayWidth(r[c])) + r[c] }
                .joined(separator: "  ") + "  " + r[3]
        }
        lines.append("")
        lines.append(row(header))
        lines.append(String(repeating: "-", count: widths.reduce(0, +) + 10))
        lines += rows.map(row)
        let scope = it.items.filter { $0.status != .dropped }.reduce(0) { $0 + $1.points }
        let done = it.items.filter { $0.status == .done }.reduce(0) { $0 + $1.points }
        lines.append("")
        lines.append("points: \(done) done, \(scope - done) remaining of \(scope) (committed \(it.committed), added \(it.added)\(it.capacity.map { ", capacity \($0)" } ?? ""))")
        lines.append("days left: \(daysLeft)")
        return lines.joined(separator: "\n")
    }

    /// Columns a string takes in a terminal (East Asian wide characters take two).
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && ($1.value <= 0x115F || (0x2E80...0xA4CF).contains($1.value) || (0xAC00...0xD7A3).contains($1.value) || (0xF900...0xFAFF).contains($1.value) || (0xFF00...0xFF60).contains($1.value)) ? 2 : 1) }
    }

    static func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - displayWidth(s))) }
}
