import CompeContent
import CompeCore
import CompeSite
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The JSON shapes of SPEC "Entries".
struct ReceiptJSON: Codable {
    struct File: Codable { var name: String; var bytes: Int64; var sha256: String }
    var id: String
    var edit_token: String
    var received_at: String
    var files: [File]
    /// The entry's place in the contest's entry log: index, leaf data (with its salt) and hash.
    var log: LogReceipt? = nil
}

/// The entrant's view of an entry as JSON.
struct EntryJSON: Codable {
    var id: String
    var contest: String
    var title: String
    var summary: String
    var team_name: String
    var members: [String]
    var contact_email: String
    var country: String
    var link: String?
    var received_at: String
    var updated_at: String
    var withdrawn_at: String?
    var editable_until: String
    var files: [ReceiptJSON.File]
    /// The data-sharing agreements offered and whether the entrant's consent stands.
    var data_sharing: [ConsentJSON.Item]?
    /// Every event of the entry in the contest's entry log, oldest first.
    var log: [LogReceipt]? = nil
}

/// An entrant's data-sharing choices: the agreements (partner, version) whose consent stands.
struct ConsentJSON: Codable {
    struct Item: Codable { var partner: String; var agreement_version: String; var consent: Bool }
    var consents: [Item]

    init(_ standing: Set<ConsentChoice>) {
        consents = standing.sorted { ($0.partner, $0.version) < ($1.partner, $1.version) }
            .map { Item(partner: $0.partner, agreement_version: $0.version, consent: true) }
    }
}

/// What the entrant's page shows of data sharing: the boxes and the choices that stand.
struct ConsentView {
    var offers: [SharingAgreement]
    var standing: Set<ConsentChoice>

    var items: [ConsentJSON.Item] {
        offers.map { .init(partner: $0.id, agreement_version: $0.version, consent: standing.contains($0.consentChoice)) }
    }
}

/// `{errors: [{field, message}]}`.
struct ErrorsJSON: Codable {
    struct Item: Codable { var field: String; var message: String }
    var errors: [Item]
}

/// RFC 3339 UTC with seconds, for JSON.
func rfc3339(_ date: Date) -> String { UTCTimestamp.format(date, milliseconds: false) }

/// Builds responses in JSON or HTML, as the client asked, with the headers every answer needs.
struct Responder {
    let request: Request
    /// The host the client asked for (behind a trusted proxy, its `X-Forwarded-Host`).
    let host: String?
    let messages: FormMessages
    let pages: EntryPages
    let origins: OriginPolicy
    /// Where accepted and refused entry requests are counted.
    let metrics: ServerMetrics?

    var language: String { messages.language }

