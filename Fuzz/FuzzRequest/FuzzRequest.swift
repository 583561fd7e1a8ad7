import CompeServer
import CompeTestSupport
import Foundation
import FuzzSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded

/// Fuzz target: whole requests through compe's server (its router, middlewares, file serving,
/// live-reload routes and entry API, over a real SQLite file), without the network: the
/// request goes to the router's responder as the HTTP server would hand it over. No request may
/// get a 5xx or crash the process, and none may leave a staged upload behind.
///
/// Input: byte 0 picks the method, byte 1 a path prefix (so the API routes are reached), then
/// text up to the first newline is appended to the path; then `Name: value` header lines up to
/// an empty line; the rest is the body. In the path and headers, `@I` and `@T` stand for the id
/// and edit token of an entry made at start.
/// (libFuzzer runs one input at a time, hence the unguarded globals.)
enum RequestFuzzer {
    static let methods: [HTTPRequest.Method] = [.get, .post, .delete, .options, .head, .put]
    static let prefixes = ["/api/contests/test/entries", "/api/entries/@I?token=@T", "/api/entries/@I", "/", "/api/entries/", "/contests/"]

    nonisolated(unsafe) static var responder: (any HTTPResponder<CompeRequestContext>)!
    nonisolated(unsafe) static var logger = Logger(label: "fuzz")
    /// The connection every request comes on (the server reads only its peer address).
    nonisolated(unsafe) static let channel = EmbeddedChannel()
    nonisolated(unsafe) static var entry = (id: "E-0001", token: "")
    nonisolated(unsafe) static var staging: URL!
    /// `FUZZ_REQUEST_VERBOSE=1` prints each request's status and the start of its answer.
    static let verbose = ProcessInfo.processInfo.environment["FUZZ_REQUEST_VERBOSE"] != nil

    /// A site with one open contest, served by the router in a background task for the whole run.
    static func start() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("compe-fuzz-request-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        let files: [String: String] = [
            "Content/site.yml": "title: {ja: テスト, en: Test}\nbase_url: https://example.org\nlanguages: [ja, en]\ntimezone: Asia/Tokyo\n",
            "Content/pages/index.md": "---\ntitle: ホーム\n---\nようこそ\n",
            "Content/contests/test/brief.md": """
            ---
            title: テスト
            opens: 2027-01-10T09:00:00+09:00
            closes: 2027-02-10T17:00:00+09:00
            uploads: {max_files: 3, max_file_mb: 1, types: [pdf, png]}
            criteria:
              - {id: usability, name: 使いやすさ, weight: 100, scale: [1, 10], rubric: "r"}
            ---
            本文

            """,
            "Public/index.html": "<!DOCTYPE html><html lang=\"ja\"><body>home</body></html>",
            "Public/404.html": "<!DOCTYPE html><html lang=\"ja\"><body>404</body></html>",
            "Public/contests/test/index.html": "<!DOCTYPE html><html lang=\"ja\"><body>contest</body></html>",
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        staging = root.appendingPathComponent("Data/tmp")
        logger.logLevel = .critical
        let clock = ISO8601DateFormatter().date(from: "2027-01-20T03:00:00Z")!
        var config = ServerConfiguration(port: 0, publicDir: root.appendingPathComponent("Public"), dataDir: root.appendingPathComponent("Data"),
                                         contentDir: root.appendingPathComponent("Content"), rateLimit: 0, clock: { clock })
        config.liveReload = LiveReload()
        responder = try SiteServer.router(config, logger: logger).buildResponder()
        atexit { if let root = RequestFuzzer.staging?.deletingLastPathComponent().deletingLastPathComponent() { try? FileManager.default.removeItem(at: root) } }
        let seed = MultipartBody.validEntry()
        let (status, body) = send(.post, "/api/contests/test/entries",
                                  ["Content-Type": "multipart/form-data; boundary=\(seed.boundary)", "Accept": "application/json"], Array(seed.finished))
        let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        guard status == 201, let id = json?["id"] as? String, let token = json?["edit_token"] as? String else {
            fatalError("the seed entry was not accepted: \(status) \(String(decoding: body, as: UTF8.self))")
        }
        entry = (id, token)
    }

