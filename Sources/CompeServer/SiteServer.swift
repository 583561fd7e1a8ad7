import CompeContent
import CompeCore
import CompeServices
import CompeSite
import CompeStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Configuration of `compe serve`.
public struct ServerConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
    /// TCP port (8080 by default; 0 picks a free one).
    public var port: Int
    /// The built site to serve (`Public/`).
    public var publicDir: URL
    /// Where entries live (`Data/`); nil serves the site without the entry API.
    public var dataDir: URL?
    /// The content directory whose briefs set contest dates and limits.
    public var contentDir: URL?
    /// Posts per IP per minute; 0 disables the limit.
    public var rateLimit: Int
    /// Seconds a connection may stay silent (headers or body) before it is closed.
    public var idleTimeout: Int
    /// The server's clock (tests move it to before `opens` or after `closes`).
    public var clock: @Sendable () -> Date
    /// In watch mode, the hub that tells open pages to reload; nil otherwise.
    public var liveReload: LiveReload?
    /// Deadlines, rates and connection caps for slow or greedy clients.
    public var connections = ConnectionPolicy()
    /// Failed judge authentications one address may make per minute before it gets 429.
    public var judgeLoginFailures = 10
    /// Proxies whose forwarded headers are believed (`--trusted-proxy`).
    public var trustedProxies = TrustedProxies()
    /// MiB that must stay free on the data disk (`--min-free-mb`); 0 disables the floor.
    public var minFreeMB = 512
    /// MiB of uploads one client may send per hour (`--upload-budget-mb`); 0: no limit.
    public var uploadBudgetMB = 2048
    /// MiB of uploads all clients together may send per hour (`--total-upload-budget-mb`); 0: no limit.
    public var totalUploadBudgetMB = 20480
    /// Mail to entrants; nil sends none (and queues none).
    public var mail: MailSettings?
    /// Limits and expiry of resumable uploads (`--upload-expiry-hours`, `--uploads-per-client`, …).
    public var resumableUploads = ResumableUploadSettings()
    /// How often expired resumable uploads are swept.
    public var uploadSweep: Duration = .seconds(60)
    /// How often the server looks for a passed deadline whose entry-log head is not signed yet.
    public var deadlineCheck: Duration = .seconds(30)
    /// The database of the entries (PostgreSQL, shared by several servers); nil keeps them in
    /// `compe.sqlite` in `dataDir`.
    public var database: (any SQLDatabase)?

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, publicDir: URL, dataDir: URL? = nil, contentDir: URL? = nil,
                rateLimit: Int = 30, idleTimeout: Int = 30, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.host = host
        self.port = port
        self.publicDir = publicDir
        self.dataDir = dataDir
        self.contentDir = contentDir
        self.rateLimit = rateLimit
        self.idleTimeout = idleTimeout
        self.clock = clock
    }
}

/// The HTTP server: the built site, `/healthz`, and the entry API, on one port.
public enum SiteServer {
    /// The router of `application`: the site's files, `/healthz`, `/metrics`, the entry and
    /// judge APIs and, in watch mode, the live-reload routes, behind the request log, security
    /// headers, 404 page and path guard. Throws `DiagnosticError` when the content has errors
    /// (the API needs valid briefs).
    public static func router(_ config: ServerConfiguration, logger: Logger) throws -> Router<CompeRequestContext> {
        try parts(config, logger: logger).router
    }

