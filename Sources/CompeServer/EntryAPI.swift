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

/// The entry endpoint of SPEC "Entries": submit, view, edit and withdraw.
///
/// One value answers a request from start to end; the dev server replaces it with one made from
/// the rebuilt content (same store and rate limiter) through `EntryEndpoint`.
struct EntryAPI: Sendable {
    /// What every `EntryAPI` of one server shares, whatever content it was made from: the
    /// service, the limits on clients, the disk, the metrics, the clock and the log.
    struct Server: Sendable {
        /// Where entries go: the HTTP side ends here.
        let entries: EntryService
        /// Posts per client address.
        let limiter: RateLimiter
        /// Lost-link requests per e-mail address (one a minute), beside `limiter` per client.
        var recoveries = RateLimiter(perMinute: 1)
        /// Bytes of uploads per client and in all, per hour.
        var budgets = UploadBudgets(perClientMB: 0, totalMB: 0)
        /// Free space on the data disk (uploads wait below its floor).
        var disk: DiskSpace?
        /// Where entries, refusals and uploaded bytes are counted (`/metrics`).
        var metrics: ServerMetrics?
        /// What is known of published results, for the early check of new entries.
        let publications = PublishedResults()
        /// Resumable uploads (tus) and the entries that name them.
        let resumable: ResumableUploadService
        let clock: @Sendable () -> Date
        let logger: Logger
    }

    let server: Server
    let contests: [String: Contest]
    let config: SiteConfig
    let origins: OriginPolicy
    let pages: EntryPages
    /// The site's data-sharing agreements: the consent ones covering a contest get a box.
    let agreements: [SharingAgreement]
    let limits = FormLimits()

    var entries: EntryService { server.entries }
    var limiter: RateLimiter { server.limiter }
    var recoveries: RateLimiter { server.recoveries }
    var budgets: UploadBudgets { server.budgets }
    var disk: DiskSpace? { server.disk }
    var metrics: ServerMetrics? { server.metrics }
    var clock: @Sendable () -> Date { server.clock }
    var logger: Logger { server.logger }

    /// An API for the published (non-draft) contests of `content`, in its site settings and page
    /// chrome (`publicDir` gives the site's stylesheets and scripts).
    init(content: SiteContent, publicDir: URL, server: Server) throws {
        var defaults: [String: Contest] = [:]
        var localized: [String: [String: Contest]] = [:]
        for source in content.contests where !source.contest.draft {
            localized[source.contest.slug, default: [:]][source.contest.language] = source.contest
            if source.contest.language == content.config.defaultLanguage { defaults[source.contest.slug] = source.contest }
        }
        self.server = server
        contests = defaults
        config = content.config
        agreements = content.agreements
        origins = OriginPolicy(baseURL: content.config.baseURL, allowedOrigins: content.config.allowedOrigins)
        pages = EntryPages(chrome: try SiteChrome(content: content, publicDir: publicDir), config: content.config, contests: localized,
                           mails: server.entries.mails, updates: content.updates, answers: content.answers)
    }

    /// This API (same server-wide parts) for a rebuilt `content`.
    func with(content: SiteContent, publicDir: URL) throws -> EntryAPI {
        try EntryAPI(content: content, publicDir: publicDir, server: server)
    }

    // MARK: submit

    func submit(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        guard let slug = context.parameters.get("slug"), let contest = contests[slug] else {
            return respond.failure(.unknownContest, field: "contest", close: true)
        }
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        if let refusal = try await phaseRefusal(contest, early: true) { return respond.failure(refusal, close: true) }
        if let refusal = lowDisk(respond) { return refusal }
        let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key = idempotencyKey, !(1...200).contains(key.count) || !key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) {
            return respond.failure(.badIdempotencyKey, field: "Idempotency-Key", close: true)
        }
        let maxBody = Int64(contest.uploads.maxFiles) * contest.uploads.maxFileBytes + 1024 * 1024
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > maxBody {
            return respond.failure(.requestTooLarge, field: "files", close: true)
        }
        let receiver: MultipartReceiver
        if Self.isJSON(request) {
            do { receiver = try await readJSONForm(request, policy: contest.uploads) } catch let failure as FormFailure { return rejected(failure, respond) }
        } else {
            guard let boundary = MultipartReceiver.boundary(contentType: request.headers[.contentType]) else {
                return respond.failure(.notMultipart, close: true)
            }
            if let refusal = overBudget(request, context, respond) { return refusal }
            receiver = MultipartReceiver(boundary: boundary, limits: limits, policy: contest.uploads, begin: entries.beginUpload)
            if let failure = await read(request, into: receiver, maxBody: maxBody, client: clientKey(context)) {
                receiver.discardAll()
                return rejected(failure, respond)
            }
        }
        let formRespond = responder(request, context, form: receiver.fields)

