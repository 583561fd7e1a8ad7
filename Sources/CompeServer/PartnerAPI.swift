import CompeCore
import CompeServices
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Delivery to partners (`/api/partners/…`): a partner's own tools fetch the packages shared
/// with it, with its `cpt_` token. A partner sees its own shares only (another's is 404, as if
/// it did not exist); after the agreement's `until` every answer is 410, since nothing may be
/// used past it; a revoked or unknown token is 401. Every download is logged with the client's
/// address (by the trusted-proxy rule) and its size.
struct PartnerAPI: Sendable {
    let store: EntryStore
    let catalog: CurrentCatalog
    /// Failed authentications per client address, as for judges.
    let failures: RateLimiter
    let clientAddress: @Sendable (CompeRequestContext) -> String
    let clock: @Sendable () -> Date
    let logger: Logger

    var service: JudgingService { JudgingService(store: store, catalog: catalog.current) }

    func register(on router: Router<CompeRequestContext>) {
        let partners = router.group("api/partners")
        partners.get("shares") { request, context in
            try await authenticated(request, context) { partner in JSONAnswer.response(try await service.partnerShares(partner: partner)) }
        }
        partners.get("shares/:id/:file") { request, context in
            try await authenticated(request, context) { partner in try await download(partner, request, context) }
        }
    }

    /// Runs `body` for the partner the bearer token names, while its agreement holds.
    func authenticated(_ request: Request, _ context: CompeRequestContext, _ body: (String) async throws -> Response) async throws -> Response {
        let address = clientAddress(context)
        if let wait = failures.waiting(address) { return JudgeAnswers.tooManyAttempts(retryAfter: wait) }
        guard let token = request.bearerToken, let (partner, expires) = try await store.partner(forToken: token) else {
            _ = failures.take(address)
            if let wait = failures.waiting(address) {
                logger.warning("repeated failed partner authentication; refusing this address for a while",
                               metadata: ["client": "\(address)", "seconds": "\(wait)"])
            }
            return JudgeAnswers.unauthorized
        }
        let now = clock()
        guard let agreement = catalog.current.agreements[partner], agreement.period(at: now) != .ended, now < expires else {
            return JudgeAnswers.refusal(.gone, "agreement_ended")
        }
        return try await body(partner)
    }

    func download(_ partner: String, _ request: Request, _ context: CompeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let name = context.parameters.get("file"),
              let data = try await store.shareFile(id, name: name, partner: partner) else { return JudgeAnswers.notFound }
        try await store.recordAccess(PartnerAccess(partner: partner, share: id, file: name, address: clientAddress(context),
                                                   bytes: Int64(data.count), at: clock()))
        logger.info("partner download", metadata: ["partner": "\(partner)", "share": "\(id)", "file": "\(name)", "bytes": "\(data.count)"])
        var headers = JudgeAnswers.headers(contentType: Self.contentType(name))
        headers[.contentDisposition] = ContentDisposition.attachment(name)
        headers[.contentLength] = String(data.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The media type of a package's file, by its name.
    static func contentType(_ name: String) -> String {
        if name.hasSuffix(".csv") { return "text/csv; charset=utf-8" }
        if name.hasSuffix(".jsonld") { return "application/ld+json" }
        if name.hasSuffix(".json") { return "application/json" }
        return "text/plain; charset=utf-8"
    }
}
