import CompeStore
import Crypto
import CompeTestSupport
import Foundation
import Testing

/// A contest in two stages, run with the real binary and server: 12 entries, three judges
/// screening them blind through the judge API, a shortlist of 4 with a tie at the cut reported
/// and settled, the shortlist published (one mail per entry), a different open panel judging the
/// finalists only, final results published.
@Suite struct StagesFlowTests {
    static let brief = """
        ---
        title: 二段階コンペ
        opens: 2026-11-01T09:00:00+09:00
        closes: 2027-11-30T17:00:00+09:00
        criteria:
          - {id: quality, name: 完成度, weight: 100, scale: [1, 10], rubric: "r"}
        judging: {judges_per_entry: 3, blind: true}
        advance: 4
        stages:
          - id: final
            name: 最終審査
            closes: 2027-12-20T17:00:00+09:00
            submission: {uploads: {max_files: 2, max_file_mb: 10, types: [pdf, mp4]}, fields: [{id: demo_url, label: デモURL}]}
            criteria:
              - {id: pitch, name: 発表, weight: 100, scale: [1, 10], rubric: "p"}
            judging: {judges_per_entry: 2, blind: false}
        ---
        二段階で審査します。

        """

    /// Screening score of entry `n` (1–12): entries 4 and 5 tie for the fourth place.
    static func screeningScore(_ n: Int) -> Int { [10, 9, 8, 7, 7, 6, 5, 4, 3, 2, 1, 1][n - 1] }

    func request(_ port: Int, _ method: String, _ path: String, token: String, json: String? = nil) throws -> (status: Int, json: Any?) {
        let body = Data((json ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\nAccept: application/json\r\n"
        if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let r = try RawHTTP.send(port: port, head: head + "\r\n", body: body)
        return (r.status, try? JSONSerialization.jsonObject(with: Data(r.text.utf8)))
    }

    @Test func aContestRunsInTwoStages() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        func compe(_ args: String...) throws -> CompeBinary.Result { try CompeBinary.run(args, in: dir) }
        let folder = dir.appendingPathComponent("Content/contests/two-stage")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.brief.write(to: folder.appendingPathComponent("brief.md"), atomically: true, encoding: .utf8)
        #expect(try compe("build").status == 0)

        var server = try CompeBinary.startServer(in: dir)
        var editTokens: [String: String] = [:]
        for i in 1...12 {
            var body = MultipartBody()
            for (k, v) in [("title", "Design \(i)"), ("summary", "idea \(i)"), ("team_name", "Team \(i)"), ("members", "A"),
                           ("contact_email", "t\(i)@example.org"), ("country", "JP"), ("agree_terms", "yes")] {
                body.field(k, v)
            }
            body.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF("stage \(i)"))
            let r = try RawHTTP.send(port: server.port, head: body.head("/api/contests/two-stage/entries", extra: ["Accept: application/json"]),
                                     body: body.finished)
            #expect(r.status == 201)
            let receipt = try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any]
            editTokens[receipt?["id"] as? String ?? ""] = receipt?["edit_token"] as? String
        }
        server.stop()

