import CompeCore
import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// A judge on their own computer: the real binary as the client, with its own HOME, against a
/// real server (plain HTTP on loopback, and HTTPS through nginx with a throwaway CA).
@Suite struct RemoteJudgingTests {
    /// The sample with three entries in the blind contest, judge sato on its panel with every
    /// entry, and sato's token.
    func prepare(_ dir: URL, server: CompeBinary.Server) throws -> String {
        for i in 0..<3 {
            var body = MultipartBody()
            for (k, v) in [("title", "Remote design \(i)"), ("summary", "An idea \(i)"), ("team_name", "Hidden Team \(i)"), ("members", "Hidden Person \(i)"),
                           ("contact_email", "secret\(i)@team.example"), ("country", "JP"), ("agree_terms", "yes")] { body.field(k, v) }
            body.file(filename: "team-\(i)-design.pdf", contentType: "application/pdf", MultipartBody.samplePDF("remote \(i)"))
            #expect(try RawHTTP.send(port: server.port, head: body.head("/api/contests/sme-support-ui/entries", extra: ["Accept: application/json"]),
                                     body: body.finished).status == 201)
        }
        func compe(_ args: String...) throws -> CompeBinary.Result { try CompeBinary.run(args, in: dir) }
        #expect(try compe("judges", "add", "sato", "--name", "Sato").status == 0)
        #expect(try compe("panel", "add", "sme-support-ui", "sato").status == 0)
        #expect(try compe("assign", "sme-support-ui", "--per-entry", "1").status == 0)
        let token = try compe("judges", "token", "sato", "--expires", "2099-12-31")
        #expect(token.status == 0 && token.stdout.hasPrefix("cjt_") && token.stderr.contains("not shown again"))
        return token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `compe` as the judge: its own HOME and config folder, no access to the server's files.
    struct Judge {
        let home: URL
        func run(_ args: [String], input: String? = nil) throws -> CompeBinary.Result {
            try CompeBinary.run(args, in: home, environment: ["HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent(".config").path,
                                                               "COMPE_JUDGE_TOKEN": ""], input: input)
        }
    }

    @Test func aJudgeScoresFromTheirOwnComputerAndSyncsWhatWasKeptOffline() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        var server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        let token = try prepare(dir, server: server)
        let judge = Judge(home: dir.appendingPathComponent("judge-home"))
        try FileManager.default.createDirectory(at: judge.home, withIntermediateDirectories: true)
        let url = "http://127.0.0.1:\(server.port)"

        #expect(try judge.run(["judge", "login", url], input: "cjt_wrong\n").stderr.contains("refused the token"))
        #expect(try judge.run(["judge", "login", "http://compe.example.org"], input: token + "\n").stderr.contains("plain http"))
        let login = try judge.run(["judge", "login", url], input: token + "\n")
        #expect(login.status == 0 && login.stdout.contains("3 entries in your queue"), "\(login.stderr)")
        let credentials = judge.home.appendingPathComponent(".config/compe/credentials.json")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: credentials.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)

        let queue = try judge.run(["judge", "queue"])
        #expect(queue.status == 0 && queue.stdout.contains("0/3 scored") && queue.stdout.contains("B-"))
        let refs = try (JSONSerialization.jsonObject(with: Data(try judge.run(["judge", "queue", "--json"]).stdout.utf8)) as? [[String: Any]] ?? [])
            .compactMap { $0["ref"] as? String }
        #expect(refs.count == 3)
        let shown = try judge.run(["judge", "show", refs[0]])
        #expect(shown.status == 0 && shown.stdout.contains("RUBRIC") && shown.stdout.contains("file-1.pdf"))
        for secret in ["Hidden", "secret", "team-", "E-000"] { #expect(!shown.stdout.contains(secret), "\(secret) reached the judge") }
        let fetched = try judge.run(["judge", "fetch", refs[0], "--out", "files"])
        #expect(fetched.status == 0 && fetched.stdout.contains("sha256 ok"), "\(fetched.stderr)")
        #expect(FileManager.default.fileExists(atPath: judge.home.appendingPathComponent("files/\(refs[0])/file-1.pdf").path))
        let scored = try judge.run(["judge", "score", refs[0], "--set", "usability=8", "--set", "originality=7", "--set", "feasibility=6"])
        #expect(scored.status == 0 && scored.stdout == "saved\n", "\(scored.stderr)")
        #expect(try judge.run(["judge", "score", refs[1], "--set", "usability=11"]).stderr.contains("outside the scale"))

        // The organiser sees it on the server.
        let results = try CompeBinary.run(["results", "sme-support-ui", "--json"], in: dir)
        #expect(((try JSONSerialization.jsonObject(with: Data(results.stdout.utf8)) as? [String: Any])?["entries"] as? [Any])?.count == 1)

        // The server goes away: the sheet is kept; it comes back: sync sends it once.
        server.stop()
        let offline = try judge.run(["judge", "score", refs[1], "--set", "usability=5", "--set", "originality=5", "--set", "feasibility=5"])
        #expect(offline.status == 0 && offline.stdout.contains("compe judge sync"), "\(offline.stdout) \(offline.stderr)")
        #expect(FileManager.default.fileExists(atPath: judge.home.appendingPathComponent(".config/compe/pending.json").path))
        server = try CompeBinary.startServer(in: dir, port: server.port)
        let sync = try judge.run(["judge", "sync"])
        #expect(sync.status == 0 && sync.stdout.contains("\(refs[1]): stored"), "\(sync.stdout) \(sync.stderr)")
        #expect(try judge.run(["judge", "sync"]).stdout == "nothing to send\n")
        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        let entryID = try #require(try await store.assignment(judge: "sato", reference: refs[1])?.entry.id)
        let audit = try await store.scoreAudit(entryID: entryID)
        #expect(audit.count == 3 && audit.allSatisfy { $0.source == "api" }, "stored \(audit.count) changes")
        let progress = try judge.run(["judge", "progress"])
        #expect(progress.stdout.contains("sme-support-ui\t2/3"))

        // Published: frozen, and the judge is told so.
        for ref in refs.dropFirst(2) {
            #expect(try judge.run(["judge", "score", ref, "--set", "usability=5", "--set", "originality=5", "--set", "feasibility=5"]).status == 0)
        }
        #expect(try CompeBinary.run(["results", "publish", "sme-support-ui", "--force"], in: dir).status == 0)
        let frozen = try judge.run(["judge", "score", refs[0], "--set", "usability=2"])
        #expect(frozen.status == 1 && frozen.stderr.contains("results are published"))
        #expect(try judge.run(["judge", "logout"]).status == 0)
        #expect(try judge.run(["judge", "queue"]).stderr.contains("not logged in"))
    }

    @Test func throughNginxWithTLSAndAPrivateCA() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        let token = try prepare(dir, server: server)
        let ca = try ThrowawayCA(in: dir.appendingPathComponent("tls"))
        let nginx = try Nginx.tlsProxy(to: server.port, ca: ca, in: dir.appendingPathComponent("nginx"))
        defer { nginx.stop() }
        let judge = Judge(home: dir.appendingPathComponent("judge-home"))
        try FileManager.default.createDirectory(at: judge.home, withIntermediateDirectories: true)
        let url = "https://127.0.0.1:\(nginx.port)"
        let untrusted = try judge.run(["judge", "login", url], input: token + "\n")
        #expect(untrusted.status == 1 && untrusted.stderr.contains("TLS"), "\(untrusted.stderr)")
        let login = try judge.run(["judge", "login", url, "--ca-file", ca.caCertificate.path], input: token + "\n")
        #expect(login.status == 0, "\(login.stderr)")
        let ref = try #require((try JSONSerialization.jsonObject(with: Data(try judge.run(["judge", "queue", "--json"]).stdout.utf8)) as? [[String: Any]])?
            .first?["ref"] as? String)
        #expect(try judge.run(["judge", "fetch", ref, "--out", "files"]).stdout.contains("sha256 ok"))
        let scored = try judge.run(["judge", "score", ref, "--set", "usability=9", "--set", "originality=9", "--set", "feasibility=9"])
        #expect(scored.status == 0, "\(scored.stderr)")
        let log = (try? String(contentsOf: nginx.prefix.appendingPathComponent("logs/access.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("PUT /api/judge/entries/\(ref)/score"), "the score did not go through nginx")
        #expect(!log.contains(token))
    }
}