    /// Sends one request to the responder and reads the whole answer (an event stream's first
    /// bytes only: it never ends). Errors the server would turn into a status become that status;
    /// any other error is a 500.
    static func send(_ method: HTTPRequest.Method, _ path: String, _ headerLines: [String: String], _ body: [UInt8]?) -> (Int, [UInt8]) {
        var headers = HTTPFields()
        for (name, value) in headerLines { if let n = HTTPField.Name(name) { headers.append(HTTPField(name: n, value: value)) } }
        return send(method, path, headers, body)
    }

    static func send(_ method: HTTPRequest.Method, _ path: String, _ headers: HTTPFields, _ body: [UInt8]?) -> (Int, [UInt8]) {
        var headers = headers
        if let body { headers[.contentLength] = String(body.count) }
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path, headerFields: headers),
                              body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        let context = CompeRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        let result = Box()
        let done = DispatchSemaphore(value: 0)
        Task {
            defer { done.signal() }
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as any HTTPResponseError {
                result.value = (Int(error.status.code), [])
                return
            } catch {
                result.value = (500, Array("\(error)".utf8))
                return
            }
            let writer = Collector()
            if response.headers[.contentType]?.hasPrefix("text/event-stream") != true {
                do { try await response.body.write(writer) } catch { result.value = (500, Array("body: \(error)".utf8)); return }
            }
            result.value = (Int(response.status.code), writer.bytes)
        }
        done.wait()
        return result.value
    }

    final class Box: @unchecked Sendable { var value = (0, [UInt8]()) }

    /// Collects a response body (a class: the body writes into a copy of its writer).
    final class Collector: ResponseBodyWriter, @unchecked Sendable {
        var bytes: [UInt8] = []
        func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytesView }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// `bytes` with `@I` and `@T` replaced by the seed entry's id and token.
    static func substituted(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "@")) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "@"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "I") || bytes[i + 1] == UInt8(ascii: "T") {
                out += Array((bytes[i + 1] == UInt8(ascii: "I") ? entry.id : entry.token).utf8)
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 2 else { return }
        let method = methods[Int(bytes[0]) % methods.count]
        let rest = Array(bytes.dropFirst(2))
        let text = { (s: ArraySlice<UInt8>) in String(decoding: substituted(Array(s)), as: UTF8.self) }
        var lines = rest.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
        var path = text(ArraySlice(prefixes[Int(bytes[1]) % prefixes.count].utf8))
        path += text(lines.removeFirst())
        var headers = HTTPFields()
        var remainder = lines.first ?? []
        while let newline = remainder.firstIndex(of: UInt8(ascii: "\n")) {
            let line = remainder[remainder.startIndex..<newline]
            remainder = remainder[(newline + 1)...]
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")),
                  let name = HTTPField.Name(String(decoding: line[line.startIndex..<colon], as: UTF8.self)) else { continue }
            headers.append(HTTPField(name: name, value: text(line[(colon + 1)...]).trimmingCharacters(in: .whitespaces)))
        }
        headers[.contentLength] = nil   // set from the body, as the HTTP server would have checked it
        headers[.transferEncoding] = nil
        let body = remainder.isEmpty && method != .post ? nil : substituted(Array(remainder))
        let (status, answer) = send(method, path, headers, body)
        if verbose { print(status, method, path, String(decoding: answer.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")) }
        precondition(status < 500, "\(method) \(path) got \(status): \(String(decoding: answer.prefix(300), as: UTF8.self))")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
        precondition(left.isEmpty, "staged uploads left behind: \(left)")
    }
}

@main struct Main {
    static func main() {
        do { try RequestFuzzer.start() } catch { fatalError("could not start the server: \(error)") }
        FuzzMain.run("FuzzRequest", RequestFuzzer.run)
    }
}

#if FUZZING
/// The callback libFuzzer's own `main` (linked in by -sanitize=fuzzer) calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    RequestFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
