import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// What the HTTP/1 parser passes on but the rest of the server cannot see, because the request
/// is turned into HTTP types without its version: it sits before that conversion
/// (`HTTP1ToHTTPServerCodec`, added there by `ConnectionGuard`) and keeps RFC 9112's framing.
///
/// - An HTTP/1.0 request without `Connection: keep-alive`, or any request with
///   `Connection: close`, is answered with `Connection: close` and the connection closes once
///   the answer is out (instead of an HTTP/1.1 answer and a connection held open until the
///   header deadline). HTTP/1.0 answers carry version 1.0, so they are never chunked; a
///   keep-alive 1.0 answer without a length closes the connection to mark its end.
/// - A request whose `Host` is missing (HTTP/1.1) or repeated is a malformed request (RFC 9112
///   §3.2): it is handed on as a parser error, so it gets the same `400` and closed connection
///   as any request the parser refuses, and never reaches a route or a file.
/// - Every answer that leaves without the security headers (the `400` of a parser error is
///   written below the application) gets them here.
final class HTTP1Framing: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// How one request's answer is framed.
    private struct Framing {
        var version: HTTPVersion
        /// The connection closes after the answer.
        var close: Bool
    }

    private let security: [(String, String)]
    /// One per request read and not yet answered, oldest first.
    private var framings: [Framing] = []
    /// The answer being written closes the connection.
    private var closeAfterEnd = false
    /// A request asked for the connection to close, or was refused: no request after it is
    /// passed on.
    private var finished = false
    /// Parts of a request that is not passed on are dropped up to its end.
    private var dropping = false

    init(security: [(String, String)]) { self.security = security }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            guard !finished else {
                dropping = true
                return
            }
            dropping = false
            let hosts = head.headers["host"].count
            let old = head.version.major < 1 || (head.version.major == 1 && head.version.minor == 0)
            if hosts > 1 || (hosts == 0 && !old) {
                finished = true
                dropping = true
                context.fireErrorCaught(HTTPParserError.invalidHost)
                return
            }
            let tokens = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
            let close = tokens.contains("close") || (old && !tokens.contains("keep-alive"))
            if close {
                // The application reads exactly "close" as the end of the connection.
                head.headers.replaceOrAdd(name: "connection", value: "close")
                finished = true
            }
            framings.append(Framing(version: old ? .http1_0 : .http1_1, close: close))
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body, .end:
            if !dropping { context.fireChannelRead(data) }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let framing = framings.isEmpty ? nil : framings.removeFirst()
            if head.headers["x-content-type-options"].isEmpty {
                for (name, value) in security where head.headers[name].isEmpty { head.headers.add(name: name, value: value) }
            }
            if let framing {
                head.version = framing.version
                var close = framing.close || head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
                if framing.version == .http1_0 && !close {
                    let sized = !head.headers["content-length"].isEmpty || head.status == .noContent || head.status == .notModified
                    if sized { head.headers.replaceOrAdd(name: "connection", value: "keep-alive") } else { close = true }
                }
                if close {
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                    head.headers.remove(name: "keep-alive")
                    closeAfterEnd = true
                    finished = true   // answered and closing: a request pipelined behind it never runs
                }
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterEnd else { return context.write(data, promise: promise) }
            closeAfterEnd = false
            context.writeAndClose(data, promise: promise)
        }
    }

    /// Puts a framing handler before `HTTP1ToHTTPServerCodec` in `context`'s pipeline.
    static func install(in context: ChannelHandlerContext, security: [(String, String)]) {
        let pipeline = context.pipeline.syncOperations
        guard let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) else { return }
        try? pipeline.addHandler(HTTP1Framing(security: security), position: .before(codec))
    }
}
