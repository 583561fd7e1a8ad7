import CompeCore
import Foundation
import Hummingbird
import Prometheus
import Synchronization

/// What `GET /metrics` reports, in Prometheus text format: requests by route and status,
/// latency by route, entries accepted and refused (by the first problem), bytes uploaded, and
/// the data disk's free space. Route labels are route patterns (`/api/entries/{id}`), never
/// paths, so a crawler cannot grow the label set; every file of the site counts as `files`.
public final class ServerMetrics: Sendable {
    /// The registry; `render()` writes it out.
    let registry = PrometheusCollectorRegistry()
    private let disk: DiskSpace?
    private let requests = Mutex<[RouteStatus: Counter]>([:])
    private let latencies = Mutex<[String: DurationHistogram]>([:])
    private let accepted: Counter
    private let uploaded: Counter
    private let freeBytes: Gauge
    private let rejections = Mutex<[String: Counter]>([:])
    private let resumable = Mutex<[String: Counter]>([:])

    private struct RouteStatus: Hashable { var route: String; var status: Int }

    /// Latency buckets: from a cached page (well under a millisecond) to a large upload.
    static let buckets: [Duration] = [.microseconds(250), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                      .milliseconds(250), .seconds(1), .seconds(5), .seconds(30)]

    /// Metrics of a server whose data lives on `disk` (nil: a site without the entry API).
    public init(disk: DiskSpace?) {
        self.disk = disk
        accepted = registry.makeCounter(descriptor: Self.name("entries_accepted", "total", "Entries stored (new entries, not edits)."))
        uploaded = registry.makeCounter(descriptor: Self.name("upload", "bytes_total", "Bytes of files stored with entries and edits."))
        freeBytes = registry.makeGauge(descriptor: Self.name("data_disk_free", "bytes", "Bytes free for compe on the data directory's disk."))
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "compe", metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts one answered request.
    func request(route: String, status: Int, duration: Duration) {
        let key = RouteStatus(route: route, status: status)
        let counter = requests.withLock { cache in
            if let c = cache[key] { return c }
            let c = registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route pattern and status."),
                                         labels: [("route", route), ("status", String(status))])
            cache[key] = c
            return c
        }
        counter.increment()
        let histogram = latencies.withLock { cache in
            if let h = cache[route] { return h }
            let h = registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time to answer, by route pattern."),
                                                   labels: [("route", route)], buckets: Self.buckets)
            cache[route] = h
            return h
        }
        histogram.record(duration)
    }

    /// Counts a stored entry.
    func entryAccepted() { accepted.increment() }

    /// Counts bytes of files stored (with a new entry or an edit).
    func uploaded(bytes: Int64) { uploaded.increment(by: bytes) }

    /// Counts a refused entry request by its reason: the first problem's code (`required`,
    /// `fileTooLarge`, `diskFull`…), or `honeypot` for a bot's post answered as if stored.
    func entryRefused(reason: String) {
        let counter = rejections.withLock { cache in
            if let c = cache[reason] { return c }
            let c = registry.makeCounter(descriptor: Self.name("entries_rejected", "total", "Entry requests refused, by the first problem found."),
                                         labels: [("reason", reason)])
            cache[reason] = c
            return c
        }
        counter.increment()
    }

    /// What happened to resumable uploads: `started`, `resumed` (a `PATCH` after the first),
    /// `finished`, `expired`.
    enum UploadEvent: String { case started, resumed, finished, expired }

    /// Counts `count` resumable-upload events of a kind.
    func resumableUpload(_ event: UploadEvent, count: Int = 1) {
        let counter = resumable.withLock { cache in
            if let c = cache[event.rawValue] { return c }
            let c = registry.makeCounter(descriptor: Self.name("resumable_uploads", "total", "Resumable (tus) uploads started, resumed, finished and expired."),
                                         labels: [("event", event.rawValue)])
            cache[event.rawValue] = c
            return c
        }
        counter.increment(by: Int64(count))
    }

    /// The text exposition, the disk gauge read now.
    func render() -> String {
        if let free = disk?.free { freeBytes.set(Double(free)) }
        return registry.emitToString()
    }

    /// `GET /metrics`: to loopback clients and trusted proxies only (the client as resolved
    /// through trusted proxies, so the public behind a proxy never sees it); 403 for others.
    func register(on router: Router<CompeRequestContext>, proxies: TrustedProxies) {
        router.get("/metrics") { [self] _, context in
            let client = clientAddress(context)
            guard Self.isLoopback(client) || proxies.contains(client) else {
                return Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: "metrics are answered only to loopback and --trusted-proxy addresses\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: render())))
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
