import CompeCore
import CompeMail
@testable import CompeServer
import CompeServices
@testable import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// What the third hardening round fixed on the server, each against a real server and a real
/// SQLite file: upload budgets, withdrawal checks, forwarded addresses, score bodies, HTTP/1.0
/// and Host framing, file names, blind PDFs, the lost-link answer, and blind-queue lookups.
@Suite struct ThirdRoundTests {
    func judge(_ f: ServerFixture) async throws -> (service: JudgingService, token: String) {
        let service = JudgingService(store: try f.store(), catalog: try ContestCatalog.load(root: f.site.content, displayRoot: "Content"))
        try await service.addJudge(Judge(handle: "sato", name: "Sato", email: nil, organisation: nil))
        try await service.addToPanel(contest: "test", judges: ["sato"])
        _ = try await service.assign(contest: "test", perEntry: 1, seed: 1)
        return (service, try await service.issueToken(judge: "sato", expires: nil))
    }

    func put(_ f: ServerFixture, _ path: String, token: String, _ json: String) async throws -> RawHTTP.Response {
        let port = f.port
        let head = "PUT \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
        return try await offPool { try RawHTTP.send(port: port, head: head, body: Data(json.utf8)) }
    }

    /// Item 10: one client cannot fill the disk; past its hourly budget (or the server's) it
    /// gets 429 with Retry-After before anything is read, and /metrics counts the refusals.
    @Test func uploadsHaveAnHourlyBudgetPerClientAndInAll() async throws {
        try await ServerFixture.with(configure: { $0.uploadBudgetMB = 1; $0.totalUploadBudgetMB = 0 }) { f async throws in
            let big = MultipartBody.samplePDF("budget") + Data(repeating: 0x20, count: 400_000)
            #expect(try await f.post(.validEntry(pdf: big)).status == 201)
            #expect(try await f.post(.validEntry(pdf: big + Data("2".utf8))).status == 201)
            let refused = try await f.post(.validEntry(pdf: big + Data("3".utf8)), headers: ["Accept: application/json", "Accept-Language: en"])
            #expect(refused.status == 429 && (Int(refused.headers["retry-after"] ?? "") ?? 0) > 0, "\(refused.status) \(refused.headers)")
            #expect(refused.text.contains("in an hour"))
            #expect(try await f.store().count() == 2)
            let other = try await offPool { [port = f.port] in
                let body = MultipartBody.validEntry(title: "other client")
                let c = try RawConnection(port: port, from: "127.0.0.9")
                c.send(Data(body.head("/api/contests/test/entries", extra: ["Accept: application/json"]).utf8) + body.finished)
                c.readResponse(for: 60)
                return c.response
            }
            #expect(other.status == 201, "another client has its own budget")
            let metrics = try await f.request("GET", "/metrics", headers: [])
            #expect(metrics.text.contains("compe_entries_rejected_total{reason=\"clientUploadBudget\"} 1"), "\(metrics.text)")
        }
        try await ServerFixture.with(configure: { $0.uploadBudgetMB = 0; $0.totalUploadBudgetMB = 1 }) { f async throws in
            let big = MultipartBody.samplePDF("total") + Data(repeating: 0x20, count: 700_000)
            #expect(try await f.post(.validEntry(pdf: big)).status == 201)
            let refused = try await f.post(.validEntry(pdf: big + Data("x".utf8)))
            #expect(refused.status == 429 && refused.headers["retry-after"] != nil)
        }
    }

