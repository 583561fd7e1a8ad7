import CompeCore
import CompeSite
import Foundation
import Hummingbird

/// The lost-link form: `POST /api/contests/{slug}/recover` with `email` (and `lang`).
///
/// The answer is the same page whether or not the address has entries (nothing tells a
/// stranger who entered); the entries of that address in that contest get their edit links by
/// mail. Limited per client address (the entry limiter) and per e-mail address (one a minute);
/// the token never appears on the page.
extension EntryAPI {
    func recover(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        guard let slug = context.parameters.get("slug"), contests[slug] != nil else {
            return respond.failure(.unknownContest, field: "contest", close: true)
        }
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 4096)
        } catch {
            return respond.failure(.requestTooLarge, field: "email", close: true)
        }
        var form: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        let formRespond = responder(request, context, form: form)
        let address = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        guard EntryForm.isEmail(address) else {   // controls (CR, LF) included
            return formRespond.failure([FieldError(field: "email", problem: .badEmail)])
        }
        let t = pages.strings(formRespond.language)
        guard store.queuesMail else {
            return formRespond.notice(title: t[.recoverTitle], text: t[.recoverNoMail])
        }
        if recoveries.take(address.lowercased()) == nil {
            let queued = try await store.queueRecovery(contest: slug, email: address, now: clock())
            logger.info("lost-link request", metadata: ["contest": "\(slug)", "mails": "\(queued)"])
        }
        return formRespond.notice(title: t[.recoverTitle], text: t[.recoverSent])
    }
}
