import CompeContent
import CompeCore
import CompeStore
import Foundation

/// Why a question command was refused; the command line prints `description` (one line).
public enum QuestionError: Error, CustomStringConvertible {
    /// The store has no question with this id.
    case unknownQuestion(String, contest: String)
    /// The question was dismissed, so it gets no answer.
    case dismissed(String, contest: String)
    /// The answer's file is there already: it is edited by hand, never overwritten.
    case answerExists(String)
    /// A translation asked for before the default language's answer exists.
    case noOriginal(String, language: String)
    /// A language the site does not have.
    case unknownLanguage(String, known: [String])
    /// `compe announce` named a question whose answer is not published in the content.
    case unpublished(String, contest: String, known: [String])
    /// The answer's text is empty.
    case emptyAnswer

    public var description: String {
        switch self {
        case .unknownQuestion(let id, let contest):
            return "\(contest) has no question \(id) (see 'compe questions list \(contest)')"
        case .dismissed(let id, let contest):
            return "\(id) of \(contest) was dismissed; a dismissed question is not answered"
        case .answerExists(let path):
            return "\(path) exists already: edit it (nothing was overwritten)"
        case .noOriginal(let path, let language):
            return "write the default language's answer first (\(path)); a \(language) translation goes beside it"
        case .unknownLanguage(let language, let known):
            return "language '\(language)' is not in site.yml's languages (\(known.joined(separator: ", ")))"
        case .unpublished(let id, let contest, let known):
            return "no published answer \(id) in contests/\(contest)/questions/ ("
                + (known.isEmpty ? "it has none; write one with 'compe questions answer'" : "published: " + known.joined(separator: ", ")) + ")"
        case .emptyAnswer:
            return "the answer is empty: give it with --answer or --answer-file"
        }
    }
}

/// What `compe announce <contest> Q-007` queued.
public struct AnswerAnnouncement: Sendable {
    /// Entrants mailed the answer now, and those who had it from an earlier run.
    public var entrants: AnnouncementReport?
    /// The asker's notice.
    public var asker: AnswerNoticeQueueing
}

extension JudgingService {
    /// Writes the answer to question `id` of `contest` as
    /// `Content/contests/<slug>/questions/<NNN>.md` (`<NNN>.<lang>.md` for a translation) for
    /// review and commit: the question as the asker wrote it unless `question` restates it,
    /// the day it was asked and today, and the answer below. Writing the default language's
    /// file marks the question answered. Returns the file's display path.
    public func answerQuestion(contest slug: String, id: String, answer: String, question restated: String?, language: String?,
                               now: Date = Date()) async throws -> String {
        _ = try catalog.contest(slug)
        let config = catalog.config
        let language = language ?? config.defaultLanguage
        guard config.languages.contains(language) else { throw QuestionError.unknownLanguage(language, known: config.languages) }
        guard let number = QuestionID.number(id),
              let stored = try await storeErrors({ try await store.questions(contest: slug) }).first(where: { $0.number == number }) else {
            throw QuestionError.unknownQuestion(id, contest: slug)
        }
        guard stored.state != .dismissed else { throw QuestionError.dismissed(stored.code, contest: slug) }
        let body = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw QuestionError.emptyAnswer }
        let folder = "contests/\(slug)/questions"
        let name = QuestionID.digits(number)
        let original = language == config.defaultLanguage
        let file = "\(folder)/\(name)\(original ? "" : ".\(language)").md"
        let url = catalog.root.appendingPathComponent(file), display = "\(catalog.displayRoot)/\(file)"
        if !original && !FileManager.default.fileExists(atPath: catalog.root.appendingPathComponent("\(folder)/\(name).md").path) {
            throw QuestionError.noOriginal("\(catalog.displayRoot)/\(folder)/\(name).md", language: language)
        }
        let text = AnswerFile.text(question: PlainText.clean(restated ?? stored.text), asked: DateParsing.ymd(stored.askedAt, in: catalog.timeZone),
                                   answered: DateParsing.ymd(now, in: catalog.timeZone), answer: body,
                                   note: "\(stored.code), asked in \(stored.language). Publish it without the asker's name: edit 'question' if it names anyone.")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw JudgingError.cannotWrite(display, underlying: error)
        }
        // Created only if absent: an answer under review is never overwritten.
        try AnswerFile.create(text, at: url, display: display)
        if original { _ = try await storeErrors { try await store.markAnswered(contest: slug, number: number, now: now) } }
        return display
    }

    /// Queues published answer `id` of `contest` (`questions/<NNN>.md`): the asker's one notice,
    /// and unless `askerOnly` a mail of the answer to every active entrant (each once).
    public func announceAnswer(contest slug: String, id: String, askerOnly: Bool, now: Date = Date()) async throws -> AnswerAnnouncement {
        _ = try catalog.contest(slug)
        let published = (catalog.answers[slug] ?? []).filter { $0.language == catalog.config.defaultLanguage }
        guard let number = QuestionID.number(id), published.contains(where: { $0.number == number }) else {
            throw QuestionError.unpublished(id, contest: slug, known: published.map(\.code).sorted())
        }
        let code = QuestionID.code(number)
        let asker = try await storeErrors { try await store.queueAnswerNotice(contest: slug, number: number, now: now) }
        if asker == .dismissed { throw QuestionError.dismissed(code, contest: slug) }
        var entrants: AnnouncementReport?
        if !askerOnly {
            let (new, before) = try await storeErrors { try await store.queueForContest(.answer, contest: slug, detail: code, now: now) }
            entrants = AnnouncementReport(queued: new, before: before)
        }
        return AnswerAnnouncement(entrants: entrants, asker: asker)
    }
}

/// The text of an answer's file, in one place (written by `compe questions answer`, read by
/// the content loader).
enum AnswerFile {
    /// Front matter (the question as a YAML block, so any text is safe in it; the dates), then
    /// the answer.
    static func text(question: String, asked: String, answered: String, answer: String, note: String) -> String {
        let lines = question.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
        return "---\n# \(note)\nquestion: |\n" + lines.map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
            + "\nasked: \(asked)\nanswered: \(answered)\n---\n\n\(answer)\n"
    }

    /// Writes `text` to a file that must not exist yet.
    static func create(_ text: String, at url: URL, display: String) throws {
        do {
            try Data(text.utf8).write(to: url, options: .withoutOverwriting)
        } catch let error as CocoaError where error.code == .fileWriteFileExists {
            throw QuestionError.answerExists(display)
        } catch {
            throw JudgingError.cannotWrite(display, underlying: error)
        }
    }
}
