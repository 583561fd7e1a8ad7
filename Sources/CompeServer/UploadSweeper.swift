import CompeServices
import Foundation
import Logging
import ServiceLifecycle

/// Removes expired resumable uploads (unfinished, or finished and never used) with their
/// bytes, the files of uploads entries took, and files no upload knows; every `interval`
/// (the first time one interval after the start).
/// Several instances may sweep the same data directory: each removal is harmless twice.
final class UploadSweeper: Service, Sendable {
    let uploads: ResumableUploadService
    let metrics: ServerMetrics?
    let clock: @Sendable () -> Date
    let interval: Duration
    let logger: Logger

    init(uploads: ResumableUploadService, metrics: ServerMetrics?, clock: @escaping @Sendable () -> Date, interval: Duration, logger: Logger) {
        self.uploads = uploads
        self.metrics = metrics
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // First wait: a server just started has nothing expired yet, and a sweep's write
                // must not queue behind (or ahead of) the work of its first moments.
                try? await Task.sleep(for: self.interval)
                if Task.isCancelled { return }
                do {
                    let expired = try await self.uploads.sweep(now: self.clock())
                    if expired > 0 {
                        self.metrics?.resumableUpload(.expired, count: expired)
                        self.logger.info("expired uploads removed", metadata: ["count": "\(expired)"])
                    }
                } catch {
                    self.logger.warning("expired uploads could not be swept", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
