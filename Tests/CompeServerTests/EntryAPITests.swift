import CompeCore
import CompeServer
import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

/// The entry endpoint against a real server on 127.0.0.1 and a real SQLite file.
@Suite struct EntryAPITests {
    @Test func validEntryIsStoredAndItsReceiptHashesMatch() async throws {
        try await ServerFixture.with { f async throws in
            let pdf = MultipartBody.samplePDF()
            let r = try await f.post(.validEntry(pdf: pdf))
            #expect(r.status == 201)
            let json = try #require(r.json)
            #expect(json["id"] as? String == "E-0001")
            #expect((json["edit_token"] as? String)?.count ?? 0 >= 22)
            let files = try #require(json["files"] as? [[String: Any]])
            #expect(files.first?["sha256"] as? String == sha256(pdf))
            #expect(files.first?["bytes"] as? Int == pdf.count)
            let stored = try #require(f.store().uploads.file(sha256: sha256(pdf)))
            #expect(try Data(contentsOf: stored) == pdf)
            #expect(try await f.store().count() == 1)
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func browserFormGets303ToABilingualReceipt() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry(title: "<script>alert('t')</script>")
            body.field("lang", "en")
            let r = try await f.post(body, headers: [])
            #expect(r.status == 303)
            // The receipt's address carries no token: the browser keeps it in the entry's cookie.
            let location = try #require(r.headers["location"])
            #expect(location == "/api/entries/E-0001?lang=en&new=1")
            let cookie = try #require(r.headers["set-cookie"])
            #expect(cookie.hasPrefix("compe_edit=") && cookie.contains("Path=/api/entries/E-0001") && cookie.contains("HttpOnly")
                    && cookie.contains("Secure") && cookie.contains("SameSite=Strict"), "\(cookie)")
            let token = String(cookie.dropFirst("compe_edit=".count).prefix { $0 != ";" })
            #expect(try await f.request("GET", location, headers: []).status == 404, "without the cookie the page is not found")
            let page = try await f.request("GET", location, headers: ["Cookie: other=1; compe_edit=\(token)"])
            #expect(page.status == 200)
            #expect(page.text.contains("<html lang=\"en\">"))
            #expect(page.text.contains("Entry received"))
            #expect(page.text.contains("E-0001"))
            #expect(!page.text.contains("<script>alert('t')</script>"))
            #expect(page.text.contains("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"))
            #expect(page.headers["referrer-policy"] == "strict-origin-when-cross-origin")
            #expect(!page.text.contains("?token=\(token)&amp;lang=en\" enctype") && !page.text.contains("action=\"/api/entries/E-0001?token="))
            // The edit link (kept from the receipt or a mail) is exchanged for the cookie, then
            // the browser moves on to the address without it.
            let link = try await f.request("GET", "/api/entries/E-0001?token=\(token)&lang=en", headers: [])
            #expect(link.status == 200 && link.headers["referrer-policy"] == "no-referrer" && link.headers["set-cookie"]?.hasPrefix("compe_edit=\(token);") == true)
            #expect(link.text.contains("<meta http-equiv=\"refresh\" content=\"0; url=/api/entries/E-0001?lang=en\">") && !link.text.contains("<link"))
            #expect(try await f.request("GET", "/api/entries/E-0001?token=wrong&lang=en", headers: []).status == 404)
        }
    }

    @Test func everyFieldErrorIsReportedAtOnceAndNothingIsStored() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody()
            body.field("title", String(repeating: "x", count: 201))
            body.field("members", "one\ntwo\nthree\nfour\nfive\nsix")
            body.field("contact_email", "not-an-email")
            body.field("link", "javascript:alert(1)")
            let r = try await f.post(body)
            #expect(r.status == 400)
            let fields = Set(((r.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["title", "summary", "team_name", "members", "contact_email", "country", "link", "agree_terms", "files"])
            #expect(try await f.store().count() == 0)
        }
    }

    @Test func unknownContestIs404AndClosedOrNotYetOpenIs403() async throws {
        try await ServerFixture.with { f async throws in
            #expect(try await f.post(.validEntry(), path: "/api/contests/nope/entries").status == 404)
            f.now.withLock { $0 = DateParsing.dateTime("2027-01-10T08:59:59+09:00")! }
            let early = try await f.post(.validEntry())
            #expect(early.status == 403)
            #expect(early.text.contains("受付開始前"))
            f.now.withLock { $0 = DateParsing.dateTime("2027-02-10T17:00:00+09:00")! }
            #expect(try await f.post(.validEntry()).status == 403)
            #expect(try await f.store().count() == 0)
        }
    }

    @Test func oversizeFileIs413AndLeavesNoTrace() async throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", TestSite.brief.replacingOccurrences(of: "prizes:", with: "uploads: {max_file_mb: 1}\nprizes:"))
        try await ServerFixture.with(site: site) { f async throws in
            var big = MultipartBody.samplePDF()
            big.append(Data(repeating: 0x41, count: 1_200_000))
            let r = try await f.post(.validEntry(pdf: big))
            #expect(r.status == 413)
            #expect(try await f.store().count() == 0)
            #expect(f.stagingFiles().isEmpty)
            // A Content-Length over the whole-request limit is refused before the body is read.
            let head = MultipartBody().head("/api/contests/test/entries", extra: ["Accept: application/json"], length: 50_000_000)
            let port = f.port
            let early = try await offPool { try RawHTTP.send(port: port, head: head) }
            #expect(early.status == 413)
        }
    }

    @Test func htmlNamedPNGIs415() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry()
            body.file(filename: "innocent.png", contentType: "image/png", Data("<html><script>alert(1)</script></html>".utf8))
            let r = try await f.post(body)
            #expect(r.status == 415)
            #expect(r.text.contains("innocent.png"))
            #expect(try await f.store().count() == 0)
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        try await ServerFixture.with(rateLimit: 2) { f async throws in
            #expect(try await f.post(.validEntry()).status == 201)
            #expect(try await f.post(.validEntry()).status == 201)
            let third = try await f.post(.validEntry())
            #expect(third.status == 429)
            #expect(Int(third.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(try await f.store().count() == 2)
        }
    }

    @Test func honeypotIsSilentlyDropped() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry()
            body.field("website", "http://spam.example")
            let r = try await f.post(body)
            #expect(r.status == 201)
            #expect(try await f.store().count() == 0)
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func idempotencyKeyReplaysTheFirstResult() async throws {
        try await ServerFixture.with { f async throws in
            let body = MultipartBody.validEntry()
            let first = try await f.post(body, headers: ["Accept: application/json", "Idempotency-Key: abc-123"])
            let second = try await f.post(body, headers: ["Accept: application/json", "Idempotency-Key: abc-123"])
            #expect(first.status == 201 && second.status == 201)
            #expect(first.json?["id"] as? String == second.json?["id"] as? String)
            #expect(first.json?["edit_token"] as? String == second.json?["edit_token"] as? String)
            #expect(try await f.store().count() == 1)
        }
    }

    @Test func crossOriginPostsAreRefusedUnlessAllowed() async throws {
        try await ServerFixture.with(siteYML: TestSite.siteYML + "allowed_origins: [https://partner.example]\n") { f async throws in
            #expect(try await f.post(.validEntry(), headers: ["Accept: application/json", "Origin: https://evil.example"]).status == 403)
            let ok = try await f.post(.validEntry(), headers: ["Accept: application/json", "Origin: https://partner.example"])
            #expect(ok.status == 201)
            #expect(ok.headers["access-control-allow-origin"] == "https://partner.example")
            #expect(try await f.post(.validEntry(), headers: ["Accept: application/json", "Origin: http://127.0.0.1"]).status == 201)
            #expect(try await f.store().count() == 2)
        }
    }

    @Test func hostileFileNamesNeverReachTheFileSystem() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry()
            let pdf = MultipartBody.samplePDF("traversal")
            body.file(filename: "../../etc/passwd", contentType: "application/pdf", pdf)
            body.file(filename: "evil\u{0}name.pdf", contentType: "application/pdf", MultipartBody.samplePDF("nul"))
            let r = try await f.post(body)
            #expect(r.status == 201)
            let names = ((r.json?["files"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["design.pdf", "passwd", "evilname.pdf"])
            #expect(try f.store().uploads.file(sha256: sha256(pdf)) != nil)
            #expect(!FileManager.default.fileExists(atPath: f.data.appendingPathComponent("etc/passwd").path))
            let everything = FileManager.default.enumerator(atPath: f.site.root.path)?.allObjects as? [String] ?? []
            #expect(!everything.contains { $0.hasSuffix("passwd") || $0.contains("evil") })
        }
    }

    @Test func entrantCanViewEditAndWithdrawOnlyWithTheToken() async throws {
        try await ServerFixture.with { f async throws in
            let created = try await f.post(.validEntry())
            let id = try #require(created.json?["id"] as? String)
            let token = try #require(created.json?["edit_token"] as? String)
            #expect(try await f.request("GET", "/api/entries/\(id)").status == 404)
            #expect(try await f.request("GET", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer wrong"]).status == 404)
            #expect(try await f.request("GET", "/api/entries/E-0999", headers: ["Accept: application/json", "Authorization: Bearer \(token)"]).status == 404)
            let view = try await f.request("GET", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"])
            #expect(view.status == 200 && view.json?["title"] as? String == "My design")

            var edit = MultipartBody.validEntry(title: "Better design")
            edit.data = Data()   // fields only: files stay as they were
            for (k, v) in [("title", "Better design"), ("summary", "New summary"), ("team_name", "Team A"), ("members", "Aiko"),
                           ("contact_email", "team@example.org"), ("country", "JP"), ("agree_terms", "yes")] { edit.field(k, v) }
            let edited = try await f.post(edit, path: "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"])
            #expect(edited.status == 200)
            #expect(edited.json?["title"] as? String == "Better design")
            #expect((edited.json?["files"] as? [Any])?.count == 1)

            f.now.withLock { $0 = DateParsing.dateTime("2027-03-01T00:00:00+09:00")! }
            #expect(try await f.request("DELETE", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"]).status == 403)
            f.now.withLock { $0 = ServerFixture.duringContest }
            let withdrawn = try await f.request("DELETE", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"])
            #expect(withdrawn.status == 200 && withdrawn.json?["withdrawn_at"] is String)
            #expect(try await f.store().entries(contest: "test").first?.withdrawnAt != nil)
        }
    }

    @Test func unterminatedMultipartIs400AndStoresNothing() async throws {
        try await ServerFixture.with { f async throws in
            let body = MultipartBody.validEntry()
            let r = try await f.post(body, rawBody: body.data)   // no closing boundary
            #expect(r.status == 400)
            #expect(try await f.store().count() == 0)
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func fiftyConcurrentSubmissionsAreAllStoredWithCorrectHashes() async throws {
        try await ServerFixture.with { f async throws in
            let results = try await withThrowingTaskGroup(of: (Data, RawHTTP.Response).self) { group in
                for i in 0..<50 {
                    group.addTask {
                        let pdf = MultipartBody.samplePDF("entry \(i) " + String(repeating: "x", count: i * 1000))
                        return (pdf, try await f.post(.validEntry(title: "Entry \(i)", pdf: pdf)))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.1.status == 201 }, "statuses: \(results.map { $0.1.status }) \(results.filter { $0.1.status != 201 }.map { $0.1.text })")
            let ids = Set(results.compactMap { $0.1.json?["id"] as? String })
            #expect(ids.count == 50)
            let store = try f.store()
            #expect(try await store.count() == 50)
            for (pdf, response) in results {
                let hash = ((response.json?["files"] as? [[String: Any]])?.first?["sha256"] as? String) ?? ""
                #expect(hash == sha256(pdf))
                let file = try #require(store.uploads.file(sha256: hash))
                #expect(sha256(try Data(contentsOf: file)) == hash)
            }
        }
    }

    @Test func entriesSurviveARestart() async throws {
        let site = try TestSite.minimal()
        let created = try await ServerFixture.with(site: site) { first in try await first.post(.validEntry()) }
        try await ServerFixture.with(site: site) { second async throws in
            let id = try #require(created.json?["id"] as? String)
            let token = try #require(created.json?["edit_token"] as? String)
            let view = try await second.request("GET", "/api/entries/\(id)?token=\(token)")
            #expect(view.status == 200)
            #expect(view.json?["id"] as? String == id)
            #expect(try await second.post(.validEntry()).json?["id"] as? String == "E-0002")
        }
    }
}
