import CompeCore
import Foundation

/// A Markdown file split into its YAML front matter and its body, with line numbers kept.
public struct FrontMatterDocument: Sendable {
    /// The YAML between the `---` fences (may be empty).
    public var yaml: String
    /// Lines before the first YAML line (1 for a file that starts with `---`).
    public var yamlLineOffset: Int
    /// The Markdown after the closing fence.
    public var body: String
    /// 1-based line number of the first body line.
    public var bodyFirstLine: Int

    /// Splits `text`. A file must open with a `---` line and close the block with another `---`
    /// (or `...`); anything else is reported at the line where it goes wrong.
    public static func split(_ text: String, path: String) -> Result<FrontMatterDocument, DiagnosticError> {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        // Line ends from Windows ("\r\n", one Character in Swift) and old Macs ("\r", which YAML
        // also counts as a line break) become "\n", so every line count agrees with libyaml's.
        var bytes = Array(text.utf8)
        if bytes.withUnsafeBufferPointer({ $0.count > 0 && memchr($0.baseAddress!, 13, $0.count) != nil }) {
            var normalised: [UInt8] = []
            normalised.reserveCapacity(bytes.count)
            for (i, b) in bytes.enumerated() where !(b == 13 && i + 1 < bytes.count && bytes[i + 1] == 10) {
                normalised.append(b == 13 ? 10 : b)
            }
            bytes = normalised
            text = String(decoding: bytes, as: UTF8.self)
        }
        // Scan UTF-8 bytes for the fences; only the fence lines are ever compared.
        var lineStarts = [0]
        func lineEnd(from start: Int) -> Int {
            var i = start
            while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            return i
        }
        func isFence(_ start: Int, _ end: Int, closing: Bool) -> Bool {
            var e = end
            while e > start && (bytes[e - 1] == UInt8(ascii: " ") || bytes[e - 1] == UInt8(ascii: "\t")) { e -= 1 }
            guard e - start == 3 else { return false }
            let fence = bytes[start..<e]
            return fence.elementsEqual("---".utf8) || (closing && fence.elementsEqual("...".utf8))
        }
        guard isFence(0, lineEnd(from: 0), closing: false) else {
            return .failure(DiagnosticError([.error(SourceLocation(path: path, line: 1),
                "missing front matter: start the file with a line '---', then YAML keys such as 'title:', then '---'")]))
        }
        var closing: (start: Int, end: Int)? = nil
        var start = lineEnd(from: 0) + 1
        while start <= bytes.count {
            let end = lineEnd(from: start)
            lineStarts.append(start)
            if isFence(start, end, closing: true) {
                closing = (start, end)
                break
            }
            start = end + 1
        }
        guard let closing else {
            return .failure(DiagnosticError([.error(SourceLocation(path: path, line: 1),
                "front matter is not closed: add a line '---' after the last YAML key")]))
        }
        let yamlStart = lineStarts[1]
        let yaml = closing.start > yamlStart ? String(decoding: bytes[yamlStart..<(closing.start - 1)], as: UTF8.self) : ""
        let body = closing.end < bytes.count ? String(decoding: bytes[(closing.end + 1)...], as: UTF8.self) : ""
        let end = lineStarts.count - 1
        return .success(FrontMatterDocument(yaml: yaml, yamlLineOffset: 1, body: body, bodyFirstLine: end + 2))
    }
}
