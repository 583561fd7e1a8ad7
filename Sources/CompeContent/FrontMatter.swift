import CompeCore

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
        // Files saved on Windows: "\r\n" is one Character in Swift, so normalise before splitting.
        if text.contains("\r\n") { text = text.replacingOccurrences(of: "\r\n", with: "\n") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func trimmed(_ i: Int) -> Substring {
            var l = lines[i]
            while l.last == " " || l.last == "\t" { l.removeLast() }
            return l
        }
        guard !lines.isEmpty, trimmed(0) == "---" else {
            return .failure(DiagnosticError([.error(SourceLocation(path: path, line: 1),
                "missing front matter: start the file with a line '---', then YAML keys such as 'title:', then '---'")]))
        }
        var end: Int? = nil
        for i in 1..<lines.count where trimmed(i) == "---" || trimmed(i) == "..." {
            end = i
            break
        }
        guard let end else {
            return .failure(DiagnosticError([.error(SourceLocation(path: path, line: 1),
                "front matter is not closed: add a line '---' after the last YAML key")]))
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        let body = end + 1 < lines.count ? lines[(end + 1)...].joined(separator: "\n") : ""
        return .success(FrontMatterDocument(yaml: yaml, yamlLineOffset: 1, body: body, bodyFirstLine: end + 2))
    }
}
