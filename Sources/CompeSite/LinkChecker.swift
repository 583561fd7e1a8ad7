import CompeCore
import Foundation

/// Finds internal links (`href`/`src`) in generated HTML that point at nothing the build writes.
///
/// A broken link is reported where the author wrote it: the Markdown line and column when the
/// URL appears in the page's source, otherwise the page file with the template's name.
public struct LinkChecker: Sendable {
    /// Every path the output will contain (generated files and `Static/` files).
    public var existing: Set<String>
    /// URL prefixes served by something other than files (the entry API), never checked.
    public var ignoredPrefixes: [String]

    /// Creates a checker over the output's paths.
    public init(existing: Set<String>, ignoredPrefixes: [String]) {
        self.existing = existing
        self.ignoredPrefixes = ignoredPrefixes
    }

    /// Checks one page whose URL path is `pageURL`.
    public func check(_ html: String, pageURL: String, origin: OutputFile.Origin?, fallbackPath: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for link in Self.links(in: html) {
            guard let target = resolve(link, from: pageURL) else { continue }
            if exists(target) { continue }
            out.append(.error(locate(link, origin: origin, fallbackPath: fallbackPath),
                              "broken internal link '\(link)': nothing is built at \(target)"))
        }
        return out
    }

    /// The values of `href="…"` and `src="…"` attributes.
    static func links(in html: String) -> [String] {
        var out: [String] = []
        let bytes = Array(html.utf8)
        let patterns = [Array("href=\"".utf8), Array("src=\"".utf8)]
        var i = 0
        while i < bytes.count {
            var matched: [UInt8]? = nil
            for p in patterns where bytes[i] == p[0] && i + p.count <= bytes.count && Array(bytes[i..<(i + p.count)]) == p {
                if i == 0 || bytes[i - 1] == UInt8(ascii: " ") || bytes[i - 1] == UInt8(ascii: "\n") { matched = p }
            }
            guard let p = matched else { i += 1; continue }
            let start = i + p.count
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
            out.append(String(decoding: bytes[start..<end], as: UTF8.self)
                .replacingOccurrences(of: "&amp;", with: "&"))
            i = end
        }
        return out
    }

    /// The output-relative path an internal link points at, or nil for external links.
    func resolve(_ link: String, from pageURL: String) -> String? {
        if link.isEmpty || link.hasPrefix("#") || link.hasPrefix("//") { return nil }
        if let colon = link.firstIndex(of: ":"), !link[..<colon].contains("/") { return nil } // has a scheme
        if ignoredPrefixes.contains(where: { link.hasPrefix($0) }) { return nil }
        var path = link
        if let cut = path.firstIndex(where: { $0 == "#" || $0 == "?" }) { path = String(path[..<cut]) }
        path = path.removingPercentEncoding ?? path
        if path.isEmpty { return nil }
        if !path.hasPrefix("/") {
            let base = pageURL.hasSuffix("/") ? pageURL : String(pageURL[...(pageURL.lastIndex(of: "/") ?? pageURL.startIndex)])
            path = base + path
        }
        var parts: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = parts.popLast(); continue }
            parts.append(segment)
        }
        return "/" + parts.joined(separator: "/") + (path.hasSuffix("/") && !parts.isEmpty ? "/" : "")
    }

    func exists(_ target: String) -> Bool {
        let rel = String(target.dropFirst())
        if rel.isEmpty { return existing.contains("index.html") }
        if rel.hasSuffix("/") { return existing.contains(rel + "index.html") }
        return existing.contains(rel) || existing.contains(rel + "/index.html")
    }

    func locate(_ link: String, origin: OutputFile.Origin?, fallbackPath: String) -> SourceLocation {
        guard let origin else { return SourceLocation(path: fallbackPath) }
        guard let range = origin.markdown.range(of: link) else {
            return SourceLocation(path: origin.path)
        }
        let before = origin.markdown[..<range.lowerBound]
        let line = before.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: "\n").map { origin.markdown.index(after: $0) } ?? origin.markdown.startIndex
        let column = origin.markdown.unicodeScalars[lineStart..<range.lowerBound].count + 1
        return SourceLocation(path: origin.path, line: origin.bodyFirstLine + line, column: column)
    }
}