        for handle in ["sato", "lee", "kim", "ono", "mori"] { #expect(try compe("judges", "add", handle, "--name", handle).status == 0) }
        #expect(try compe("panel", "add", "two-stage", "sato", "lee", "kim").status == 0)
        #expect(try compe("panel", "add", "two-stage", "--stage", "final", "ono", "mori").status == 0)
        let unknown = try compe("panel", "add", "two-stage", "--stage", "semifinal", "ono")
        #expect(unknown.status != 0 && unknown.stderr.contains("no stage 'semifinal' (stages: screening, final)"), "\(unknown.stderr)")
        let early = try compe("assign", "two-stage", "--stage", "final")
        #expect(early.status != 0 && early.stderr.contains("publish the shortlist of 'screening' first"), "\(early.stderr)")
        let assigned = try compe("assign", "two-stage")
        #expect(assigned.status == 0 && assigned.stdout.contains("36 new assignments"), "\(assigned.stdout)\(assigned.stderr)")
        var tokens: [String: String] = [:]
        for handle in ["sato", "lee", "kim", "ono", "mori"] {
            tokens[handle] = try compe("judges", "token", handle).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        // Screening through the judge API: blind codes, the stage named, its criteria.
        server = try CompeBinary.startServer(in: dir)
        for handle in ["sato", "lee", "kim"] {
            let queue = try request(server.port, "GET", "/api/judge/queue", token: tokens[handle]!)
            let items = try #require(queue.json as? [[String: Any]])
            #expect(items.count == 12 && items.allSatisfy { $0["stage"] as? String == "screening" && ($0["ref"] as? String)?.hasPrefix("B-") == true })
            for item in items {
                let ref = try #require(item["ref"] as? String)
                let entry = try request(server.port, "GET", "/api/judge/entries/\(ref)", token: tokens[handle]!)
                let view = try #require(entry.json as? [String: Any])
                #expect(view["team"] == nil && view["stage"] as? String == "screening")
                #expect((view["criteria"] as? [[String: Any]])?.map { $0["id"] as? String } == ["quality"])
                let n = Int((view["title"] as? String ?? "").split(separator: " ").last ?? "") ?? 0
                let saved = try request(server.port, "PUT", "/api/judge/entries/\(ref)/score", token: tokens[handle]!,
                                        json: #"{"values":{"quality":\#(Self.screeningScore(n))}}"#)
                #expect(saved.status == 200)
            }
        }
        server.stop()

        let results = try JSONSerialization.jsonObject(with: Data(try compe("results", "two-stage", "--json").stdout.utf8)) as? [String: Any]
        #expect(results?["stage"] as? String == "screening")
        // The cut at 4 falls inside a tie: both are listed and named, never one dropped silently.
        let proposal = try compe("shortlist", "two-stage")
        #expect(proposal.status == 0 && proposal.stdout.contains("tie at the cut: E-0004, E-0005"), "\(proposal.stdout)\(proposal.stderr)")
        let file = folder.appendingPathComponent("shortlist.md")
        #expect(try String(contentsOf: file, encoding: .utf8).contains("tied_at_cut: [\"E-0004\", \"E-0005\"]"))
        let tied = try compe("shortlist", "publish", "two-stage", "--force", "--yes")
        #expect(tied.status != 0 && tied.stderr.contains("lists 5 entries for 4 places"), "\(tied.stderr)")
        #expect(try compe("shortlist", "two-stage", "--entries", "E-0001,E-0002,E-0003,E-0005").status == 0)
        let notYet = try compe("shortlist", "publish", "two-stage", "--yes")
        #expect(notYet.status != 0 && notYet.stderr.contains("takes submissions until"), "\(notYet.stderr)")
        let published = try compe("shortlist", "publish", "two-stage", "--force", "--yes")
        #expect(published.status == 0 && published.stdout.contains("4 finalists go on to 'final'; 12 mails queued"), "\(published.stdout)\(published.stderr)")
        #expect(try compe("shortlist", "publish", "two-stage", "--force", "--yes").status != 0, "a stage is published once")

        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        let mail = try await store.outbox()
        #expect(mail.filter { $0.kind == .shortlisted }.map(\.entryID).sorted() == [1, 2, 3, 5])
        #expect(mail.filter { $0.kind == .notShortlisted }.count == 8)
        await store.database.close()

        // The site: the shortlist (finalists only, both languages) and the timeline.
        #expect(try compe("build").status == 0)
        let page = try String(contentsOf: dir.appendingPathComponent("Public/contests/two-stage/shortlist/index.html"), encoding: .utf8)
        #expect(page.contains("Design 5") && page.contains("Team 5") && !page.contains("Design 4") && !page.contains("Team 12"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Public/en/contests/two-stage/shortlist/index.html").path))
        let contestPage = try String(contentsOf: dir.appendingPathComponent("Public/contests/two-stage/index.html"), encoding: .utf8)
        #expect(contestPage.contains("class=\"timeline\"") && contestPage.contains("aria-current=\"step\"><strong>最終審査</strong>"))

        // Second submissions, with each finalist's edit token; nothing of the entry changes. The
        // server mails (to a relay that is not there: receipts wait in the outbox).
        server = try CompeBinary.startServer(in: dir, extra: ["--smtp", "smtp://127.0.0.1:9", "--smtp-insecure", "--mail-from", "Contests <noreply@example.org>"])
        func second(_ code: String, demo: String? = "https://demo.example/\(UUID().uuidString)", file: Bool = true,
                    path: String? = nil) throws -> RawHTTP.Response {
            var body = MultipartBody()
            if let demo { body.field("demo_url", demo) }
            if file { body.file(filename: "deck.pdf", contentType: "application/pdf", MultipartBody.samplePDF("final \(code)")) }
            let target = path ?? "/api/contests/two-stage/entries/\(code)/stages/final"
            return try RawHTTP.send(port: server.port, head: body.head(target, extra: ["Accept: application/json", "Authorization: Bearer \(editTokens[code]!)"]),
                                    body: body.finished)
        }
        let finalistPage = try RawHTTP.send(port: server.port, head: "GET /api/entries/E-0001 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(editTokens["E-0001"]!)\r\n\r\n")
        #expect(finalistPage.status == 200 && finalistPage.text.contains("id=\"stage-form\"") && finalistPage.text.contains("デモURL"))
        let otherPage = try RawHTTP.send(port: server.port, head: "GET /api/entries/E-0004 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(editTokens["E-0004"]!)\r\n\r\n")
        #expect(otherPage.status == 200 && !otherPage.text.contains("stage-form"))
        let missing = try second("E-0001", demo: nil)
        #expect(missing.status == 400 && missing.text.contains("demo_url"), "\(missing.status) \(missing.text)")
        #expect(try second("E-0001", demo: "javascript:alert(1)").status == 400)
        for code in ["E-0001", "E-0002", "E-0003"] {
            let r = try second(code, path: code == "E-0002" ? "/api/entries/E-0002/stages/final" : nil)
            #expect(r.status == 201, "\(r.status) \(r.text)")
            let receipt = try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any]
            #expect(receipt?["stage"] as? String == "final" && (receipt?["files"] as? [[String: Any]])?.first?["sha256"] as? String != nil)
        }
        // A finalist's video by tus: the upload says it is for 'final' (which takes mp4; the first
        // stage is closed); it is created with its bytes and named by a second submission.
        let uploadKey = "Compe-Upload-Key: finalist-upload-key-01"
        let video = Data([0, 0, 0, 0x18] + Array("ftypmp42".utf8)) + Data(repeating: 7, count: 4096)
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        func create(_ meta: String, body: Data = Data()) throws -> RawHTTP.Response {
            let type = body.isEmpty ? "" : "Content-Type: application/offset+octet-stream\r\n"
            return try RawHTTP.send(port: server.port, head: "POST /api/uploads/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTus-Resumable: 1.0.0\r\n"
                                    + "\(uploadKey)\r\nUpload-Length: \(video.count)\r\nUpload-Metadata: \(meta)\r\n\(type)Content-Length: \(body.count)\r\n\r\n", body: body)
        }
        let meta = "contest \(b64("two-stage")),filename \(b64("demo.mp4")),filetype \(b64("video/mp4"))"
        #expect(try create(meta).status == 403, "the first stage takes nothing once its shortlist is out")
        let created = try create(meta + ",stage \(b64("final"))", body: video)
        #expect(created.status == 201 && created.headers["upload-offset"] == String(video.count), "\(created.status) \(created.text)")
        var named = MultipartBody()
        named.field("demo_url", "https://demo.example/video")
        named.field("upload", String(created.headers["location"]?.split(separator: "/").last ?? ""))
        let withVideo = try RawHTTP.send(port: server.port, head: named.head("/api/contests/two-stage/entries/E-0001/stages/final",
                                                                               extra: ["Accept: application/json", "Authorization: Bearer \(editTokens["E-0001"]!)", uploadKey]),
                                         body: named.finished)
        #expect(withVideo.status == 201 && withVideo.text.contains(SHA256.hash(data: video).map { String(format: "%02x", $0) }.joined()), "\(withVideo.status) \(withVideo.text)")
        let outsider = try second("E-0004")
        #expect(outsider.status == 403 && outsider.text.contains("\"error\":\"not_shortlisted\""), "\(outsider.text)")
        let entryView = try RawHTTP.send(port: server.port, head: "GET /api/entries/E-0001 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\nAuthorization: Bearer \(editTokens["E-0001"]!)\r\n\r\n")
        let files = (try JSONSerialization.jsonObject(with: Data(entryView.text.utf8)) as? [String: Any])?["files"] as? [[String: Any]]
        #expect(files?.map { $0["name"] as? String } == ["d.pdf"], "the entry's own files stay as they were")
        // A finalist withdrawing after the shortlist leaves the contest.
        let withdrawn = try RawHTTP.send(port: server.port, head: "DELETE /api/entries/E-0003 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\nAuthorization: Bearer \(editTokens["E-0003"]!)\r\n\r\n")
        #expect(withdrawn.status == 200 && withdrawn.text.contains("withdrawn_at"), "\(withdrawn.status) \(withdrawn.text)")
        server.stop()
        // After the stage's deadline (the brief moved to the past), a finalist is refused too.
        try Self.brief.replacingOccurrences(of: "closes: 2027-11-30T17:00:00+09:00", with: "closes: 2026-11-20T17:00:00+09:00")
            .replacingOccurrences(of: "closes: 2027-12-20T17:00:00+09:00", with: "closes: 2026-11-25T17:00:00+09:00")
            .write(to: folder.appendingPathComponent("brief.md"), atomically: true, encoding: .utf8)
        server = try CompeBinary.startServer(in: dir)
        let late = try second("E-0005")
        #expect(late.status == 403 && late.text.contains("\"error\":\"stage_closed\""), "\(late.text)")
        server.stop()
        let mailStore = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        #expect(try await mailStore.outbox().filter { $0.kind == .stageReceipt }.map(\.entryID).sorted() == [1, 1, 2, 3], "E-0001 sent twice")
        await mailStore.database.close()

        // The final: another panel, open, the finalists still in the contest only.
        let finalAssign = try compe("assign", "two-stage")
        #expect(finalAssign.status == 0 && finalAssign.stdout.contains("6 new assignments"), "\(finalAssign.stdout)\(finalAssign.stderr)")
        server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        let frozen = try request(server.port, "GET", "/api/judge/queue", token: tokens["sato"]!)
        let satoRef = try #require((frozen.json as? [[String: Any]])?.first?["ref"] as? String)
        #expect(try request(server.port, "PUT", "/api/judge/entries/\(satoRef)/score", token: tokens["sato"]!, json: #"{"values":{"quality":1}}"#).status == 423)
        for (handle, bonus) in [("ono", 0), ("mori", 1)] {
            let items = try #require(try request(server.port, "GET", "/api/judge/queue", token: tokens[handle]!).json as? [[String: Any]])
            #expect(Set(items.compactMap { $0["ref"] as? String }) == ["E-0001", "E-0002", "E-0005"])
            #expect(items.allSatisfy { $0["stage"] as? String == "final" })
            let view = try #require(try request(server.port, "GET", "/api/judge/entries/E-0005", token: tokens[handle]!).json as? [String: Any])
            #expect(view["team"] as? String == "Team 5", "the final is not blind")
            for (i, ref) in ["E-0005", "E-0001", "E-0002"].enumerated() {
                let saved = try request(server.port, "PUT", "/api/judge/entries/\(ref)/score", token: tokens[handle]!,
                                        json: #"{"values":{"pitch":\#(9 - i - bonus)}}"#)
                #expect(saved.status == 200)
            }
        }
        server.stop()
        let final = try JSONSerialization.jsonObject(with: Data(try compe("results", "two-stage", "--json").stdout.utf8)) as? [String: Any]
        #expect(final?["stage"] as? String == "final")
        #expect((final?["entries"] as? [[String: Any]])?.first?["id"] as? String == "E-0005")
        let publish = try compe("results", "publish", "two-stage", "--yes")
        #expect(publish.status == 0, "\(publish.stderr)")
        let resultsFile = try String(contentsOf: folder.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(resultsFile.contains("E-0005") && !resultsFile.contains("E-0004"))
        // The results name the stages with their deadlines and how many entries each judged.
        #expect(resultsFile.contains("{id: screening, closes: \"2026-11-20T08:00:00Z\", entries: 11}"), "\(resultsFile)")
        #expect(resultsFile.contains("{id: final, closes: \"2026-11-25T08:00:00Z\", entries: 3}"))
        #expect(try compe("build").status == 0)
        let resultsPage = try String(contentsOf: dir.appendingPathComponent("Public/en/contests/two-stage/results/index.html"), encoding: .utf8)
        #expect(resultsPage.contains("<table class=\"stages\">") && resultsPage.contains("<td>11</td>") && resultsPage.contains("<td>3</td>"))
        // The open-data package and the statistics carry the stages.
        let package = dir.appendingPathComponent("package")
        #expect(try compe("export", "two-stage", "--package", package.path).status == 0)
        let entriesCSV = try String(contentsOf: package.appendingPathComponent("entries.csv"), encoding: .utf8)
        #expect(entriesCSV.hasPrefix("entry,country,team_size,files,bytes,received_day,stage_reached\r\n"))
        #expect(entriesCSV.components(separatedBy: ",final\r\n").count - 1 == 3, "\(entriesCSV)")
        let scoresCSV = try String(contentsOf: package.appendingPathComponent("scores.csv"), encoding: .utf8)
        #expect(scoresCSV.hasPrefix("entry,judge,stage,criterion,value\r\n") && scoresCSV.contains(",final,pitch,") && scoresCSV.contains(",screening,quality,"))
        let stats = try JSONSerialization.jsonObject(with: Data(try compe("stats", "two-stage", "--json").stdout.utf8)) as? [String: Any]
        #expect((stats?["funnel"] as? [[String: Any]])?.compactMap { $0["entries"] as? Int } == [11, 3])
    }
}
