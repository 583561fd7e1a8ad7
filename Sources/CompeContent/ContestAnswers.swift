import CompeCore
import Foundation

/// A published answer to an entrant's question, from `Content/contests/<slug>/questions/<NNN>.md`
/// (or `<NNN>.<lang>.md`, a translation): the question as the organisers restate it (without
/// the asker's name), when it was asked and answered, and the answer in Markdown. Shown on the
/// contest page and at `/contests/<slug>/questions/`, newest first, and in the Atom feed.
public struct AnswerSource: Sendable, Hashable {
    /// Display path of the file.
    public var path: String
    public var slug: String
    /// The question's number in its contest (`Q-007` is 7).
    public var number: Int64
    public var language: String
    /// The question as published (the organisers' wording, trusted text).
    public var question: String
    /// `YYYY-MM-DD`, days in the site's time zone.
    public var asked: String
    public var answered: String
    /// The answer, Markdown written by the organisers (trusted).
    public var markdown: String
    public var bodyFirstLine: Int

    /// `Q-007`.
    public var code: String { QuestionID.code(number) }
    /// The anchor on the contest page and the questions page: `question-007`.
    public var anchor: String { "question-" + QuestionID.digits(number) }
}

extension ContentLoader {
    /// Keys allowed in an answer's front matter.
    static let answerKeys = ["question", "asked", "answered"]

    /// The answers of contest `slug` in `folder`; each problem goes to `diags` at its place.
    /// A translation may leave out the dates (the original's are used) but not contradict them.
    func loadAnswers(slug: String, folder: URL, config: SiteConfig, diags: inout Diagnostics) -> [AnswerSource] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        var read: [(source: AnswerSource, datesGiven: Bool, location: SourceLocation)] = []
        for file in names where !file.hasPrefix(".") {
            let rel = "contests/\(slug)/questions/\(file)"
            guard let match = file.wholeMatch(of: /(\d{3,9})(?:\.([a-z]{2,3}(?:-[A-Za-z0-9]+)*))?\.md/),
                  let number = QuestionID.number(String(match.1)), QuestionID.digits(number) == String(match.1) else {
                diags.error(SourceLocation(path: display(rel)),
                            "an answer's file name is the question's number with three digits at least, 007.md (or 007.<lang>.md for a translation)")
                continue
            }
            let language = match.2.map(String.init) ?? config.defaultLanguage
            guard config.languages.contains(language) else {
                diags.error(SourceLocation(path: display(rel)), "language '\(language)' is not in site.yml's languages")
                continue
            }
            guard let text = readText(rel, diags: &diags),
                  let (doc, f) = ContentLoader.frontMatter(text, path: display(rel), diags: &diags) else { continue }
            f.rejectUnknownKeys(allowed: Self.answerKeys, diags: &diags)
            let original = language == config.defaultLanguage
            guard let question = f.string("question", required: true, diags: &diags) else { continue }
            var days: [String] = []
            for key in ["asked", "answered"] {
                guard let day = f.string(key, required: original, diags: &diags) else { continue }
                guard DateParsing.day(day) != nil else {
                    diags.error(f.location(ofKey: key), "'\(key)' is a day, YYYY-MM-DD, not '\(day)'")
                    continue
                }
                days.append(day)
            }
            if days.count == 2 && days[1] < days[0] {
                diags.error(f.location(ofKey: "answered"), "'answered' (\(days[1])) comes before 'asked' (\(days[0]))")
                continue
            }
            if original && days.count < 2 { continue }
            if doc.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                diags.error(SourceLocation(path: display(rel), line: doc.bodyFirstLine, column: 1),
                            "the answer is empty: write it below the front matter")
                continue
            }
            read.append((AnswerSource(path: display(rel), slug: slug, number: number, language: language, question: question,
                                      asked: days.first ?? "", answered: days.count == 2 ? days[1] : "", markdown: doc.body,
                                      bodyFirstLine: doc.bodyFirstLine),
                         !days.isEmpty, f.location(ofKey: "asked")))
        }
        let originals = Dictionary(read.filter { $0.source.language == config.defaultLanguage }.map { ($0.source.number, $0.source) }) { a, _ in a }
        var answers: [AnswerSource] = []
        for (var answer, datesGiven, location) in read {
            if answer.language != config.defaultLanguage {
                guard let original = originals[answer.number] else {
                    diags.error(SourceLocation(path: answer.path),
                                "translation of an answer that has no \(config.defaultLanguage) original: add \(QuestionID.digits(answer.number)).md first")
                    continue
                }
                if datesGiven && (answer.asked, answer.answered) != (original.asked, original.answered) {
                    diags.error(location, "the dates differ from \(original.path)'s (asked \(original.asked), answered \(original.answered)): leave them out or make them the same")
                    continue
                }
                answer.asked = original.asked
                answer.answered = original.answered
            }
            answers.append(answer)
        }
        return answers.sorted(by: AnswerSource.newestFirst)
    }
}

extension AnswerSource {
    /// The order of the lists: the latest answer first, the higher number first on one day.
    static func newestFirst(_ a: AnswerSource, _ b: AnswerSource) -> Bool { (b.answered, b.number) < (a.answered, a.number) }
}

extension SiteContent {
    /// Contest `slug`'s published answers as readers of `language` see them (the default
    /// language's where there is no translation), newest first.
    public func answers(_ slug: String, language: String) -> [AnswerSource] {
        let all = answers[slug] ?? []
        return Set(all.map(\.number)).compactMap { number in
            all.first { $0.number == number && $0.language == language } ?? all.first { $0.number == number && $0.language == config.defaultLanguage }
        }.sorted(by: AnswerSource.newestFirst)
    }
}
