import CompeTestSupport
import Crypto
import Foundation
import Synchronization
import Testing

/// `compe backup`, `compe restore` and `compe fsck` with the real binary, while the real server
/// takes entries.
@Suite struct BackupTests {
    /// Entries the server acknowledged (201), with when.
    final class Ledger: Sendable {
        struct Item: Sendable { var id: String; var token: String; var sha256: String; var at: Date }
        private let items = Mutex<[Item]>([])
        var all: [Item] { items.withLock { $0 } }
        func add(_ item: Item) { items.withLock { $0.append(item) } }
    }

    static func submit(port: Int, label: String, ledger: Ledger) {
        let pdf = MultipartBody.samplePDF(label + String(repeating: "b", count: Int.random(in: 0...100_000)))
        let body = MultipartBody.validEntry(title: "backup \(label)", pdf: pdf)
        guard let r = try? RawHTTP.send(port: port, head: body.head("/api/contests/sme-support-ui/entries", extra: ["Accept: application/json"]),
                                        body: body.finished, timeout: 10),
              r.status == 201, let id = r.json?["id"] as? String, let token = r.json?["edit_token"] as? String else { return }
        ledger.add(.init(id: id, token: token, sha256: Hex.sha256(pdf), at: Date()))
    }

    /// Whether the server in `port` has entry `item` with its file.
    static func has(_ item: Ledger.Item, port: Int) throws -> Bool {
        let head = "GET /api/entries/\(item.id)?token=\(item.token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        let r = try RawHTTP.send(port: port, head: head)
        guard r.status == 200 else { return false }
        return ((r.json?["files"] as? [[String: Any]]) ?? []).compactMap { $0["sha256"] as? String } == [item.sha256]
    }

