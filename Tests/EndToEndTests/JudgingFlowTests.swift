import CompeStore
import CompeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The judging commands as a panel uses them, on entries received by the real server.
@Suite struct JudgingFlowTests {
    /// Runs `compe args` with its stdin, stdout and stderr on a pseudo-terminal, typing `input`
    /// line by line as prompts appear; returns everything the terminal showed.
    func runOnPTY(_ args: [String], in dir: URL, answers: [String]) throws -> (Int32, String) {
        // posix_openpt/unlockpt/ptsname by hand (Glibc hides them without _XOPEN_SOURCE):
        // open the multiplexer, unlock the pair (TIOCSPTLCK), ask its number (TIOCGPTN).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else { throw POSIXError(.EIO) }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw POSIXError(.EIO) }
        let process = Process()
        process.executableURL = CompeBinary.url
        process.arguments = args
        process.currentDirectoryURL = dir
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        close(slave)
        var screen = ""
        var pending = answers
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&fds, 1, 200) > 0 {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                screen += String(decoding: buffer[0..<n], as: UTF8.self)
            } else if !process.isRunning {
                break
            }
            // Answer each prompt (a line ending in ": " or "] ") once it is on screen.
            if let next = pending.first, screen.hasSuffix(": ") || screen.hasSuffix("] ") {
                pending.removeFirst()
                _ = (next + "\n").withCString { write(master, $0, strlen($0)) }
                screen += "⏎"
            }
        }
        process.waitUntilExit()
        close(master)
        return (process.terminationStatus, screen)
    }

    @Test func panelScoresBlindlyAndPublishes() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        for i in 0..<4 {
            var body = MultipartBody()
            for (k, v) in [("title", "Design \(i)\u{1B}[2J"), ("summary", "**Bold** idea \(i) <script>alert(1)</script>"),
                           ("team_name", i == 0 ? "Acme Labs" : "Team \(i)"), ("members", "A"),
                           ("contact_email", i == 1 ? "x@uni.example.ac.jp" : "t\(i)@example.org"), ("country", "JP"), ("agree_terms", "yes")] {
                body.field(k, v)
            }
            body.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF("judging \(i)"))
            let r = try RawHTTP.send(port: server.port, head: body.head("/api/contests/sme-support-ui/entries", extra: ["Accept: application/json"]), body: body.finished)
            #expect(r.status == 201)
        }
        server.stop()

        func compe(_ args: String...) throws -> CompeBinary.Result { try CompeBinary.run(args, in: dir) }
        #expect(try compe("judges", "add", "sato", "--name", "Sato", "--email", "sato@uni.example.ac.jp").status == 0)
        #expect(try compe("judges", "add", "lee", "--name", "Lee", "--org", "Acme Labs").status == 0)
        #expect(try compe("judges", "add", "kim", "--name", "Kim").status == 0)
        #expect(try compe("judges", "add", "ono", "--name", "Ono").status == 0)
        // A token that would be dead on arrival is refused, not issued silently.
        let past = try compe("judges", "token", "ono", "--expires", "2020-01-31")
        #expect(past.status == 1 && past.stderr.contains("has already passed") && past.stdout.isEmpty, "\(past.stderr)")
        // Assignment draws from the contest's panel; without one it says how to make it.
        let noPanel = try compe("assign", "sme-support-ui", "--per-entry", "2")
        #expect(noPanel.status == 1 && noPanel.stderr.contains("compe panel add sme-support-ui"))
        #expect(try compe("panel", "add", "sme-support-ui", "sato", "lee", "kim", "ono").status == 0)
        #expect(try compe("assign", "sme-support-ui", "--per-entry", "2", "--seed", "5").status == 0)

        // Inferred conflicts are never assigned: sato/E-0002 (same domain), lee/E-0001 (organisation).
        let satoQueue = try compe("judge", "queue", "--judge", "sato", "--json")
        let queue = try JSONSerialization.jsonObject(with: Data(satoQueue.stdout.utf8)) as! [[String: Any]]
        #expect(!queue.isEmpty)
        #expect(queue.allSatisfy { ($0["ref"] as! String).hasPrefix("B-") })
        #expect(try compe("judge", "show", "E-0002", "--judge", "sato").status == 1)
        let code = queue[0]["ref"] as! String
        let shown = try compe("judge", "show", code, "--judge", "sato")
        #expect(shown.status == 0)
        #expect(!shown.stdout.contains("Acme") && !shown.stdout.contains("Team ") && !shown.stdout.contains("example.org"))
        #expect(!shown.stdout.contains("\u{1B}"), "escape sequences from an entrant reached the terminal")
        #expect(shown.stdout.contains("Bold idea") && !shown.stdout.contains("E-000"))
        #expect(shown.stdout.contains("usability — 使いやすさ, weight 40%, scale 1–10"))

        // Invalid score: one-line reason, exit 1, nothing saved.
        let bad = try compe("judge", "score", code, "--judge", "sato", "--set", "usability=11")
        #expect(bad.status == 1 && bad.stderr == "compe: usability=11 is outside the scale 1–10\n")

        // Interactive scoring on a terminal: a wrong answer is asked again, then a summary and confirmation.
        let (status, screen) = try runOnPTY(["judge", "score", code, "--judge", "sato"], in: dir,
                                            answers: ["12", "8", "7", "6", "Clear flows", "y"])
        #expect(status == 0, "screen: \(screen)")
        #expect(screen.contains("'12' is not a whole number from 1 to 10; try again"))
        #expect(screen.contains("usability = 8") && screen.contains("feasibility = 6") && screen.contains("saved"))

        // Everyone scores everything with flags; then results and publication.
        for judge in ["sato", "lee", "kim", "ono"] {
            let q = try JSONSerialization.jsonObject(with: Data(try compe("judge", "queue", "--judge", judge, "--json").stdout.utf8)) as! [[String: Any]]
            for (n, item) in q.enumerated() {
                let v = 3 + (n + judge.count) % 6
                #expect(try compe("judge", "score", item["ref"] as! String, "--judge", judge, "--set", "usability=\(v)",
                                  "--set", "originality=\(v)", "--set", "feasibility=\(v + 1)").status == 0)
            }
        }
        let progress = try compe("judge", "progress", "sme-support-ui")
        #expect(progress.stdout.contains("all\t8/8"))
        let results = try compe("results", "sme-support-ui", "--json")
        let json = try JSONSerialization.jsonObject(with: Data(results.stdout.utf8)) as! [String: Any]
        #expect((json["entries"] as! [[String: Any]]).count == 4)
        // How the corrected score came about: the model and each judge's offset, in JSON and words.
        let model = try #require(json["model"] as? [String: Any])
        #expect(model["connected"] as? Bool == true && model.keys.contains("variance_ratio"))
        let offsets = try #require(json["offsets"] as? [[String: Any]])
        #expect(Set(offsets.compactMap { $0["judge"] as? String }) == ["sato", "lee", "kim", "ono"])
        #expect(offsets.allSatisfy { $0.keys.contains("standard_error") } && offsets.compactMap { $0["sheets"] as? Int }.reduce(0, +) == 8)
        let explained = try compe("results", "sme-support-ui", "--explain")
        #expect(explained.status == 0)
        #expect(explained.stdout.contains("variance ratio (offsets / noise)") && explained.stdout.contains("s.e."))
        #expect(["sato", "lee", "kim", "ono"].allSatisfy { explained.stdout.contains($0) })
        // A conflict declared after the judge scored, and a judge taken off the panel: their sheets
        // stop counting everywhere (results say how many and why), the audit keeps them.
        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        let kimsEntry = try #require(try await store.assignments(contest: "sme-support-ui", stage: "screening").first { $0.judge == "kim" }?.entry)
        #expect(try compe("conflicts", "add", "kim", kimsEntry.code, "--reason", "declared late").status == 0)
        let removed = try compe("panel", "remove", "sme-support-ui", "ono")
        #expect(removed.status == 0 && removed.stdout.contains("assignment"), "\(removed.stdout)")
        let after = try JSONSerialization.jsonObject(with: Data(try compe("results", "sme-support-ui", "--json").stdout.utf8)) as! [String: Any]
        let excluded = try #require(after["excluded"] as? [[String: Any]])
        #expect(excluded.count == 3, "\(excluded)")   // kim's one sheet, ono's two
        #expect(excluded.contains { $0["judge"] as? String == "kim" && ($0["reason"] as? String)?.contains("declared late") == true })
        #expect(excluded.filter { $0["judge"] as? String == "ono" }.allSatisfy { ($0["reason"] as? String)?.contains("panel") == true })
        #expect(Set((after["offsets"] as? [[String: Any]] ?? []).compactMap { $0["judge"] as? String }) == ["sato", "lee", "kim"])
        let judgesOfKimsEntry = (after["entries"] as? [[String: Any]] ?? []).first { $0["id"] as? String == kimsEntry.code }?["judges"] as? Int
        #expect(judgesOfKimsEntry == 1, "kim's sheet still counts for \(kimsEntry.code)")
        #expect(try compe("results", "sme-support-ui").stdout.contains("3 sheet(s) left out"))
        #expect(try await store.scoreAudit(entryID: kimsEntry.id).contains { $0.judge == "kim" }, "the audit keeps the excluded sheet")
        let stats = try JSONSerialization.jsonObject(with: Data(try compe("stats", "sme-support-ui", "--json").stdout.utf8)) as! [String: Any]
        #expect((stats["judging"] as? [String: Any])?["complete"] as? Int == 5, "statistics count the same sheets as results")

        // Publishing while the contest takes entries is refused; a dry run changes nothing; --force
        // publishes and closes the entry window.
        let early = try compe("results", "publish", "sme-support-ui")
        #expect(early.status == 1 && early.stderr.contains("takes entries until") && early.stderr.contains("--force"), "\(early.stderr)")
        let dry = try compe("results", "publish", "sme-support-ui", "--force", "--dry-run")
        #expect(dry.status == 0 && dry.stdout.contains("dry run") && dry.stdout.contains("4 entrant(s)") && dry.stdout.contains("rank_low"), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("Content/contests/sme-support-ui/results.md").path))
        let queued = try JSONSerialization.jsonObject(with: Data(try compe("mail", "status", "--json").stdout.utf8)) as! [[String: Any]]
        #expect(queued.isEmpty, "a dry run queued mail")
        // On a terminal compe asks first; "n" publishes nothing.
        let (declined, asked) = try runOnPTY(["results", "publish", "sme-support-ui", "--force"], in: dir, answers: ["n"])
        #expect(declined == 1 && asked.contains("Publish? [y/N]") && asked.contains("not published"), "\(asked)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("Content/contests/sme-support-ui/results.md").path))
        let published = try compe("results", "publish", "sme-support-ui", "--force")
        #expect(published.status == 0 && published.stdout.contains("4 entrants will be told") && published.stdout.contains("entries are closed"))
        let reopened = try CompeBinary.startServer(in: dir)
        var late = MultipartBody()
        for (k, v) in [("title", "Late"), ("summary", "s"), ("team_name", "Late team"), ("members", "A"), ("contact_email", "late@example.org"),
                       ("country", "JP"), ("agree_terms", "yes")] { late.field(k, v) }
        late.file(filename: "d.pdf", contentType: "application/pdf", MultipartBody.samplePDF("late"))
        let refused = try RawHTTP.send(port: reopened.port, head: late.head("/api/contests/sme-support-ui/entries", extra: ["Accept: application/json", "Accept-Language: en"]),
                                       body: late.finished)
        reopened.stop()
        #expect(refused.status == 403 && refused.text.contains("results have been published"), "\(refused.status) \(refused.text)")
        // "The results are out" is queued once per active entrant (a server with --smtp sends it).
        let outbox = try JSONSerialization.jsonObject(with: Data(try compe("mail", "status", "--json").stdout.utf8)) as! [[String: Any]]
        #expect(outbox.filter { $0["kind"] as? String == "results" }.count == 4)
        #expect(try compe("judge", "score", code, "--judge", "sato", "--set", "usability=9").status == 1)   // frozen
        #expect(try compe("build").status == 0)
        let page = try String(contentsOf: dir.appendingPathComponent("Public/en/contests/sme-support-ui/results/index.html"), encoding: .utf8)
        #expect(page.contains("<html lang=\"en\">") && page.contains("<svg class=\"chart\""))
        #expect(!page.contains("\u{1B}"))
        let export = try compe("export", "sme-support-ui", "--anonymised", "--csv")
        #expect(export.status == 0 && !export.stdout.contains("Design") && !export.stdout.contains("sato") && !export.stdout.contains("E-000"))
    }
}
