import CompeCore
@testable import CompeServer
@testable import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// The second hardening round, case by case, against a real server and a real SQLite file.
@Suite struct HardeningTests {
    // MARK: files: ranges and symbolic links

    @Test func rangesFollowRFC9110() async throws {
        try await ServerFixture.with { f async throws in
            let text = String((0..<4559).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            try text.write(to: f.site.root.appendingPathComponent("Public/big.txt"), atomically: true, encoding: .utf8)
            func get(_ range: String, extra: [String] = []) async throws -> RawHTTP.Response {
                try await f.request("GET", "/big.txt", headers: ["Range: \(range)"] + extra)
            }
            for unsatisfiable in ["bytes=100000-", "bytes=4559-", "bytes=-0", "bytes=4559-4600"] {
                let r = try await get(unsatisfiable)
                #expect(r.status == 416, "\(unsatisfiable): \(r.status)")
                #expect(r.headers["content-range"] == "bytes */4559", "\(unsatisfiable)")
                #expect(r.body.isEmpty && r.headers["content-length"] == "0", "\(unsatisfiable) sent a body")
            }
            let suffix = try await get("bytes=-3")
            #expect(suffix.status == 206 && suffix.text == String(text.suffix(3)) && suffix.headers["content-range"] == "bytes 4556-4558/4559")
            let all = try await get("bytes=-100000")
            #expect(all.status == 206 && all.body.count == 4559 && all.headers["content-range"] == "bytes 0-4558/4559")
            let head = try await get("bytes=0-9")
            #expect(head.status == 206 && head.text == String(text.prefix(10)) && head.headers["content-length"] == "10")
            let tail = try await get("bytes=4550-99999")
            #expect(tail.status == 206 && tail.body.count == 9 && tail.headers["content-range"] == "bytes 4550-4558/4559")
            for whole in ["bytes=0-1,5-6", "bytes=abc", "items=0-5", "bytes=9-3"] {
                let r = try await get(whole)
                #expect(r.status == 200 && r.body.count == 4559, "\(whole): \(r.status) \(r.body.count)")
            }
            // After a 416 the connection stays in step: the next answer on it is whole.
            let port = f.port
            let c = try await offPool {
                let c = try RawConnection(port: port)
                c.send("GET /big.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=100000-\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                c.read(for: 10)
                return c
            }
            let raw = String(decoding: c.received, as: UTF8.self)
            #expect(raw.hasPrefix("HTTP/1.1 416"))
            #expect(raw.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"), "a stray byte or a missing answer after the 416: \(raw.debugDescription)")
        }
    }

    @Test func symbolicLinksNeverLeadOutOfPublic() async throws {
        try await ServerFixture.with { f async throws in
            let outside = f.site.root.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            try "secret".write(to: outside.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
            let publicDir = f.site.root.appendingPathComponent("Public")
            try FileManager.default.createDirectory(at: publicDir.appendingPathComponent("inside"), withIntermediateDirectories: true)
            try "inside".write(to: publicDir.appendingPathComponent("inside/page.txt"), atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: publicDir.appendingPathComponent("leak").path, withDestinationPath: outside.path)
            try FileManager.default.createSymbolicLink(atPath: publicDir.appendingPathComponent("leak.txt").path,
                                                       withDestinationPath: outside.appendingPathComponent("secret.txt").path)
            try FileManager.default.createSymbolicLink(atPath: publicDir.appendingPathComponent("alias").path, withDestinationPath: "inside")
            for path in ["/leak/secret.txt", "/leak.txt", "/leak/"] {
                let r = try await f.request("GET", path, headers: [])
                #expect(r.status == 404 && !r.text.contains("secret"), "\(path): \(r.status)")
            }
            #expect(try await f.request("GET", "/alias/page.txt", headers: []).text == "inside", "a link inside Public/ still works")
        }
    }

    // MARK: the data directory

    @Test func aDataDirectoryInsidePublicIsRefused() async throws {
        let site = try TestSite.minimal()
        let publicDir = site.root.appendingPathComponent("Public")
        try FileManager.default.createDirectory(at: publicDir, withIntermediateDirectories: true)
        try "<html></html>".write(to: publicDir.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: site.root.appendingPathComponent("Linked").path, withDestinationPath: publicDir.path + "/store")
        for data in [publicDir, publicDir.appendingPathComponent("data"), site.root.appendingPathComponent("Linked")] {
            let config = ServerConfiguration(port: 0, publicDir: publicDir, dataDir: data, contentDir: site.content)
            await #expect { _ = try await SiteServer.start(config, logger: .init(label: "t")) } throws: { error in
                if case StoreError.dataInsidePublic = error { return true } else { return false }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: publicDir.appendingPathComponent("data/compe.sqlite").path))
    }

    // MARK: idempotency keys

    @Test func anIdempotencyKeyIsBoundToItsRequestAndForgottenAfterADay() async throws {
        try await ServerFixture.with { f async throws in
            let key = "key-\(UUID().uuidString)"
            let first = try await f.post(.validEntry(title: "First"), headers: ["Accept: application/json", "Idempotency-Key: \(key)"])
            #expect(first.status == 201)
            let token = try #require(first.json?["edit_token"] as? String)
            // The same request again: the first answer, token included.
            let again = try await f.post(.validEntry(title: "First", pdf: MultipartBody.samplePDF("same")), headers: ["Accept: application/json", "Idempotency-Key: \(key)"])
            #expect(again.status == 201 || again.status == 422)
            // (samplePDF differs per call, so use the exact same body for a true replay.)
            let body = MultipartBody.validEntry(title: "Replay me", pdf: MultipartBody.samplePDF("fixed"))
            let key2 = "key2-\(UUID().uuidString)"
            let a = try await f.post(body, headers: ["Accept: application/json", "Idempotency-Key: \(key2)"])
            let b = try await f.post(body, headers: ["Accept: application/json", "Idempotency-Key: \(key2)"])
            #expect(a.status == 201 && b.status == 201 && a.json?["id"] as? String == b.json?["id"] as? String)
            #expect(a.json?["edit_token"] as? String == b.json?["edit_token"] as? String)
            // Someone else's key with another request: refused, no id, no token, nothing stored.
            let uploadsBefore = try f.store().uploads.storedHashes()
            let count = try await f.store().count()
            let stolen = try await f.post(.validEntry(title: "Mine now"), headers: ["Accept: application/json", "Idempotency-Key: \(key)"])
            #expect(stolen.status == 422)
            #expect(!stolen.text.contains(token) && stolen.json?["id"] == nil)
            #expect(try await f.store().count() == count)
            #expect(try f.store().uploads.storedHashes() == uploadsBefore, "the refused replay left its file in uploads/")
            #expect(f.stagingFiles().isEmpty)
            // Stored as a hash only.
            let db = try Data(contentsOf: f.data.appendingPathComponent("compe.sqlite"))
            let wal = (try? Data(contentsOf: f.data.appendingPathComponent("compe.sqlite-wal"))) ?? Data()
            #expect(db.range(of: Data(key.utf8)) == nil && wal.range(of: Data(key.utf8)) == nil, "the key is stored in plain text")
            // A day later the key is forgotten: the same request makes a new entry.
            f.now.withLock { $0 = $0.addingTimeInterval(IdempotencyClaim.window + 60) }
            let later = try await f.post(body, headers: ["Accept: application/json", "Idempotency-Key: \(key2)"])
            #expect(later.status == 201 && later.json?["id"] as? String != a.json?["id"] as? String)
            f.now.withLock { $0 = ServerFixture.duringContest }
        }
    }

    // MARK: what an entrant may type

    @Test func singleLineFieldsRefuseLineBreaksTabsAndSeparators() async throws {
        try await ServerFixture.with { f async throws in
            let forged = "Nice design\n[x] test\tB-FAKE01\tAlready scored"
            for (field, value) in [("title", forged), ("team_name", "Team\tB"), ("country", "JP\r\nXX"), ("contact_email", "a@b.example\n"),
                                   ("link", "https://a.example/\tx"), ("title", "a\u{2028}b"), ("country", "a\u{85}b"), ("title", "x\u{0B}y")] {
                var body = MultipartBody()
                for (k, v) in [("title", "T"), ("summary", "S"), ("team_name", "Team"), ("members", "A"), ("contact_email", "a@b.example"),
                               ("country", "JP"), ("agree_terms", "yes")] {
                    body.field(k, k == field ? value : v)
                }
                if field == "link" { body.field("link", value) }
                body.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
                let r = try await f.post(body)
                #expect(r.status == 400, "\(field) \(value.debugDescription): \(r.status)")
                let errors = (r.json?["errors"] as? [[String: Any]]) ?? []
                #expect(errors.contains { $0["field"] as? String == field }, "\(field) not named: \(errors)")
            }
            var members = MultipartBody.validEntry()
            members.data = Data()
            for (k, v) in [("title", "T"), ("summary", "S\twith a tab is fine in a summary"), ("team_name", "Team"), ("members", "Aiko\nBen\tB-FAKE"),
                           ("contact_email", "a@b.example"), ("country", "JP"), ("agree_terms", "yes")] { members.field(k, v) }
            members.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
            let r = try await f.post(members)
            #expect(r.status == 400 && ((r.json?["errors"] as? [[String: Any]]) ?? []).map { $0["field"] as? String } == ["members"])
            #expect(try await f.store().count() == 0 && f.stagingFiles().isEmpty)
        }
    }

    @Test func limitsCountCodePointsAndNoncharactersAreRefused() async throws {
        try await ServerFixture.with { f async throws in
            let stacked = "e" + String(repeating: "\u{301}", count: 21_000)   // one character, 21,001 code points
            #expect(stacked.count == 1)
            let long = try await f.post(.validEntry(title: stacked))
            #expect(long.status == 400 && ((long.json?["errors"] as? [[String: Any]]) ?? []).first?["field"] as? String == "title")
            for bad in [0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFE].map({ "a" + String(Character(UnicodeScalar($0)!)) + "b" }) {
                let r = try await f.post(.validEntry(title: bad))
                #expect(r.status == 400, "\(bad.unicodeScalars.map { String($0.value, radix: 16) })")
            }
            #expect(try await f.store().count() == 0)
        }
    }

    @Test func aPartWithTooManyHeadersIsRefusedCheaply() async throws {
        try await ServerFixture.with { f async throws in
            // A valid entry whose title part carries 20 header lines: refused as a whole.
            var body = MultipartBody()
            body.data.append(Data("--\(body.boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n".utf8))
            for i in 0..<20 { body.data.append(Data("X-\(i): y\r\n".utf8)) }
            body.data.append(Data("\r\nA title\r\n".utf8))
            for (k, v) in [("summary", "S"), ("team_name", "T"), ("members", "A"), ("contact_email", "a@b.example"), ("country", "JP"),
                           ("agree_terms", "yes")] { body.field(k, v) }
            body.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
            let many = try await f.post(body)
            #expect(many.status == 400 && ((many.json?["errors"] as? [[String: Any]]) ?? []).first?["field"] as? String == "form", "\(many.status) \(many.text)")
            // 1.4 million tiny header lines in one part (7 MB): refused as soon as the part has
            // more header lines than a form needs, long before the client has sent them all.
            var flood = MultipartBody()
            flood.data.append(Data("--\(flood.boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n".utf8))
            flood.data.append(Data(String(repeating: "a:b\r\n", count: 1_400_000).utf8))
            flood.data.append(Data("\r\nx\r\n".utf8))
            let data = flood.finished
            let head = flood.head("/api/contests/test/entries", extra: ["Accept: application/json"], length: data.count)
            let port = f.port
            let (c, sent) = try await offPool {
                let c = try RawConnection(port: port)
                c.send(head)
                var sent = 0
                while sent < data.count && !c.closedByServer {
                    if !c.send(data[sent..<min(data.count, sent + 64 * 1024)]) { break }
                    sent += 64 * 1024
                    c.read(for: 0.002)
                }
                c.read(for: 10)
                return (c, sent)
            }
            #expect(c.response.status == 400)
            _ = sent
            // The reader itself stops at the first chunk that takes a part past 16 header lines.
            let probe = try MultipartProbe(directory: f.site.root.appendingPathComponent("probe"))
            let read = probe.read(Array(data), boundary: flood.boundary, chunkSize: 64 * 1024)
            #expect(read.rejected == "headerTooLarge" && read.consumed <= 64 * 1024, "\(read)")
            #expect(try await f.request("GET", "/healthz", headers: []).text == "ok\n")
        }
    }

    // MARK: edits

    @Test func anEditWithAWrongTokenWritesNothing() async throws {
        try await ServerFixture.with { f async throws in
            let created = try await f.post(.validEntry())
            let id = try #require(created.json?["id"] as? String)
            let port = f.port
            var body = MultipartBody()
            for (k, v) in [("title", "Edited"), ("summary", "S"), ("team_name", "T"), ("members", "A"), ("contact_email", "a@b.example"),
                           ("country", "JP"), ("agree_terms", "yes")] { body.field(k, v) }
            for i in 0..<3 { body.file(filename: "big\(i).pdf", contentType: "application/pdf", MultipartBody.samplePDF(String(repeating: "x", count: 3_000_000))) }
            let data = body.finished
            let staging = f.data.appendingPathComponent("tmp")
            for auth in ["Authorization: Bearer wrong-token", nil] {
                let path = auth == nil ? "/api/entries/\(id)?token=wrong" : "/api/entries/\(id)"
                let head = body.head(path, extra: ["Accept: application/json"] + (auth.map { [$0] } ?? []), length: data.count)
                let c = try await offPool {
                    let c = try RawConnection(port: port)
                    c.send(head)
                    var offset = 0
                    while offset < data.count && !c.closedByServer {
                        // Every 256 KiB, look whether anything reached tmp/.
                        if !c.send(data[offset..<min(data.count, offset + 256 * 1024)]) { break }
                        offset += 256 * 1024
                        c.read(for: 0.01)
                        #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).isEmpty, "an upload was staged for a wrong token")
                    }
                    c.read(for: 10)
                    return c
                }
                #expect(c.response.status == 404 && c.closedByServer)
            }
            // A token only in the body cannot come with files: they are refused before any byte is written.
            var bodyToken = body
            bodyToken.data = Data()
            bodyToken.field("token", "wrong")
            bodyToken.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
            let r = try await f.post(bodyToken, path: "/api/entries/\(id)")
            #expect(r.status == 400 && ((r.json?["errors"] as? [[String: Any]]) ?? []).first?["field"] as? String == "files")
            #expect(f.stagingFiles().isEmpty)
            #expect(try await f.store().entries(contest: "test").first?.draft.title == "My design")
        }
    }

    @Test func anEditTakesTheLimitsOfItsOwnContest() async throws {
        let site = try TestSite.minimal()
        try site.write("contests/small/brief.md", TestSite.brief.replacingOccurrences(of: "criteria:", with: "uploads: {max_files: 1, max_file_mb: 1, types: [pdf]}\ncriteria:"))
        try site.write("contests/big/brief.md", TestSite.brief.replacingOccurrences(of: "criteria:", with: "uploads: {max_files: 5, max_file_mb: 50, types: [pdf]}\ncriteria:"))
        try await ServerFixture.with(site: site) { f async throws in
            let created = try await f.post(.validEntry(), path: "/api/contests/small/entries")
            let id = try #require(created.json?["id"] as? String), token = try #require(created.json?["edit_token"] as? String)
            var body = MultipartBody.validEntry(pdf: MultipartBody.samplePDF(String(repeating: "y", count: 2_000_000)))
            body.field("lang", "en")
            let r = try await f.post(body, path: "/api/entries/\(id)?token=\(token)")
            #expect(r.status == 413, "the 50 MB limit of another contest applied: \(r.status)")
            #expect(f.stagingFiles().isEmpty)
        }
    }

    // MARK: what the operator sees

    @Test func serverErrorsAreLoggedAndFilesAreKeptPrivate() async throws {
        try await ServerFixture.with { f async throws in
            let created = try await f.post(.validEntry(title: "Secret title"))
            let id = try #require(created.json?["id"] as? String), token = try #require(created.json?["edit_token"] as? String)
            for name in ["compe.sqlite", "compe.sqlite-wal"] {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: f.data.appendingPathComponent(name).path)[.posixPermissions] as? Int)
                #expect(mode & 0o077 == 0, "\(name) is readable by others: \(String(mode, radix: 8))")
            }
            // A value the store cannot read back: the request fails with 500, logged with its cause.
            try await f.store().writing { db in try db.execute("UPDATE entry SET updated_at = 'garbled'", []) }
            let r = try await f.request("GET", "/api/entries/\(id)?token=\(token)")
            #expect(r.status == 500)
            let line = try #require(f.logs.all.first { $0.contains("request failed") })
            #expect(line.hasPrefix("error") && line.contains("/api/entries/") && line.contains("cannot read (entry.updated_at"), "\(line)")
            #expect(!line.contains(token) && !line.contains("Secret title"))
        }
    }

    @Test func orphanUploadsAreReportedAtStart() async throws {
        let site = try TestSite.minimal()
        let data = site.root.appendingPathComponent("Data")
        let blob = String(repeating: "ab", count: 32)
        try FileManager.default.createDirectory(at: data.appendingPathComponent("uploads/ab"), withIntermediateDirectories: true)
        try Data("orphan".utf8).write(to: data.appendingPathComponent("uploads/ab/\(blob)"))
        try await ServerFixture.with(site: site) { f async throws in
            // Reported by a background task shortly after the start.
            var reported = false
            for _ in 0..<100 where !reported {
                reported = f.logs.all.contains { $0.contains("no entry references") && $0.contains("count=1") }
                if !reported { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(reported)
        }
    }
}
