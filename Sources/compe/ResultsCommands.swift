import ArgumentParser
import CompeServices
import Foundation

/// `compe results [show|publish]`.
struct Results: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank a contest's entries: raw weighted mean, judge-corrected score, rank with a 90% interval, agreement.",
        discussion: """
        Only complete score sheets count (every criterion scored). Scores are weighted to 0–100.
        The corrected score removes each judge's leniency or harshness: score = quality + judge
        offset + noise, the offsets' variance estimated from the scores (REML), so an exact fit is
        fully corrected and a design without information falls back to the raw mean. Ranks follow
        it, ties shared; the 90% rank interval comes from a seeded parametric bootstrap of that
        model; alpha is Krippendorff's (interval). --explain shows each judge's offset with its
        standard error. 'compe results publish' writes the ranking into Content/ for the site.
        """,
        subcommands: [Show.self, Publish.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the ranking (the default).")
        @Argument(help: "The contest slug.") var contest: String
        @Flag var format: OutputFormat = .text
        @Flag(help: "Also show each judge's offset (standard error, sheets, flag), the variance ratio and raw vs corrected per entry. JSON always has them.")
        var explain = false
        @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
        @Option(help: "The stage (a contest in stages; default: the one being judged now).") var stage: String?
        @OptionGroup var options: DataOptions

        func run() async throws {
            let results = try await options.service().results(contest: contest, stage: stage, seed: seed)
            switch format {
            case .json: try printJSON(results.report)
            case .csv: print(ResultsText.csv(results.rows), terminator: "")
            case .text: print(ResultsText.table(results) + (explain ? "\n\n" + ResultsText.explanation(results) : ""))
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write Content/contests/<slug>/results.md, freeze the scores and tell every entrant the results are out.",
            discussion: """
            Refused before the contest's deadline: entries still arriving could never be judged. --force
            publishes anyway and closes the entry window now (the server refuses entries, edits and
            withdrawals from then on). --dry-run prints what would be written and mailed and changes
            nothing. On a terminal, compe asks before publishing (--yes skips the question). Review
            and commit the file; the next 'compe build' renders the results page in every language.
            """)
        @Argument(help: "The contest slug.") var contest: String
        @Option(help: "How many top entries are named as winners (title and team).") var winners = 3
        @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
        @Flag(help: "Publish before the deadline, closing the entry window now.") var force = false
        @Flag(name: .customLong("dry-run"), help: "Show what would be published and mailed; change nothing.") var dryRun = false
        @Flag(help: "Do not ask on a terminal.") var yes = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let service = try options.service()
            let preview = try await service.publish(contest: contest, winners: winners, seed: seed, force: force, dryRun: true)
            let plan = "\(preview.path) with \(preview.entries) ranked entries; \(preview.mailsQueued) entrant(s) to be told the results are out"
                + (preview.closedEarly ? "; the entry window closes now (before its deadline)" : "")
            if dryRun {
                print("dry run, nothing changed: would write \(plan)\n")
                return print(preview.text, terminator: "")
            }
            if !yes && isatty(STDIN_FILENO) == 1 {
                print("About to write \(plan), and freeze the scores. Publish? [y/N] ", terminator: "")
                let reply = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                guard reply == "y" || reply == "yes" else { throw fail("not published; nothing changed") }
            }
            let report = try await service.publish(contest: contest, winners: winners, seed: seed, force: force)
            print("wrote \(report.path) (\(report.entries) entries); scores of \(contest) are now frozen; "
                  + (report.closedEarly ? "entries are closed from now on; " : "")
                  + "\(report.mailsQueued) entrants will be told the results are out (by 'compe serve --smtp …')")
        }
    }
}

/// `compe export`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a contest's data for analysts, without names, emails or free text.",
        discussion: """
        --package DIR writes a Frictionless Data Package (datapackage.json and UTF-8 CSVs: contest,
        criteria, entries, judges, scores) for open data; put it under Content/data/<slug>/ and
        'compe build' publishes it on /data/. --anonymised prints the scores as JSON or CSV.
        Entries and judges get random pseudonyms; countries and team sizes held by fewer than --k
        entrants become 'other'.
        """)
    @Argument(help: "The contest slug.") var contest: String
    @Flag(help: "Print the anonymised scores (JSON, or CSV with --csv).") var anonymised = false
    @Option(help: "Write a Frictionless Data Package into this folder.") var package: String?
    @Option(help: "Smallest group shown on its own (small-cell suppression).") var k = 5
    @Flag var format: OutputFormat = .json
    @OptionGroup var options: DataOptions

    func validate() throws {
        guard anonymised || package != nil else {
            throw ValidationError("only anonymised exports are offered: add --anonymised, or --package DIR for an open-data package")
        }
        guard k >= 1 else { throw ValidationError("--k must be 1 or more") }
    }

    func run() async throws {
        let service = try options.service()
        if let package {
            let written = try await service.writeOpenDataPackage(contest: contest, to: URL(fileURLWithPath: package), display: package, k: k)
            print("wrote \(written.joined(separator: ", "))")
            return
        }
        let export = try await service.export(contest: contest, k: k)
        if format == .csv { print(export.csv, terminator: "") } else { try printJSON(export) }
    }
}
