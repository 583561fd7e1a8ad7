import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The request context of compe's server: Hummingbird's core context plus the peer address
/// and the client as the server believes it (behind a trusted proxy, the forwarded one).
public struct CompeRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The address of the peer that connected (a proxy, when there is one).
    public let remoteAddress: SocketAddress?
    /// The client, set by `ClientMiddleware` before anything else runs.
    public var client: TrustedProxies.Client?

    /// Creates the context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Works out who is asking (`TrustedProxies.client`) for every later step: rate limits, origin
/// checks, HSTS, logs.
struct ClientMiddleware: RouterMiddleware {
    let proxies: TrustedProxies

    func handle(_ request: Request, context: CompeRequestContext, next: (Request, CompeRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.client = proxies.client(peer: context.remoteAddress?.ipAddress ?? "unknown", headers: request.headers)
        return try await next(request, context)
    }
}

/// The client's address, as rate limits and logs know it.
func clientAddress(_ context: CompeRequestContext) -> String {
    context.client?.address ?? context.remoteAddress?.ipAddress ?? "unknown"
}

/// The host the client asked for: a trusted proxy's `X-Forwarded-Host`, else `Host`.
func requestHost(_ request: Request, _ context: CompeRequestContext) -> String? {
    context.client?.host ?? request.head.authority
}

/// Per-IP token buckets: `perMinute` posts a minute, refilled continuously.
final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: Double }
    private let perMinute: Int
    private let buckets = Mutex([String: Bucket]())

    /// The server's clock: buckets refill as it runs (a test's clock stands still, so what a
    /// test sees does not depend on how fast the machine is).
    private let clock: @Sendable () -> Date

    /// `perMinute` 0 disables limiting.
    init(perMinute: Int, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.perMinute = perMinute
        self.clock = clock
    }

    /// Takes a token for `key`; returns nil when allowed, or the seconds to wait.
    func take(_ key: String, now: Double? = nil) -> Int? {
        update(key, now: now ?? clock().timeIntervalSince1970, take: true)
    }

    /// The seconds `key` must wait before its next token, or nil when it has one (nothing taken).
    func waiting(_ key: String, now: Double? = nil) -> Int? {
        update(key, now: now ?? clock().timeIntervalSince1970, take: false)
    }

    private func update(_ key: String, now: Double, take: Bool) -> Int? {
        guard perMinute > 0 else { return nil }
        let capacity = Double(perMinute)
        let rate = capacity / 60
        return buckets.withLock { buckets in
            if buckets.count > 100_000 {   // forget addresses whose bucket is full again
                buckets = buckets.filter { now - $0.value.updated < 60 }
            }
            var b = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            b.tokens = min(capacity, b.tokens + (now - b.updated) * rate)
            b.updated = now
            defer { buckets[key] = b }
            if b.tokens >= 1 {
                if take { b.tokens -= 1 }
                return nil
            }
            return max(1, Int(((1 - b.tokens) / rate).rounded(.up)))
        }
    }
}

/// Which browser origins may post entries: the request's own host, the site's `base_url`,
/// and `allowed_origins` from `site.yml`.
struct OriginPolicy: Sendable {
    let allowed: Set<String>

    init(baseURL: String, allowedOrigins: [String]) {
        allowed = Set(([baseURL] + allowedOrigins).map(Self.normalize))
    }

    static func normalize(_ origin: String) -> String {
        var o = origin.lowercased()
        while o.hasSuffix("/") { o.removeLast() }
        return o
    }

    /// True for no `Origin` (curl, scripts), the same origin as `Host`, or an allowed origin.
    func permits(origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        let o = Self.normalize(origin)
        if let host, o == "http://\(host.lowercased())" || o == "https://\(host.lowercased())" { return true }
        return allowed.contains(o)
    }

    /// True when `origin` is another site allowed to call the API (CORS headers are added).
    func isCrossOriginAllowed(_ origin: String?, host: String?) -> Bool {
        guard let origin else { return false }
        let o = Self.normalize(origin)
        if let host, o.hasSuffix("://\(host.lowercased())") { return false }
        return allowed.contains(o)
    }
}

extension Request {

