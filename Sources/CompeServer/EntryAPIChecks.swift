import CompeContent
import CompeCore
import CompeServices
import CompeSite
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// What every entry request passes before its body is read, and the answers to refusals.
extension EntryAPI {

    /// The checks every post passes before its body is read: the `Origin` is ours or allowed
    /// (403), and the client is within its rate (429 with `Retry-After`).
    func refuseForeignOrHurried(_ request: Request, _ context: CompeRequestContext, _ respond: Responder) -> Response? {
        guard origins.permits(origin: request.headers[.origin], host: requestHost(request, context)) else {
            return respond.failure(.crossOrigin, close: true)
        }
        if let wait = limiter.take(clientKey(context)) {
            var r = respond.failure(.rateLimited, close: true)
            r.headers[.retryAfter] = String(wait)
            return r
        }
        return nil
    }

    /// 429 with `Retry-After` before reading a body its client's or the server's hourly upload
    /// budget cannot take (by its `Content-Length`).
    func overBudget(_ request: Request, _ context: CompeRequestContext, _ respond: Responder) -> Response? {
        guard let length = request.headers[.contentLength].flatMap(Int64.init), length > 0,
              let (scope, wait) = budgets.take(length, client: clientKey(context)) else { return nil }
        if scope == .total { logger.warning("the hourly upload budget of the server is spent; uploads wait", metadata: ["seconds": "\(wait)"]) }
        var r = respond.failure(scope == .client ? .clientUploadBudget : .totalUploadBudget, close: true)
        r.headers[.retryAfter] = String(wait)
        return r
    }

    /// 503 before reading an upload when the data disk is under its floor.
    func lowDisk(_ respond: Responder) -> Response? {
        diskIsShort() ? respond.failure(.lowDisk, close: true) : nil
    }

    /// Whether the data disk is under its floor now (said in the log for the operator).
    func diskIsShort() -> Bool {
        guard let reason = disk?.shortage else { return false }
        logger.warning("uploads refused until space returns", metadata: ["reason": "\(reason)"])
        return true
    }

    /// 507 when the disk filled while storing: nothing was kept, the operator is told.
    func diskFull(_ error: StoreError, _ respond: Responder) -> Response {
        logger.error("the data disk is full: an entry could not be stored (nothing was kept)",
                     metadata: ["data": "\(entries.store.dataDirectory.path)", "error": "\(error)"])
        return respond.failure(.diskFull, close: true)
    }

    /// The answer to a body refused while reading (logged when the disk is at fault).
    func rejected(_ failure: FormFailure, _ respond: Responder) -> Response {
        if failure.error.problem == .diskFull, let error = failure.store { return diskFull(error, respond) }
        return respond.rejected(failure)
    }

    /// Why the contest takes no entries or changes now: before `opens`, from `closes` on, or
    /// once its results are published (an organiser may publish early with `--force`, which
    /// closes the window: an entry sent after results could never be judged).
    ///
    /// `early`: the check before a new entry's body is read, which may use what was read of the
    /// publication within the last second (a read per entry was a quarter of the server's entry
    /// rate); the store checks again where it would store the entry, exactly.
    func phaseRefusal(_ contest: Contest, early: Bool = false) async throws -> FieldProblem? {
        switch contest.phase(at: clock()) {
        case .open:
            let stage = contest.later.firstID
            let published = early
                ? try await server.publications.published(contest: contest.slug, stage: stage) { try await entries.isPublished(contest: contest.slug, stage: stage) }
                : try await entries.isPublished(contest: contest.slug, stage: stage)
            return published ? .resultsPublished : nil
        case .upcoming: return .notOpenYet(opens: contest.opens)
        case .closed: return .closed(closes: contest.closes)
        }
    }

    /// Answers in the language of the form (when read) or of the request.
    func responder(_ request: Request, _ context: CompeRequestContext, form: [String: String]?) -> Responder {
        Responder(request: request, host: requestHost(request, context),
                  messages: FormMessages(language: language(request, form: form), timeZone: config.timeZone), pages: pages, origins: origins,
                  metrics: metrics)
    }

    func editable(_ contest: Contest) async throws -> Bool { try await phaseRefusal(contest) == nil }

    /// The answer language: the form's or query's `lang`, else `Accept-Language`, else the site default.
    func language(_ request: Request, form: [String: String]?) -> String {
        if let l = form?["lang"] ?? request.query("lang"), config.languages.contains(l) { return l }
        return AcceptLanguage.preferred(request.headers[.acceptLanguage] ?? "", among: config.languages) ?? config.defaultLanguage
    }

    func clientKey(_ context: CompeRequestContext) -> String { clientAddress(context) }

    /// The theme's page for "the database is briefly unavailable", in the request's language.
    func outagePage(_ request: Request) -> String {
        let language = self.language(request, form: nil)
        let t = pages.strings(language)
        return pages.notice(title: t[.outageTitle], text: t[.outageText], language: language)
    }
}
