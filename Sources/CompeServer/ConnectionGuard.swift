import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Limits that keep slow or greedy clients from holding the server (see the README's "Limits").
public struct ConnectionPolicy: Sendable {
    /// A request's headers must be complete this long after the connection opened or its
    /// previous response ended (slow headers and idle keep-alive connections are closed).
    public var headerTimeout: TimeAmount = .seconds(15)
    /// A request body may not average under `minimumBodyRate` bytes per second once this
    /// long has passed since its headers.
    public var bodyGrace: TimeAmount = .seconds(30)
    /// Bytes per second a body must average after `bodyGrace`.
    public var minimumBodyRate: Double = 1024
    /// Open connections one client address may hold (trusted proxies excepted).
    public var perClient: Int = 64
    /// Open connections in all; further clients wait in the listen backlog. Bounded by the
    /// process's descriptor limit: each connection may also hold a file or an upload open, and
    /// 64 descriptors stay for the database, the event loops and the like, so `accept` never
    /// runs out of descriptors (EMFILE) because of connections.
    public var total: Int = 4096
    /// Addresses whose connections are not counted per client (a reverse proxy carries many
    /// clients over its own address).
    public var exempt: @Sendable (String) -> Bool = { _ in false }

    /// The default limits.
    public init() {}

    /// `total`, lowered to fit the process's open-file limit.
    public var effectiveTotal: Int {
        guard let files = DescriptorLimit.current else { return total }
        return max(8, min(total, (files - 64) / 2))
    }
}

/// The process's limit on open files.
public enum DescriptorLimit {
    /// The soft limit, nil when unlimited or unknown.
    public static var current: Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one (as Go's runtime does at start): a server wants
    /// every descriptor it is allowed. Returns the limit in force afterwards.
    @discardableResult
    public static func raise() -> Int? {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return current
    }
}

/// Open connections per client address, shared by every connection of a server.
final class ClientConnections: Sendable {
    private let counts = Mutex([String: Int]())
    private let lastWarning = Mutex([String: ContinuousClock.Instant]())

    /// Counts a new connection from `address`; false when that takes it over `limit`.
    func open(_ address: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let n = (counts[address] ?? 0) + 1
            guard n <= limit else { return false }
            counts[address] = n
            return true
        }
    }

    /// A connection from `address` closed.
    func close(_ address: String) {
        counts.withLock { counts in
            if let n = counts[address], n > 1 { counts[address] = n - 1 } else { counts[address] = nil }
        }
    }

    /// Whether to log a refusal for `address` now (at most once a minute per address).
    func shouldWarn(_ address: String) -> Bool {
        lastWarning.withLock { seen in
            let now = ContinuousClock.now
            if let last = seen[address], now - last < .seconds(60) { return false }
            if seen.count > 10_000 { seen = [:] }
            seen[address] = now
            return true
        }
    }
}

/// Counts the server's open connections and stops accepting at the limit (clients wait in the
/// listen backlog); says so in the log when the limit is reached.
struct TotalConnections: AvailableConnectionsDelegate {
    let limit: Int
    let logger: Logger
    var open = 0
    var warned = false

    mutating func connectionOpened() {
        open += 1
        if open >= limit && !warned {
            warned = true
            logger.warning("connection limit reached; new clients wait until others close",
                           metadata: ["open": "\(open)", "limit": "\(limit)"])
        }
    }

    mutating func connectionClosed() {
        open -= 1
        if open < limit * 3 / 4 { warned = false }
    }

    func isAcceptingNewConnections() -> Bool { open < limit }
}

/// Guards one HTTP/1 connection (after the HTTP decoder, before the application):
/// - a request's headers must arrive within `headerTimeout` of the connection's opening or
///   its previous response;
/// - a body must keep up `minimumBodyRate` after `bodyGrace`;
/// - a response sent before its request's body was read closes the connection once written
///   (`Connection: close` is added), and nothing the client sent after it is read: the rest of
///   that body is never drained and a pipelined request is never executed;
/// - a response that says `Connection: close` closes the connection once written;
/// - a pipelined request is held back (and the socket not read further) until the response
///   before it is out, so a request after one that closes the connection never runs;
/// - one client address holds at most `perClient` connections.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let policy: ConnectionPolicy
    private let clients: ClientConnections
    private let logger: Logger
    /// The headers every answer carries, for answers written below the application.
    private let security: [(String, String)]
    private var address: String?
    /// One flag per request read and not yet answered, oldest first: whether its body has ended.
    private var requests: [Bool] = []
    private var bodyStart = NIODeadline.now()
    private var bodyBytes = 0
    private var closing = false
    private var closeAfterResponse = false
    /// Parts of a pipelined request, held until the response before it is written.
    private var held: [NIOAny] = []
    private var holding = false
    private var readWanted = false
    private var headerTimer: Scheduled<Void>?
    /// When the connection began waiting for a request's headers; nil while a request is open.
    /// The header timer checks it when it fires instead of being cancelled and scheduled again
    /// for every request of a keep-alive connection.
    private var idleSince: NIODeadline?
    private var rateTimer: Scheduled<Void>?

    init(policy: ConnectionPolicy, clients: ClientConnections, logger: Logger, security: [(String, String)] = []) {
        self.policy = policy
        self.clients = clients
        self.logger = logger
        self.security = security
    }

    func handlerAdded(context: ChannelHandlerContext) {
        HTTP1Framing.install(in: context, security: security)
        if context.channel.isActive { started(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        started(context)
        context.fireChannelActive()
    }

    private func started(_ context: ChannelHandlerContext) {
        guard address == nil else { return }
        let ip = context.channel.remoteAddress?.ipAddress ?? "unknown"
        address = ip
        if !policy.exempt(ip) && !clients.open(ip, limit: policy.perClient) {
            address = nil   // not counted
            if clients.shouldWarn(ip) {
                logger.warning("too many connections from one client; closing new ones", metadata: ["client": "\(ip)", "limit": "\(policy.perClient)"])
            }
            context.close(promise: nil)
            return
        }
        awaitHeaders(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimers()
        if let address, !policy.exempt(address) { clients.close(address) }
        address = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stopTimers() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }   // answered early: nothing more is read
        let part = unwrapInboundIn(data)
        if holding || (!requests.isEmpty && requests.last == true && isHead(part)) {
            holding = true
            held.append(data)
            return
        }
        switch part {
        case .head:
            idleSince = nil
            requests.append(false)
            bodyStart = .now()
            bodyBytes = 0
            watchBody(context)
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyTooSlow() { return slowBody(context) }
        case .end:
            if !requests.isEmpty { requests[requests.count - 1] = true }
            rateTimer?.cancel()
            rateTimer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if requests.first == false {
                // Answered before its body was read: close once the answer is out.
                closing = true
                head.headerFields[.connection] = "close"
                rateTimer?.cancel()
                rateTimer = nil
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            if head.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if !requests.isEmpty { requests.removeFirst() }
            if closing || closeAfterResponse {
                closing = true
                return context.writeAndClose(data, promise: promise)
            }
            context.write(data, promise: promise)
            if requests.isEmpty { awaitHeaders(context) }
            release(context)
        }
    }

    /// Lets held parts of the next request through, now that the previous response is out.
    private func release(_ context: ChannelHandlerContext) {
        guard holding else { return }
        holding = false
        let parts = held
        held = []
        for part in parts { channelRead(context: context, data: part) }
        // Reads are handed to the application in batches, at "read complete".
        context.fireChannelReadComplete()
        if !holding && readWanted {
            readWanted = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        // While a pipelined request is held, the socket is not read further.
        if holding || closing { readWanted = true } else { context.read() }
    }

    private func isHead(_ part: HTTPRequestPart) -> Bool {
        if case .head = part { return true }
        return false
    }

    /// Starts the deadline for the next request's headers.
    private func awaitHeaders(_ context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        idleSince = now
        if headerTimer == nil { armHeaderTimer(context, at: now + policy.headerTimeout) }
    }

    private func armHeaderTimer(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        headerTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            headerTimer = nil
            guard let idleSince, requests.isEmpty, !closing else { return }   // a request came; its answer re-arms
            let due = idleSince + policy.headerTimeout
            if NIODeadline.now() < due { return armHeaderTimer(loopContext.value, at: due) }
            logger.debug("no request headers in time; closing", metadata: ["client": "\(address ?? "?")"])
            loopContext.value.close(promise: nil)
        }
    }

    /// Checks the body's rate every second while it arrives (a silent body sends no parts).
    private func watchBody(_ context: ChannelHandlerContext, after delay: TimeAmount? = nil) {
        rateTimer?.cancel()
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        rateTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay ?? policy.bodyGrace) { [self] in
            rateTimer = nil
            guard requests.last == false, !closing else { return }
            if bodyTooSlow() { return slowBody(loopContext.value) }
            watchBody(loopContext.value, after: .seconds(1))
        }
    }

    private func bodyTooSlow() -> Bool {
        let elapsed = NIODeadline.now() - bodyStart
        guard elapsed >= policy.bodyGrace, requests.last == false else { return false }
        return Double(bodyBytes) / (Double(elapsed.nanoseconds) / 1e9) < policy.minimumBodyRate
    }

    /// A body under the rate: nothing more of it is read, the application is told (its body
    /// ends with `SlowBody`, so an upload gets its 408 page), and the connection closes once
    /// that answer is out — or after five seconds if none comes.
    private func slowBody(_ context: ChannelHandlerContext) {
        logger.warning("request body too slow; closing", metadata: ["client": "\(address ?? "?")", "bytes": "\(bodyBytes)"])
        closing = true
        stopTimers()
        context.fireErrorCaught(SlowBody())
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { loopContext.value.close(promise: nil) }
    }

    /// What a request body that fell under the rate ends with.
    struct SlowBody: Error {}

    private func stopTimers() {
        headerTimer?.cancel()
        headerTimer = nil
        rateTimer?.cancel()
        rateTimer = nil
    }
}

extension ChannelHandlerContext {
    /// Writes and flushes `data` (a response's end), then closes the connection once it is out.
    func writeAndClose(_ data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        writeAndFlush(data, promise: written)
        let loopContext = NIOLoopBound(self, eventLoop: eventLoop)
        written.futureResult.whenComplete { _ in loopContext.value.close(promise: nil) }
    }
}
