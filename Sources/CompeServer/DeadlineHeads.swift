import CompeCore
import CompeServices
import CompeStore
import Foundation
import Logging
import ServiceLifecycle

/// Signs each contest's entry log at its deadlines by itself: once a stage's `closes` has
/// passed and no head was signed since, the server signs the current head with the site key
/// (`Data/site.sec`), so the final head of every round exists even if nobody runs
/// `compe log sign` on time. Checked every `interval`; several instances may both sign, which
/// only adds a head. Without a site key nothing is signed (and it says so once).
final class DeadlineHeads: Service, Sendable {
    let log: EntryLogService
    let catalog: CurrentCatalog
    let dataDir: URL
    let clock: @Sendable () -> Date
    let interval: Duration
    let logger: Logger

    init(log: EntryLogService, catalog: CurrentCatalog, dataDir: URL, clock: @escaping @Sendable () -> Date, interval: Duration, logger: Logger) {
        self.log = log
        self.catalog = catalog
        self.dataDir = dataDir
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var warned = false
            while !Task.isCancelled {
                do {
                    try await self.signDue()
                } catch SignatureError.noKey {
                    if !warned { self.logger.notice("no site key (compe keys init): entry-log heads are not signed at the deadlines") }
                    warned = true
                } catch {
                    self.logger.warning("a deadline head could not be signed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Signs the head of every contest whose latest passed deadline has no head signed after it.
    func signDue() async throws {
        let now = clock()
        var key: SiteKey?
        // One row per contest with a log: every 30 s, no contest's leaves are read to learn that.
        let logged = Set(try await log.store.loggedContests())
        for contest in catalog.current.contests.values.sorted(by: { $0.slug < $1.slug }) {
            guard let deadline = contest.stages.map(\.closes).filter({ $0 <= now }).max(), logged.contains(contest.slug) else { continue }
            let heads = try await log.store.heads(contest: contest.slug)
            if heads.contains(where: { (UTCTimestamp.parse($0.time) ?? .distantPast) >= deadline }) { continue }
            if key == nil { key = try SiteKey.load(data: dataDir) }
            let head = try await log.sign(contest: contest.slug, key: key!, now: now, evenIfUnchanged: true)
            logger.info("entry-log head signed at the deadline", metadata: ["contest": "\(contest.slug)", "size": "\(head.size)", "root": "\(head.root)"])
        }
    }
}
