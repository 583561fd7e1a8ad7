import CompeContent
import Crypto
import Foundation

/// Fingerprinted names of the stylesheets and scripts pages link (`css/site.css` →
/// `css/site.3f2a9c41d0.css`): the name changes whenever the bytes do, so servers can let
/// browsers keep them for a year (`immutable`) and an edit is never served stale.
public struct AssetNames: Sendable, Equatable {
    /// Original path (relative to the output) → fingerprinted path.
    public var names: [String: String] = [:]

    /// The theme's stylesheet, written by every build.
    public static let themeStylesheet = "assets/compe.css"

    /// No fingerprints (a server without a built site's manifest).
    public init() {}

    /// Fingerprints for the theme stylesheet and the `css/*.css` and `js/*.js` files of `Static/`.
    static func of(staticDir: URL, staticFiles: [String]) throws -> AssetNames {
        var assets = AssetNames()
        assets.names[themeStylesheet] = fingerprinted(themeStylesheet, Data(Theme.stylesheet.utf8))
        for path in staticFiles where isFingerprinted(path) {
            guard let data = FileManager.default.contents(atPath: staticDir.appendingPathComponent(path).path) else {
                throw OutputWriter.WriteError.io("cannot read \(staticDir.lastPathComponent)/\(path)")
            }
            assets.names[path] = fingerprinted(path, data)
        }
        return assets
    }

    /// Whether a static file gets a fingerprinted copy: the stylesheets and scripts pages link.
    static func isFingerprinted(_ path: String) -> Bool {
        (path.hasPrefix("css/") && path.hasSuffix(".css")) || (path.hasPrefix("js/") && path.hasSuffix(".js"))
    }

    /// `dir/name.<first 10 hex of SHA-256>.ext`.
    static func fingerprinted(_ path: String, _ bytes: Data) -> String {
        let hash = SHA256.hash(data: bytes).prefix(5).map { String(format: "%02x", $0) }.joined()
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path + "." + hash }
        return path[..<dot] + "." + hash + path[dot...]
    }

    /// The fingerprinted copies of `Static/` files (the theme's is rendered with the other
    /// generated files).
    func copies(from staticDir: URL) throws -> [OutputFile] {
        try names.filter { $0.key != Self.themeStylesheet }.sorted { $0.key < $1.key }.map { original, name in
            guard let data = FileManager.default.contents(atPath: staticDir.appendingPathComponent(original).path) else {
                throw OutputWriter.WriteError.io("cannot read \(staticDir.lastPathComponent)/\(original)")
            }
            return OutputFile(path: name, bytes: [UInt8](data))
        }
    }

    /// The URL a page links for `path` (its fingerprinted name when it has one).
    public func url(_ path: String) -> String { "/" + (names[path] ?? path) }

    /// Whether `path` (relative to the output) is a fingerprinted name, so it may be cached for good.
    public static func isImmutable(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: ".") else { return false }
        let stem = path[..<dot]
        guard let inner = stem.lastIndex(of: ".") else { return false }
        let hash = stem[stem.index(after: inner)...]
        return hash.count == 10 && hash.allSatisfy { $0.isHexDigit && !$0.isUppercase }
            && (path.hasSuffix(".css") || path.hasSuffix(".js"))
    }
}
