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
        let f = try await ServerFixture()
        defer { Task { await f.stop() } }
        let body = Data("title=x".utf8)
        let head = "POST /api/contests/test/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
            + "Content-Type: multipart/form-data\r\nContent-Length: \(body.count)\r\n\r\n"
        let port = f.port
        #expect(try await offPool { try RawHTTP.send(port: port, head: head, body: body) }.status == 400)
        try await expectStillServing(f)
    }

    @Test func tenThousandPartsAre400() async throws {
        let f = try await ServerFixture()
        defer { Task { await f.stop() } }
        var body = MultipartBody()
        for i in 0..<10_000 { body.field("f\(i)", "x") }
        let r = try await f.post(body)
        #expect(r.status == 400)
        try await expectStillServing(f)
    }

    @Test func megabyteHeaderLineIs400() async throws {
        let f = try await ServerFixture()
        defer { Task { await f.stop() } }
        var body = MultipartBody()
        body.data.append(Data("--\(body.boundary)\r\nContent-Disposition: form-data; name=\"title\"; x=\"".utf8))
        body.data.append(Data(repeating: 0x61, count: 1_000_000))
        body.data.append(Data("\"\r\n\r\nx\r\n".utf8))
        let r = try await f.post(body)
        #expect(r.status == 400)
        try await expectStillServing(f)
    }

    @Test func invalidUTF8InAFieldIsAFieldError() async throws {
        let f = try await ServerFixture()
        defer { Task { await f.stop() } }
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

    @Test func pdfPolyglotWithHTMLIsStoredAsPDFAndNeverServed() async throws {
        // A file that starts as a PDF is a PDF to us; it is stored by hash outside Public/ and the
        // site never serves uploads, so its HTML cannot run in a browser from our origin.
        let f = try await ServerFixture()
        defer { Task { await f.stop() } }
        let polyglot = Data("%PDF-1.4\n<html><script>alert(1)</script></html>".utf8)
        let r = try await f.post(.validEntry(pdf: polyglot))
        #expect(r.status == 201)
        let sha = ((r.json?["files"] as? [[String: Any]])?.first?["sha256"] as? String) ?? ""
        #expect(try await f.request("GET", "/uploads/\(sha.prefix(2))/\(sha)", headers: []).status == 404)
        #expect(try await f.request("GET", "/Data/uploads/\(sha.prefix(2))/\(sha)", headers: []).status == 404)
    }

    @Test func tokensDoNotCrossEntries() async throws {
        let f = try await ServerFixture()
        defer { Task { await f.stop() } }
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

    @Test func slowHeadersAreCutOff() async throws {
        // A client that stops mid-headers is dropped after the idle timeout (30 s by default,
        // 2 s here), and other clients are served meanwhile.
        let f = try await ServerFixture(idleTimeout: 2)
        defer { Task { await f.stop() } }
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
