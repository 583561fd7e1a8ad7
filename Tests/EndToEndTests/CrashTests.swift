import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// `kill -9` of the real server while clients submit: no acknowledged entry is lost and no
/// partial file is visible afterwards. Every test run does 8 clients × 3 cycles;
/// `Scripts/crashtest` runs the long version (COMPE_CRASH_CLIENTS=20, COMPE_CRASH_CYCLES=10).
@Suite struct CrashTests {
    final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(id: String, token: String, sha256: String, leaf: String)] = []
        var entries: [(id: String, token: String, sha256: String, leaf: String)] { lock.withLock { stored } }
        func add(_ e: (String, String, String, String)) { lock.withLock { stored.append(e) } }
    }

    @Test func acknowledgedEntriesSurviveSIGKILL() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let acknowledged = Acknowledged()

        let env = ProcessInfo.processInfo.environment
        let cycles = Int(env["COMPE_CRASH_CYCLES"] ?? "") ?? 3
        let clientCount = Int(env["COMPE_CRASH_CLIENTS"] ?? "") ?? 8
        for cycle in 0..<cycles {
            let server = try CompeBinary.startServer(in: dir)
            let stopped = StopFlag()
            let clients = (0..<clientCount).map { client in
                Thread {
                    var n = 0
                    while !stopped.isSet {
                        n += 1
                        let pdf = MultipartBody.samplePDF("c\(cycle)-\(client)-\(n)" + String(repeating: "z", count: Int.random(in: 0...200_000)))
                        let body = MultipartBody.validEntry(title: "crash \(cycle) \(client) \(n)", pdf: pdf)
                        let path = "/api/contests/sme-support-ui/entries"
                        guard let r = try? RawHTTP.send(port: server.port, head: body.head(path, extra: ["Accept: application/json"]),
                                                        body: body.finished, timeout: 10),
                              r.status == 201, let id = r.json?["id"] as? String, let token = r.json?["edit_token"] as? String,
                              let leaf = (r.json?["log"] as? [String: Any])?["leaf_hash"] as? String else { continue }
                        acknowledged.add((id, token, SHA256.hash(data: pdf).map { String(format: "%02x", $0) }.joined(), leaf))
                    }
                }
            }
            clients.forEach { $0.start() }
            // Kill at a random moment once traffic is flowing (a few entries acknowledged this
            // cycle; slow builds such as ASan's take longer to get there).
            let before = acknowledged.entries.count
            let deadline = Date().addingTimeInterval(30)
            while acknowledged.entries.count < before + 3 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...800)))
            kill(server.process.processIdentifier, SIGKILL)   // in the middle of the clients' traffic
            server.process.waitUntilExit()
            stopped.set()
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(acknowledged.entries.count > 10, "too few entries were acknowledged to prove anything")
        #expect(Set(acknowledged.entries.map(\.id)).count == acknowledged.entries.count, "an entry id was given twice")
        print("crash test: \(cycles) kills, \(clientCount) clients, \(acknowledged.entries.count) acknowledged entries checked")

        // Restart: every acknowledged entry is there with its file; nothing partial is visible.
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        for e in acknowledged.entries {
            let head = "GET /api/entries/\(e.id)?token=\(e.token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
            let r = try RawHTTP.send(port: server.port, head: head)
            #expect(r.status == 200, "acknowledged \(e.id) is missing after kill -9")
            let hashes = ((r.json?["files"] as? [[String: Any]]) ?? []).compactMap { $0["sha256"] as? String }
            #expect(hashes == [e.sha256])
            let leaves = ((r.json?["log"] as? [[String: Any]]) ?? []).compactMap { $0["leaf_hash"] as? String }
            #expect(leaves == [e.leaf], "acknowledged \(e.id) lost its leaf in the entry log")
        }
        // The log and the entries agree: one leaf per stored entry, no gap, every hash its data's.
        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        #expect(try await store.logLeaves(contest: "sme-support-ui").count == (try await store.entries(contest: "sme-support-ui")).count)
        let fsck = try CompeBinary.run(["fsck"], in: dir)
        #expect(fsck.status == 0 && fsck.stdout.contains("rows ok"), "\(fsck.stdout) \(fsck.stderr)")
        let data = dir.appendingPathComponent("Data")
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("tmp").path)) ?? []
        #expect(staging.isEmpty, "temp files left visible after restart: \(staging)")
        let uploads = data.appendingPathComponent("uploads")
        for case let path as String in FileManager.default.enumerator(atPath: uploads.path)! {
            let url = uploads.appendingPathComponent(path)
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let content = try Data(contentsOf: url)
            #expect(SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined() == url.lastPathComponent,
                    "a stored upload does not match its name: \(path)")
        }
        #expect(try await EntryStore(dataDirectory: data).integrityCheck() == "ok")
    }
}
