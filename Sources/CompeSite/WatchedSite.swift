import CompeContent
import CompeCore
import Foundation
import Synchronization

/// The dev server's build loop: builds once, then watches `Content/` and `Static/` and rebuilds
/// on every batch of changes, one build at a time, trying the one-page fast path first.
///
/// The server side (reloading pages, taking new contests into the entry API) and the terminal
/// side (what to print) are the caller's, through `onEvent`.
public final class WatchedSite: Sendable {
    /// What happened after a batch of changes.
    public enum Event: Sendable {
        /// A good rebuild. `content` is set when it went beyond the one-page path (contests or
        /// settings may have changed); `ms` is the wall time from the change to the end.
        case rebuilt(BuildReport, content: SiteContent?, ms: Int)
        /// A rebuild found content errors; the last good site is still on disk.
        case failed([Diagnostic])
    }

    private let memory = BuildMemory()
    private let building = Mutex(())
    private let options: @Sendable () throws -> BuildOptions
    private let onEvent: @Sendable (Event) -> Void
    private let watcher: Mutex<FileWatcher?> = Mutex(nil)

    /// A loop whose builds use the options `options` returns at the time of each build (the
    /// caller may move the clock or re-read the entry store there).
    public init(options: @escaping @Sendable () throws -> BuildOptions, onEvent: @escaping @Sendable (Event) -> Void) {
        self.options = options
        self.onEvent = onEvent
    }

    /// Starts watching, then builds once; the watcher starts first, so an edit made during the
    /// first build is not missed. Throws `DiagnosticError` when the content has errors (nothing
    /// is watched then).
    @discardableResult
    public func start() throws -> BuildReport {
        let first = try options()
        let watcher = try FileWatcher(roots: [first.content, first.staticDir]) { [self] changed in batch(changed) }
        memory.sources.invalidate([], root: first.content.path)
        watcher.start()
        self.watcher.withLock { $0 = watcher }
        do {
            return try build(changed: []).report
        } catch {
            stop()
            throw error
        }
    }

    /// Stops watching.
    public func stop() { watcher.withLock { $0?.stop() } }

    /// The content of the last good build.
    public var lastContent: SiteContent? { memory.lastContent }

    /// One batch from the watcher (nil: events were lost, anything may have changed).
    private func batch(_ changed: [String]?) {
        // Editors' swap and backup files are not content.
        let relevant = changed?.filter { !FileWatcher.isEditorScratch($0) }
        if relevant?.isEmpty == true { return }
        let start = ContinuousClock.now
        do {
            let (report, full) = try build(changed: relevant)
            let ms = Int((ContinuousClock.now - start).components.attoseconds / 1_000_000_000_000_000)
            onEvent(.rebuilt(report, content: full ? memory.lastContent : nil, ms: ms))
        } catch let error as DiagnosticError {
            onEvent(.failed(error.diagnostics))
        } catch {
            onEvent(.failed([.error(SourceLocation(path: "compe build"), "\(error)")]))
        }
    }

    /// One build at a time; `changed` is first tried on the one-page fast path, and invalidated
    /// in the source cache under the same lock (so it never interleaves with a build in
    /// progress). Returns the report and whether the build went beyond the one-page path.
    private func build(changed: [String]?) throws -> (report: BuildReport, full: Bool) {
        let options = try options()
        return try building.withLock { _ in
            let builder = SiteBuilder(options: options, memory: memory)
            if let changed, let report = try builder.rebuild(pages: changed) { return (report, false) }
            memory.sources.invalidate(changed, root: options.content.path)
            return (try builder.build(), true)
        }
    }
}
