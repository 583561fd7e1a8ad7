import CompeCore

/// Untrusted text made safe and readable in a terminal.
public enum TerminalText {

    /// Renders untrusted Markdown (raw HTML disabled) and flattens it to plain text: paragraphs
    /// separated by blank lines, list items as "• ", links as "text <url>".
    public static func fromMarkdown(_ markdown: String) -> String {
        var html = Markdown.html(markdown, trust: .untrusted)
        for (tag, replacement) in [("<li>", "• "), ("</p>", "\n\n"), ("</li>", "\n"), ("<br />", "\n"), ("</h1>", "\n\n"), ("</h2>", "\n\n"),
                                   ("</h3>", "\n\n"), ("</pre>", "\n\n"), ("</blockquote>", "\n")] {
            html = html.replacingOccurrences(of: tag, with: replacement)
        }
        // Keep link targets visible: <a href="u">t</a> → t <u>.
        var out = ""
        var rest = Substring(html)
        while let open = rest.range(of: "<a href=\"") {
            out += rest[..<open.lowerBound]
            rest = rest[open.upperBound...]
            guard let q = rest.firstIndex(of: "\""), let close = rest.range(of: "</a>") else { break }
            let url = rest[..<q]
            let textStart = rest[q...].firstIndex(of: ">").map { rest.index(after: $0) } ?? q
            // Still HTML here: the brackets as references survive the tag stripping below, and
            // the one unescape at the end decodes them with the URL's own references.
            out += rest[textStart..<close.lowerBound] + " &lt;" + url + "&gt;"
            rest = rest[close.upperBound...]
        }
        out += rest
        var text = ""
        var inTag = false
        for ch in out {
            if ch == "<" { inTag = true; continue }
            if ch == ">" && inTag { inTag = false; continue }
            if !inTag { text.append(ch) }
        }
        text = HTML.unescape(text)
        while text.contains("\n\n\n") { text = text.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
        return PlainText.clean(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
