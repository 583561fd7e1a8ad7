import CompeContent
import CompeCore
import CompeSite
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps a running `compe serve` (without `--watch`) on the content as it is now: the entry
/// API's contests, deadlines and upload limits, the judge API's briefs, and what mail is made
/// from (updates, titles) follow `Content/` without a restart, as nginx re-reads its
/// configuration. It reloads
/// - when a file under the content folder changes (inotify, after a quiet moment),
/// - when the built site changes (`compe build` rewrites `Public/.compe-build`; the pages the
///   API makes link the site's fingerprinted stylesheets), and
/// - on `SIGHUP`.
///
/// A reload reads and checks the whole content off the event loops and swaps it in at once;
/// content with errors is refused (logged with its first problems) and the previous content
/// stays in force, so a half-saved brief never reaches the API. Requests in progress finish
/// with the content they started with.
final class ContentReloader: Service, Sendable {
    let contentDir: URL
    let publicDir: URL
    let load: @Sendable () throws -> SiteContent
    let apply: @Sendable (SiteContent) -> Void
    let logger: Logger
    /// How often the built site's manifest is looked at.
    let interval: Duration

    private let requests = Mutex(0)

    init(contentDir: URL, publicDir: URL, interval: Duration = .milliseconds(500), logger: Logger,
         load: @escaping @Sendable () throws -> SiteContent, apply: @escaping @Sendable (SiteContent) -> Void) {
        self.contentDir = contentDir
        self.publicDir = publicDir
        self.interval = interval
        self.logger = logger
        self.load = load
        self.apply = apply
    }

    func run() async throws {
        let watcher = try? FileWatcher(roots: [contentDir], quiet: .milliseconds(200)) { [self] paths in
            let relevant = paths?.contains { !FileWatcher.isEditorScratch($0) } ?? true
            if relevant { requests.withLock { $0 += 1 } }
        }
        watcher?.start()
        defer { watcher?.stop() }
        // SIGHUP reloads (its default would end the process).
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { [self] in
            logger.notice("SIGHUP: reloading the content")
            requests.withLock { $0 += 1 }
        }
        hangup.resume()
        defer { hangup.cancel() }
        let manifest = publicDir.appendingPathComponent(".compe-build")
        try await cancelWhenGracefulShutdown {
            var built = Self.stamp(manifest)
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                let now = Self.stamp(manifest)
                if now != built {
                    built = now
                    self.requests.withLock { $0 += 1 }
                }
                let asked = self.requests.withLock { n -> Bool in
                    defer { n = 0 }
                    return n > 0
                }
                if asked { await self.reload() }
            }
        }
    }

    /// Reads the content now and, when it is valid, puts it in force.
    func reload() async {
        let load = self.load
        let result: Result<SiteContent, any Error> = await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: Result { try load() }) }
        }
        switch result {
        case .success(let content):
            apply(content)
            logger.info("content reloaded", metadata: ["contests": "\(Set(content.contests.map(\.contest.slug)).count)"])
        case .failure(let error as DiagnosticError):
            logger.error("content not reloaded: it has errors; the previous content stays in force",
                         metadata: ["problems": "\(error.diagnostics.prefix(5).map(\.description).joined(separator: " | "))"])
        case .failure(let error):
            logger.error("content not reloaded; the previous content stays in force", metadata: ["error": "\(error)"])
        }
    }

    /// Inode, size and change time of `url` (a rebuild renames a new manifest into place).
    static func stamp(_ url: URL) -> [Int] {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return [] }
        return [Int(info.st_ino), Int(info.st_size), info.st_ctim.tv_sec, info.st_ctim.tv_nsec]
    }
}
