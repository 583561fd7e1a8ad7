import CompeStore
import Dispatch
import Foundation

/// The contest of every entry code, for the build's backlog links: read from `compe.sqlite` in
/// `data` (nothing created when there is none), or from the `--database` PostgreSQL store.
/// Synchronous, as the build is: the PostgreSQL read runs on its own threads meanwhile.
func entryContests(data: String, database: String?) throws -> [String: String] {
    guard let db = try openDatabase(database) else { return try EntryStore.contestsByEntry(dataDirectory: directory(data)) }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            box.result = .success(try await EntryStore.contestsByEntry(database: db))
        } catch {
            box.result = .failure(error)
        }
        await db.close()
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// The answer handed from the reading task to the waiting thread (written before the signal,
/// read after the wait).
private final class Box: @unchecked Sendable {
    var result: Result<[String: String], any Error>?
}
