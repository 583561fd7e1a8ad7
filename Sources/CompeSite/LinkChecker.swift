import CompeContent
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

    /// Checks the links of one page (found earlier with `links(in:)`).
    public func check(links: [String], pageURL: String, origin: OutputFile.Origin?, fallbackPath: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for link in links {
            guard let target = resolve(link, from: pageURL) else { continue }
            if exists(target) { continue }
            out.append(.error(locate(link, origin: origin, fallbackPath: fallbackPath),
                              "broken internal link '\(link)': nothing is built at \(target)"))
        }
        return out
    }

    /// The values of `href="…"` and `src="…"` attributes (attribute names preceded by a space or newline).
    static func links(in html: String) -> [String] {
        var text = html
        text.makeContiguousUTF8()   // native strings already are; this makes the storage access below always succeed
        return text.utf8.withContiguousStorageIfAvailable { links(in: UnsafeRawBufferPointer($0)) } ?? []
    }

    /// `links(in:)` on the bytes of a rendered file (no decoding of the whole page).
    static func links(in data: Data) -> [String] {
        data.withUnsafeBytes { links(in: $0) }
    }

    private static func links(in bytes: UnsafeRawBufferPointer) -> [String] {
        var out: [String] = []
        let n = bytes.count
        let quote = UInt8(ascii: "\"")
        var i = 1
        while i < n {
            // Cheap test first: an attribute starts after a space or newline with 'h' or 's'.
            let c = bytes[i]
            guard (c == UInt8(ascii: "h") || c == UInt8(ascii: "s")), bytes[i - 1] == UInt8(ascii: " ") || bytes[i - 1] == UInt8(ascii: "\n") else {
                i += 1
                continue
            }
            var start = -1
            if c == UInt8(ascii: "h"), i + 6 <= n, bytes[i + 1] == UInt8(ascii: "r"), bytes[i + 2] == UInt8(ascii: "e"),
               bytes[i + 3] == UInt8(ascii: "f"), bytes[i + 4] == UInt8(ascii: "="), bytes[i + 5] == quote {
                start = i + 6
            } else if c == UInt8(ascii: "s"), i + 5 <= n, bytes[i + 1] == UInt8(ascii: "r"), bytes[i + 2] == UInt8(ascii: "c"),
                      bytes[i + 3] == UInt8(ascii: "="), bytes[i + 4] == quote {
                start = i + 5
            }
            guard start >= 0 else { i += 1; continue }
            var end = start
            while end < n && bytes[end] != quote { end += 1 }
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            out.append(bytes[start..<end].contains(UInt8(ascii: "&")) ? HTML.unescape(value) : value)
            i = end
        }
        return out
    }

    /// The output-relative path an internal link points at, or nil for external links.
    func resolve(_ link: String, from pageURL: String) -> String? {
        // Most links are plain absolute paths ("/en/about/"): nothing below would change them.
        if Self.isPlainAbsolutePath(link), !ignoredPrefixes.contains(where: { link.hasPrefix($0) }) { return link }
        if link.isEmpty || link.hasPrefix("#") || link.hasPrefix("//") { return nil }
        if let colon = link.firstIndex(of: ":"), !link[..<colon].utf8.contains(UInt8(ascii: "/")) { return nil } // has a scheme
        if ignoredPrefixes.contains(where: { link.hasPrefix($0) }) { return nil }
        var path = link
        if let cut = path.firstIndex(where: { $0 == "#" || $0 == "?" }) { path = String(path[..<cut]) }
        if path.utf8.contains(UInt8(ascii: "%")) { path = path.removingPercentEncoding ?? path }
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

    /// `/…` with no `//`, no `/.` segment start, no query, fragment or percent escape.
    static func isPlainAbsolutePath(_ link: String) -> Bool {
        var previous: UInt8 = 0
        for (i, c) in link.utf8.enumerated() {
            if i == 0 && c != UInt8(ascii: "/") { return false }
            switch c {
            case UInt8(ascii: "#"), UInt8(ascii: "?"), UInt8(ascii: "%"): return false
            case UInt8(ascii: "/"), UInt8(ascii: "."): if previous == UInt8(ascii: "/") { return false }
            default: break
            }
            previous = c
        }
        return previous != 0
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
