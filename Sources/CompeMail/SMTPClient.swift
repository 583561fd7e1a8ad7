import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Where mail goes: `smtp://[user@]host:port` (STARTTLS whenever the relay offers it) or
/// `smtps://[user@]host:port` (TLS from the first byte). The password comes from the
/// environment (`COMPE_SMTP_PASSWORD`), never from the command line.
public struct SMTPRelay: Sendable, Hashable {
    public var implicitTLS: Bool
    public var host: String
    public var port: Int
    public var user: String?

    /// Reads the URL; nil when it is not one of the two forms.
    public init?(url: String) {
        guard let u = URLComponents(string: url), let scheme = u.scheme, ["smtp", "smtps"].contains(scheme),
              let host = u.host, !host.isEmpty, u.path.isEmpty || u.path == "/" else { return nil }
        implicitTLS = scheme == "smtps"
        self.host = host
        port = u.port ?? (scheme == "smtps" ? 465 : 25)
        user = u.user?.removingPercentEncoding
    }
}

/// A small SMTP client on SwiftNIO: EHLO, STARTTLS when offered, AUTH PLAIN or LOGIN, one
/// message per connection, multi-line replies, a deadline on every step, dot-stuffing.
public struct SMTPClient: Sendable {
    public var relay: SMTPRelay
    public var password: String?
    /// Extra roots to trust (a private CA); the system's when nil.
    public var trustRoots: [NIOSSLCertificate]?
    /// The name this host gives in EHLO.
    public var heloName: String
    public var timeout: TimeAmount

    public init(relay: SMTPRelay, password: String?, trustRoots: [NIOSSLCertificate]? = nil, heloName: String = "localhost",
                timeout: TimeAmount = .seconds(30)) {
        self.relay = relay
        self.password = password
        self.trustRoots = trustRoots
        self.heloName = heloName
        self.timeout = timeout
    }

    /// Sends one message; throws `MailError` saying what went wrong and whether to retry. With
    /// `requireTLS` (the message carries a secret, such as an edit link), a relay that offers no
    /// TLS gets nothing past EHLO: the message is refused (`MailError.noTLS`), not sent in clear.
    public func send(_ message: MailMessage, requireTLS: Bool = false,
                     on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
        let data = try message.rendered()
        let replies = ReplyReader()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(LineHandler(replies)) }
                }
                .connect(host: relay.host, port: relay.port).get()
        } catch {
            throw MailError.connection(String(describing: error))
        }
        defer { channel.close(promise: nil) }
        var secure = false
        if relay.implicitTLS {
            try await startTLS(channel)
            secure = true
        }
        let session = Session(channel: channel, replies: replies, timeout: timeout)
        try await session.expect(220, "greeting")
        var features = try await session.command("EHLO \(heloName)", expect: 250)
        if !secure, features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) {
            try await session.command("STARTTLS", expect: 220)
            try await startTLS(channel)
            secure = true
            features = try await session.command("EHLO \(heloName)", expect: 250)
        }
        if requireTLS && !secure {
            _ = try? await session.command("QUIT", expect: 221)
            throw MailError.noTLS
        }
        if let password, let user = relay.user {
            guard secure else { throw MailError.insecureAuth }
            let auth = features.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased() ?? ""
            if auth.contains("PLAIN") || !auth.contains("LOGIN") {
                try await session.command("AUTH PLAIN " + Data("\0\(user)\0\(password)".utf8).base64EncodedString(), expect: 235, secret: true)
            } else {
                try await session.command("AUTH LOGIN", expect: 334)
                try await session.command(Data(user.utf8).base64EncodedString(), expect: 334, secret: true)
                try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, secret: true)
            }
        }
        try await session.command("MAIL FROM:<\(message.from.address)>", expect: 250)
        try await session.command("RCPT TO:<\(message.to.address)>", expect: 250, alsoOK: [251])
        try await session.command("DATA", expect: 354)
        try await session.write(Self.dotStuffed(data) + ".\r\n")
        try await session.expect(250, "end of data")
        _ = try? await session.command("QUIT", expect: 221)
    }

    /// Lines starting with "." get another (RFC 5321 4.5.2), so none ends DATA early.
    public static func dotStuffed(_ text: String) -> String {
        let lines = text.components(separatedBy: "\r\n")
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }

    private func startTLS(_ channel: any Channel) async throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let trustRoots { configuration.trustRoots = .certificates(trustRoots) }
        do {
            let context = try NIOSSLContext(configuration: configuration)
            let host = relay.host
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: host), position: .first)
            }.get()
        } catch {
            throw MailError.connection("TLS: \(error)")
        }
    }
}

