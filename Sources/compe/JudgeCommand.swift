import ArgumentParser
import CompeClient
import CompeServices
import CompeWire
import Foundation

/// `compe judge …`: what a judge does in a scoring session, on the server or from anywhere.
struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Score entries: your queue, an entry, your scores, progress; over HTTPS once logged in.",
        discussion: "Log in once with 'compe judge login https://…' (the organiser gives you a token). Without a login, pass --judge <handle> to work on --data on the server.",
        subcommands: [JudgeLogin.self, JudgeLogout.self, Queue.self, Show.self, Score.self, Progress.self, JudgeFetch.self, JudgeSync.self]
    )

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your assigned entries and whether each is scored.")
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var target: JudgeTarget

        func run() async throws {
            let items = try await target.with { try await $0.queue() }
            if json { return try printJSON(items) }
            print(JudgeText.queue(items, judge: target.who))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an entry: title, summary, files, and the rubric. No entrant identity in a blind contest.")
        @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
        @OptionGroup var target: JudgeTarget

        func run() async throws {
            print(try await target.with { client in JudgeText.entry(try await client.entry(entry), remote: client.isRemote) })
        }
    }

    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score an entry.",
            discussion: "Give --set criterion=value for each criterion; on a terminal, compe asks for the ones you leave out, showing the rubric and scale, and shows a summary before saving. You may rescore until results are published; every change is kept. When the server cannot be reached, the scores given with --set are kept in a pending file for 'compe judge sync'.")
        @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
        @Option(name: .customLong("set"), help: "criterion=number, repeatable (e.g. --set usability=8).") var sets: [ScoreSetting] = []
        @Option(help: "A comment for the record (shown to nobody but the panel).") var comment: String?
        @OptionGroup var target: JudgeTarget

        func run() async throws {
            let outcome = try await target.with { client in try await Scoring.run(client, ref: entry, sets: sets, comment: comment) }
            switch outcome {
            case .saved(let receipt):
                print("saved" + (receipt.stillToScore.isEmpty ? "" : "; still to score: \(receipt.stillToScore.joined(separator: ", "))"))
            case .pending(let why, let submission):
                let sheet = PendingSheet(server: try target.serverAddress().map(ServerAddress.check) ?? "", ref: entry, submission: submission)
                try PendingSheets.append(sheet)
                print("\(why): the sheet is kept in \(PendingSheets.file.path); run 'compe judge sync' when the server is back")
            }
        }
    }

    struct Progress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Your scored/assigned per contest, or (with a contest, on the server) every judge's.")
        @Argument(help: "A contest slug: the panel's progress, from --data.") var contest: String?
        @Option(help: "With a contest: the stage (default: the one being judged now).") var stage: String?
        @OptionGroup var target: JudgeTarget

        func run() async throws {
            if let contest {
                let report = try await target.options.service().progress(contest: contest, stage: stage)
                for row in report.judges { print("\(row.judge)\t\(row.done)/\(row.assigned)") }
                return print("all\t\(report.done)/\(report.assigned)")
            }
            let rows = try await target.with { try await $0.progress() }
            for row in rows { print("\(row.contest)\(row.stage.map { "/" + $0 } ?? "")\t\(row.done)/\(row.assigned)") }
            print("all\t\(rows.reduce(0) { $0 + $1.done })/\(rows.reduce(0) { $0 + $1.assigned })")
        }
    }
}