    /// The bearer token of an `Authorization` header.
    var bearerToken: String? {
        guard let auth = headers[.authorization], auth.lowercased().hasPrefix("bearer ") else { return nil }
        let token = auth.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// A query parameter.
    func query(_ name: String) -> String? { uri.queryParameters.get(name) }
}

/// Keeps odd request paths away from the file server. A path whose decoded form holds a control
/// character gets 400 (a NUL would cut the file name short: `/index.html%00.png` served
/// `index.html`, and `/about%00…` was redirected to a mangled address). A hidden segment
/// (`.compe-build`, the build manifest, or an editor's dotfile; `.well-known` excepted) is
/// answered like a missing file.
struct RequestPathGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = request.uri.path.removingPercentEncoding,
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw HTTPError(.badRequest)
        }
        for segment in path.split(separator: "/") where segment.hasPrefix(".") && segment != ".well-known" {
            throw HTTPError(segment == "." || segment == ".." ? .badRequest : .notFound)
        }
        return try await next(request, context)
    }
}

/// Reads an `Accept-Language` header (RFC 9110 §12.5.4), whatever the client sent.
public enum AcceptLanguage {
    /// The site language the client prefers: ranges by descending `q` (ties in the order given),
    /// each matched on its primary subtag (`ja-JP` → `ja`); `q=0` means "not this one". Nil when
    /// none of `languages` is acceptable or the header says nothing usable.
    public static func preferred(_ header: String, among languages: [String]) -> String? {
        var ranked: [(q: Double, order: Int, code: String)] = []
        for (order, item) in header.lowercased().split(separator: ",").enumerated() {
            let parts = item.split(separator: ";", omittingEmptySubsequences: false)
            let tag = (parts.first ?? "").trimmingCharacters(in: .whitespaces)
            let code = String(tag.prefix { $0 != "-" })
            guard !code.isEmpty else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0] == "q" { q = Double(pair[1]).map { min(max($0, 0), 1) } ?? 0 }
            }
            ranked.append((q, order, code))
        }
        let best = ranked.filter { $0.q > 0 && languages.contains($0.code) }
            .min { ($0.q, -$0.order) > ($1.q, -$1.order) }
        return best?.code
    }
}

/// Bytes of uploads allowed per hour: one client's, and all clients' together, each a bucket
/// that refills at its hourly rate. One address sending 250 MB entries thirty times a minute
/// would fill any disk; past its budget it gets 429 with `Retry-After` (when enough has
/// refilled for the request), before its body is read.
final class UploadBudgets: Sendable {
    private struct Bucket { var bytes: Double; var updated: Double }
    /// Bytes per hour for one client and for all (0: no limit).
    let perClient: Int64, total: Int64
    private let buckets = Mutex([String: Bucket]())
    private static let all = "\u{0}all"

    /// Which budget refused a request.
    enum Scope: String { case client, total }

    init(perClientMB: Int, totalMB: Int) {
        perClient = Int64(perClientMB) << 20
        total = Int64(totalMB) << 20
    }

    /// Takes `bytes` from `client`'s budget and the total; nothing is taken when either lacks
    /// them. Returns nil when allowed, or which budget refused and the seconds until it has them.
    func take(_ bytes: Int64, client: String, now: Double = Date().timeIntervalSince1970) -> (scope: Scope, wait: Int)? {
        buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { now - $0.value.updated < 3600 } }
            func level(_ key: String, _ capacity: Int64) -> Bucket {
                var b = buckets[key] ?? Bucket(bytes: Double(capacity), updated: now)
                b.bytes = min(Double(capacity), b.bytes + (now - b.updated) * Double(capacity) / 3600)
                b.updated = now
                return b
            }
            func wait(_ b: Bucket, _ capacity: Int64) -> Int {
                guard Double(bytes) <= Double(capacity) else { return 3600 }
                return max(1, Int(((Double(bytes) - b.bytes) / (Double(capacity) / 3600)).rounded(.up)))
            }
            var mine = perClient > 0 ? level(client, perClient) : nil
            var everyone = total > 0 ? level(Self.all, total) : nil
            if let b = mine, b.bytes < Double(bytes) { buckets[client] = b; return (.client, wait(b, perClient)) }
            if let b = everyone, b.bytes < Double(bytes) { buckets[Self.all] = b; return (.total, wait(b, total)) }
            if mine != nil { mine!.bytes -= Double(bytes); buckets[client] = mine }
            if everyone != nil { everyone!.bytes -= Double(bytes); buckets[Self.all] = everyone }
            return nil
        }
    }
}
