import ArgumentParser
import CompeContent
import CompeCore
import CompeServices
import Foundation

/// `compe stats [show|publish]`.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How a contest went: entries per day, countries, team sizes, files, edits, judging progress and agreement.",
        discussion: """
        Every country, team size and file type held by fewer than --k entrants is shown as 'other'
        (and 'other' is kept at --k or more), so the numbers can be published. 'compe stats publish'
        writes Content/contests/<slug>/stats.json; review and commit it, and 'compe build' renders
        /contests/<slug>/stats/ with charts in every language.
        """,
        subcommands: [Show.self, Publish.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the statistics (the default).")
        @Argument(help: "The contest slug.") var contest: String
        @Flag(help: "JSON (the same as stats.json) instead of tables.") var json = false
        @Option(help: "Smallest group shown on its own (small-cell suppression).") var k = 5
        @OptionGroup var options: DataOptions

        func validate() throws { guard k >= 1 else { throw ValidationError("--k must be 1 or more") } }

        func run() async throws {
            let stats = try await options.service().statistics(contest: contest, k: k)
            if json {
                print(String(decoding: try StatsFile.render(stats), as: UTF8.self), terminator: "")
            } else {
                print(StatsText.tables(stats))
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write Content/contests/<slug>/stats.json for the site.",
            discussion: "Review and commit the file; the next 'compe build' renders the statistics page in every language.")
        @Argument(help: "The contest slug.") var contest: String
        @Option(help: "Smallest group shown on its own (small-cell suppression).") var k = 5
        @OptionGroup var options: DataOptions

        func validate() throws { guard k >= 1 else { throw ValidationError("--k must be 1 or more") } }

        func run() async throws {
            let path = try await options.service().publishStatistics(contest: contest, k: k)
            print("wrote \(path); commit it, then 'compe build' renders the statistics page")
        }
    }
}

/// What `compe stats` prints for people.
enum StatsText {
    static func tables(_ s: ContestStats) -> String {
        func counts(_ title: String, _ rows: [ContestStats.Count]) -> [String] {
            // Countries are ISO codes: shown with their English names.
            let labels = rows.map { Country.isCode($0.label) ? "\($0.label) \(Country.name($0.label, language: "en"))" : Terminal.line($0.label) }
            let width = max(8, labels.map { Terminal.width($0) }.max() ?? 0)
            return ["", title] + zip(labels, rows).map { "  " + Terminal.pad($0, width) + "  " + Terminal.padLeft(String($1.entries), 6) }
        }
        func summary(_ title: String, _ x: ContestStats.Summary) -> String {
            func cell(_ v: Double?) -> String { v.map { String(format: "%10.1f", $0) } ?? "       n/a" }
            return "  " + Terminal.pad(title, 22) + String(format: "mean %10.1f   median %10.1f   ", x.mean, x.median)
                + "\(s.k)th lowest \(cell(x.low))   \(s.k)th highest \(cell(x.high))"
        }
        var lines = ["\(s.contest): \(s.entries) entries (\(s.withdrawn) withdrawn), \(s.edits) edits — \(s.generated), \(s.timeZone)"]
        lines += ["", "Entries per day", "  day          new  total"]
        lines += s.perDay.map { "  \($0.day)  " + Terminal.padLeft(String($0.new), 5) + "  " + Terminal.padLeft(String($0.cumulative), 5) }
        lines += counts("Countries", s.countries)
        lines += counts("Team sizes (members)", s.teamSizes)
        lines += counts("File types (entries with one)", s.fileTypes)
        if let funnel = s.funnel { lines += counts("Stages (entries in each)", funnel) }
        lines += ["", "Per entry", summary("files", s.filesPerEntry), summary("bytes", s.bytesPerEntry), summary("days from opening", s.daysToEntry)]
        let percent = s.judging.assigned == 0 ? 0 : 100 * s.judging.complete / s.judging.assigned
        lines += ["", "Judging: \(s.judging.judges) judges, \(s.judging.complete) of \(s.judging.assigned) sheets complete (\(percent)%)"]
        lines += ["", "Agreement (Krippendorff's alpha, interval)"]
        lines += s.agreement.map { "  " + Terminal.pad($0.criterion, 16) + ($0.alpha.map { String(format: "%6.3f", $0) } ?? "   n/a") }
        if let q = s.questions {
            lines += ["", "Questions: \(q.asked) asked, \(q.answered) answered, \(q.dismissed) dismissed, \(q.open) open; "
                + "median days to an answer " + (q.medianDaysToAnswer.map { String(format: "%.1f", $0) } ?? "n/a")]
        }
        lines += ["", "Suppression: \(s.suppression)"]
        return lines.joined(separator: "\n")
    }
}
