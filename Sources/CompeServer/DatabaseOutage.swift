import CompeServices
import CompeStore
import CompeWire
import Hummingbird
import HTTPTypes
import NIOCore

/// Answers any request that failed because the database could not be reached (PostgreSQL down
/// or restarting) with `503 Service Unavailable` and `Retry-After`, instead of a 500: nothing was
/// stored, and the same request (with its `Idempotency-Key`) can be sent again. The database
/// engine reconnects by itself on a later request.
struct DatabaseOutageMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Seconds a client is asked to wait.
    static var retryAfter: String { "5" }
    /// The theme's page saying so, in the request's language (nil: JSON only).
    let page: @Sendable (Request) -> String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch where Self.isOutage(error) {
            // Browsers (a form post) get the theme's page; API clients JSON (the one Accept rule).
            guard !request.answersJSON, let html = page(request) else {
                return JSONAnswer.response(RefusalAnswer(error: "database_unavailable"), status: .serviceUnavailable,
                                           extra: [.retryAfter: Self.retryAfter])
            }
            return Response(status: .serviceUnavailable,
                            headers: [.contentType: "text/html; charset=utf-8", .retryAfter: Self.retryAfter, .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    /// Whether `error` (or the store error inside it) says the database is unreachable.
    static func isOutage(_ error: any Error) -> Bool {
        switch error {
        case let store as StoreError: return store.isUnavailable
        case JudgingError.store(let store): return store.isUnavailable
        default: return false
        }
    }
}