    /// The router, and what the file fast path shares with it.
    static func parts(_ config: ServerConfiguration, logger: Logger) throws -> (router: Router<CompeRequestContext>, files: FileFastPath.Site,
                                                                               services: [any Service]) {
        if let dataDir = config.dataDir { try DataPlacement.check(data: dataDir, publicDir: config.publicDir) }
        let disk = config.dataDir.map { DiskSpace(directory: $0, minimumFreeMB: config.minFreeMB) }
        let metrics = ServerMetrics(disk: disk)
        var apis: (entries: EntryAPI, content: SiteContent)?
        if let dataDir = config.dataDir, let contentDir = config.contentDir {
            apis = try entryAPI(config, dataDir: dataDir, contentDir: contentDir, metrics: metrics, logger: logger)
        }
        let record = RequestRecord(logger: logger, metrics: metrics)
        let security = SecurityHeaders(submitURL: apis?.content.config.submitURL ?? "/api")
        let router = Router(context: CompeRequestContext.self)
        router.middlewares.add(ClientMiddleware(proxies: config.trustedProxies))
        router.middlewares.add(RequestLogMiddleware(record: record))
        let endpoint = apis.map { EntryEndpoint($0.entries, publicDir: config.publicDir, logger: logger) }
        router.middlewares.add(DatabaseOutageMiddleware(page: { request in endpoint?.api.outagePage(request) }))
        router.middlewares.add(security)
        router.middlewares.add(NotFoundPageMiddleware(publicDir: config.publicDir))
        router.middlewares.add(RequestPathGuard())
        let site = try PublicDirectory(config.publicDir)
        if let live = config.liveReload {
            router.middlewares.add(LiveReloadMiddleware(site: site))
            live.register(on: router)
        }
        let files = PublicFiles<CompeRequestContext>(directory: site, routed: ["/api/", "/healthz", "/metrics", "/__compe/"])
        router.middlewares.add(files)
        metrics.register(on: router, proxies: config.trustedProxies)
        router.get("/healthz") { _, _ in Health.answer(disk: disk, head: false) }
        router.head("/healthz") { _, _ in Health.answer(disk: disk, head: true) }
        var services: [any Service] = []
        if let (entries, content) = apis, let endpoint, let contentDir = config.contentDir {
            endpoint.register(on: router)
            let catalog = CurrentCatalog(ContestCatalog(content: content, root: contentDir, displayRoot: contentDir.lastPathComponent))
            JudgeAPI(store: entries.entries.store, catalog: catalog, failures: RateLimiter(perMinute: config.judgeLoginFailures, clock: config.clock),
                     writes: RateLimiter(perMinute: 120, clock: config.clock),
                     clientAddress: { clientAddress($0) }, logger: logger).register(on: router)
            LogAPI(log: EntryLogService(store: entries.entries.store), catalog: catalog).register(on: router)
            PartnerAPI(store: entries.entries.store, catalog: catalog, failures: RateLimiter(perMinute: config.judgeLoginFailures, clock: config.clock),
                       clientAddress: { clientAddress($0) }, clock: config.clock, logger: logger).register(on: router)
            let apply: @Sendable (SiteContent) -> Void = { content in
                endpoint.contentChanged(content)
                catalog.replace(ContestCatalog(content: content, root: contentDir, displayRoot: contentDir.lastPathComponent))
            }
            if let live = config.liveReload {
                live.observeContent(apply)
            } else {
                services.append(ContentReloader(contentDir: contentDir, publicDir: config.publicDir, logger: logger,
                                                load: { try loadContent(contentDir) }, apply: apply))
            }
            services.append(UploadSweeper(uploads: entries.server.resumable, metrics: metrics, clock: config.clock, interval: config.uploadSweep,
                                          logger: logger))
            if let dataDir = config.dataDir {
                services.append(DeadlineHeads(log: EntryLogService(store: entries.entries.store), catalog: catalog, dataDir: dataDir,
                                              clock: config.clock, interval: config.deadlineCheck, logger: logger))
            }
            if let mail = config.mail {
                services.append(MailWorker(store: entries.entries.store, pages: { endpoint.api.pages }, settings: mail, clock: config.clock, logger: logger))
                if !mail.relay.implicitTLS && mail.insecure {
                    logger.warning("--smtp-insecure: mail carrying edit links is sent even when the relay offers no TLS; anyone on the way can read the links",
                                   metadata: ["relay": "\(mail.relay.host):\(mail.relay.port)"])
                } else if !mail.relay.implicitTLS {
                    logger.notice("mail carrying edit links is sent only once the relay has switched to TLS (STARTTLS); a relay without it gets none of them (--smtp-insecure allows it)",
                                  metadata: ["relay": "\(mail.relay.host):\(mail.relay.port)"])
                }
            }
        }
        return (router, FileFastPath.Site(cache: files.cache, routed: files.routed, security: security, proxies: config.trustedProxies, record: record),
                services)
    }

