import CompeCore
import CompeTestSupport
import Foundation
import Testing

/// Malformed and oversize requests against the live server: each gets its specific 4xx,
/// nothing is stored, and the server keeps answering.
@Suite struct HostileInputTests {
    func expectStillServing(_ f: ServerFixture) async throws {
        #expect(try await f.request("GET", "/healthz", headers: []).text == "ok\n")
        #expect(try await f.store().count() == 0)
        #expect(f.stagingFiles().isEmpty)
    }

    @Test func noBoundaryIs400() async throws {
        try await ServerFixture.with { f async throws in
            let body = Data("title=x".utf8)
            let head = "POST /api/contests/test/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
                + "Content-Type: multipart/form-data\r\nContent-Length: \(body.count)\r\n\r\n"
            let port = f.port
            #expect(try await offPool { try RawHTTP.send(port: port, head: head, body: body) }.status == 400)
            try await expectStillServing(f)
        }
    }

    @Test func tenThousandPartsAre400() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody()
            for i in 0..<10_000 { body.field("f\(i)", "x") }
            let r = try await f.post(body)
            #expect(r.status == 400)
            try await expectStillServing(f)
        }
    }

    @Test func megabyteHeaderLineIs400() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody()
            body.data.append(Data("--\(body.boundary)\r\nContent-Disposition: form-data; name=\"title\"; x=\"".utf8))
            body.data.append(Data(repeating: 0x61, count: 1_000_000))
            body.data.append(Data("\"\r\n\r\nx\r\n".utf8))
            let r = try await f.post(body)
            #expect(r.status == 400)
            try await expectStillServing(f)
        }
    }

    @Test func invalidUTF8InAFieldIsAFieldError() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry()
            body.data.append(Data("--\(body.boundary)\r\nContent-Disposition: form-data; name=\"country\"\r\n\r\n".utf8))
            body.data.append(Data([0xC3, 0x28, 0xFF]))
            body.data.append(Data("\r\n".utf8))
            let r = try await f.post(body)
            #expect(r.status == 400)
            let fields = ((r.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            #expect(fields.contains("country"))
            try await expectStillServing(f)
        }
    }

    @Test func pdfPolyglotWithHTMLIsStoredAsPDFAndNeverServed() async throws {
        // A file that starts as a PDF is a PDF to us; it is stored by hash outside Public/ and the
        // site never serves uploads, so its HTML cannot run in a browser from our origin.
        try await ServerFixture.with { f async throws in
            let polyglot = Data("%PDF-1.4\n<html><script>alert(1)</script></html>".utf8)
            let r = try await f.post(.validEntry(pdf: polyglot))
            #expect(r.status == 201)
            let sha = ((r.json?["files"] as? [[String: Any]])?.first?["sha256"] as? String) ?? ""
            #expect(try await f.request("GET", "/uploads/\(sha.prefix(2))/\(sha)", headers: []).status == 404)
            #expect(try await f.request("GET", "/Data/uploads/\(sha.prefix(2))/\(sha)", headers: []).status == 404)
        }
    }

    @Test func tokensDoNotCrossEntries() async throws {
        try await ServerFixture.with { f async throws in
            let a = try await f.post(.validEntry(title: "A"))
            let b = try await f.post(.validEntry(title: "B"))
            let tokenA = try #require(a.json?["edit_token"] as? String)
            let idB = try #require(b.json?["id"] as? String)
            let stolen = try await f.request("GET", "/api/entries/\(idB)", headers: ["Accept: application/json", "Authorization: Bearer \(tokenA)"])
            #expect(stolen.status == 404)
            let deleted = try await f.request("DELETE", "/api/entries/\(idB)?token=\(tokenA)")
            #expect(deleted.status == 404)
            #expect(try await f.store().entries(contest: "test").allSatisfy { $0.withdrawnAt == nil })
        }
    }

    @Test func slowHeadersAreCutOff() async throws {
        // A client that stops mid-headers is dropped after the idle timeout (30 s by default,
        // 2 s here), and other clients are served meanwhile.
        try await ServerFixture.with(idleTimeout: 2) { f async throws in
            let port = f.port
            let start = Date()
            async let slow = offPool {
                try RawHTTP.send(port: port, head: "POST /api/contests/test/entries HTTP/1.1\r\nHost: 127.0.0.1\r\n", timeout: 20)
            }
            #expect(try await f.request("GET", "/healthz", headers: []).status == 200)
            let r = try await slow
            #expect(r.status == 0 || r.status == 408)
            #expect(Date().timeIntervalSince(start) < 15, "the silent connection was not closed by the idle timeout")
        }
    }

    @Test func aTrickledBodyIsStoppedWith408() async throws {
        // A body that keeps arriving, a few bytes at a time, is never idle; after the grace
        // period (30 s by default, 2 s here) an average under 1 KiB/s is stopped.
        try await ServerFixture.with(idleTimeout: 30, slowUploadGrace: 2) { f async throws in
            let body = MultipartBody.validEntry()
            let data = body.finished
            let head = body.head("/api/contests/test/entries", extra: ["Accept: application/json"], length: data.count)
            let port = f.port
            let start = Date()
            let r = try await offPool { try RawHTTP.send(port: port, head: head, body: data, chunk: 20, chunkDelay: 0.25, timeout: 30) }
            #expect(r.status == 408, "\(r.status) \(r.text)")
            #expect(((r.json?["errors"] as? [[String: Any]]) ?? []).first?["field"] as? String == "form")
            // (This client reads only after sending everything, so the time says nothing about when the
            // server answered; the 408 does: it is only given once the grace period has passed.)
            #expect(Date().timeIntervalSince(start) < 30)
            try await expectStillServing(f)
        }
    }

    @Test func oversizeInEveryDimensionGetsItsOwn4xx() async throws {
        try await ServerFixture.with { f async throws in
            let port = f.port
            // The declared body length alone is over the contest's limit: refused before reading.
            let hugeHead = "POST /api/contests/test/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
                + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 99999999999\r\n\r\n"
            #expect(try await offPool { try RawHTTP.send(port: port, head: hugeHead) }.status == 413)

            // One field over its 64 KiB limit.
            var longField = MultipartBody.validEntry()
            longField.field("summary", String(repeating: "長", count: 40_000))
            #expect(try await f.post(longField).status == 400)

            // A title over its length limit: a field error naming the field.
            let longTitle = MultipartBody.validEntry(title: String(repeating: "t", count: 5_000))
            let titleAnswer = try await f.post(longTitle)
            #expect(titleAnswer.status == 400)
            #expect(((titleAnswer.json?["errors"] as? [[String: Any]]) ?? []).contains { $0["field"] as? String == "title" })

            // More files than the contest allows (the brief's default is 5).
            var manyFiles = MultipartBody.validEntry()
            for i in 0..<6 { manyFiles.file(filename: "extra\(i).pdf", contentType: "application/pdf", MultipartBody.samplePDF("\(i)")) }
            let many = try await f.post(manyFiles)
            #expect(many.status == 400 || many.status == 413, "\(many.status)")
            #expect(((many.json?["errors"] as? [[String: Any]]) ?? []).contains { $0["field"] as? String == "files" })

            // A file name of 100 KB: a header line over the limit.
            var longName = MultipartBody.validEntry()
            longName.file(filename: String(repeating: "n", count: 100_000) + ".pdf", contentType: "application/pdf", MultipartBody.samplePDF())
            #expect(try await f.post(longName).status == 400)

            // A URL path of 100 KB.
            let longPath = "/api/contests/" + String(repeating: "a", count: 100_000) + "/entries"
            let pathAnswer = try await offPool {
                try RawHTTP.send(port: port, head: "POST \(longPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            }
            #expect((400...499).contains(pathAnswer.status) || pathAnswer.status == 0, "\(pathAnswer.status)")

            try await expectStillServing(f)
        }
    }

    @Test func aNonASCIIByteInAPartHeaderNameIs400NotACrash() async throws {
        // Found by Fuzz/FuzzMultipart: multipart-kit 4.7.1 traps on such a byte, which would
        // stop the whole server. The request is refused before the parser sees it.
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry()
            body.data.append(Data("--\(body.boundary)\r\nContent-Dispos".utf8))
            body.data.append(Data([0x98, 0x98, 0xE3, 0x81, 0x82]))
            body.data.append(Data("ition: form-data; name=\"x\"\r\n\r\nx\r\n".utf8))
            #expect(try await f.post(body).status == 400)
            // A UTF-8 file name (in a header value) is still fine.
            var utf8Name = MultipartBody.validEntry()
            utf8Name.file(filename: "デザイン案.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
            #expect(try await f.post(utf8Name).status == 201)
            #expect(try await f.request("GET", "/healthz", headers: []).text == "ok\n")
        }
    }

    @Test func anotherContestsEntryStaysItsOwn() async throws {
        // Two open contests; "other" closes on 2027-01-25, "test" on 2027-02-10 (Tokyo).
        let site = try TestSite.minimal()
        try site.write("contests/other/brief.md", TestSite.brief.replacingOccurrences(of: "closes: 2027-02-10", with: "closes: 2027-01-25"))
        try await ServerFixture.with(site: site) { f async throws in
            let key = "Idempotency-Key: same-key-in-both"
            let a = try await f.post(.validEntry(title: "In test"), headers: ["Accept: application/json", key])
            let b = try await f.post(.validEntry(title: "In other"), path: "/api/contests/other/entries", headers: ["Accept: application/json", key])
            // The same Idempotency-Key in another contest is a new entry, not a replay of the first.
            #expect(a.status == 201 && b.status == 201)
            let idA = try #require(a.json?["id"] as? String), tokenA = try #require(a.json?["edit_token"] as? String)
            let idB = try #require(b.json?["id"] as? String), tokenB = try #require(b.json?["edit_token"] as? String)
            #expect(idA != idB)
            #expect(try await f.store().entries(contest: "other").map(\.draft.title) == ["In other"])

            // One contest's token opens nothing of the other's: 404, as for an unknown id.
            for (id, token) in [(idB, tokenA), (idA, tokenB)] {
                #expect(try await f.request("GET", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"]).status == 404)
                #expect(try await f.request("DELETE", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"]).status == 404)
                let edit = MultipartBody.validEntry(title: "Taken over")
                #expect(try await f.post(edit, path: "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"]).status == 404)
            }

            // Each entry follows its own contest's window: after "other" closes, its entry is frozen
            // while the entry in "test" can still be edited.
            f.now.withLock { $0 = DateParsing.dateTime("2027-01-30T12:00:00+09:00")! }
            let lateB = try await f.post(.validEntry(title: "Late"), path: "/api/entries/\(idB)", headers: ["Accept: application/json", "Authorization: Bearer \(tokenB)"])
            #expect(lateB.status == 403)
            let lateA = try await f.post(.validEntry(title: "Still open"), path: "/api/entries/\(idA)", headers: ["Accept: application/json", "Authorization: Bearer \(tokenA)"])
            #expect(lateA.status == 200 && lateA.json?["title"] as? String == "Still open")
            #expect(try await f.post(.validEntry(), path: "/api/contests/other/entries").status == 403)
            let titles = try await (f.store().entries(contest: "test") + f.store().entries(contest: "other")).map(\.draft.title)
            #expect(titles == ["Still open", "In other"])
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func pathsWithControlCharactersOrHiddenNamesNeverReachTheFileSystem() async throws {
        try await ServerFixture.with { f async throws in
            let publicDir = f.site.root.appendingPathComponent("Public")
            try "manifest".write(to: publicDir.appendingPathComponent(".compe-build"), atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(at: publicDir.appendingPathComponent(".well-known"), withIntermediateDirectories: true)
            try "Contact: mailto:security@example.org\n".write(to: publicDir.appendingPathComponent(".well-known/security.txt"), atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(at: publicDir.appendingPathComponent("about"), withIntermediateDirectories: true)
            try "<html lang=\"ja\"></html>".write(to: publicDir.appendingPathComponent("about/index.html"), atomically: true, encoding: .utf8)
            let answers: [(String, Int)] = [
                ("/index.html", 200), ("/.well-known/security.txt", 200),
                // A NUL used to cut the file name short (index.html served) or end up in a redirect.
                ("/index.html%00.png", 400), ("/%00", 400), ("/about%00%0d%0aSet-Cookie:%20a=b", 400), ("/about/%0a", 400),
                // The build manifest and other hidden files are not served.
                ("/.compe-build", 404), ("/about/.secret", 404), ("/%2ecompe-build", 404),
                ("/a/%2e%2e/index.html", 400), ("/%zz", 400),
            ]
            for (path, status) in answers {
                let r = try await f.request("GET", path, headers: [])
                #expect(r.status == status, "\(path): \(r.status)")
                #expect(r.headers["location"] == nil, "\(path) was redirected to \(r.headers["location"] ?? "")")
            }
            try await expectStillServing(f)
        }
    }

    @Test func oddAcceptLanguageHeadersAreAnsweredNotFatal() async throws {
        // `Accept-Language: ;` stopped the whole server (an index into an empty split).
        try await ServerFixture.with { f async throws in
            for value in [";", ";;;,,,;q=", "-", ",", "ja;q=", String(repeating: ";,", count: 4_000)] {
                let r = try await f.request("POST", "/api/contests/nope/entries", headers: ["Accept: application/json", "Accept-Language: \(value)", "Content-Length: 0"])
                #expect(r.status == 404, "Accept-Language: \(value.prefix(20)) → \(r.status)")
            }
            let english = try await f.request("POST", "/api/contests/nope/entries", headers: ["Accept: text/html", "Accept-Language: ja;q=0.1, en", "Content-Length: 0"])
            #expect(english.status == 404 && english.text.contains("lang=\"en\""))
            try await expectStillServing(f)
        }
    }
}
