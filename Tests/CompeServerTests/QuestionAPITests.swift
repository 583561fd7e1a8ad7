import CompeCore
import CompeServer
import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// `POST /api/contests/{slug}/questions` on a real server: a question is kept privately and
/// answered with the promise that the answer is public and anonymous; the entry form's checks
/// apply (origin, honeypot, characters, length, address, unknown fields, no files); after the
/// question period, or with `questions: false`, 403 in the request's language.
@Suite struct QuestionAPITests {
    static func form(_ fields: [(String, String)]) -> MultipartBody {
        var body = MultipartBody.validEntry()
        body.data = Data()
        for (k, v) in fields { body.field(k, v) }
        return body
    }

    static let path = "/api/contests/test/questions"

    @Test func aQuestionIsKeptPrivatelyAndAnsweredWithThePromise() async throws {
        try await ServerFixture.with { f in
            let asked = try await f.post(Self.form([("question", "May a team of four enter?\r\nWe are four."), ("language", "en"),
                                                    ("email", "asker@example.org"), ("lang", "en")]), path: Self.path)
            #expect(asked.status == 201 && asked.json?["id"] as? String == "Q-001", "\(asked.status) \(asked.text)")
            #expect((asked.json?["message"] as? String)?.contains("without your name or address") == true)
            let page = try await f.post(Self.form([("question", "Figma のリンクで提出できますか?"), ("language", "ja")]), path: Self.path, headers: [])
            #expect(page.status == 201 && page.text.contains("質問を受け付けました") && page.text.contains("名前やメールアドレスを伏せて"))
            let body = Data(#"{"question": "Is a PDF enough?", "language": "en"}"#.utf8), port = f.port
            let json = try await offPool {
                try RawHTTP.send(port: port, head: "POST \(Self.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
                                 + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n", body: body)
            }
            #expect(json.status == 201 && json.json?["id"] as? String == "Q-003", "\(json.status) \(json.text)")

            let stored = try await f.store().questions(contest: "test")
            #expect(stored.map(\.text) == ["May a team of four enter?\nWe are four.", "Figma のリンクで提出できますか?", "Is a PDF enough?"])
            #expect(stored.map(\.hasEmail) == [true, false, false])

            let bot = try await f.post(Self.form([("question", "spam"), ("language", "en"), ("website", "http://spam.example")]), path: Self.path)
            #expect(bot.status == 201)
            #expect(try await f.store().questions(contest: "test").count == 3, "the honeypot keeps nothing")

            let bad = try await f.post(Self.form([("question", String(repeating: "あ", count: 2001)), ("language", "fr"), ("email", "not-an-address"),
                                                  ("color", "red")]), path: Self.path)
            let fields = Set(((bad.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(bad.status == 400 && fields == ["question", "language", "email", "color"], "\(bad.text)")
            let noncharacter = try await f.post(Self.form([("question", "a\u{FFFE}b"), ("language", "en")]), path: Self.path)
            #expect(noncharacter.status == 400)
            var withFile = Self.form([("question", "q"), ("language", "en")])
            withFile.file(filename: "a.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
            let filed = try await f.post(withFile, path: Self.path)
            #expect(filed.status == 400 && filed.text.contains("ファイルを送れません"), "a question carries no file: \(filed.text)")
            let foreign = try await f.post(Self.form([("question", "q"), ("language", "en")]), path: Self.path,
                                           headers: ["Accept: application/json", "Origin: https://evil.example"])
            #expect(foreign.status == 403)
            #expect(try await f.store().questions(contest: "test").count == 3)

            // The period ends a week before the deadline (2027-02-03 17:00 in Tokyo).
            f.now.withLock { $0 = DateParsing.dateTime("2027-02-03T17:00:00+09:00")! }
            let late = try await f.post(Self.form([("question", "q"), ("language", "en"), ("lang", "en")]), path: Self.path)
            #expect(late.status == 403 && late.text.contains("Questions are closed"), "\(late.text)")
            let lateJa = try await f.post(Self.form([("question", "q"), ("language", "ja"), ("lang", "ja")]), path: Self.path)
            #expect(lateJa.status == 403 && lateJa.text.contains("質問の受付は終了しました"))
        }
    }

    @Test func aContestWithoutQuestionsRefusesThem() async throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", TestSite.brief.replacingOccurrences(of: "---\n## ルール", with: "questions: false\n---\n## ルール"))
        try await ServerFixture.with(site: site) { f in
            let refused = try await f.post(Self.form([("question", "q"), ("language", "en"), ("lang", "en")]), path: Self.path)
            #expect(refused.status == 403 && refused.text.contains("takes no questions"))
        }
    }
}
