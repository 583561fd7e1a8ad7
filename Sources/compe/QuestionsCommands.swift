import ArgumentParser
import CompeCore
import CompeServices
import CompeStore
import Foundation

/// `compe questions`: the questions entrants asked before the deadline (kept privately; the
/// answers are published for everyone, without the asker's name or address).
struct Questions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Questions entrants asked before the deadline: list them, or dismiss one without publishing it.",
        subcommands: [List.self, Dismiss.self]
    )

    /// One question as `--json` gives it: never the asker's address, only whether there is one.
    struct Item: Encodable {
        var id: String, contest: String, language: String, question: String, asked_at: String, state: String
        var reason: String?, closed_at: String?, notice_requested: Bool
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The questions of a contest with their ids and times (the oldest first).",
            discussion: "The asker's address is never shown or exported: 'notice' says only that the asker asked for one mail when the answer is out.")
        @Argument(help: "The contest's slug.") var contest: String
        @Flag(help: "Only the questions not answered or dismissed yet.") var open = false
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let service = try options.service()
            _ = try service.catalog.contest(contest)
            let questions = try await service.store.questions(contest: contest, openOnly: open)
            if json {
                return try printJSON(questions.map {
                    Item(id: $0.code, contest: $0.contest, language: $0.language, question: $0.text, asked_at: UTCTimestamp.format($0.askedAt, milliseconds: false),
                         state: $0.state.rawValue, reason: $0.reason, closed_at: $0.closedAt.map { UTCTimestamp.format($0, milliseconds: false) },
                         notice_requested: $0.hasEmail)
                })
            }
            if questions.isEmpty { return say(open ? "no open question for \(contest)" : "no question for \(contest) yet") }
            for q in questions {
                let state = q.state == .dismissed ? "dismissed (\(Terminal.line(q.reason ?? "")))" : q.state.rawValue
                say("\(q.code)  \(UTCTimestamp.format(q.askedAt, milliseconds: false))  \(q.language)  \(state)\(q.hasEmail ? "  notice" : "")")
                for line in q.text.split(separator: "\n", omittingEmptySubsequences: false) { say("    " + Terminal.line(String(line))) }
            }
        }
    }

    struct Dismiss: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a question without publishing it (a duplicate, out of scope), with the reason, kept for the record.")
        @Argument(help: "The contest's slug.") var contest: String
        @Argument(help: "The question's id, such as Q-007.") var id: String
        @Option(help: "Why it is not answered (kept with the question; never published).") var reason: String
        @OptionGroup var options: DataOptions

        func validate() throws {
            guard StoredQuestion.number(id) != nil else { throw ValidationError("'\(id)' is not a question id such as Q-007") }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() async throws {
            let service = try options.service()
            _ = try service.catalog.contest(contest)
            let number = StoredQuestion.number(id)!
            guard try await service.store.dismissQuestion(contest: contest, number: number, reason: PlainText.clean(reason), now: Date()) else {
                throw ValidationError("\(contest) has no open question \(id) (see 'compe questions list \(contest)')")
            }
            say("\(id) of \(contest) dismissed: \(Terminal.line(reason))")
        }
    }
}
