import Foundation
import Hummingbird
import Logging

/// Configuration of `compe serve`.
public struct ServerConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
    /// TCP port (8080 by default; 0 picks a free one).
    public var port: Int
    /// The built site to serve (`Public/`).
    public var publicDir: URL

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, publicDir: URL) {
        self.host = host
        self.port = port
        self.publicDir = publicDir
    }
}

/// The HTTP server: the built site, `/healthz`, and (in a later step) the entry API, on one port.
public enum SiteServer {
    /// Builds the Hummingbird application. `onReady` receives the bound port.
    public static func application(_ config: ServerConfiguration, logger: Logger,
                                   onReady: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.middlewares.add(RequestLogMiddleware(logger: logger))
        router.middlewares.add(NotFoundPageMiddleware(publicDir: config.publicDir))
        router.middlewares.add(FileMiddleware(config.publicDir.path, searchForIndexHtml: true, logger: logger))
        router.get("/healthz") { _, _ in "ok\n" }
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "compe"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? config.port) },
            logger: logger
        )
    }
}

/// Serves `404.html` with status 404 for GET requests that match nothing.
struct NotFoundPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let publicDir: URL

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && (request.method == .get || request.method == .head) {
            guard let page = FileManager.default.contents(atPath: publicDir.appendingPathComponent("404.html").path) else { throw error }
            return Response(status: .notFound, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
    }
}

/// One structured log line per request: method, path, status, duration.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: Int) {
            let ms = (ContinuousClock.now - start).components.attoseconds / 1_000_000_000_000_000
            logger.info("request", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)",
                                              "status": "\(status)", "ms": "\(ms)"])
        }
        do {
            let response = try await next(request, context)
            log(response.status.code)
            return response
        } catch let error as HTTPResponseError {
            log(error.status.code)
            throw error
        }
    }
}
