import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Answers GET and HEAD requests for the site's files that are in memory right in the channel
/// pipeline, on the event loop that read them, without starting the application's task and
/// middleware chain (which cost twice the CPU of the answer itself). Anything else — a route, a
/// file not in memory, a path to check (`%`, `/.`), a range, a body, `Connection: close` — goes
/// on to the application untouched. The answer is the one `PublicFiles` gives
/// (`PublicFiles.answer`), with the same security headers and the same `RequestRecord`.
///
/// It sits after `ConnectionGuard`, which lets a request through only once the answer before it
/// is out, so answering here never overtakes the application's answer to an earlier request.
/// It is not installed in watch mode (pages then get the live-reload script).
final class FileFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    /// What the answers share with the application.
    struct Site: Sendable {
        let cache: FileCache
        let routed: [String]
        let security: SecurityHeaders
        let proxies: TrustedProxies
        let record: RequestRecord
    }

    private let site: Site
    /// A request this handler will answer once its end arrives.
    private var pending: (request: HTTPRequest, path: String, file: CachedFile, takesGzip: Bool, started: ContinuousClock.Instant)?

    init(site: Site) { self.site = site }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            let started = ContinuousClock.now
            if let (path, file, takesGzip) = servable(request) {
                pending = (request, path, file, takesGzip, started)
                return
            }
        case .body:
            if let held = pending {   // a body after all: the application answers
                pending = nil
                context.fireChannelRead(wrapInboundOut(.head(held.request)))
            }
        case .end:
            if let held = pending {
                pending = nil
                answer(context, held.request, path: held.path, file: held.file, takesGzip: held.takesGzip, started: held.started)
                return
            }
        }
        context.fireChannelRead(data)
    }

    /// The path and the file in memory for `request`, when this handler may answer it.
    private func servable(_ request: HTTPRequest) -> (path: String, file: CachedFile, takesGzip: Bool)? {
        guard request.method == .get || request.method == .head, let target = request.path else { return nil }
        // One pass over the fields (each lookup by name is a scan of its own).
        var acceptEncoding: String?
        for field in request.headerFields {
            switch field.name {
            case .range, .contentLength, .transferEncoding: return nil
            case .connection where field.value.lowercased().contains("close"): return nil
            case .acceptEncoding: acceptEncoding = acceptEncoding.map { $0 + ", " + field.value } ?? field.value
            default: break
            }
        }
        let path = String(target.prefix { $0 != "?" })
        guard path.hasPrefix("/"), Self.plain(path), !site.routed.contains(where: { path.hasPrefix($0) }) else { return nil }
        var relative = String(path.dropFirst())
        if relative.isEmpty || relative.hasSuffix("/") { relative += "index.html" }
        let takesGzip = AcceptEncoding.allowsGzip(acceptEncoding)
        guard case .cached(let file) = site.cache.lookup(relative, gzip: takesGzip) else { return nil }
        return (path, file, takesGzip)
    }

    /// Whether `path` needs no check the application makes: no `%` escape, no `/.` segment, no
    /// control character. (One pass over the bytes; `String.contains` went through Foundation.)
    private static func plain(_ path: String) -> Bool {
        var previous: UInt8 = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") || byte < 0x20 || byte == 0x7F || (byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/")) {
                return false
            }
            previous = byte
        }
        return true
    }

    private func answer(_ context: ChannelHandlerContext, _ request: HTTPRequest, path: String, file: CachedFile, takesGzip: Bool,
                        started: ContinuousClock.Instant) {
        let client = site.proxies.client(peer: context.channel.remoteAddress?.ipAddress ?? "unknown", headers: request.headerFields)
        let answer = PublicFiles<CompeRequestContext>.answer(method: request.method, headers: request.headerFields, file: file, takesGzip: takesGzip)
        var headers = answer.headers
        site.security.add(to: &headers, secure: client.secure)
        headers[.date] = Self.date()
        headers[.server] = "compe"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: headers))), promise: nil)
        if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        site.record.answered(method: request.method, path: path, status: answer.status.code, route: nil, started: started, client: client.address)
    }

    /// The `Date` header's value now, as the application's answers carry it (made once a second).
    private static func date() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return dateCache.withLock { cache in
            if cache.second != now.tv_sec {
                cache = (now.tv_sec, Validators.httpDate(Date(timeIntervalSince1970: Double(now.tv_sec))))
            }
            return cache.text
        }
    }

    private static let dateCache = Mutex<(second: Int, text: String)>((0, ""))
}