    @Test func backupUnderLoadRestoresEveryAcknowledgedEntry() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["keys", "init"], in: dir).status == 0)
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        let ledger = Ledger()
        for n in 0..<20 { Self.submit(port: server.port, label: "before-\(n)", ledger: ledger) }
        let stop = Mutex(false)
        let clients = (0..<4).map { client in
            Thread {
                var n = 0
                while !stop.withLock({ $0 }) { n += 1; Self.submit(port: server.port, label: "during-\(client)-\(n)", ledger: ledger) }
            }
        }
        clients.forEach { $0.start() }
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        let backup = try CompeBinary.run(["backup", "snapshot.tar"], in: dir)
        stop.withLock { $0 = true }
        try await Task.sleep(for: .milliseconds(500))
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("backed up"))
        let acknowledgedBefore = ledger.all.filter { $0.at < started }
        #expect(ledger.all.count > acknowledgedBefore.count, "no entry arrived during the backup: the test proves nothing")

        // Any tar reads it; it lists the database, the key, the manifest and the uploads.
        let listing = try Shell.output("tar -tf \(dir.path)/snapshot.tar")
        #expect(listing.contains("compe.sqlite") && listing.contains("secret.key") && listing.contains("MANIFEST.sha256"))
        #expect(listing.contains("uploads/") && listing.contains("site.sec"), "the signing key goes with the data")

        // A second backup to the same name is refused, the first untouched.
        let again = try CompeBinary.run(["backup", "snapshot.tar"], in: dir)
        #expect(again.status == 1 && again.stderr.contains("exists"))

        // Restore into a new directory; fsck finds it whole; a server over it has every entry
        // acknowledged before the backup began, and those from during it whole or not at all.
        let restored = try CompeBinary.run(["restore", "snapshot.tar", "--data", "Restored"], in: dir)
        #expect(restored.status == 0, "\(restored.stderr)")
        let fsck = try CompeBinary.run(["fsck", "--data", "Restored"], in: dir)
        #expect(fsck.status == 0, "\(fsck.stdout) \(fsck.stderr)")
        #expect(fsck.stdout.contains("database ok") && fsck.stdout.contains("0 missing, 0 damaged"))
        #expect(FileManager.default.contents(atPath: dir.appendingPathComponent("Restored/site.sec").path)
                == FileManager.default.contents(atPath: dir.appendingPathComponent("Data/site.sec").path), "the signing key is restored")
        server.stop()
        let second = try CompeBinary.startServer(in: dir, extra: ["--data", "Restored"])
        defer { second.stop() }
        for item in acknowledgedBefore {
            #expect(try Self.has(item, port: second.port), "acknowledged entry \(item.id) is not in the backup")
        }
        var during = 0
        for item in ledger.all where item.at >= started {
            // Present with its file, or absent: never an entry without its upload.
            let head = "GET /api/entries/\(item.id)?token=\(item.token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
            let r = try RawHTTP.send(port: second.port, head: head)
            if r.status == 200 { during += 1; #expect(try Self.has(item, port: second.port)) } else { #expect(r.status == 404) }
        }
        print("backup test: \(acknowledgedBefore.count) entries before, \(ledger.all.count - acknowledgedBefore.count) during (\(during) in the backup)")

        // Restore refuses a directory that is not empty.
        let refused = try CompeBinary.run(["restore", "snapshot.tar", "--data", "Restored"], in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("not empty"))
    }

    /// A built copy of the sample whose data directory holds `count` entries taken by the real
    /// server (stopped again).
    static func sampleWithEntries(_ count: Int) throws -> (dir: URL, entries: [Ledger.Item]) {
        let dir = try CompeBinary.sampleCopy()
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let server = try CompeBinary.startServer(in: dir)
        let ledger = Ledger()
        for n in 0..<count { Self.submit(port: server.port, label: "entry-\(n)", ledger: ledger) }
        server.stop()
        try #require(ledger.all.count == count)
        return (dir, ledger.all)
    }

    @Test func restoreRefusesATamperedArchiveAndLeavesNothing() throws {
        let (dir, _) = try Self.sampleWithEntries(3)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["backup", "b.tar"], in: dir).status == 0)
        // Flip one byte inside the first upload's content (after its 512-byte header).
        var archive = try Data(contentsOf: dir.appendingPathComponent("b.tar"))
        let marker = Data("uploads/".utf8)
        let header = try #require(archive.range(of: marker)).lowerBound
        archive[header + 512 + 20] ^= 0xFF
        try archive.write(to: dir.appendingPathComponent("bad.tar"))
        let r = try CompeBinary.run(["restore", "bad.tar", "--data", "Bad"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("does not match its SHA-256") && r.stderr.contains("nothing was restored"), "\(r.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("Bad").path)) ?? []
        #expect(left.isEmpty, "a refused restore left \(left)")
        // The untouched archive restores.
        #expect(try CompeBinary.run(["restore", "b.tar", "--data", "Good"], in: dir).status == 0)
    }

    @Test func fsckFindsDamageAndRepairsLeftovers() throws {
        let (dir, items) = try Self.sampleWithEntries(2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let uploads = dir.appendingPathComponent("Data/uploads")
        func path(_ hash: String) -> URL { uploads.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(hash) }

        var r = try CompeBinary.run(["fsck"], in: dir)
        #expect(r.status == 0 && r.stdout.contains("2 files checked, 0 missing, 0 damaged, 0 left over"), "\(r.stdout)")

        // A left-over upload is reported, and --repair moves it to lost+found/.
        let orphan = Hex.sha256(Data("nobody's".utf8))
        try FileManager.default.createDirectory(at: path(orphan).deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("nobody's".utf8).write(to: path(orphan))
        r = try CompeBinary.run(["fsck"], in: dir)
        #expect(r.status == 0 && r.stdout.contains("1 left over"), "\(r.stdout)")
        r = try CompeBinary.run(["fsck", "--repair"], in: dir)
        #expect(r.status == 0 && r.stdout.contains("moved to lost+found/"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: path(orphan).path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Data/lost+found/\(orphan)").path))

        // A damaged upload and a missing one are damage: exit 1, named.
        let damaged = path(items[0].sha256)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: damaged.path)
        try Data("overwritten".utf8).write(to: damaged)
        try FileManager.default.removeItem(at: path(items[1].sha256))
        r = try CompeBinary.run(["fsck"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("1 missing, 1 damaged"), "\(r.stdout)")
        #expect(r.stdout.contains("damaged: uploads/\(items[0].sha256.prefix(2))/\(items[0].sha256)"))
        #expect(r.stdout.contains("missing: uploads/\(items[1].sha256.prefix(2))/\(items[1].sha256)"))
        // A backup of a damaged store is refused rather than silently incomplete.
        let backup = try CompeBinary.run(["backup", "x.tar"], in: dir)
        #expect(backup.status == 1 && backup.stderr.contains("compe fsck"), "\(backup.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.tar").path))
    }
}

extension Hex {
    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// Lower-case hex, for the tests.
enum Hex {}