    func headers(json: Bool, close: Bool) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = json ? "application/json; charset=utf-8" : "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if close { h[.connection] = "close" }
        let origin = request.headers[.origin]
        if origins.isCrossOriginAllowed(origin, host: host), let origin {
            h[.accessControlAllowOrigin] = origin
            h[.vary] = "Origin"
        }
        return h
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status, close: Bool = false) -> Response {
        let data = (try? JSONCoding.data(value)) ?? Data()
        return Response(status: status, headers: headers(json: true, close: close), body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func html(_ page: String, status: HTTPResponse.Status, close: Bool = false) -> Response {
        Response(status: status, headers: headers(json: false, close: close), body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// A page of one paragraph (or `{"message": …}` for JSON clients), 200 unless told.
    func notice(title: String, text: String, status: HTTPResponse.Status = .ok) -> Response {
        if request.answersJSON { return json(["message": text], status: status) }
        return html(pages.notice(title: title, text: text, language: language), status: status)
    }

    /// 200 with theme template `template` in the site's layout.
    func page(_ template: String, title: String, context: TemplateContext, referrer: String? = nil) -> Response {
        var response = html(pages.chrome.page(template, language: language, title: title, context: context), status: .ok)
        if let referrer { response.headers[HTTPField.Name("Referrer-Policy")!] = referrer }
        return response
    }

    /// An error answer with every field error, its status chosen from the problems.
    func failure(_ errors: [FieldError], close: Bool = false) -> Response {
        failure(ProblemStatus.of(errors.map(\.problem)), errors, close: close)
    }

    /// An error answer with `status` and every field error (and `Retry-After` when the disk
    /// is the reason: the entrant may simply send again later).
    func failure(_ status: HTTPResponse.Status, _ errors: [FieldError], close: Bool = false) -> Response {
        if ![.get, .head, .options].contains(request.method), let first = errors.first {
            metrics?.entryRefused(reason: first.problem.code)
        }
        var response: Response
        if request.answersJSON {
            response = json(ErrorsJSON(errors: errors.map { .init(field: $0.field, message: messages.text($0.problem)) }), status: status, close: close)
        } else {
            response = html(pages.problems(errors, status: status, messages: messages), status: status, close: close)
        }
        if errors.contains(where: { $0.problem == .diskFull || $0.problem == .lowDisk }) { response.headers[.retryAfter] = "300" }
        return response
    }

    /// One problem with the request as a whole.
    func failure(_ problem: FieldProblem, field: String = "form", close: Bool = false) -> Response {
        failure([FieldError(field: field, problem: problem)], close: close)
    }

    /// A body rejected while reading; the connection is closed because the rest of the body
    /// was not read.
    func rejected(_ failure: FormFailure) -> Response {
        self.failure([failure.error], close: true)
    }

    /// What a bot that filled the honeypot sees: an answer shaped like success, with nothing stored.
    func honeypot(now: Date) -> Response {
        metrics?.entryRefused(reason: "honeypot")
        if request.answersJSON {
            return json(ReceiptJSON(id: "E-0000", edit_token: "", received_at: rfc3339(now), files: []), status: .created)
        }
        return html(pages.notice(title: pages.strings(language)[.receiptTitle], text: "", language: language), status: .ok)
    }

    /// 201 with the receipt, or 303 to the receipt page.
    func created(_ receipt: Receipt, contest: Contest) -> Response {
        metrics?.entryAccepted()
        let e = receipt.entry
        if request.answersJSON {
            return json(ReceiptJSON(id: e.code, edit_token: receipt.editToken, received_at: rfc3339(e.receivedAt),
                                    files: e.files.map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) },
                                    log: e.log.first { $0.leaf.event == .received }), status: .created)
        }
        var h = headers(json: false, close: false)
        h[.location] = pages.entryPath(e.code, language: language, fresh: true)
        h[.setCookie] = EditCookie.set(receipt.editToken, code: e.code, apiPath: pages.apiPath)
        return Response(status: .seeOther, headers: h)
    }

    /// The entrant's view.
    func entry(_ e: Entry, token: String, contest: Contest, editable: Bool, fresh: Bool, stage: (stage: Stage, sent: StageReceipt?)? = nil,
               consents: ConsentView? = nil) -> Response {
        if request.answersJSON {
            return json(EntryJSON(id: e.code, contest: e.draft.contest, title: e.draft.title, summary: e.draft.summary,
                                  team_name: e.draft.teamName, members: e.draft.members, contact_email: e.draft.contactEmail,
                                  country: e.draft.country, link: e.draft.link, received_at: rfc3339(e.receivedAt),
                                  updated_at: rfc3339(e.updatedAt), withdrawn_at: e.withdrawnAt.map(rfc3339),
                                  editable_until: rfc3339(contest.closes),
                                  files: e.files.map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) }, data_sharing: consents?.items,
                                  log: e.log), status: .ok)
        }
        return html(pages.entry(e, token: token, contest: contest, editable: editable, fresh: fresh, language: language, stage: stage,
                                consents: consents), status: .ok)
    }

    /// An edit link opened in a browser: the token becomes the entry's cookie, and the page moves
    /// on to the address without it. Sent with `Referrer-Policy: no-referrer` and nothing loaded
    /// from the site, so the address with the token goes nowhere.
    func exchange(_ e: Entry, token: String, fresh: Bool) -> Response {
        var h = headers(json: false, close: false)
        h[.setCookie] = EditCookie.set(token, code: e.code, apiPath: pages.apiPath)
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: h,
                        body: .init(byteBuffer: ByteBuffer(string: pages.continuePage(to: pages.entryPath(e.code, language: language, fresh: fresh),
                                                                                      language: language))))
    }

    /// After an edit or withdrawal: the entry as JSON, or 303 back to the entrant's view.
    /// `anchor`: the part of the page to go back to.
    func afterChange(_ e: Entry, token: String, contest: Contest, anchor: String? = nil) -> Response {
        if request.answersJSON || request.method == .delete { return entry(e, token: token, contest: contest, editable: true, fresh: false) }
        var h = headers(json: false, close: false)
        h[.location] = pages.entryPath(e.code, language: language, fresh: false) + (anchor.map { "#" + $0 } ?? "")
        h[.setCookie] = EditCookie.set(token, code: e.code, apiPath: pages.apiPath)
        return Response(status: .seeOther, headers: h)
    }
}

/// The HTTP status of a refused request, chosen by the kind of its problems.
enum ProblemStatus {
    /// The status for one problem.
    static func of(_ problem: FieldProblem) -> HTTPResponse.Status {
        switch problem {
        case .fileTooLarge, .requestTooLarge: return .contentTooLarge
        case .wrongType, .uploadContentType: return .unsupportedMediaType
        case .tooSlow: return .requestTimeout
        case .rateLimited, .clientUploadBudget, .totalUploadBudget: return .tooManyRequests
        case .crossOrigin, .notOpenYet, .closed, .resultsPublished, .notShortlisted, .stageClosed, .questionsClosed, .noQuestions: return .forbidden
        case .unknownContest, .notFound: return .notFound
        case .withdrawn: return .conflict
        case .idempotencyMismatch: return .unprocessableContent
        case .diskFull: return HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .lowDisk: return .serviceUnavailable
        case .tooManyUploads, .clientUploadsInFlight, .totalUploadsInFlight: return .tooManyRequests
        case .uploadExpired: return .gone
        case .tusVersion: return .preconditionFailed
        case .offsetMismatch: return .conflict
        case .checksumMismatch: return HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch")
        case .pastUploadLength: return .contentTooLarge
        default: return .badRequest
        }
    }

    /// The status for a set of problems: the most specific one (a size beats a type, which
    /// beats any other field problem).
    static func of(_ problems: [FieldProblem]) -> HTTPResponse.Status {
        let statuses = problems.map(of)
        for preferred in [HTTPResponse.Status.contentTooLarge, .unsupportedMediaType] where statuses.contains(preferred) { return preferred }
        return statuses.first { $0 != .badRequest } ?? .badRequest
    }
}

/// The cookie an entrant's browser keeps instead of an address with the edit token: one per
/// entry, scoped to that entry's path, `HttpOnly` (no script reads it), `Secure` (never sent
/// over plain http, loopback aside) and `SameSite=Strict` (no other site can make the browser
/// send it), for 30 days.
enum EditCookie {
    static let name = "compe_edit"

    static func set(_ token: String, code: String, apiPath: String) -> String {
        "\(name)=\(token); Path=\(apiPath)/entries/\(code); Max-Age=2592000; HttpOnly; Secure; SameSite=Strict"
    }

    /// The token the request's cookies carry, if any.
    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    if !value.isEmpty { return value }
                }
            }
        }
        return nil
    }
}
