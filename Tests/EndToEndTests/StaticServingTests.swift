import CompeTestSupport
import Foundation
import Testing

/// The built site as `compe serve` hands it out: the build's `.gz` copies to clients that take
/// gzip, strong ETags and 304, no-cache pages and immutable fingerprinted assets.
@Suite struct StaticServingTests {
    func get(_ port: Int, _ path: String, _ headers: [String] = []) throws -> RawHTTP.Response {
        let head = (["GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        return try RawHTTP.send(port: port, head: head)
    }

    /// `data` gunzipped by the system's gzip (an independent decoder).
    func gunzip(_ data: Data) throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("compe-gz-\(UUID().uuidString).gz")
        defer { try? FileManager.default.removeItem(at: file) }
        try data.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc \(file.path)"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let result = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return result
    }

    @Test func pagesAreCompressedCachedAndRevalidated() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        // Every text output has its .gz beside it, and the manifest knows them.
        let publicDir = dir.appendingPathComponent("Public")
        for page in ["index.html", "en/index.html", "contests/sme-support-ui/index.html", "sitemap.xml"] {
            #expect(FileManager.default.fileExists(atPath: publicDir.appendingPathComponent(page + ".gz").path), "\(page).gz")
        }
        let server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }

        let plain = try get(server.port, "/contests/sme-support-ui/")
        #expect(plain.status == 200 && plain.headers["content-encoding"] == nil)
        #expect(plain.headers["vary"] == "Accept-Encoding")
        #expect(plain.headers["cache-control"] == "no-cache")
        let etag = try #require(plain.headers["etag"])
        #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"), "a strong ETag: \(etag)")

        let zipped = try get(server.port, "/contests/sme-support-ui/", ["Accept-Encoding: br;q=1, gzip;q=0.8"])
        #expect(zipped.headers["content-encoding"] == "gzip")
        #expect(zipped.headers["vary"] == "Accept-Encoding")
        #expect(zipped.body.count < plain.body.count / 2)
        #expect(try gunzip(zipped.body) == plain.body)
        let zippedTag = try #require(zipped.headers["etag"])
        #expect(zippedTag != etag, "the gzip variant needs its own ETag")
        #expect(try get(server.port, "/contests/sme-support-ui/", ["Accept-Encoding: gzip;q=0"]).headers["content-encoding"] == nil)

        // Revalidation: 304 with no body, per variant.
        let again = try get(server.port, "/contests/sme-support-ui/", ["If-None-Match: \(etag)"])
        #expect(again.status == 304 && again.body.isEmpty)
        #expect(try get(server.port, "/contests/sme-support-ui/", ["Accept-Encoding: gzip", "If-None-Match: \(zippedTag)"]).status == 304)
        #expect(try get(server.port, "/contests/sme-support-ui/", ["If-None-Match: \"other\""]).status == 200)

        // The stylesheets and scripts pages link have fingerprinted names, cached for good.
        let links = plain.text.components(separatedBy: "=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            .filter { ($0.hasSuffix(".css") || $0.hasSuffix(".js")) && $0.hasPrefix("/") }
        #expect(links.contains { $0.hasPrefix("/assets/compe.") } && links.contains { $0.hasPrefix("/css/site.") } && links.contains { $0.hasPrefix("/js/entry-form.") })
        for link in links {
            #expect(link.range(of: #"\.[0-9a-f]{10}\.(css|js)$"#, options: .regularExpression) != nil, "\(link) is not fingerprinted")
            let asset = try get(server.port, link, ["Accept-Encoding: gzip"])
            #expect(asset.status == 200, "\(link)")
            #expect(asset.headers["cache-control"] == "public, max-age=31536000, immutable", "\(link)")
        }
        // A file without a fingerprint must be revalidated.
        #expect(try get(server.port, "/images/logo.svg").headers["cache-control"] == "no-cache")

        // A rebuild after an edit: the page changes, and its old ETag no longer matches.
        let brief = dir.appendingPathComponent("Content/contests/sme-support-ui/brief.md")
        try (try String(contentsOf: brief, encoding: .utf8) + "\nrebuilt-marker\n").write(to: brief, atomically: true, encoding: .utf8)
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let rebuilt = try get(server.port, "/contests/sme-support-ui/", ["If-None-Match: \(etag)", "Accept-Encoding: gzip"])
        #expect(rebuilt.status == 200)
        #expect(String(decoding: try gunzip(rebuilt.body), as: UTF8.self).contains("rebuilt-marker"))
    }
}
