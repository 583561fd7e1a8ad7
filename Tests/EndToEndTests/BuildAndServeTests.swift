import CompeTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The real `compe` binary on the sample site, as a new user runs it.
@Suite struct BuildAndServeTests {
    @Test func sampleBuildsInBothLanguages() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CompeBinary.run(["build"], in: dir)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("built "))
        for page in ["index.html", "en/index.html", "about/index.html", "en/about/index.html", "contests/index.html",
                     "contests/sme-support-ui/index.html", "en/contests/sme-support-ui/index.html",
                     "contests/disaster-info-app/index.html", "sitemap.xml", "feed.xml", "en/feed.xml", "404.html", "css/site.css"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Public/\(page)").path), "missing \(page)")
        }
        let open = try String(contentsOf: dir.appendingPathComponent("Public/en/contests/sme-support-ui/index.html"), encoding: .utf8)
        #expect(open.contains("<form class=\"entry-form\""))
        let closed = try String(contentsOf: dir.appendingPathComponent("Public/contests/disaster-info-app/index.html"), encoding: .utf8)
        #expect(!closed.contains("<form"))
    }

    @Test func brokenContentFailsWithPositionsAndLeavesPublicAlone() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let index = dir.appendingPathComponent("Public/index.html")
        let before = try Data(contentsOf: index)

        let brief = dir.appendingPathComponent("Content/contests/sme-support-ui/brief.md")
        var text = try String(contentsOf: brief, encoding: .utf8)
        text = text.replacingOccurrences(of: "closes: 2027-11-30T17:00:00+09:00", with: "closes: 30 Nov 2027")
        try text.write(to: brief, atomically: true, encoding: .utf8)
        let about = dir.appendingPathComponent("Content/pages/about.en.md")
        try (try String(contentsOf: about, encoding: .utf8)).replacingOccurrences(of: "menu: true", with: "menu: true\nauthor: me")
            .write(to: about, atomically: true, encoding: .utf8)

        let r = try CompeBinary.run(["build"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Content/contests/sme-support-ui/brief.md:5:9: error: 'closes' is not a valid date-time"))
        #expect(r.stderr.contains("Content/pages/about.en.md:5:1: error: unknown key 'author'"))
        #expect(r.stderr.contains("Public/ was left as it was"))
        #expect(try Data(contentsOf: index) == before)
    }

    @Test func backlogLintAndStatus() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ok = try CompeBinary.run(["backlog", "lint"], in: dir)
        #expect(ok.status == 0 && ok.stdout.contains("3 iterations, 15 items: ok"))
        let status = try CompeBinary.run(["backlog", "status", "--iteration", "1"], in: dir)
        #expect(status.status == 0)
        #expect(status.stdout.contains("done         4      18  APP-101 APP-102 APP-103 APP-105"))
        #expect(status.stdout.contains("points: 18 done, 0 remaining of 18 (committed 19, added 2, capacity 20)"))
        let file = dir.appendingPathComponent("Content/backlog/iteration-2.md")
        try (try String(contentsOf: file, encoding: .utf8)).replacingOccurrences(of: "- points: 5\n- status: todo", with: "- points: 4\n- status: todo")
            .write(to: file, atomically: true, encoding: .utf8)
        let bad = try CompeBinary.run(["backlog", "lint"], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("Content/backlog/iteration-2.md:37:11: error: points '4' is off the scale"))
    }

    @Test func unknownCommandOptionIsAUsageError() throws {
        let r = try CompeBinary.run(["build", "--bogus"], in: FileManager.default.temporaryDirectory)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--bogus"))
    }

    @Test func serveGivesBothLanguagesAnd404() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        let port = server.port

        func get(_ path: String) async throws -> (Int, String) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
        }
        let (s1, ja) = try await get("/")
        #expect(s1 == 200 && ja.contains("<html lang=\"ja\">"))
        let (s2, en) = try await get("/en/contests/sme-support-ui/")
        #expect(s2 == 200 && en.contains("<html lang=\"en\">") && en.contains("SME Support Platform"))
        let (s3, missing) = try await get("/no/such/page/")
        #expect(s3 == 404 && missing.contains("ページが見つかりません"))
        let (s4, health) = try await get("/healthz")
        #expect(s4 == 200 && health == "ok\n")
        // Monitors often probe with HEAD.
        let head = try RawHTTP.send(port: port, head: "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(head.status == 200)
    }
}
