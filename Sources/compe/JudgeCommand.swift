import ArgumentParser
import CompeServices
import Foundation

/// `compe judge …`: what a judge does in a scoring session.
struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Score entries: your queue, an entry, your scores, the panel's progress.",
        subcommands: [Queue.self, Show.self, Score.self, Progress.self]
    )

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your assigned entries and whether each is scored.")
        @Option(help: "Your judge handle.") var judge: String
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let items = try await options.service().queue(judge: judge)
            if json { return try printJSON(items) }
            print(JudgeText.queue(items, judge: judge))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an entry: title, summary, files, and the rubric. No entrant identity in a blind contest.")
        @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
        @Option(help: "Your judge handle.") var judge: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            print(JudgeText.entry(try await options.service().entry(judge: judge, ref: entry)))
        }
    }

    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score an entry.",
            discussion: "Give --set criterion=value for each criterion; on a terminal, compe asks for the ones you leave out, showing the rubric and scale, and shows a summary before saving. You may rescore until results are published; every change is kept.")
        @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
        @Option(help: "Your judge handle.") var judge: String
        @Option(name: .customLong("set"), help: "criterion=number, repeatable (e.g. --set usability=8).") var sets: [ScoreSetting] = []
        @Option(help: "A comment for the record (shown to nobody but the panel).") var comment: String?
        @OptionGroup var options: DataOptions

        func run() async throws {
            let service = try options.service()
            let view = try await service.entry(judge: judge, ref: entry)
            guard let sheet = try Prompter.complete(view, given: sets, comment: comment) else { throw fail("scoring cancelled; nothing saved") }
            let receipt = try await service.score(judge: judge, ref: entry, values: sheet.values, comment: sheet.comment)
            print("saved" + (receipt.stillToScore.isEmpty ? "" : "; still to score: \(receipt.stillToScore.joined(separator: ", "))"))
        }
    }

    struct Progress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Judges × scored/assigned for a contest.")
        @Argument(help: "The contest slug.") var contest: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let report = try await options.service().progress(contest: contest)
            for row in report.judges { print("\(row.judge)\t\(row.done)/\(row.assigned)") }
            print("all\t\(report.done)/\(report.assigned)")
        }
    }
}
