import CompeCore
import CompeSite
import Foundation
import CompeStore
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
        guard let form = await Self.urlencoded(request) else { return respond.failure(.requestTooLarge, field: "email", close: true) }
        let formRespond = responder(request, context, form: form)
        let address = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        guard EntryForm.isEmail(address) else {   // controls (CR, LF) included
            return formRespond.failure([FieldError(field: "email", problem: .badEmail)])
        }
        let t = pages.strings(formRespond.language)
        guard entries.mails else {
            return formRespond.notice(title: t[.recoverTitle], text: t[.recoverNoMail])
        }
        // The answer leaves before the store is asked whether the address has entries: its time
        // is the same for an address with ten entries and for one with none.
        if recoveries.take(address.lowercased()) == nil {
            let (entries, logger, now) = (self.entries, self.logger, clock())
            Task.detached {
                do {
                    let listed = try await entries.recover(contest: slug, email: address, now: now)
                    logger.info("lost-link request", metadata: ["contest": "\(slug)", "entries": "\(listed)"])
                } catch {
                    logger.warning("lost-link request not queued", metadata: ["contest": "\(slug)", "error": "\(error)"])
                }
            }
        }
        return formRespond.notice(title: t[.recoverTitle], text: t[.recoverSent])
    }

    /// `GET /api/mail/confirm?token=…`: the page a confirmation mail links to. It only shows a
    /// button; confirming takes the POST it sends, so a mail scanner that opens every link does
    /// not confirm an address for its owner.
    func confirmForm(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        let token = request.query("token") ?? ""
        guard token.hasPrefix("cmc_"), token.utf8.count <= 128 else { return respond.failure(.notFound, field: "token") }
        let t = pages.strings(respond.language)
        return respond.page("confirm_address", title: t[.confirmTitle],
                            context: ["token": .text(token), "form_action": .text("\(pages.apiPath)/mail/confirm")], referrer: "no-referrer")
    }

    /// `POST /api/mail/confirm` with `token`: confirms the address; the mail waiting for it is due.
    func confirm(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        guard let form = await Self.urlencoded(request) else { return respond.failure(.requestTooLarge, field: "token", close: true) }
        let formRespond = responder(request, context, form: form)
        let t = pages.strings(formRespond.language)
        let token = form["token"] ?? ""
        guard try await entries.confirmAddress(token: token, now: clock()) != nil else {
            return formRespond.notice(title: t[.confirmTitle], text: t[.confirmUnknown], status: .notFound)
        }
        logger.info("an address was confirmed")
        return formRespond.notice(title: t[.confirmTitle], text: t[.confirmDone])
    }

    /// An `application/x-www-form-urlencoded` body of at most 4 KiB; nil when it is larger.
    static func urlencoded(_ request: Request) async -> [String: String]? {
        guard let body = try? await request.body.collect(upTo: 4096) else { return nil }
        var form: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        return form
    }
}
