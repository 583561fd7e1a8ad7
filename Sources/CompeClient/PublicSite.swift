import AsyncHTTPClient
import CompeCore
import Foundation
import NIOCore
import NIOFoundationCompat

/// A site's public files over HTTPS (http to this machine), for checks anyone can run:
/// `compe verify receipt|log` reads a contest's published entry log and the site's key.
public final class PublicSite: Sendable {
    private let client: HTTPClient
    public let base: String

    /// A reader of `site` (checked as for judges: https, or http to this machine); `caFile`
    /// adds a private CA.
    public init(_ site: String, caFile: String? = nil) throws {
        base = try ServerAddress.check(site)
        client = try RemoteJudge.httpClient(caFile: caFile)
    }

    public func shutdown() async { try? await client.shutdown() }

    /// The body of `path` (at most 64 MiB); an error that names the address for anything but 200.
    public func get(_ path: String) async throws -> Data {
        guard let data = try await getIfPublished(path) else { throw ClientError.notPublished(url: base + path, status: 404) }
        return data
    }

    /// The body of `path`, or nil when the site answers 404 (a file not published yet, such as
    /// a contest's results); an error for anything else but 200.
    public func getIfPublished(_ path: String) async throws -> Data? {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: base + path), timeout: .seconds(60))
        } catch {
            throw ClientError.unreachable(server: base, reason: RemoteJudge.reason(error))
        }
        if response.status.code == 404 { return nil }
        guard response.status.code == 200 else { throw ClientError.notPublished(url: base + path, status: Int(response.status.code)) }
        do {
            return Data(buffer: try await response.body.collect(upTo: 64 << 20))
        } catch {
            throw ClientError.unreachable(server: base, reason: RemoteJudge.reason(error))
        }
    }
}
