import CompeCore
import CompeServer
import CompeServices
import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// The tus 1.0 endpoint of a real server, the protocol's edges (tuspy checks the whole flow in
/// Tests/Reference/tus_test.py): discovery and CORS, the version, the key, offsets, the body's
/// type, the limits per client with Retry-After, a closed contest, the disk floor at creation and
/// at each PATCH, expiry, and the checksum's algorithm.
@Suite struct UploadAPITests {
    static let key = "Compe-Upload-Key: the-client-key-0001"

    static func metadata(_ values: [String: String]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key) \(Data($0.value.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    static func create(_ f: ServerFixture, length: Int, headers: [String] = [key, "Tus-Resumable: 1.0.0"],
                       meta: [String: String] = ["contest": "test", "filename": "a.pdf", "filetype": "application/pdf"]) async throws -> RawHTTP.Response {
        try await f.request("POST", "/api/uploads/", headers: headers + ["Upload-Length: \(length)", "Upload-Metadata: \(metadata(meta))", "Content-Length: 0"])
    }

    static func patch(_ f: ServerFixture, _ location: String, offset: Int, body: Data, extra: [String] = []) async throws -> RawHTTP.Response {
        let port = f.port
        let head = (["PATCH \(location) HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Tus-Resumable: 1.0.0", key,
                     "Upload-Offset: \(offset)", "Content-Type: application/offset+octet-stream", "Content-Length: \(body.count)"] + extra)
            .joined(separator: "\r\n") + "\r\n\r\n"
        return try await offPool { try RawHTTP.send(port: port, head: head, body: body) }
    }

    @Test func theProtocolsEdgesAreAnsweredAsTus() async throws {
        try await ServerFixture.with(siteYML: "title: T\nbase_url: https://compe.example\nlanguages: [ja, en]\nallowed_origins: [https://partner.example]\n",
                                     configure: { $0.resumableUploads.perClient = 2 }) { f in
            let options = try await f.request("OPTIONS", "/api/uploads/", headers: ["Origin: https://partner.example", "Access-Control-Request-Method: POST"])
            #expect(options.status == 204 && options.headers["tus-version"] == "1.0.0" && options.headers["tus-checksum-algorithm"] == "sha256")
            #expect(options.headers["tus-extension"] == "creation,creation-with-upload,expiration,termination,checksum")
            #expect(options.headers["tus-max-size"] == String(50 << 20))
            #expect(options.headers["access-control-allow-origin"] == "https://partner.example"
                    && options.headers["access-control-allow-headers"]?.contains("Compe-Upload-Key") == true)
            let stranger = try await f.request("OPTIONS", "/api/uploads/", headers: ["Origin: https://evil.example", "Access-Control-Request-Method: POST"])
            #expect(stranger.headers["access-control-allow-origin"] == nil)

            let old = try await Self.create(f, length: 10, headers: [Self.key, "Tus-Resumable: 0.2.2"])
            #expect(old.status == 412 && old.headers["tus-version"] == "1.0.0")
            let keyless = try await Self.create(f, length: 10, headers: ["Tus-Resumable: 1.0.0"])
            #expect(keyless.status == 400 && keyless.text.contains("Compe-Upload-Key"))

            let created = try await Self.create(f, length: 20)
            let location = try #require(created.headers["location"])
            #expect(created.status == 201 && location.hasPrefix("/api/uploads/") && created.headers["upload-expires"]?.hasSuffix(" GMT") == true)
            let wrongType = try await f.request("PATCH", location, headers: [Self.key, "Tus-Resumable: 1.0.0", "Upload-Offset: 0",
                                                                            "Content-Type: application/octet-stream", "Content-Length: 0"])
            #expect(wrongType.status == 415)
            let ahead = try await Self.patch(f, location, offset: 5, body: Data("%PDF-".utf8))
            #expect(ahead.status == 409, "an offset the server does not have")
            let badSum = try await Self.patch(f, location, offset: 0, body: Data("%PDF-".utf8), extra: ["Upload-Checksum: md5 AAAA"])
            #expect(badSum.status == 400)
            let tooLong = try await Self.patch(f, location, offset: 0, body: Data(repeating: 0x25, count: 21))
            #expect(tooLong.status == 413)
            let first = try await Self.patch(f, location, offset: 0, body: Data("%PDF-1.4 ".utf8))
            #expect(first.status == 204 && first.headers["upload-offset"] == "9")
            let head = try await f.request("HEAD", location, headers: [Self.key, "Tus-Resumable: 1.0.0"])
            #expect(head.status == 200 && head.headers["upload-offset"] == "9" && head.headers["upload-length"] == "20"
                    && head.headers["cache-control"] == "no-store")

            // Two unfinished uploads per client here: the third waits.
            _ = try await Self.create(f, length: 20)
            let third = try await Self.create(f, length: 20)
            #expect(third.status == 429 && third.headers["retry-after"] != nil)
            let gone = try await f.request("DELETE", location, headers: [Self.key, "Tus-Resumable: 1.0.0"])
            #expect(gone.status == 204)
            let freed = try await Self.create(f, length: 20)
            #expect(freed.status == 201, "a terminated upload frees its place")

            let video = try await Self.create(f, length: 20, meta: ["contest": "test", "filename": "clip.mp4", "filetype": "video/mp4"])
            #expect(video.status == 415)
            let unknown = try await Self.create(f, length: 20, meta: ["contest": "nope", "filename": "a.pdf"])
            #expect(unknown.status == 404)

            // A day later the unfinished upload is gone: 410 for its owner, its bytes removed.
            let stale = try #require(freed.headers["location"])
            #expect(try await f.request("HEAD", stale, headers: ["Compe-Upload-Key: another-client-key-2", "Tus-Resumable: 1.0.0"]).status == 404,
                    "another key: as if unknown")
            f.now.withLock { $0 = $0.addingTimeInterval(25 * 3600) }
            let expired = try await f.request("HEAD", stale, headers: [Self.key, "Tus-Resumable: 1.0.0"])
            #expect(expired.status == 410)
            #expect(!FileManager.default.fileExists(atPath: f.data.appendingPathComponent("resumable/" + String(stale.split(separator: "/").last!)).path))
        }
    }

    @Test func theDiskFloorHoldsUploadsBackAtCreationAndAtEachPatch() async throws {
        try await ServerFixture.with(configure: { $0.minFreeMB = 1 << 40 }) { f in
            let refused = try await Self.create(f, length: 20)
            #expect(refused.status == 503 && refused.headers["retry-after"] != nil)
            // An upload made before the disk filled: its next PATCH waits too, and nothing is written.
            let service = ResumableUploadService(store: try f.store())
            let upload = try await service.create(contest: "test", policy: .standard, client: "127.0.0.1", ownerKey: "the-client-key-0001",
                                                  length: 20, filename: "a.pdf", filetype: "application/pdf", now: ServerFixture.duringContest)
            let patched = try await Self.patch(f, "/api/uploads/\(upload.id)", offset: 0, body: Data("%PDF-1.4 ".utf8))
            #expect(patched.status == 503 && patched.headers["retry-after"] != nil)
            let onDisk = try FileManager.default.attributesOfItem(atPath: f.data.appendingPathComponent("resumable/\(upload.id)").path)[.size] as? Int
            #expect(onDisk == 0)
        }
    }

    /// An edit replaces the entry's files with a finished upload the client names, with its key
    /// and the edit token; the entry's log records the change with the upload's hash.
    @Test func anEditTakesAFinishedUpload() async throws {
        try await ServerFixture.with { f in
            let created = try await f.post(.validEntry())
            let id = try #require(created.json?["id"] as? String), token = try #require(created.json?["edit_token"] as? String)
            let pdf = MultipartBody.samplePDF("replacement by tus")
            let location = try #require(try await Self.create(f, length: pdf.count).headers["location"])
            #expect(try await Self.patch(f, location, offset: 0, body: pdf).status == 204)
            var edit = MultipartBody.validEntry()
            edit.data = Data()
            for (k, v) in [("title", "With the new file"), ("summary", "s"), ("team_name", "Team A"), ("members", "Aiko"),
                           ("contact_email", "team@example.org"), ("country", "JP"), ("agree_terms", "yes"),
                           ("upload", String(location.split(separator: "/").last!))] { edit.field(k, v) }
            let withoutKey = try await f.post(edit, path: "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)"])
            #expect(withoutKey.status == 400 && withoutKey.text.contains("uploads"), "no key: as if unknown")
            let edited = try await f.post(edit, path: "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)", Self.key])
            let digest = Hex.encode(Array(SHA256.hash(data: pdf)))
            let files = edited.json?["files"] as? [[String: Any]]
            #expect(edited.status == 200 && files?.count == 1 && files?.first?["sha256"] as? String == digest, "\(edited.status) \(edited.text)")
            let log = edited.json?["log"] as? [[String: Any]]
            #expect((log?.last?["leaf"] as? [String: Any])?["files"] as? [String] == [digest])
            let again = try await f.post(edit, path: "/api/entries/\(id)", headers: ["Accept: application/json", "Authorization: Bearer \(token)", Self.key])
            #expect(again.status == 400 && again.text.contains("uploads"), "an upload is used once, by an edit too")
        }
    }
}
