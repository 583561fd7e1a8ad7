import CompeCore
import CompeWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Every JSON answer of the server: a `Codable` value through the one configured encoder
/// (`JSONCoding`), never text put together by hand, so a quote or a backslash in a value can
/// never break an answer.
enum JSONAnswer {
    /// `value` as `status`, with `no-store` and the JSON content type (and `extra` headers).
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, extra: HTTPFields = [:]) -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/json; charset=utf-8"
        h[.cacheControl] = "no-store"
        for field in extra { h[field.name] = field.value }
        // Encoding compe's own answer types cannot fail (strings, numbers, arrays of them).
        let data = (try? JSONCoding.data(value)) ?? Data()
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `/healthz` while degraded: `{"status":"degraded","reason":…}`.
struct HealthAnswer: Codable {
    var status: String
    var reason: String
}

extension Request {
    /// The one rule for JSON or HTML where both exist: JSON when `Accept` names
    /// `application/json`, HTML otherwise (browsers, and clients that did not say). The judge
    /// API has no HTML: it always answers JSON.
    var answersJSON: Bool {
        uri.path.hasPrefix("/api/judge/") || (headers[.accept] ?? "").lowercased().contains("application/json")
    }
}
