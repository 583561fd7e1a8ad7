import CompeServices
import CompeStore
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

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch where Self.isOutage(error) {
            // Browsers (a form post) get a page; API clients JSON.
            let json = !(request.headers[.accept] ?? "").contains("text/html")
            let body = json ? #"{"error":"database_unavailable"}"#
                : "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Service unavailable</title>"
                + "<p>The service is briefly unavailable; nothing was lost. Please try again in a few seconds.</p>"
                + "<p lang=\"ja\">一時的に利用できません。データは失われていません。数秒後にもう一度お試しください。</p></html>"
            return Response(status: .serviceUnavailable,
                            headers: [.contentType: json ? "application/json" : "text/html; charset=utf-8", .retryAfter: Self.retryAfter,
                                      .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
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