        if !(receiver.fields[EntryForm.honeypot] ?? "").isEmpty {   // a bot; store nothing, say nothing
            receiver.discardAll()
            logger.notice("honeypot field filled; entry dropped", metadata: ["contest": "\(slug)"])
            return formRespond.honeypot(now: clock())
        }
        var errors = receiver.errors
        let offers = consentOffers(contest)
        let draft = EntryForm.draft(from: receiver.fields, contest: contest, language: formRespond.language,
                                    consentFields: Set(offers.map(\.consentField)), problems: &errors)
        let (files, claims) = try await requestFiles(receiver, request, contest: slug, policy: contest.uploads, problems: &errors)
        if files.isEmpty && !errors.contains(where: { $0.field == "files" || $0.field == "uploads" }) {
            errors.append(FieldError(field: "files", problem: .noFiles))
        }
        if let draft { errors += EntryService.blindProblems(files, draft: draft, contest: contest) }
        guard let draft, errors.isEmpty else {
            receiver.discardAll()
            return formRespond.failure(errors)
        }
        let claim = idempotencyKey.map { IdempotencyClaim(key: $0, request: RequestDigest.of(slug, fields: receiver.fields, files: files)) }
        do {
            let receipt = try await entries.submit(draft, files: files, idempotency: claim, closedBy: contest.later.firstID,
                                                   consents: EntryForm.consents(from: receiver.fields, offers: offers), claims: claims, now: clock())
            if !receipt.replayed { metrics?.uploaded(bytes: receipt.entry.files.reduce(0) { $0 + $1.bytes }) }
            logger.info(receipt.replayed ? "entry replayed" : "entry stored",
                        metadata: ["entry": "\(receipt.entry.code)", "contest": "\(slug)", "files": "\(receipt.entry.files.count)"])
            return formRespond.created(receipt, contest: contest)
        } catch StoreError.idempotencyMismatch {
            return formRespond.failure(.idempotencyMismatch, field: "Idempotency-Key")
        } catch StoreError.uploadUnavailable(let id) {
            return formRespond.failure(.uploadUnavailable(id: id), field: "uploads")
        } catch StoreError.resultsPublished {
            server.publications.remember(contest: slug, stage: contest.later.firstID)
            return formRespond.failure(.resultsPublished, close: true)
        } catch let error as StoreError where error.isDiskFull {
            return diskFull(error, formRespond)
        }
    }

    /// Streams the body into `receiver`; returns why it was rejected, or nil when complete. A
    /// body without `Content-Length` is charged to the upload budgets as it arrives. A body that
    /// falls under the connection guard's rate ends with `ConnectionGuard.SlowBody`: 408.
    func read(_ request: Request, into receiver: MultipartReceiver, maxBody: Int64, client: String) async -> FormFailure? {
        var total: Int64 = 0
        var charged = request.headers[.contentLength].flatMap(Int64.init) ?? 0
        do {
            for try await chunk in request.body {
                total += Int64(chunk.readableBytes)
                if total > maxBody { return FormFailure(.requestTooLarge, field: "files") }
                if total > charged {
                    if let (scope, _) = budgets.take(total - charged, client: client) {
                        return FormFailure(scope == .client ? .clientUploadBudget : .totalUploadBudget)
                    }
                    charged = total
                }
                try receiver.feed(chunk)
            }
            try receiver.finish()
            return nil
        } catch let failure as FormFailure {
            return failure
        } catch is ConnectionGuard.SlowBody {
            // The connection guard's rule (the one place it lives) stopped the body: say so.
            return FormFailure(.tooSlow)
        } catch {
            return FormFailure(.unterminated)
        }
    }

    // MARK: view, edit, withdraw

    func view(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        let linked = request.bearerToken == nil ? request.query("token") : nil
        guard let code = context.parameters.get("id"), let token = request.bearerToken ?? linked ?? EditCookie.token(in: request),
              let entry = try await entries.entry(code: code, token: token), let contest = contests[entry.draft.contest] else {
            return respond.failure(.notFound, field: "entry")
        }
        // An edit link opened in a browser: the token moves into the entry's cookie and out of
        // the address (logs, history and referrers never see it again).
        if linked != nil && !request.answersJSON { return respond.exchange(entry, token: token, fresh: request.query("new") == "1") }
        return respond.entry(entry, token: token, contest: contest, editable: try await editable(contest), fresh: request.query("new") == "1",
                             stage: try await entries.openStage(for: entry, in: contest, now: clock()), consents: try await consentView(entry, contest))
    }

    /// The consent agreements whose box `contest`'s forms show now.
    func consentOffers(_ contest: Contest) -> [SharingAgreement] {
        SharingAgreement.consentOffers(agreements, contest: contest.slug, at: clock())
    }

    /// The entrant's data-sharing choices as their page shows them: the boxes offered and those
    /// that stand (nil when the contest has no consent agreement).
    func consentView(_ entry: Entry, _ contest: Contest) async throws -> ConsentView? {
        let offers = consentOffers(contest)
        guard !offers.isEmpty else { return nil }
        return ConsentView(offers: offers, standing: try await entries.consents(of: entry))
    }

    /// `POST {api}/entries/{id}/consent`: the entrant's page's data-sharing form. Every box
    /// offered is read (an unticked box is not sent: a withdrawal); allowed at any time, after
    /// the deadline and after a withdrawal too, since consent is the entrant's to take back.
    func consent(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        let notFound = respond.failure(.notFound, field: "entry", close: true)
        guard let code = context.parameters.get("id"), EntryCode.parse(code) != nil else { return notFound }
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        let receiver: MultipartReceiver
        switch await receiveFields(request, context, respond) {
        case .success(let received): receiver = received
        case .failure(let refusal): return refusal.response
        }
        guard let entry = try await entries.entry(code: code, token: token(request) ?? receiver.fields["token"] ?? ""),
              let contest = contests[entry.draft.contest] else { return notFound }
        let formRespond = responder(request, context, form: receiver.fields)
        let offers = consentOffers(contest)
        let known = Set(offers.map(\.consentField)).union(EntryForm.auxiliaryFields)
        if let unknown = receiver.fields.keys.sorted().first(where: { !known.contains($0) }) {
            return formRespond.failure(.unknownField, field: unknown)
        }
        let standing = try await entries.setConsents(of: entry, ticked: EntryForm.consents(from: receiver.fields, offers: offers),
                                                     offers: offers.map(\.consentChoice), now: clock())
        logger.info("consent choices saved", metadata: ["entry": "\(code)"])
        if request.answersJSON { return formRespond.json(ConsentJSON(standing), status: .ok) }
        return formRespond.afterChange(entry, token: token(request) ?? receiver.fields["token"] ?? "", contest: contest, anchor: "sharing")
    }

    /// The edit token of a request: `Authorization: Bearer`, the entry's cookie, or (from links
    /// made by earlier versions and API clients) the address.
    func token(_ request: Request) -> String? {
        request.bearerToken ?? EditCookie.token(in: request) ?? request.query("token")
    }

    func edit(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        let notFound = respond.failure(.notFound, field: "entry", close: true)
        guard let code = context.parameters.get("id"), EntryCode.parse(code) != nil else { return notFound }
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        // The token is checked before any of the body is read when it comes in the Authorization
        // header or the address (the edit form puts it there); then the entry's own contest sets
        // the limits. A token sent only in the body is read with the fields, and no file is
        // taken before it (`tokenFirst`): nothing is written for a stranger.
        let early = token(request)
        var known: (Entry, Contest)? = nil
        var policy = UploadPolicy(maxFiles: 0, maxFileMB: 0, types: [])
        var limits = self.limits
        if let token = early {
            guard let entry = try await entries.entry(code: code, token: token), let contest = contests[entry.draft.contest] else { return notFound }
            if let refusal = try await phaseRefusal(contest) { return respond.failure(refusal, close: true) }
            known = (entry, contest)
            policy = contest.uploads
        } else {
            limits.filesAllowed = false
        }
        let receiver: MultipartReceiver
        switch await receive(request, context, respond, policy: policy, limits: limits) {
        case .success(let received): receiver = received
        case .failure(let refusal): return refusal.response
        }
        let token = early ?? receiver.fields["token"] ?? ""
        if known == nil, let entry = try await entries.entry(code: code, token: token), let contest = contests[entry.draft.contest] {
            known = (entry, contest)
        }
        guard let (entry, contest) = known else {
            receiver.discardAll()
            return notFound
        }
        let formRespond = responder(request, context, form: receiver.fields)
        if let refusal = try await phaseRefusal(contest) {
            receiver.discardAll()
            return formRespond.failure(refusal)
        }
        if receiver.fields["action"] == "withdraw" {
            receiver.discardAll()
            let withdrawn = try await entries.withdraw(code: code, token: token, now: clock())
            return formRespond.afterChange(withdrawn ?? entry, token: token, contest: contest)
        }
        if entry.withdrawnAt != nil {
            receiver.discardAll()
            return formRespond.failure(.withdrawn, field: "entry")
        }
        var errors = receiver.errors
        let draft = EntryForm.draft(from: receiver.fields, contest: contest, language: entry.draft.language, problems: &errors)
        let (files, claims) = try await requestFiles(receiver, request, contest: contest.slug, policy: contest.uploads, problems: &errors)
        if let draft { errors += EntryService.blindProblems(files, draft: draft, contest: contest) }
        guard let draft, errors.isEmpty else {
            receiver.discardAll()
            return formRespond.failure(errors)
        }
        let updated: Entry?
        do {
            updated = try await entries.edit(code: code, token: token, with: draft, files: files.isEmpty ? nil : files, claims: claims, now: clock())
            if let updated, !files.isEmpty { metrics?.uploaded(bytes: updated.files.reduce(0) { $0 + $1.bytes }) }
        } catch let error as StoreError where error.isDiskFull {
            return diskFull(error, formRespond)
        } catch StoreError.uploadUnavailable(let id) {
            return formRespond.failure(.uploadUnavailable(id: id), field: "uploads")
        }
        guard let updated else { return notFound }
        logger.info("entry updated", metadata: ["entry": "\(code)"])
        return formRespond.afterChange(updated, token: token, contest: contest)
    }

    /// The files of a form: its own (staged as they arrived) and the finished resumable uploads
    /// it names (`upload` fields, with the client's `Compe-Upload-Key`), within `policy`; the
    /// claims mark the uploads used in the event's transaction. Problems go to `problems`.
    func requestFiles(_ receiver: MultipartReceiver, _ request: Request, contest: String, policy: UploadPolicy,
                      problems: inout [FieldError]) async throws -> (files: [StagedFile], claims: [UploadClaim]) {
        let own = receiver.files.map(\.staged)
        guard !receiver.uploadIDs.isEmpty else { return (own, []) }
        switch try await resumable.files(receiver.uploadIDs, ownerKey: uploadKey(request), contest: contest, policy: policy, now: clock()) {
        case .failure(let problem):
            problems.append(problem)
            return (own, [])
        case .success(let (uploaded, claims)):
            if own.count + uploaded.count > policy.maxFiles { problems.append(FieldError(field: "files", problem: .tooManyFiles(max: policy.maxFiles))) }
            return (own + uploaded, claims)
        }
    }

    /// A refusal answered before or while the body is read.
    struct Refused: Error { let response: Response }

    /// Whether the request's body is JSON (an entry naming resumable uploads, from a program).
    static func isJSON(_ request: Request) -> Bool {
        request.headers[.contentType].map { HeaderParameters($0).value.lowercased() == "application/json" } ?? false
    }

    /// An entry form sent as a JSON object: text fields as strings (`members` also as a list of
    /// names, a box such as `agree_terms` also as `true`), and `uploads`, the ids of finished
    /// resumable uploads. At most 1 MiB; a key given twice, or a value of another shape, is
    /// refused as malformed. Files themselves never come in JSON.
    func readJSONForm(_ request: Request, policy: UploadPolicy) async throws -> MultipartReceiver {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 1 << 20) } catch { throw FormFailure(.requestTooLarge) }
        let bytes = [UInt8](body.readableBytesView)
        if let key = StrictJSON.duplicateKey(in: bytes) { throw FormFailure(.duplicateField, field: key) }
        guard let object = try? JSONDecoder().decode([String: JSONFormValue].self, from: Data(bytes)) else { throw FormFailure(.malformed) }
        var fields: [String: String] = [:], ids: [String] = [], errors: [FieldError] = []
        for (key, value) in object {
            switch (key, value) {
            case ("uploads", .list(let list)) where list.count <= policy.maxFiles: ids = list
            case ("uploads", .list): errors.append(FieldError(field: "files", problem: .tooManyFiles(max: policy.maxFiles)))
            case ("uploads", _): throw FormFailure(.malformed, field: key)
            case ("members", .list(let names)): fields[key] = names.joined(separator: "\n")
            case (_, .text(let text)): fields[key] = text
            case (_, .flag(true)): fields[key] = "yes"
            case (_, .flag(false)): break
            default: throw FormFailure(.malformed, field: key)
            }
        }
        return MultipartReceiver(fields: fields, uploadIDs: ids, errors: errors, policy: policy)
    }

    /// The body of an edit or a later-stage submission, read into a receiver under `policy`
    /// (the entry's or the stage's limits): the disk floor, the declared length, the upload
    /// budgets and the stream checked in that order. On a refusal nothing stays staged.
    func receive(_ request: Request, _ context: CompeRequestContext, _ respond: Responder, policy: UploadPolicy,
                 limits: FormLimits) async -> Result<MultipartReceiver, Refused> {
        if Self.isJSON(request) {
            // A token only in the body takes no upload before it is checked, as for files.
            do { return .success(try await readJSONForm(request, policy: limits.filesAllowed ? policy : UploadPolicy(maxFiles: 0, maxFileMB: 0, types: []))) }
            catch let failure as FormFailure { return .failure(Refused(response: rejected(failure, respond))) }
            catch { return .failure(Refused(response: respond.failure(.malformed, close: true))) }
        }
        guard let boundary = MultipartReceiver.boundary(contentType: request.headers[.contentType]) else {
            return .failure(Refused(response: respond.failure(.notMultipart, close: true)))
        }
        if let refusal = lowDisk(respond) { return .failure(Refused(response: refusal)) }
        let maxBody = Int64(policy.maxFiles) * policy.maxFileBytes + 1024 * 1024
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > maxBody {
            return .failure(Refused(response: respond.failure(.requestTooLarge, field: "files", close: true)))
        }
        if let refusal = overBudget(request, context, respond) { return .failure(Refused(response: refusal)) }
        let receiver = MultipartReceiver(boundary: boundary, limits: limits, policy: policy, begin: entries.beginUpload)
        if let failure = await read(request, into: receiver, maxBody: maxBody, client: clientKey(context)) {
            receiver.discardAll()
            return .failure(Refused(response: rejected(failure, respond)))
        }
        return .success(receiver)
    }

    /// The body of a form that takes no file (the consent form, a question): its fields, under
    /// the same checks as any body; a file part is refused.
    func receiveFields(_ request: Request, _ context: CompeRequestContext, _ respond: Responder) async -> Result<MultipartReceiver, Refused> {
        var limits = self.limits
        limits.filesAllowed = false
        limits.fileRefusal = .unexpectedFile
        let result = await receive(request, context, respond, policy: UploadPolicy(maxFiles: 0, maxFileMB: 0, types: []), limits: limits)
        if case .success(let receiver) = result { receiver.discardAll() }
        return result
    }

    func withdraw(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        // A withdrawal changes an entry like any post: the same origin check and rate limit.
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        guard let code = context.parameters.get("id"), let token = token(request),
              let entry = try await entries.entry(code: code, token: token), let contest = contests[entry.draft.contest] else {
            return respond.failure(.notFound, field: "entry")
        }
        // A finalist may still withdraw while its stage takes submissions: from the whole contest.
        if let refusal = try await phaseRefusal(contest), try await entries.openStage(for: entry, in: contest, now: clock()) == nil {
            return respond.failure(refusal)
        }
        let withdrawn = try await entries.withdraw(code: code, token: token, now: clock())
        logger.info("entry withdrawn", metadata: ["entry": "\(code)"])
        return respond.afterChange(withdrawn ?? entry, token: token, contest: contest)
    }

    func preflight(_ request: Request, _ context: CompeRequestContext) -> Response {
        let origin = request.headers[.origin]
        guard origins.isCrossOriginAllowed(origin, host: requestHost(request, context)), let origin else {
            return Response(status: .forbidden)
        }
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlAllowMethods] = "GET, POST, DELETE"
        headers[.accessControlAllowHeaders] = "Content-Type, Authorization, Idempotency-Key, Accept, Accept-Language, Compe-Upload-Key"
        headers[.accessControlMaxAge] = "600"
        headers[.vary] = "Origin"
        return Response(status: .noContent, headers: headers)
    }
}

/// One value of an entry form sent as JSON: text, a list of texts, or a box (only `true` and
/// `false`: a number is not a box).
enum JSONFormValue: Decodable {
    case text(String), list([String]), flag(Bool)

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            self = .text(text)
        } else if let list = try? c.decode([String].self) {
            self = .list(list)
        } else {
            self = .flag(try c.decode(Bool.self))
        }
    }
}
