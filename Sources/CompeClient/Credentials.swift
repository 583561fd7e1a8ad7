import CompeCore
import Foundation

/// Where a judge's computer keeps what `compe judge login` saved: the server, the token and the
/// private CA, in `$XDG_CONFIG_HOME/compe/credentials.json` (readable by the user only).
public struct Credentials: Codable, Sendable, Equatable {
    /// The server's base URL, e.g. `https://compe.example.go.jp`.
    public var server: String
    /// The judge's personal token (`cjt_…`).
    public var token: String
    /// A PEM file of a private certificate authority to trust, if the server uses one.
    public var caFile: String?

    enum CodingKeys: String, CodingKey { case server, token, caFile = "ca_file" }

    public init(server: String, token: String, caFile: String?) {
        self.server = server
        self.token = token
        self.caFile = caFile
    }

    /// `$XDG_CONFIG_HOME/compe` (or `~/.config/compe`).
    public static var folder: URL {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return URL(fileURLWithPath: xdg).appendingPathComponent("compe") }
        let home = env["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".config/compe")
    }

    /// The credentials file.
    public static var file: URL { folder.appendingPathComponent("credentials.json") }

    /// The saved credentials, if any.
    public static func load() throws -> Credentials? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        do { return try JSONDecoder().decode(Credentials.self, from: data) } catch { throw ClientError.badCredentialsFile(file.path) }
    }

    /// Saves these credentials, readable and writable by the user only (0600, in a 0700 folder).
    public func save() throws {
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONCoding.encoder(pretty: true)
        let data = try encoder.encode(self)
        let tmp = Self.folder.appendingPathComponent(".credentials-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ClientError.cannotSave(Self.file.path)
        }
        guard rename(tmp.path, Self.file.path) == 0 else {
            unlink(tmp.path)
            throw ClientError.cannotSave(Self.file.path)
        }
    }

    /// Removes the saved credentials; false when there were none.
    @discardableResult
    public static func remove() -> Bool { unlink(file.path) == 0 }

    /// The credentials in force: the saved ones, overridden by `--server`, `COMPE_JUDGE_TOKEN`
    /// and `--ca-file`. Nil when there is no server or no token.
    public static func effective(server: String?, caFile: String?) throws -> Credentials? {
        let saved = try load()
        let token = ProcessInfo.processInfo.environment["COMPE_JUDGE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? saved?.token
        guard let base = server ?? saved?.server, let token else { return nil }
        return Credentials(server: base, token: token, caFile: caFile ?? saved?.caFile)
    }
}

/// Where a server may be reached with a token: `https://` anywhere, `http://` only on this
/// machine (a token never crosses a network in clear text).
public enum ServerAddress {
    /// The base URL without a trailing slash, or the reason it is refused.
    public static func check(_ text: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
            throw ClientError.badServer(text)
        }
        switch scheme {
        case "https": break
        case "http": guard isLoopback(host) else { throw ClientError.plainHTTP(text) }
        default: throw ClientError.badServer(text)
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// `localhost`, a literal IPv4 address in 127.0.0.0/8, or `::1`. Decided on the literal
    /// text only: a name such as `127.0.0.1.nip.io` or `127.evil.example` is looked up in DNS and
    /// may lead anywhere, so it is not loopback however it starts.
    static func isLoopback(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: v4) { $0[0] } == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } == Array(repeating: 0, count: 15) + [1] }
        return false
    }
}
