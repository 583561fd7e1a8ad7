import CompeCore
import CompeServices
import CompeStore
import CompeWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The judge API (`/api/judge/…`): a judge's own computer scores over HTTPS with a personal
/// token. Every answer comes from the same `JudgingService` the organiser's command line uses,
/// so the blind rule, the checks and the audit trail are the ones of the command line.
struct JudgeAPI: Sendable {
    let store: EntryStore
    let catalog: CurrentCatalog
    let failures: RateLimiter
    /// Score writes per judge (token) a minute: each change is kept in the audit trail, so one
    /// token cannot fill the database by re-sending sheets.
    let writes: RateLimiter
    let clientAddress: @Sendable (CompeRequestContext) -> String
    let logger: Logger

    /// Most bytes a score request's body may have.
    static let maxBody = 64 * 1024

    /// The service over the contests as they are now (the dev server swaps them on a rebuild).
    var service: JudgingService { JudgingService(store: store, catalog: catalog.current) }

    func register(on router: Router<CompeRequestContext>) {
        let judge = router.group("api/judge")
        judge.get("queue") { request, context in try await authenticated(request, context) { try await json(service.queue(judge: $0)) } }
        judge.get("progress") { request, context in try await authenticated(request, context) { try await json(service.progress(judge: $0)) } }
        judge.get("entries/:ref") { request, context in
            try await authenticated(request, context) { handle in
                try await answer(request) { try await json(service.entry(judge: handle, ref: try ref(context))) }
            }
        }
        judge.get("entries/:ref/files/:n") { request, context in
            try await authenticated(request, context) { handle in
                try await answer(request) { try await download(handle, ref: try ref(context), n: context.parameters.get("n", as: Int.self) ?? 0) }
            }
        }
        judge.put("entries/:ref/score") { request, context in
            try await authenticated(request, context) { handle in
                try await answer(request) { try await score(handle, ref: try ref(context), request: request) }
            }
        }
    }

    func ref(_ context: CompeRequestContext) throws -> String {
        guard let ref = context.parameters.get("ref") else { throw JudgingError.notInQueue(ref: "", judge: "") }
        return ref
    }

    /// Runs `body` for the judge the bearer token names. Every failure (no token, a wrong,
    /// expired or revoked one) gets the same 401, and counts against the client's address:
    /// past the limit, the address gets 429 with `Retry-After`, whatever it sends.
    func authenticated(_ request: Request, _ context: CompeRequestContext, _ body: (String) async throws -> Response) async throws -> Response {
        let address = clientAddress(context)
        if let wait = failures.waiting(address) { return JudgeAnswers.tooManyAttempts(retryAfter: wait) }
        guard let token = request.bearerToken, let judge = try await service.judge(forToken: token) else {
            _ = failures.take(address)
            if let wait = failures.waiting(address) {
                // This failure used the address's last attempt: say so once, refuse from now on.
                logger.warning("repeated failed judge authentication; refusing this address for a while",
                               metadata: ["client": "\(address)", "seconds": "\(wait)"])
            }
            return JudgeAnswers.unauthorized
        }
        return try await body(judge)
    }

    /// Runs `body`, answering the judging service's refusals with their statuses.
    func answer(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        let messages = JudgeMessages(request)
        do {
            return try await body()
        } catch let error as JudgingError {
            switch error {
            case .notInQueue, .noSuchFile: return JudgeAnswers.notFound
            case .nothingToSave: return JudgeAnswers.invalid([("values", messages.nothingToSave)])
            case .store(.invalidScores(let problems)): return JudgeAnswers.invalid(problems.map { (messages.field($0), messages.text($0)) })
            case .store(.staleRevision(let current)): return JudgeAnswers.stale(current)
            case .store(.resultsPublished), .store(.stagePublished): return JudgeAnswers.published
            case .store(.idempotencyMismatch): return JudgeAnswers.invalid([("idempotency_key", messages.keyReused)], status: .unprocessableContent)
            case .store(let store) where store.isDiskFull:
                logger.error("the data disk is full: a score could not be saved", metadata: ["error": "\(store)"])
                return JudgeAnswers.storageFull
            default: throw error
            }
        }
    }

    func score(_ judge: String, ref: String, request: Request) async throws -> Response {
        let messages = JudgeMessages(request)
        if let wait = writes.take(judge) { return JudgeAnswers.tooManyWrites(retryAfter: wait) }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxBody) } catch {
            return JudgeAnswers.invalid([("body", messages.tooLarge)], status: .contentTooLarge)
        }
        let bytes = Array(buffer: body)
        if let key = StrictJSON.duplicateKey(in: bytes) {
            return JudgeAnswers.invalid([("body", messages.duplicateKey(key))])
        }
        guard let submission = try? JSONDecoder().decode(ScoreSubmission.self, from: Data(bytes)) else {
            return JudgeAnswers.invalid([("body", messages.notJSON)])
        }
        if let key = submission.idempotencyKey, !(1...200).contains(key.count) {
            return JudgeAnswers.invalid([("idempotency_key", messages.badKey)])
        }
        let receipt = try await service.score(judge: judge, ref: ref, submission, source: .api)
        logger.info("score saved", metadata: ["judge": "\(judge)", "revision": "\(receipt.revision)"])
        return try json(receipt)
    }

    /// An entry's file: streamed from the upload store as an attachment, under the name the
    /// judge may see (`file-N.kind` in a blind contest).
    func download(_ judge: String, ref: String, n: Int) async throws -> Response {
        let (file, url) = try await service.file(judge: judge, ref: ref, n: n)
        guard let directory = try? PublicDirectory(url.deletingLastPathComponent()), let open = directory.open(url.lastPathComponent), open.isRegular else {
            throw JudgingError.noSuchFile(ref: ref, n: n)
        }
        var headers = JudgeAnswers.headers(contentType: FileKind(rawValue: file.kind)?.mimeType ?? "application/octet-stream")
        headers[.contentDisposition] = ContentDisposition.attachment(file.name)
        headers[.contentLength] = String(open.size)
        return Response(status: .ok, headers: headers, body: open.body(0..<open.size))
    }

    func json<T: Encodable>(_ value: T) throws -> Response {
        var response = JSONAnswer.response(value)
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return response
    }
}

/// The contests the judge API goes by, replaced whole when the dev server rebuilds the content.
final class CurrentCatalog: Sendable {
    private let value: Mutex<ContestCatalog>

    init(_ catalog: ContestCatalog) { value = Mutex(catalog) }

    var current: ContestCatalog { value.withLock { $0 } }

    func replace(_ catalog: ContestCatalog) { value.withLock { $0 = catalog } }
}
