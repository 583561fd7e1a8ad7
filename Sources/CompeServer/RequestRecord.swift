import Foundation
import HTTPTypes
import Logging

/// What every answered request leaves behind, whoever answered it (the application or the file
/// fast path): one structured log line — method, path (never the query, which may hold a
/// token), status, ms, client — and its count and latency in the metrics, by route pattern
/// (`files` for the site's files, `NotFound` for nothing). A server error (5xx, or a failure the
/// handler did not expect) is logged at error level with its route and the underlying error,
/// never with the request's data.
struct RequestRecord: Sendable {
    let logger: Logger
    let metrics: ServerMetrics

    func answered(method: HTTPRequest.Method, path: String, status: Int, route: String?, started: ContinuousClock.Instant,
                  client: String, error: (any Error)? = nil) {
        let elapsed = ContinuousClock.now - started
        metrics.request(route: route ?? (status < 400 ? "files" : "refused"), status: status, duration: elapsed)
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var metadata: Logger.Metadata = ["method": .string(method.rawValue), "path": .string(path), "status": .string(String(status)),
                                         "ms": .string(String(ms)), "client": .string(client)]
        if status >= 500 {
            metadata["route"] = .string(route ?? path)
            if let error { metadata["error"] = .string(String(reflecting: error)) }
            logger.error("request failed", metadata: metadata)
        } else {
            logger.info("request", metadata: metadata)
        }
    }
}
