import ArgumentParser
import CompeCore
import CompeServices
import CompeStore
import Foundation

/// `compe questions`: the questions entrants asked before the deadline (kept privately; the
/// answers are published for everyone, without the asker's name or address).
struct Questions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Questions entrants asked before the deadline: list them, answer one for everyone, or dismiss one.",
        subcommands: [List.self, Answer.self, Dismiss.self]
    )

    /// One question as `--json` gives it: never the asker's address, only whether there is one.
    struct Item: Encodable {
        var id: String, contest: String, language: String, question: String, asked_at: String, state: String
        var reason: String?, closed_at: String?, notice_requested: Bool
        /// The asker's notice: none, unannounced, queued, sent, failed.
        var notice: String
    }

    /// The asker's notice in a word (and the detail a person needs: when it went, why it failed).
    static func notice(_ notice: StoredQuestion.Notice) -> (word: String, detail: String?) {
        switch notice {
        case .none: return ("none", nil)
        case .unannounced: return ("unannounced", "notice waits for 'compe announce'")
        case .queued(let error): return ("queued", "notice queued" + (error.map { " (last try: \(Terminal.line($0)))" } ?? ""))
        case .sent(let at): return ("sent", "notice sent \(UTCTimestamp.format(at, milliseconds: false))")
        case .failed(let error): return ("failed", "notice given up: \(Terminal.line(error))")
        }
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
                         notice_requested: $0.notice != .none, notice: Questions.notice($0.notice).word)
                })
            }
            if questions.isEmpty { return say(open ? "no open question for \(contest)" : "no question for \(contest) yet") }
            for q in questions {
                let state = q.state == .dismissed ? "dismissed (\(Terminal.line(q.reason ?? "")))" : q.state.rawValue
                let notice = Questions.notice(q.notice).detail.map { "  " + $0 } ?? ""
                say("\(q.code)  \(UTCTimestamp.format(q.askedAt, milliseconds: false))  \(q.language)  \(state)\(notice)")
                for line in q.text.split(separator: "\n", omittingEmptySubsequences: false) { say("    " + Terminal.line(String(line))) }
            }
        }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the answer to a question as Content/contests/<slug>/questions/<NNN>.md, for review and commit.",
            discussion: """
            The file holds the question (as the asker wrote it, or as --question restates it: edit out
            any name), the day it was asked, today, and the answer in Markdown. An existing file is
            never overwritten. --lang writes a translation beside the original (<NNN>.<lang>.md).
            'compe build' publishes it on the contest page, at /contests/<slug>/questions/ and in the
            feed; 'compe announce <slug> Q-007' then mails it.
            """)
        @Argument(help: "The contest's slug.") var contest: String
        @Argument(help: "The question's id, such as Q-007.") var id: String
        @Option(help: "The answer (Markdown).") var answer: String?
        @Option(help: ArgumentHelp("Read the answer from this file ('-': standard input).", valueName: "file")) var answerFile: String?
        @Option(help: "The question as it is published, if the asker's words should not be (names, details).") var question: String?
        @Option(help: "Write the translation in this language (default: the site's default language).") var lang: String?
        @OptionGroup var options: DataOptions

        func validate() throws {
            guard QuestionID.number(id) != nil else { throw ValidationError("'\(id)' is not a question id such as Q-007") }
            guard (answer == nil) != (answerFile == nil) else { throw ValidationError("give the answer with --answer or with --answer-file (one of them)") }
        }

        func run() async throws {
            let text: String
            if let answer {
                text = answer
            } else if answerFile == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                do { text = try String(contentsOfFile: answerFile!, encoding: .utf8) } catch {
                    throw ValidationError("--answer-file: cannot read \(answerFile!) (\(error.localizedDescription))")
                }
            }
            let service = try options.service()
            let path = try await service.answerQuestion(contest: contest, id: id, answer: text, question: question, language: lang)
            let code = QuestionID.code(QuestionID.number(id)!)
            say("wrote \(path)")
            say("next: review it (and add translations with --lang), commit it, run 'compe build', then 'compe announce \(contest) \(code)' to mail it")
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
            guard QuestionID.number(id) != nil else { throw ValidationError("'\(id)' is not a question id such as Q-007") }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() async throws {
            let service = try options.service()
            _ = try service.catalog.contest(contest)
            let number = QuestionID.number(id)!
            guard try await service.store.dismissQuestion(contest: contest, number: number, reason: PlainText.clean(reason), now: Date()) else {
                throw ValidationError("\(contest) has no open question \(id) (see 'compe questions list \(contest)')")
            }
            say("\(id) of \(contest) dismissed: \(Terminal.line(reason))")
        }
    }
}
