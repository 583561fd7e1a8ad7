@testable import CompeContent
import CompeCore
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

    @Test func bareLinksAndAddressesAreStillLinked() {
        for trust in [Markdown.Trust.trusted, .untrusted] {
            let html = Markdown.html("See https://example.org/a and HTTP://EXAMPLE.ORG/B then write to team@example.go.jp "
                                     + "or mailto:desk@example.go.jp and ftp://files.example.org/x", trust: trust)
            #expect(html.contains("<a href=\"https://example.org/a\">"), "\(trust)")
            #expect(html.contains("href=\"HTTP://EXAMPLE.ORG/B\""), "\(trust)")
            #expect(html.contains("ftp://files.example.org/x</a>"), "\(trust)")
            #expect(html.components(separatedBy: "<a href=").count == 6, "\(html)")
        }
    }

    /// Text that cannot hold an autolink is rendered without Discount's autolink scan; the
    /// result must be what the scan would have given.
    @Test func skippingTheAutolinkScanChangesNothing() {
        let docs = [
            "## Heading: with colon\n\nflow review *design* `code: x` [link](/p1/) and [abs](/p2/#x)\n\n- a\n- b",
            "| a | b |\n|---|---|\n| 10% | 1–10 |\n\n```\nfunc f(x: Int) -> Int\n```\n\n申請:審査 と http 単語 httpx: words",
            "Footnote[^1] and https without colon, mail without at.\n\n[^1]: The note: here.",
            "<div>raw html: ok</div>\n\n> quote with ftpx: and newsy: words",
        ]
        for doc in docs {
            let skipped = Markdown.htmlBytes(doc, trust: .trusted)
            let scanned = Markdown.htmlBytes(doc, trust: .trusted, autolinkAlways: true)
            #expect(skipped == scanned, "\(doc)")
            #expect(!Array(doc.utf8).withUnsafeBufferPointer(Markdown.mayAutolink), "\(doc)")
        }
        // Discount tries a link at every letter, so a scheme inside a word still counts.
        #expect(Array("nothttp://x.org".utf8).withUnsafeBufferPointer(Markdown.mayAutolink))
        #expect(Markdown.html("nothttp://x.org", trust: .trusted).contains("<a href=\"http://x.org\""))
    }
}
