import AsyncHTTPClient
import CompeCore
import CompeWire
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// The judge API over HTTPS (async-http-client, TLS by swift-nio-ssl), with the judge's token.
public final class RemoteJudge: JudgeClient {
    private let client: HTTPClient
    private let base: String
    private let token: String

    /// A client for `credentials` (the server address checked: https, or http to this machine).
    public init(_ credentials: Credentials) throws {
        base = try ServerAddress.check(credentials.server)
        token = credentials.token
        client = try Self.httpClient(caFile: credentials.caFile)
    }

    /// compe's HTTP client: TLS with the system's roots (and `caFile`'s, a private CA), no
    /// redirects followed, HTTP/1.1, 10 s to connect and 60 s to read.
    static func httpClient(caFile: String?) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = caFile {
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(ca), !certificates.isEmpty else { throw ClientError.badCAFile(ca) }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the client's connections (call once, when done).
    public func shutdown() async { try? await client.shutdown() }

    public var isRemote: Bool { true }

    public var server: String? { base }

    public func queue() async throws -> [QueueItem] {
        let items: [QueueItem] = try decode(try await send(.GET, "/api/judge/queue"))
        KnownRevisions.remember(server: base, items.map { ($0.ref, $0.revision) })
        return items
    }

    public func entry(_ ref: String) async throws -> JudgeEntryView {
        let view: JudgeEntryView = try decode(try await send(.GET, "/api/judge/entries/\(segment(ref))", ref: ref))
        KnownRevisions.remember(server: base, [(ref, view.sheet.revision)])
        return view
    }

    public func score(_ ref: String, _ submission: ScoreSubmission) async throws -> ScoreReceipt {
        let body = try JSONCoding.data(submission)
        let receipt: ScoreReceipt = try decode(try await send(.PUT, "/api/judge/entries/\(segment(ref))/score", body: body, ref: ref))
        KnownRevisions.remember(server: base, [(ref, receipt.revision)])
        return receipt
    }

    public func progress() async throws -> [JudgeProgress] {
        try decode(try await send(.GET, "/api/judge/progress"))
    }

    public func download(_ ref: String, file: JudgeEntryView.File, to destination: URL) async throws {
        var request = HTTPClientRequest(url: base + "/api/judge/entries/\(segment(ref))/files/\(file.n)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await execute(request)
        guard response.status == .ok else {
            _ = try? await response.body.collect(upTo: 1 << 20)
            try check(Int(response.status.code), body: Data(), headers: response.headers, ref: ref)
            throw ClientError.unexpected(status: Int(response.status.code))
        }
        let tmp = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).part")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else { throw ClientError.cannotSave(tmp.path) }
        let handle = try FileHandle(forWritingTo: tmp)
        var received: Int64 = 0
        do {
            for try await chunk in response.body {
                // The server announced the size: a body that runs past it is not the file (and
                // is not allowed to fill the judge's disk).
                received += Int64(chunk.readableBytes)
                guard received <= file.bytes else { throw ClientError.sizeMismatch(file: destination.path, announced: file.bytes) }
                try handle.write(contentsOf: Data(buffer: chunk))
            }
            try handle.close()
        } catch let error as ClientError {
            try? handle.close()
            try? FileManager.default.removeItem(at: tmp)
            throw error
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: tmp)
            throw ClientError.unreachable(server: base, reason: "the download broke off")
        }
        guard received == file.bytes else {
            try? FileManager.default.removeItem(at: tmp)
            throw ClientError.sizeMismatch(file: destination.path, announced: file.bytes)
        }
        try Downloads.finish(tmp, as: destination, sha256: file.sha256)
    }

    // MARK: plumbing

    private func segment(_ ref: String) -> String {
        ref.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? ref
    }

    private func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: .seconds(60))
        } catch {
            throw ClientError.unreachable(server: base, reason: Self.reason(error))
        }
    }

    /// Sends a request with the token; returns the body of a 2xx, throws the matching error otherwise.
    private func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, ref: String = "") async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await execute(request)
        let data: Data
        do {
            data = ServerText.cleaned(Data(buffer: try await response.body.collect(upTo: 16 << 20)))
        } catch {
            throw ClientError.unreachable(server: base, reason: Self.reason(error))
        }
        try check(Int(response.status.code), body: data, headers: response.headers, ref: ref)
        return data
    }

    /// Throws the error an unsuccessful status means, from the typed answer the server sent.
    private func check(_ status: Int, body: Data, headers: HTTPHeaders, ref: String) throws {
        guard !(200..<300).contains(status) else { return }
        switch status {
        case 401: throw ClientError.unauthorized
        case 404: throw ClientError.notInQueue(ref: ref)
        case 409: throw ClientError.stale(current: (try? JSONDecoder().decode(RefusalAnswer.self, from: body))?.revision ?? 0)
        case 423: throw ClientError.published
        case 429: throw ClientError.tooManyAttempts(retryAfter: headers.first(name: "Retry-After").flatMap(Int.init) ?? 60)
        case 400, 422:
            throw ClientError.refused(((try? JSONDecoder().decode(ProblemsAnswer.self, from: body))?.errors ?? []).map(\.message))
        default: throw ClientError.unexpected(status: status)
        }
    }

    private func decode<T: Decodable>(_ data: Data) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch { throw ClientError.unexpected(status: 200) }
    }

    /// A transport error in a few words.
    static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("ECONNREFUSED") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("certificate") || text.contains("handshake") || text.contains("SSL") { return "TLS failed (\(text.prefix(160)))" }
        return String(text.prefix(160))
    }
}
