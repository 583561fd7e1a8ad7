import CompeContent
import Foundation
import Testing

@Suite struct MarkdownTests {
    @Test func untrustedTextShowsRawHTMLAsText() {
        let html = Markdown.html("Hello <script>alert(1)</script> <img src=x onerror=alert(2)>", trust: .untrusted)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script"))
    }

    @Test func untrustedJavascriptLinksAreNotLinks() {
        let html = Markdown.html("[click](javascript:alert(1)) and [ok](https://example.org)", trust: .untrusted)
        #expect(!html.contains("href=\"javascript:"))
        #expect(html.contains("href=\"https://example.org\""))
    }

    @Test func untrustedImagesAndClassBlocksAreDropped() {
        let html = Markdown.html("![x](https://tracker.example/p.png)\n\n>%evil%\n>text", trust: .untrusted)
        #expect(!html.contains("<img"))
        #expect(!html.contains("class=\"evil\""))
    }

    @Test func trustedContentKeepsTablesCodeFootnotesAndHeadingIds() {
        let md = """
        ## 背景 Background

        | a | b |
        |---|---|
        | 1 | 2 |

        ```swift
        let x = 1
        ```

        Text[^1].

        [^1]: A note.

        <section class="x">raw</section>
        """
        let html = Markdown.html(md, trust: .trusted)
        #expect(html.contains("<table>"))
        #expect(html.contains("<code"))
        #expect(html.contains("let x = 1"))
        #expect(html.contains("id=\"背景-Background\"") || html.contains("<h2 id="))
        #expect(html.contains("fn:1") || html.contains("footnote"))
        #expect(html.contains("<section class=\"x\">"))
    }

    /// Discount is initialised once; after that, renders on many threads must give exactly the
    /// sequential results. Run with `swift test --sanitize=thread` to check for data races.
    @Test func parallelRenderingMatchesSequential() {
        let docs = (0..<400).map { i in
            "# Title \(i)\n\n| a | b |\n|---|---|\n| \(i) | 日本語 |\n\n- item [link](/p/\(i)/)\n\n```\ncode \(i)\n```\n<b>\(i)</b>"
        }
        let sequential = docs.enumerated().map { i, d in Markdown.html(d, trust: i % 2 == 0 ? .trusted : .untrusted) }
        let parallel = ParallelMap.map(Array(docs.enumerated())) { pair in
            Markdown.html(pair.element, trust: pair.offset % 2 == 0 ? .trusted : .untrusted)
        }
        #expect(parallel == sequential)
        #expect(sequential[1].contains("&lt;b>") || sequential[1].contains("&lt;b&gt;"))
        #expect(sequential[0].contains("<b>0</b>"))
    }

    @Test func japaneseSoftLineBreaksDoNotBecomeSpaces() {
        let html = Markdown.html("申請手続きが\n分かれており、\nEnglish words\nstay apart.\n\n```\n改行\n保持\n```", trust: .trusted)
        #expect(html.contains("申請手続きが分かれており、"))
        #expect(html.contains("English words\nstay apart."))
        #expect(html.contains("改行\n保持"))
    }
}
