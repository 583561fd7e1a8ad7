import CompeContent
import Testing

/// What `compe judge show` prints for an entrant's Markdown.
@Suite struct TerminalTextTests {
    @Test func linksAndAddressesAreReadable() {
        let text = TerminalText.fromMarkdown("See [the demo](https://demo.example.org/?a=1&b=2), https://x.org/a and write to desk@example.go.jp.")
        #expect(!text.contains("&#"), "\(text)")
        #expect(text.contains("the demo <https://demo.example.org/?a=1&b=2>"), "\(text)")
        #expect(text.contains("https://x.org/a"), "\(text)")
        #expect(text.contains("desk@example.go.jp"), "\(text)")
    }

    @Test func charactersReferencesAreDecodedOnce() {
        #expect(HTML.unescape("a &amp;lt; b &#x41;&#66; &unknown; & &#0; &#1114112;") == "a &lt; b AB &unknown; & &#0; &#1114112;")
        #expect(HTML.unescape(HTML.escape("<\"'&>")) == "<\"'&>")
    }
}
