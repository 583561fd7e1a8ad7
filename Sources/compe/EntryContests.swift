import CompeStore
import Foundation
import Synchronization

/// The contest of every entry code, for the build's backlog links: read from `compe.sqlite` in
/// `data` (nothing created when there is none), or from the `--database` PostgreSQL store.
func entryContests(data: String, database: String?) async throws -> [String: String] {
    guard let db = try openDatabase(database) else { return try EntryStore.contestsByEntry(dataDirectory: directory(data)) }
    do {
        let contests = try await EntryStore.contestsByEntry(database: db)
        await db.close()
        return contests
    } catch {
        await db.close()
        throw error
    }
}

/// The dev server's copy of `entryContests`, which its rebuilds read without waiting: read at
/// start, then again in the background every `interval` while the server runs (a rebuild runs
/// on the watcher's thread, which must not wait on a database).
final class EntryContestsCache: Sendable {
    private let value: Mutex<[String: String]>

    init(data: String, database: String?) async throws {
        value = Mutex(try await entryContests(data: data, database: database))
    }

    var current: [String: String] { value.withLock { $0 } }

    /// Reads the entries again every `interval` until the task is cancelled.
    func refresh(data: String, database: String?, every interval: Duration = .seconds(10)) -> Task<Void, Never> {
        Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if let fresh = try? await entryContests(data: data, database: database) { value.withLock { $0 = fresh } }
            }
        }
    }
}
