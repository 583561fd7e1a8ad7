import CompeTestSupport
import Foundation
import Testing

/// `compe serve --watch` with the real binary: an edit reloads open pages, a broken edit shows
/// where it is and keeps the last good site served, and Public/ never holds the dev script.
@Suite(.serialized) struct DevServerTests {
    func get(_ port: Int, _ path: String) throws -> RawHTTP.Response {
        try RawHTTP.send(port: port, head: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    }

    /// A copy of the sample served by `compe serve --watch`, and a page's event stream, open
    /// and greeted. Stop the server when done.
    func watchedSample() throws -> (dir: URL, server: CompeBinary.Server, events: EventStreamClient) {
        let dir = try CompeBinary.sampleCopy()
        let server = try CompeBinary.startServer(in: dir, extra: ["--watch"])
        let events = try EventStreamClient(port: server.port, path: "/__compe/live")
        #expect(events.waitFor("event: hello") != nil)
        return (dir, server, events)
    }

    func write(_ dir: URL, _ path: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(path), atomically: false, encoding: .utf8)
    }

    @Test func editsReloadPagesAndErrorsShowAnOverlayWhileTheLastGoodSiteStaysServed() throws {
        let (dir, server, events) = try watchedSample()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        let page = try get(server.port, "/about/")
        #expect(page.status == 200)
        #expect(page.text.contains("<script src=\"/__compe/live.js\"></script>"), "served pages carry the listener")
        #expect(try get(server.port, "/__compe/live.js").text.contains("EventSource"))

        // An edit: open pages are told to reload and the page shows it.
        let about = "Content/pages/about.md"
        let original = try String(contentsOf: dir.appendingPathComponent(about), encoding: .utf8)
        try write(dir, about, original + "\nライブ編集の目印 live-edit-marker\n")
        #expect(events.waitFor("event: reload") != nil)
        #expect(try get(server.port, "/about/").text.contains("live-edit-marker"))

        // A broken edit: the overlay's data names the file, line and column; the page stays.
        try write(dir, about, original.replacingOccurrences(of: "title:", with: "title: [unclosed\nx:"))
        let problems = events.waitFor("event: problems")
        #expect(problems?.contains("Content/pages/about.md:") == true, "\(problems ?? "no event")")
        let stillServed = try get(server.port, "/about/")
        #expect(stillServed.status == 200 && stillServed.text.contains("live-edit-marker"))
        // A page opened now learns about the problem at once.
        let late = try EventStreamClient(port: server.port, path: "/__compe/live")
        #expect(late.waitFor("event: problems") != nil)

        // Fixed: pages reload, the overlay goes with the reload.
        try write(dir, about, original + "\nfixed-marker\n")
        #expect(events.waitFor("event: reload") != nil)
        #expect(late.waitFor("event: reload") != nil)
        #expect(try get(server.port, "/about/").text.contains("fixed-marker"))

        // Public/ holds what a clean build makes: no dev script.
        let built = try String(contentsOf: dir.appendingPathComponent("Public/about/index.html"), encoding: .utf8)
        #expect(built.contains("fixed-marker") && !built.contains("__compe"))
    }

    @Test func aTemplateEditRebuildsItsPagesAndStaticFilesAreCopied() throws {
        let (dir, server, events) = try watchedSample()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }

        try FileManager.default.createDirectory(at: dir.appendingPathComponent("Content/templates"), withIntermediateDirectories: true)
        try write(dir, "Content/templates/page.mustache", "<div class=\"from-override\">{{{content}}}</div>\n")
        #expect(events.waitFor("event: reload") != nil)
        #expect(try get(server.port, "/about/").text.contains("from-override"))
        #expect(!(try get(server.port, "/contests/").text.contains("from-override")), "the contest list does not use the page template")

        // A stylesheet edit: pages link its new fingerprinted name at once, never the old bytes.
        let linked = { (page: String) in
            page.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                .filter { $0.hasPrefix("/css/site.") && $0.hasSuffix(".css") }
        }
        let before = linked(try get(server.port, "/about/").text)
        #expect(before.count == 1)
        try write(dir, "Static/css/site.css", "/* watched */\n")
        #expect(events.waitFor("event: reload") != nil)
        #expect(try get(server.port, "/css/site.css").text.contains("watched"))
        let after = linked(try get(server.port, "/about/").text)
        #expect(after.count == 1 && after != before, "the page still links \(after)")
        let fresh = try get(server.port, after.first ?? "/")
        #expect(fresh.text.contains("watched") && fresh.headers["cache-control"]?.contains("immutable") == true)
    }

    @Test func theEntryAPIFollowsBriefsEditedWhileItRuns() throws {
        let (dir, server, events) = try watchedSample()
        defer { server.stop(); try? FileManager.default.removeItem(at: dir) }
        func submit(_ slug: String) throws -> Int {
            let body = MultipartBody.validEntry(title: "watched \(slug)")
            return try RawHTTP.send(port: server.port, head: body.head("/api/contests/\(slug)/entries", extra: ["Accept: application/json"]),
                                    body: body.finished).status
        }
        #expect(try submit("new-contest") == 404)

        // A contest added while the server runs: its page shows the form, and the form is taken.
        let brief = try String(contentsOf: dir.appendingPathComponent("Content/contests/sme-support-ui/brief.md"), encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("Content/contests/new-contest"), withIntermediateDirectories: true)
        try write(dir, "Content/contests/new-contest/brief.md", brief.replacingOccurrences(of: "中小企業支援", with: "新しい"))
        #expect(events.waitFor("event: reload") != nil)
        #expect(try get(server.port, "/contests/new-contest/").text.contains("/api/contests/new-contest/entries"))
        #expect(try submit("new-contest") == 201)

        // A deadline moved into the past: the page and the API both say closed.
        try write(dir, "Content/contests/sme-support-ui/brief.md",
                  brief.replacingOccurrences(of: "opens: 2026-11-01", with: "opens: 2025-11-01")
                       .replacingOccurrences(of: "closes: 2027-11-30", with: "closes: 2026-01-31"))
        #expect(events.waitFor("event: reload") != nil)
        #expect(!(try get(server.port, "/contests/sme-support-ui/").text.contains("/api/contests/sme-support-ui/entries")))
        #expect(try submit("sme-support-ui") == 403)
        #expect(try submit("new-contest") == 201)
    }
}
