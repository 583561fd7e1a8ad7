import CompeCore
@testable import CompeServer
import CompeServices
@testable import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// The judge API on a real server with a real SQLite file: tokens, the blind rule, scoring.
@Suite struct JudgeAPITests {
    /// Three entries in the blind contest `test`, judges sato and kim on its panel (each
    /// assigned two entries), and a token for each.
    struct Setup {
        var tokens: [String: String] = [:]
        var identities: [String] = []
    }

    func setUp(_ f: ServerFixture) async throws -> Setup {
        var setup = Setup()
        for i in 1...3 {
            var body = MultipartBody()
            for (k, v) in [("title", "Design \(i)"), ("summary", "**idea** \(i)"), ("team_name", "Zebra Team \(i)"), ("members", "Quentin Member\(i)\nRaisa Other\(i)"),
                           ("contact_email", "hidden\(i)@private\(i).example"), ("country", "LI"), ("link", "https://portfolio\(i).example/me"),
                           ("agree_terms", "yes")] { body.field(k, v) }
            body.file(filename: "zebra-portfolio-\(i).pdf", contentType: "application/pdf", MultipartBody.samplePDF("entry \(i)"))
            #expect(try await f.post(body).status == 201)
            setup.identities += ["Zebra Team \(i)", "Quentin Member\(i)", "Raisa Other\(i)", "hidden\(i)", "private\(i).example", "Liechtenstein\(i)",
                                 "portfolio\(i).example", "zebra-portfolio-\(i)", "E-000\(i)"]
        }
        let service = JudgingService(store: try f.store(), catalog: try ContestCatalog.load(root: f.site.content, displayRoot: "Content"))
        for judge in ["sato", "kim"] {
            try await service.addJudge(Judge(handle: judge, name: judge.capitalized, email: nil, organisation: nil))
        }
        try await service.addToPanel(contest: "test", judges: ["sato", "kim"])
        _ = try await service.assign(contest: "test", perEntry: 1, seed: 3)
        for judge in ["sato", "kim"] { setup.tokens[judge] = try await service.issueToken(judge: judge, expires: nil) }
        return setup
    }

    func get(_ f: ServerFixture, _ path: String, token: String?) async throws -> RawHTTP.Response {
        try await f.request("GET", path, headers: ["Accept: application/json"] + (token.map { ["Authorization: Bearer \($0)"] } ?? []))
    }

    func put(_ f: ServerFixture, _ path: String, token: String, json: String) async throws -> RawHTTP.Response {
        let port = f.port
        let head = "PUT \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
        return try await offPool { try RawHTTP.send(port: port, head: head, body: Data(json.utf8)) }
    }

    func queue(_ f: ServerFixture, _ token: String) async throws -> [[String: Any]] {
        let r = try await get(f, "/api/judge/queue", token: token)
        return (try JSONSerialization.jsonObject(with: r.body) as? [[String: Any]]) ?? []
    }

    @Test func everyTokenFailureGetsTheSameAnswer() async throws {
        try await ServerFixture.with { f async throws in
            let setup = try await setUp(f)
            let service = JudgingService(store: try f.store(), catalog: try ContestCatalog.load(root: f.site.content, displayRoot: "Content"))
            let expired = try await service.issueToken(judge: "kim", expires: Date().addingTimeInterval(-60), now: Date().addingTimeInterval(-120))
            let revoked = try #require(setup.tokens["sato"])
            #expect(try await get(f, "/api/judge/queue", token: revoked).status == 200)
            #expect(try await service.revokeToken(judge: "sato"))
            var answers: [String] = []
            for token in [nil, "wrong", "cjt_" + String(repeating: "A", count: 43), expired, revoked] {
                let r = try await get(f, "/api/judge/queue", token: token)
                #expect(r.status == 401)
                answers.append("\(r.status) \(r.headers["www-authenticate"] ?? "") \(r.text)")
            }
            #expect(Set(answers).count == 1, "401 answers differ: \(answers)")
            // A new token replaces the old one at once.
            let fresh = try await service.issueToken(judge: "kim", expires: nil)
            #expect(try await get(f, "/api/judge/queue", token: setup.tokens["kim"]).status == 401)
            #expect(try await get(f, "/api/judge/queue", token: fresh).status == 200)
            #expect(!f.logs.all.contains { $0.contains(fresh) || $0.contains(revoked) }, "a token reached the log")
        }
    }