    /// Item 18: a withdrawal is a change like any post: the origin check and the rate limit apply.
    @Test func aWithdrawalPassesTheOriginCheckAndTheRateLimit() async throws {
        try await ServerFixture.with(rateLimit: 1) { f async throws in
            let created = try await f.post(.validEntry())
            let (id, token) = (created.json?["id"] as? String ?? "", created.json?["edit_token"] as? String ?? "")
            let foreign = try await f.request("DELETE", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)",
                                                                                        "Origin: https://evil.example"])
            #expect(foreign.status == 403)
            #expect(try await f.store().entries(contest: "test").first?.withdrawnAt == nil, "a foreign page withdrew the entry")
            let limited = try await f.request("DELETE", "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"])
            #expect(limited.status == 429 && limited.headers["retry-after"] != nil, "\(limited.status)")
        }
    }

    /// Item 19: behind a trusted proxy, an X-Forwarded-For that is not an address is not the
    /// proxy: no /metrics, and not the proxy's rate-limit bucket.
    @Test func anUnparsableForwardedAddressIsNotTheProxy() async throws {
        try await ServerFixture.with(rateLimit: 1, configure: { $0.trustedProxies = TrustedProxies([TrustedProxies.Network("127.0.0.1")!]) }) { f async throws in
            for hop in ["203.0.113.5:4444", "unknown", "127.0.0.1.evil"] {
                let r = try await f.request("GET", "/metrics", headers: ["X-Forwarded-For: \(hop)"])
                #expect(r.status == 403, "\(hop): \(r.status)")
            }
            #expect(try await f.request("GET", "/metrics", headers: []).status == 200, "the proxy's own request still gets metrics")
            let spoofed = try await f.post(.validEntry(title: "a"), headers: ["Accept: application/json", "X-Forwarded-For: unknown"])
            #expect(spoofed.status == 201)
            #expect(try await f.post(.validEntry(title: "b"), headers: ["Accept: application/json", "X-Forwarded-For: unknown"]).status == 429)
            #expect(try await f.post(.validEntry(title: "c"), headers: ["Accept: application/json"]).status == 201,
                    "unparsable requests used the proxy's own bucket")
        }
    }

    /// Item 20: a score body with a key twice, a NUL or an escape in the comment, or a comment
    /// over the limit is refused; one token cannot re-send sheets without limit.
    @Test func scoreBodiesAreStrict() async throws {
        try await ServerFixture.with { f async throws in
            _ = try await f.post(.validEntry())
            let (_, token) = try await judge(f)
            let queue = try JSONSerialization.jsonObject(with: try await f.request("GET", "/api/judge/queue", headers: ["Authorization: Bearer \(token)"]).body) as? [[String: Any]]
            let ref = try #require(queue?.first?["ref"] as? String)
            let path = "/api/judge/entries/\(ref)/score"
            let twice = try await put(f, path, token: token, #"{"values":{"usability":5},"comment":"a","comment":"b"}"#)
            #expect(twice.status == 400 && twice.text.contains("comment"), "\(twice.status) \(twice.text)")
            let escaped = try await put(f, path, token: token, #"{"values":{"usability":5},"comm\u0065nt":"a","comment":"b"}"#)
            #expect(escaped.status == 400, "an escaped duplicate key")
            let nul = try await put(f, path, token: token, #"{"values":{"usability":5},"comment":"before\u0000after"}"#)
            #expect(nul.status == 400 && nul.text.contains("\"field\":\"comment\""), "\(nul.text)")
            let long = String(repeating: "x", count: ScoreProblem.maxComment + 1)
            #expect(try await put(f, path, token: token, #"{"values":{"usability":5},"comment":"\#(long)"}"#).status == 400)
            #expect(try await f.store().scoreAudit(entryID: 1).isEmpty, "a refused body changed the sheet")
            #expect(try await put(f, path, token: token, #"{"values":{"usability":5},"comment":"fine"}"#).status == 200)
        }
        try await ServerFixture.with { f async throws in
            _ = try await f.post(.validEntry())
            let (_, token) = try await judge(f)
            let queue = try JSONSerialization.jsonObject(with: try await f.request("GET", "/api/judge/queue", headers: ["Authorization: Bearer \(token)"]).body) as? [[String: Any]]
            let ref = try #require(queue?.first?["ref"] as? String)
            var statuses: [Int] = []
            for i in 0..<140 {
                statuses.append(try await put(f, "/api/judge/entries/\(ref)/score", token: token, #"{"values":{"usability":\#(i % 10 + 1)}}"#).status)
            }
            // 120 a minute (the test's clock stands still, so nothing refills): 120 go through, then 429.
            #expect(statuses.prefix(120).allSatisfy { $0 == 200 } && statuses.suffix(20).allSatisfy { $0 == 429 }, "\(statuses.suffix(25))")
        }
    }

    /// Item 21: HTTP/1.0 without keep-alive is answered with Connection: close and the
    /// connection closes; HTTP/1.1 without Host, or with two, is 400; the parser's own 400
    /// carries the security headers.
    @Test func framingFollowsRFC9112() async throws {
        try await ServerFixture.with { f async throws in
            let port = f.port
            let old = try await offPool {
                let c = try RawConnection(port: port)
                c.send("GET /healthz HTTP/1.0\r\n\r\n")
                c.read(for: 20)
                return (c.response, c.closedByServer)
            }
            #expect(old.0.status == 200 && old.0.headers["connection"] == "close" && old.1, "\(old.0.headers) closed: \(old.1)")
            let raw = try await offPool {
                let c = try RawConnection(port: port)
                c.send("GET /healthz HTTP/1.0\r\n\r\n")
                c.read(for: 20)
                return String(decoding: c.received, as: UTF8.self)
            }
            #expect(raw.hasPrefix("HTTP/1.0 200"), "\(raw.prefix(40))")
            let kept = try await offPool {
                let c = try RawConnection(port: port)
                c.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                c.readResponse(for: 20)
                return (c.response, c.closedByServer)
            }
            #expect(kept.0.status == 200 && kept.0.headers["connection"] == "keep-alive" && !kept.1)
            for head in ["GET /healthz HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"] {
                let r = try await offPool {
                    let c = try RawConnection(port: port)
                    c.send(head)
                    c.read(for: 20)
                    return (c.response, c.closedByServer)
                }
                #expect(r.0.status == 400 && r.1, "\(head.debugDescription): \(r.0.status)")
                #expect(r.0.headers["x-content-type-options"] == "nosniff" && r.0.headers["content-security-policy"] != nil)
            }
            let garbage = try await offPool {
                let c = try RawConnection(port: port)
                c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
                c.read(for: 20)
                return c.response
            }
            #expect(garbage.status == 400 && garbage.headers["content-security-policy"] != nil && garbage.headers["referrer-policy"] != nil)
        }
    }

    /// Item 15: file names lose bidi overrides and C1 controls like any entrant text.
    @Test func fileNamesFollowTheControlCharacterRule() async throws {
        try await ServerFixture.with { f async throws in
            var body = MultipartBody.validEntry()
            body.file(filename: "in\u{202E}fdp.exe\u{85}x\u{9B}y.pdf", contentType: "application/pdf", MultipartBody.samplePDF("bidi"))
            let r = try await f.post(body)
            #expect(r.status == 201)
            let names = ((r.json?["files"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["design.pdf", "infdp.exexy.pdf"], "\(names)")
        }
    }

    /// Item 9: in a blind contest, a PDF whose metadata names the team, a member or the address
    /// is refused by name and field, in both languages; the form says so beforehand.
    @Test func aBlindContestRefusesAPDFThatNamesItsAuthor() async throws {
        try await ServerFixture.with { f async throws in
            func pdf(author: String) -> Data {
                Data("%PDF-1.4\n1 0 obj << /Title (Plan) /Author (\(author)) /Producer (Writer) >> endobj\ntrailer << /Info 1 0 R >>\n%%EOF\n".utf8)
            }
            var named = MultipartBody()
            for (k, v) in [("title", "T"), ("summary", "S"), ("team_name", "Yamada Design KK"), ("members", "Taro Yamada"),
                           ("contact_email", "taro@yamada.example"), ("country", "JP"), ("agree_terms", "yes")] { named.field(k, v) }
            named.file(filename: "plan.pdf", contentType: "application/pdf", pdf(author: "Taro Yamada, Yamada Design KK"))
            let en = try await f.post(named, headers: ["Accept: application/json", "Accept-Language: en"])
            #expect(en.status == 400 && en.text.contains("plan.pdf") && en.text.contains("Author") && en.text.contains("blind"), "\(en.text)")
            let ja = try await f.post(named, headers: ["Accept: application/json", "Accept-Language: ja"])
            #expect(ja.status == 400 && ja.text.contains("メタデータ"))
            #expect(try await f.store().count() == 0 && f.stagingFiles().isEmpty)
            var hex = named
            hex.data = Data()
            for (k, v) in [("title", "T"), ("summary", "S"), ("team_name", "Team"), ("members", "Hanako Sato"), ("contact_email", "h@example.org"),
                           ("country", "JP"), ("agree_terms", "yes")] { hex.field(k, v) }
            let utf16 = "Hanako Sato".utf16.map { String(format: "%04X", $0) }.joined()
            hex.file(filename: "x.pdf", contentType: "application/pdf", Data("%PDF-1.4\n1 0 obj << /Author <FEFF\(utf16)> >> endobj\n%%EOF\n".utf8))
            #expect(try await f.post(hex).status == 400, "a UTF-16 hex string")
            var fine = MultipartBody.validEntry(pdf: pdf(author: "Someone Else"))
            fine.field("lang", "en")
            #expect(try await f.post(fine).status == 201)
        }
    }

    /// Item 16: the lost-link form answers before it looks for the address's entries, so the
    /// answer takes the same time whatever the address: with the database held by another
    /// writer, it still answers at once.
    @Test func theLostLinkFormAnswersBeforeTheWork() async throws {
        try await ServerFixture.with(configure: { config in
            config.mail = MailSettings(relay: SMTPRelay(url: "smtp://127.0.0.1:9")!, from: MailAddress(parsing: "c <c@example.org>")!, password: nil)
        }) { f async throws in
            _ = try await f.post(.validEntry())
            let store = try f.store()
            let held = Task { try await store.writing { _ in Thread.sleep(forTimeInterval: 6) } }
            try await Task.sleep(for: .milliseconds(200))
            let started = Date()
            let port = f.port
            let body = "email=team%40example.org&lang=en"
            let r = try await offPool {
                try RawHTTP.send(port: port, head: "POST /api/contests/test/recover HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n", body: Data(body.utf8))
            }
            let seconds = Date().timeIntervalSince(started)
            _ = try await held.value
            #expect(r.status == 200 && seconds < 3, "answered in \(seconds) s while the database was busy")
            // The mail is queued once the database is free: one mail, whatever the entries.
            var queued = 0
            for _ in 0..<50 where queued == 0 {
                queued = try await store.outbox().filter { $0.kind == .recover }.count
                if queued == 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(queued == 1)
        }
    }

    /// Item 24: an entry id in a blind contest is looked up by the same single query as an id the
    /// judge was never given, and finds nothing either way.
    @Test func anEntryIDInABlindQueueTakesTheUnknownPath() async throws {
        try await ServerFixture.with { f async throws in
            _ = try await f.post(.validEntry())
            let (service, _) = try await judge(f)
            let store = try f.store()
            #expect(try await store.assignment(judge: "sato", reference: "E-0001") != nil, "sato is assigned E-0001")
            #expect(try await store.assignment(judge: "sato", reference: "E-0001", idStages: service.catalog.namedByID) == nil)
            #expect(try await store.assignment(judge: "sato", reference: "E-0002", idStages: service.catalog.namedByID) == nil)
            await #expect(throws: JudgingError.self) { try await service.entry(judge: "sato", ref: "E-0001") }
        }
    }
}
