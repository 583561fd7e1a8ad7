import CompeTestSupport
import Foundation
import Testing

/// Script, markup, terminal and formula payloads in every text field of an entry and in a judge's
/// comment, followed through every place that shows them: the receipt, the entrant's view, the
/// judge's terminal, the published results page and the export. SQL-looking text round-trips.
@Suite struct InjectionTests {
    static let script = "<script>alert('xss')</script>"
    static let payloads: [String: String] = [
        "title": "T <script>alert('xss')</script> \u{1B}]0;owned\u{07}",
        "summary": "<img src=x onerror=alert(1)> [click](javascript:alert(1)) <iframe src=//evil.example></iframe>",
        "team_name": "\"><svg onload=alert(1)> Robert'); DROP TABLE entry;--",
        "members": "=HYPERLINK(\"http://evil.example\")\n<b onmouseover=alert(1)>m</b>",
        "link": "https://example.org/?q=\"><script>alert(1)</script>",
    ]

    /// No live markup from the payloads: no raw `<script`, no event-handler attribute inside a tag,
    /// no `javascript:` link target.
    func expectInert(_ html: String, _ place: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(!html.contains("<script>alert"), "\(place): a script tag came through", sourceLocation: sourceLocation)
        for tag in ["<img src=x", "<svg onload", "<iframe src=//evil", "<b onmouseover"] {
            #expect(!html.contains(tag), "\(place): \(tag) came through as markup", sourceLocation: sourceLocation)
        }
        #expect(!html.contains("href=\"javascript:"), "\(place): a javascript: link", sourceLocation: sourceLocation)
        #expect(!html.contains("\u{1B}"), "\(place): an escape character", sourceLocation: sourceLocation)
    }