    @Test func aBlindEntryNeverShowsWhoSentIt() async throws {
        try await ServerFixture.with { f async throws in
            let setup = try await setUp(f)
            let token = try #require(setup.tokens["sato"])
            let items = try await queue(f, token)
            #expect(!items.isEmpty && items.allSatisfy { ($0["ref"] as? String)?.hasPrefix("B-") == true && $0["revision"] as? Int == 0 })
            var received = Data()
            for item in items {
                let ref = try #require(item["ref"] as? String)
                let entry = try await get(f, "/api/judge/entries/\(ref)", token: token)
                #expect(entry.status == 200)
                received += entry.body + Data(entry.headers.description.utf8)
                let json = try #require(try JSONSerialization.jsonObject(with: entry.body) as? [String: Any])
                #expect(json["team"] == nil && json["members"] == nil && json["country"] == nil && json["link"] == nil)
                let files = try #require(json["files"] as? [[String: Any]])
                #expect(files.map { $0["name"] as? String } == ["file-1.pdf"])
                let file = try await get(f, "/api/judge/entries/\(ref)/files/1", token: token)
                #expect(file.status == 200 && file.headers["x-content-type-options"] == "nosniff")
                #expect(file.headers["content-disposition"]?.hasPrefix("attachment; filename=\"file-1.pdf\"") == true)
                #expect(Data(SHA256.hash(data: file.body)).map { String(format: "%02x", $0) }.joined() == files[0]["sha256"] as? String)
                received += Data(file.headers.description.utf8)
                // Errors about this entry say nothing more either.
                received += try await get(f, "/api/judge/entries/\(ref)/files/9", token: token).body
                received += try await put(f, "/api/judge/entries/\(ref)/score", token: token, json: #"{"values":{"usability":99}}"#).body
            }
            received += Data(items.description.utf8)
            let text = String(decoding: received, as: UTF8.self)
            for identity in setup.identities { #expect(!text.contains(identity), "\(identity) reached the judge") }
        }
    }

    @Test func refsOutsideTheQueueAreNotFound() async throws {
        try await ServerFixture.with { f async throws in
            let setup = try await setUp(f)
            let sato = try #require(setup.tokens["sato"]), kim = try #require(setup.tokens["kim"])
            let kimsCode = try #require(try await queue(f, kim).first?["ref"] as? String)
            let unknown = try await get(f, "/api/judge/entries/B-ZZZZZZ", token: sato)
            for path in ["/api/judge/entries/\(kimsCode)", "/api/judge/entries/E-0001", "/api/judge/entries/E-0002", "/api/judge/entries/E-0003",
                         "/api/judge/entries/\(kimsCode)/files/1"] {
                let r = try await get(f, path, token: sato)
                #expect(r.status == 404 && r.text == unknown.text, "\(path): \(r.status) \(r.text)")
            }
        }
    }

    @Test func scoresHaveRevisionsKeysAndAnAuditSource() async throws {
        try await ServerFixture.with { f async throws in
            let setup = try await setUp(f)
            let token = try #require(setup.tokens["sato"])
            let ref = try #require(try await queue(f, token).first?["ref"] as? String)
            let path = "/api/judge/entries/\(ref)/score"
            let bad = try await put(f, path, token: token, json: #"{"values":{"usability":11,"nope":3,"originality":0},"revision":0}"#)
            #expect(bad.status == 400)
            #expect(((bad.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } == ["values.nope", "values.originality", "values.usability"])
            let first = try await put(f, path, token: token, json: #"{"values":{"usability":7,"originality":6},"comment":"good","revision":0,"idempotency_key":"k1"}"#)
            #expect(first.status == 200 && first.json?["revision"] as? Int == 1)
            // The same request again (a retry): the same answer, applied once.
            let retry = try await put(f, path, token: token, json: #"{"values":{"usability":7,"originality":6},"comment":"good","revision":0,"idempotency_key":"k1"}"#)
            #expect(retry.status == 200 && retry.json?["revision"] as? Int == 1)
            // A second device still at revision 0: told, not overwritten.
            let stale = try await put(f, path, token: token, json: #"{"values":{"usability":2},"revision":0}"#)
            #expect(stale.status == 409 && stale.json?["revision"] as? Int == 1)
            let entryID = try #require(try await f.store().assignment(judge: "sato", reference: ref)?.entry.id)
            let audit = try await f.store().scoreAudit(entryID: entryID)
            #expect(audit.count == 3 && audit.allSatisfy { $0.source == "api" }, "\(audit)")
            try await f.store().markPublished(contest: "test", stage: Stage.firstID)
            let frozen = try await put(f, path, token: token, json: #"{"values":{"usability":8},"revision":1}"#)
            #expect(frozen.status == 423)
        }
    }

    @Test func repeatedFailuresFromOneAddressGet429() async throws {
        try await ServerFixture.with { f async throws in
            let setup = try await setUp(f)
            var statuses: [Int] = []
            for i in 0..<50 { statuses.append(try await get(f, "/api/judge/queue", token: "cjt_guess\(i)").status) }
            #expect(statuses.prefix(10).allSatisfy { $0 == 401 } && statuses.suffix(30).allSatisfy { $0 == 429 }, "\(statuses)")
            let blocked = try await get(f, "/api/judge/queue", token: setup.tokens["sato"])
            #expect(blocked.status == 429 && Int(blocked.headers["retry-after"] ?? "") ?? 0 > 0)
            #expect(f.logs.contains("repeated failed judge authentication"))
        }
    }
}