    /// Builds the Hummingbird application. `onReady` receives the bound port.
    /// Throws `DiagnosticError` when the content has errors (the API needs valid briefs).
    public static func application(_ config: ServerConfiguration, logger: Logger,
                                   onReady: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let (router, files, services) = try parts(config, logger: logger)
        let clients = ClientConnections()
        var connections = config.connections
        let proxies = config.trustedProxies
        if !proxies.networks.isEmpty { connections.exempt = { proxies.contains($0) } }
        let policy = connections
        // In watch mode every page goes through the application, which adds the reload script.
        let fastPath = config.liveReload == nil
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(policy: policy, clients: clients, logger: logger,
                                                                                                  security: files.security.fields)]
                                                    + (fastPath ? [FileFastPath(site: files)] : []),
                                                idleTimeout: .seconds(Int64(config.idleTimeout)))),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "compe",
                                 availableConnectionsDelegate: TotalConnections(limit: policy.effectiveTotal, logger: logger)),
            services: services,
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? config.port) },
            logger: logger
        )
    }

    /// Builds and runs the server until SIGTERM or SIGINT, then shuts down gracefully.
    public static func run(_ config: ServerConfiguration, logger: Logger, onReady: @escaping @Sendable (Int) async -> Void) async throws {
        try await application(config, logger: logger, onReady: onReady).runService()
    }

    /// Starts the server in this process on `config.port` (0 picks a free port) and returns once
    /// it listens. Used by tests and tools that need a real server on 127.0.0.1.
    public static func start(_ config: ServerConfiguration, logger: Logger) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try application(config, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw StartError.notListening
        }
        return RunningServer(port: port, group: group, task: task)
    }

    /// The server stopped before it listened (the port was taken, say).
    public enum StartError: Error { case notListening }

    /// The published content of `contentDir` as the APIs read it (no drafts).
    static func loadContent(_ contentDir: URL) throws -> SiteContent {
        try ContentLoader(root: contentDir, displayRoot: contentDir.lastPathComponent, includeDrafts: false,
                          knownTemplates: ThemeTemplates.names).load()
    }

    static func entryAPI(_ config: ServerConfiguration, dataDir: URL, contentDir: URL, metrics: ServerMetrics,
                         logger: Logger) throws -> (EntryAPI, SiteContent) {
        let content = try loadContent(contentDir)
        let mailDomain = config.mail.map { String($0.from.address.split(separator: "@").last ?? "compe.invalid") } ?? "compe.invalid"
        let store = try EntryStore(dataDirectory: dataDir, database: config.database, queuesMail: config.mail != nil, messageDomain: mailDomain)
        // With a shared database the data directory is shared too: other servers' uploads in
        // progress live in the same tmp/.
        store.uploads.removeStaleStagingFiles(olderThan: config.database == nil ? 0 : 3600)
        // Reported in the background: the server need not wait for a look through uploads/.
        Task {
            guard let orphans = try? await store.orphanUploads(), !orphans.isEmpty else { return }
            logger.warning("files in uploads/ that no entry references (left by a crash between a file and its entry)",
                           metadata: ["count": "\(orphans.count)", "data": "\(dataDir.path)"])
        }
        let server = EntryAPI.Server(entries: EntryService(store: store), limiter: RateLimiter(perMinute: config.rateLimit, clock: config.clock),
                                     recoveries: RateLimiter(perMinute: 1, clock: config.clock),
                                     budgets: UploadBudgets(perClientMB: config.uploadBudgetMB, totalMB: config.totalUploadBudgetMB),
                                     disk: DiskSpace(directory: dataDir, minimumFreeMB: config.minFreeMB), metrics: metrics,
                                     resumable: ResumableUploadService(store: store, settings: config.resumableUploads),
                                     clock: config.clock, logger: logger)
        return (try EntryAPI(content: content, publicDir: config.publicDir, server: server), content)
    }
}

/// A server started with `SiteServer.start`.
public final class RunningServer: Sendable {
    /// The port it listens on (127.0.0.1 unless configured otherwise).
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// Stops gracefully: requests in progress finish, then it returns.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
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

/// Times every request the application answers and leaves its `RequestRecord`.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = CompeRequestContext
    let record: RequestRecord

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: Int, error: (any Error)? = nil) {
            record.answered(method: request.method, path: request.uri.path, status: status, route: context.endpointPath,
                            started: start, client: clientAddress(context), error: error)
        }
        do {
            let response = try await next(request, context)
            log(response.status.code)
            return response
        } catch let error as HTTPResponseError {
            log(error.status.code, error: error)
            throw error
        } catch {
            log(500, error: error)
            throw error
        }
    }
}

/// `/healthz`: `ok` while the server can take entries; `503 {"status":"degraded","reason":…}`
/// while the data disk is under its floor, so a load balancer drains it (it recovers by itself).
enum Health {
    static func answer(disk: DiskSpace?, head: Bool) -> Response {
        if let reason = disk?.shortage {
            var response = JSONAnswer.response(HealthAnswer(status: "degraded", reason: reason), status: .serviceUnavailable, extra: [.retryAfter: "60"])
            if head { response.body = .init() }
            return response
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                        body: head ? .init() : .init(byteBuffer: ByteBuffer(string: "ok\n")))
    }
}
