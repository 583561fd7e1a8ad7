import CompeWire
import Crypto
import Foundation

/// What a judge does, answered either by the judging service on this machine (`--data`) or by
/// the server over HTTPS. The command line prints the same thing for both.
public protocol JudgeClient: Sendable {
    /// The judge's assignments.
    func queue() async throws -> [QueueItem]
    /// One entry, as the judge may see it.
    func entry(_ ref: String) async throws -> JudgeEntryView
    /// Saves scores.
    func score(_ ref: String, _ submission: ScoreSubmission) async throws -> ScoreReceipt
    /// The judge's own progress per contest.
    func progress() async throws -> [JudgeProgress]
    /// Writes file `file` of entry `ref` to `destination` and checks its SHA-256 (a mismatch
    /// deletes it and throws).
    func download(_ ref: String, file: JudgeEntryView.File, to destination: URL) async throws
    /// Whether the answers come from a server.
    var isRemote: Bool { get }
    /// The server's base URL when the answers come from one.
    var server: String? { get }
}

/// Finishing a download: the hash is checked before the file takes its name.
public enum Downloads {
    /// Moves `tmp` to `destination` when its SHA-256 is `sha256`; deletes it and throws otherwise.
    public static func finish(_ tmp: URL, as destination: URL, sha256: String) throws {
        var hasher = SHA256()
        guard let handle = FileHandle(forReadingAtPath: tmp.path) else { throw ClientError.checksumMismatch(file: destination.path) }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        try handle.close()
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard digest == sha256 else {
            try? FileManager.default.removeItem(at: tmp)
            try? FileManager.default.removeItem(at: destination)
            throw ClientError.checksumMismatch(file: destination.path)
        }
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: tmp, to: destination)
    }
}
