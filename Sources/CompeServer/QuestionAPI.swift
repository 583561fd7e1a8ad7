import CompeCore
import CompeServices
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Questions before the deadline: `POST {api}/contests/{slug}/questions`, from the small form on
/// the contest page (multipart) or a program (JSON). The same checks as an entry: the origin, the
/// rate per client, the honeypot, the character rules; while the contest's question period runs
/// (else `403` in the page's language). The question is kept privately; it is answered publicly,
/// without the asker's name or address.
extension EntryAPI {
    struct QuestionJSON: Encodable { var id: String; var contest: String; var asked_at: String; var message: String }

    func ask(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        guard let slug = context.parameters.get("slug"), let contest = contests[slug] else {
            return respond.failure(.unknownContest, field: "contest", close: true)
        }
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        let receiver: MultipartReceiver
        switch await receiveFields(request, context, respond) {
        case .success(let received): receiver = received
        case .failure(let refusal): return refusal.response
        }
        let formRespond = responder(request, context, form: receiver.fields)
        guard contest.takesQuestions(at: clock()) else {
            if case .until(let end) = contest.questions { return formRespond.failure(.questionsClosed(closes: end), field: "question") }
            return formRespond.failure(.noQuestions, field: "question")
        }
        let t = pages.strings(formRespond.language)
        if !(receiver.fields[EntryForm.honeypot] ?? "").isEmpty {   // a bot: nothing kept, an answer shaped like success
            metrics?.entryRefused(reason: "honeypot")
            return formRespond.notice(title: t[.questionReceivedTitle], text: t[.questionReceivedText], status: .created)
        }
        var errors = receiver.errors
        guard let question = QuestionForm.question(from: receiver.fields, languages: config.languages, problems: &errors), errors.isEmpty else {
            return formRespond.failure(errors)
        }
        // Numbered past the published answers too, so a new question never takes the number of
        // an answer the organisers wrote by hand (its file would be there already).
        let published = pages.answers[slug]?.map(\.number).max() ?? 0
        let number = try await entries.store.ask(question, contest: slug, after: published, now: clock())
        let code = QuestionID.code(number)
        logger.info("question asked", metadata: ["contest": "\(slug)", "question": "\(code)"])
        let text = t[.questionReceivedText] + (question.email == nil ? "" : " " + t[.questionMailNote])
        if request.answersJSON {
            return formRespond.json(QuestionJSON(id: code, contest: slug, asked_at: rfc3339(clock()), message: text), status: .created)
        }
        return formRespond.notice(title: t[.questionReceivedTitle], text: text, status: .created)
    }
}
