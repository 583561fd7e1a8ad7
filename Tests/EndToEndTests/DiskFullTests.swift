import CompeTestSupport
import Foundation
import Testing

/// A small file system of its own for a data directory: a tmpfs, or where tmpfs cannot be
/// mounted a loop-mounted ext4 file. Both need root (Scripts/test runs as root in CI).
enum SmallDisk {
    /// Whether this machine lets the tests mount one (tried once).
    static let possible: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("compe-mount-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? mount(at: probe, megabytes: 1)) != nil else { return false }
        unmount(probe)
        return true
    }()

    /// Mounts a file system of `megabytes` MiB at `folder` (created).
    static func mount(at folder: URL, megabytes: Int) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if (try? Shell.run("mount -t tmpfs -o size=\(megabytes)m,mode=0700 compe-test \(folder.path)")) != nil { return }
        let image = folder.path + ".img"
        try Shell.run("truncate -s \(max(megabytes, 8))M \(image) && mkfs.ext4 -q -m 0 \(image) && mount -o loop \(image) \(folder.path)")
    }

    /// Unmounts `folder` (and removes a loop file beside it).
    static func unmount(_ folder: URL) {
        try? Shell.run("umount \(folder.path)")
        try? FileManager.default.removeItem(atPath: folder.path + ".img")
    }

    /// Bytes free at `folder`.
    static func free(_ folder: URL) -> Int64 {
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return 0 }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Writes a filler file that leaves about `leave` bytes free at `folder`.
    static func fill(_ folder: URL, leaving leave: Int64) throws -> URL {
        let filler = folder.appendingPathComponent("filler")
        let size = max(0, free(folder) - leave)
        FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        let block = Data(repeating: 0x55, count: 1 << 20)
        var written: Int64 = 0
        while written < size {
            let piece = block.prefix(Int(min(Int64(block.count), size - written)))
            try handle.write(contentsOf: piece)
            written += Int64(piece.count)
        }
        try handle.close()
        return filler
    }
}

/// The data disk filling up under the real server: uploads wait (503) under the floor, a write
/// that hits ENOSPC is answered 507 with nothing stored, and both recover once space returns.
@Suite(.serialized) struct DiskFullTests {
    @Test(.enabled(if: SmallDisk.possible, "mounting a tmpfs or loop file system needs root; run Scripts/test as root (CI does)"))
    func aFullDiskIsAnsweredHonestlyAndRecovers() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let data = dir.appendingPathComponent("Data")
        try SmallDisk.mount(at: data, megabytes: 16)
        defer { SmallDisk.unmount(data) }
        let log = dir.appendingPathComponent("server.log")
        let server = try CompeBinary.startServer(in: dir, extra: ["--min-free-mb", "2"], log: log)
        defer { server.stop() }
        let path = "/api/contests/sme-support-ui/entries"
        func post(_ pdf: Data, language: String = "en") throws -> RawHTTP.Response {
            let body = MultipartBody.validEntry(title: "disk \(UUID().uuidString.prefix(6))", pdf: pdf)
            return try RawHTTP.send(port: server.port, head: body.head(path, extra: ["Accept: application/json", "Accept-Language: \(language)"]),
                                    body: body.finished, timeout: 20)
        }
        func health() throws -> RawHTTP.Response {
            try RawHTTP.send(port: server.port, head: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        }
        func entries() throws -> Int {
            let r = try CompeBinary.run(["entries", "list", "sme-support-ui", "--json"], in: dir)
            return ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [Any])?.count ?? -1
        }
        #expect(try health().status == 200)
        #expect(try post(MultipartBody.samplePDF()).status == 201)
        let stored = try entries()
        #expect(stored == 1)

        // Under the floor: 503 + Retry-After before the body is read; /healthz says degraded.
        var filler = try SmallDisk.fill(data, leaving: 1 << 20)
        var r = try post(MultipartBody.samplePDF())
        #expect(r.status == 503)
        #expect(r.headers["retry-after"] != nil)
        r = try health()
        #expect(r.status == 503)
        #expect(r.json?["status"] as? String == "degraded")
        // Space returns: healthy again by itself.
        try FileManager.default.removeItem(at: filler)
        #expect(try health().status == 200)

        // Over the floor, but the upload does not fit: 507 + Retry-After, a generic message in
        // the entrant's language, an error line naming the data directory, nothing stored,
        // tmp/ empty.
        filler = try SmallDisk.fill(data, leaving: 3 << 20)
        let big = MultipartBody.samplePDF(String(repeating: "x", count: 5 << 20))
        for language in ["en", "ja"] {
            r = try post(big, language: language)
            #expect(r.status == 507, "\(r.status) \(r.text)")
            #expect(r.headers["retry-after"] != nil)
            let message = ((r.json?["errors"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
            #expect(message.contains(language == "en" ? "nothing was stored" : "何も保存されていません"), "\(message)")
            #expect(!r.text.contains("No space") && !r.text.contains("ENOSPC") && !r.text.contains(data.path), "internal detail leaked: \(r.text)")
        }
        #expect(try entries() == stored)
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("tmp").path)) ?? []
        #expect(staged.isEmpty, "partial uploads left in tmp/: \(staged)")
        let logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(logged.split(separator: "\n").contains { $0.contains("error") && $0.contains("disk is full") && $0.contains(data.path) },
                "no error line naming the data directory:\n\(logged)")

        // Space returns: the same entry is taken.
        try FileManager.default.removeItem(at: filler)
        r = try post(big)
        #expect(r.status == 201, "\(r.status) \(r.text)")
        #expect(try entries() == stored + 1)
        let fsck = try CompeBinary.run(["fsck"], in: dir)
        #expect(fsck.status == 0, "\(fsck.stdout)")
    }
}