/// One SMTP conversation: commands out, replies in, each under the deadline.
private struct Session {
    let channel: any Channel
    let replies: ReplyReader
    let timeout: TimeAmount

    func write(_ text: String) async throws {
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(string: text)).get()
        } catch {
            throw MailError.connection(String(describing: error))
        }
    }

    /// Sends `line`; returns the reply's text lines when its code is `expect` (or `alsoOK`).
    @discardableResult
    func command(_ line: String, expect: Int, alsoOK: [Int] = [], secret: Bool = false) async throws -> [String] {
        try await write(line + "\r\n")
        return try await self.expect(expect, secret ? "AUTH" : String(line.prefix(10)), alsoOK: alsoOK)
    }

    @discardableResult
    func expect(_ code: Int, _ step: String, alsoOK: [Int] = []) async throws -> [String] {
        let (got, lines) = try await replies.next(on: channel.eventLoop, within: timeout, step: step)
        guard got == code || alsoOK.contains(got) else { throw MailError.rejected(code: got, text: lines.joined(separator: " ")) }
        return lines
    }
}

/// Splits the byte stream into lines for the reply reader.
private final class LineHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let replies: ReplyReader
    private var pending = ""

    init(_ replies: ReplyReader) { self.replies = replies }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let range = pending.range(of: "\r\n") {
            replies.receive(String(pending[..<range.lowerBound]))
            pending.removeSubrange(..<range.upperBound)
        }
        if pending.utf8.count > 4096 { replies.fail(.protocolError("a line longer than 4096 bytes")) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        replies.fail(.connection("the relay closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        replies.fail(.connection(String(describing: error)))
        context.close(promise: nil)
    }
}

/// Reply lines as they arrive, and whoever waits for the next complete reply
/// (`250-…` lines continue it, `250 …` ends it).
final class ReplyReader: Sendable {
    private struct State {
        var lines: [String] = []
        var failure: MailError?
        var waiter: CheckedContinuation<(Int, [String]), any Error>?
    }
    private let state = Mutex(State())

    func receive(_ line: String) {
        let resume = state.withLock { s -> (CheckedContinuation<(Int, [String]), any Error>, Result<(Int, [String]), any Error>)? in
            s.lines.append(line)
            guard let waiter = s.waiter, let reply = Self.take(&s.lines) else { return nil }
            s.waiter = nil
            return (waiter, reply)
        }
        if let (waiter, result) = resume { waiter.resume(with: result) }
    }

    func fail(_ error: MailError) {
        let waiter = state.withLock { s -> CheckedContinuation<(Int, [String]), any Error>? in
            if s.failure == nil { s.failure = error }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(throwing: error)
    }

    func next(on loop: any EventLoop, within timeout: TimeAmount, step: String) async throws -> (Int, [String]) {
        let timer = loop.scheduleTask(in: timeout) { self.fail(.timeout(step)) }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { s -> Result<(Int, [String]), any Error>? in
                if let reply = Self.take(&s.lines) { return reply }
                if let failure = s.failure { return .failure(failure) }
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// A complete reply from the front of `lines`, removed; nil when it is not all there yet.
    private static func take(_ lines: inout [String]) -> Result<(Int, [String]), any Error>? {
        for (i, line) in lines.enumerated() {
            let chars = Array(line)
            guard chars.count >= 3, let code = Int(String(chars[0..<3])) else {
                lines.removeAll()
                return .failure(MailError.protocolError(String(line.prefix(60))))
            }
            if chars.count == 3 || chars[3] == " " {
                let reply = lines[0...i].map { String($0.dropFirst(4)) }
                lines.removeFirst(i + 1)
                return .success((code, reply))
            }
        }
        return nil
    }
}