    @Test func payloadsStayInertEverywhereTheyAreShown() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        // The country is a code from a list: SQL, formulas or markup typed there are refused by name.
        for hostile in ["'; DROP TABLE entry; --", "=HYPERLINK(\"http://evil.example\")", "<b>JP</b>"] {
            var body = MultipartBody()
            for (k, v) in Self.payloads { body.field(k, v) }
            for (k, v) in [("contact_email", "x@example.org"), ("country", hostile), ("agree_terms", "yes")] { body.field(k, v) }
            body.file(filename: "x.pdf", contentType: "application/pdf", MultipartBody.samplePDF("hostile country"))
            let r = try RawHTTP.send(port: server.port, head: body.head("/api/contests/sme-support-ui/entries", extra: ["Accept: application/json"]),
                                     body: body.finished)
            #expect(r.status == 400 && ((r.json?["errors"] as? [[String: Any]]) ?? []).map { $0["field"] as? String } == ["country"], "\(r.status) \(r.text)")
        }
        var tokens: [(id: String, token: String)] = []
        for i in 0..<3 {
            var body = MultipartBody()
            for (k, v) in Self.payloads { body.field(k, v + (k == "title" ? " \(i)" : "")) }
            body.field("contact_email", "team\(i)@example.org")
            body.field("country", "JP")
            body.field("agree_terms", "yes")
            body.file(filename: "<script>alert(1)</script>.pdf", contentType: "application/pdf", MultipartBody.samplePDF("inj \(i)"))
            // As a browser posts it: 303 to the receipt page.
            let r = try RawHTTP.send(port: server.port, head: body.head("/api/contests/sme-support-ui/entries", extra: ["Accept: text/html"]),
                                     body: body.finished)
            #expect(r.status == 303, "\(r.status): \(r.text)")
            let location = try #require(r.headers["location"])
            let token = String(try #require(r.headers["set-cookie"]).dropFirst("compe_edit=".count).prefix { $0 != ";" })
            let receipt = try RawHTTP.send(port: server.port, head: "GET \(location) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nCookie: compe_edit=\(token)\r\nConnection: close\r\n\r\n")
            #expect(receipt.status == 200)
            expectInert(receipt.text, "receipt")
            #expect(receipt.text.contains("&lt;script&gt;alert("), "the receipt shows the text, escaped")
            let id = String(location.split(separator: "/").last!.split(separator: "?").first!)
            tokens.append((id, token))
        }
        // The entrant's view, HTML and JSON; JSON gives the exact text back (SQL-looking text unchanged).
        for (id, token) in tokens {
            let html = try RawHTTP.send(port: server.port, head: "GET /api/entries/\(id) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nCookie: compe_edit=\(token)\r\nConnection: close\r\n\r\n")
            #expect(html.status == 200)
            expectInert(html.text, "entrant view")
            let json = try RawHTTP.send(port: server.port, head: "GET /api/entries/\(id)?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
            #expect(json.json?["country"] as? String == "JP")
            #expect(json.json?["team_name"] as? String == Self.payloads["team_name"])
            // Control characters were dropped on the way in; the rest of the title is kept.
            #expect((json.json?["title"] as? String)?.hasPrefix("T <script>alert('xss')</script> ]0;owned") == true)
            #expect(json.headers["content-type"]?.hasPrefix("application/json") == true)
        }
        server.stop()

        func compe(_ args: String...) throws -> CompeBinary.Result { try CompeBinary.run(args, in: dir) }
        for judge in ["aoki", "baba"] { #expect(try compe("judges", "add", judge, "--name", judge.capitalized).status == 0) }
        #expect(try compe("panel", "add", "sme-support-ui", "aoki", "baba").status == 0)
        #expect(try compe("assign", "sme-support-ui", "--per-entry", "2", "--seed", "3").status == 0)
        for judge in ["aoki", "baba"] {
            let q = try JSONSerialization.jsonObject(with: Data(try compe("judge", "queue", "--judge", judge, "--json").stdout.utf8)) as! [[String: Any]]
            for (n, item) in q.enumerated() {
                let code = item["ref"] as! String
                // The judge's terminal: entrant text without escape sequences.
                let shown = try compe("judge", "show", code, "--judge", judge)
                #expect(shown.status == 0 && !shown.stdout.contains("\u{1B}") && !shown.stdout.contains("\u{07}"))
                // A comment with a terminal escape is refused whole (not stored with the escape cut out).
                let escaped = try compe("judge", "score", code, "--judge", judge, "--set", "usability=5", "--comment", "ok \u{1B}[2J")
                #expect(escaped.status == 1 && escaped.stderr.contains("control character") && !escaped.stderr.contains("\u{1B}"), "\(escaped.stderr)")
                let scored = try compe("judge", "score", code, "--judge", judge, "--set", "usability=\(4 + n)", "--set", "originality=5",
                                       "--set", "feasibility=6", "--comment", "\(Self.script) '; DROP TABLE score; --")
                #expect(scored.status == 0, "\(scored.stderr)")
                #expect(!scored.stdout.contains("\u{1B}"), "the comment echoed an escape sequence")
            }
        }
        // The results page names the winners (titles and teams): escaped.
        #expect(try compe("results", "publish", "sme-support-ui", "--winners", "3", "--force").status == 0)
        #expect(try compe("build").status == 0)
        for path in ["Public/contests/sme-support-ui/results/index.html", "Public/en/contests/sme-support-ui/results/index.html"] {
            let page = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
            expectInert(page, path)
            #expect(page.contains("&lt;script&gt;alert("), "\(path) shows the winners' titles, escaped")
        }

        // Export: anonymised (no free text at all), CSV cells never start a formula.
        let csv = try compe("export", "sme-support-ui", "--anonymised", "--csv")
        #expect(csv.status == 0 && !csv.stdout.contains("<script") && !csv.stdout.contains("\u{1B}"))
        for line in csv.stdout.split(separator: "\n") {
            for cell in line.split(separator: ",") {
                let value = cell.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                #expect(!(value.first.map { "=+@".contains($0) } ?? false), "a CSV cell starts a formula: \(cell)")
            }
        }
        // With the small-cell rule off (k = 1) the country is exported as its code;
        // by default (k = 5) a country held by fewer entrants is 'other'.
        let exported = try compe("export", "sme-support-ui", "--anonymised", "--json", "--k", "1")
        #expect(exported.status == 0 && exported.stdout.contains("\"JP\""))
        let suppressed = try compe("export", "sme-support-ui", "--anonymised", "--json")
        #expect(suppressed.status == 0 && suppressed.stdout.contains("\"other\"") && !suppressed.stdout.contains("<script"))
    }
}
