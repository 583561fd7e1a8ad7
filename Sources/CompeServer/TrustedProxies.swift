import Foundation
import HTTPTypes
import Hummingbird

/// Networks whose `X-Forwarded-For`, `-Proto` and `-Host` are believed (`--trusted-proxy`).
/// Without any, forwarded headers are ignored: a client could write anything in them.
public struct TrustedProxies: Sendable {
    /// One network in CIDR notation (`10.0.0.0/8`, `127.0.0.1`, `::1/128`).
    public struct Network: Sendable, Hashable {
        let bytes: [UInt8]
        let prefix: Int

        /// Parses `text`; nil when it is not an address or network.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let first = parts.first, let bytes = IPAddress.bytes(String(first)) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...bytes.count * 8).contains(prefix) else { return nil }
            self.bytes = bytes
            self.prefix = prefix
        }

        /// Whether `address` lies in this network.
        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = prefix
            for (a, b) in zip(address, bytes) where left > 0 {
                let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
                if a & mask != b & mask { return false }
                left -= 8
            }
            return true
        }
    }

    /// The trusted networks.
    public let networks: [Network]

    /// Trusts `networks` (none: trust nobody's forwarded headers).
    public init(_ networks: [Network] = []) { self.networks = networks }

    /// Whether `address` (text) is a trusted proxy.
    public func contains(_ address: String) -> Bool {
        guard !networks.isEmpty, let bytes = IPAddress.bytes(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// Who is really asking: the peer itself, or, when the peer is a trusted proxy, the
    /// rightmost address in `X-Forwarded-For` that is not a trusted proxy (a client may put
    /// anything to the left of what the proxies append), with the proxy's `X-Forwarded-Proto`
    /// and `X-Forwarded-Host`. A hop that is not an address (`unknown`, `203.0.113.5:4444`)
    /// where the client should be makes the client `unparsedForwarded`: the request came through
    /// the proxy, but it is not the proxy's own, so it gets neither the proxy's rate-limit
    /// bucket nor its access to `/metrics`.
    public func client(peer: String, headers: HTTPFields) -> Client {
        guard contains(peer) else { return Client(address: peer, secure: false, host: nil, viaProxy: false) }
        let hops = headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let address: String
        if hops.isEmpty {
            address = peer   // the proxy's own request (a health check, say)
        } else if let hop = hops.last(where: { IPAddress.bytes($0) == nil || !contains($0) }) {
            address = IPAddress.bytes(hop) == nil ? Self.unparsedForwarded : hop
        } else {
            address = hops.first!   // every hop a trusted proxy: the first one is the origin
        }
        let proto = headers[.xForwardedProto]?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).lowercased()
        let host = headers[.xForwardedHost]?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces)
        return Client(address: address, secure: proto == "https", host: host, viaProxy: true)
    }

    /// The client of a request whose forwarded address could not be read. Not an address: it
    /// is never loopback or a trusted proxy, and all such requests share one rate-limit bucket.
    public static let unparsedForwarded = "unparsed-forwarded-for"

    /// The client as the server believes it.
    public struct Client: Sendable, Hashable {
        /// The client's address.
        public var address: String
        /// Whether the client spoke https (to the proxy).
        public var secure: Bool
        /// The host the client asked for, when a proxy said.
        public var host: String?
        /// Whether a trusted proxy passed the request on.
        public var viaProxy: Bool
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let xForwardedHost = HTTPField.Name("X-Forwarded-Host")!
}

/// IPv4 and IPv6 addresses as bytes (IPv4-mapped IPv6 as IPv4).
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}
