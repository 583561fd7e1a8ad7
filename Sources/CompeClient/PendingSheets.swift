import CompeCore
import CompeWire
import Foundation

/// Score sheets saved while the server could not be reached, sent later by `compe judge sync`.
/// Each keeps its idempotency key, so a sheet that did reach the server before the connection
/// broke is not applied twice.
public struct PendingSheet: Codable, Sendable, Equatable {
    public var server: String
    public var ref: String
    public var submission: ScoreSubmission
    public var savedAt: Date

    enum CodingKeys: String, CodingKey { case server, ref, submission, savedAt = "saved_at" }

    public init(server: String, ref: String, submission: ScoreSubmission, savedAt: Date = Date()) {
        self.server = server
        self.ref = ref
        self.submission = submission
        self.savedAt = savedAt
    }
}

/// `$XDG_CONFIG_HOME/compe/pending.json` (0600).
public enum PendingSheets {
    /// The file.
    public static var file: URL { Credentials.folder.appendingPathComponent("pending.json") }

    /// Every pending sheet, oldest first.
    public static func load() throws -> [PendingSheet] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode([PendingSheet].self, from: data) } catch { throw ClientError.badCredentialsFile(file.path) }
    }

    /// Replaces the pending sheets (the file goes when none is left).
    public static func save(_ sheets: [PendingSheet]) throws {
        if sheets.isEmpty {
            unlink(file.path)
            return
        }
        try FileManager.default.createDirectory(at: Credentials.folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONCoding.encoder(pretty: true)
        encoder.dateEncodingStrategy = .iso8601
        let tmp = Credentials.folder.appendingPathComponent(".pending-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: tmp.path, contents: try encoder.encode(sheets), attributes: [.posixPermissions: 0o600]),
              rename(tmp.path, file.path) == 0 else { throw ClientError.cannotSave(file.path) }
    }

    /// Adds a sheet.
    public static func append(_ sheet: PendingSheet) throws {
        try save(try load() + [sheet])
    }
}

/// The revision of each sheet as this computer last saw it on each server
/// (`$XDG_CONFIG_HOME/compe/revisions.json`, 0600). A sheet scored offline is kept with the
/// revision it was based on, so `compe judge sync` sends it as a change of that revision: if
/// the judge scored the same entry on another device meanwhile, the server answers with a
/// conflict instead of the older device silently overwriting the newer score.
public enum KnownRevisions {
    /// The file.
    public static var file: URL { Credentials.folder.appendingPathComponent("revisions.json") }

    private static func load() -> [String: [String: Int]] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [:] }
        return (try? JSONDecoder().decode([String: [String: Int]].self, from: data)) ?? [:]
    }

    /// The revision of `ref` on `server` when last seen; nil when never seen.
    public static func revision(server: String, ref: String) -> Int? { load()[server]?[ref.uppercased()] }

    /// Records what the server just said. Best effort: a cache that cannot be written only
    /// means an offline score is checked against the server when it is sent.
    static func remember(server: String, _ revisions: [(ref: String, revision: Int)]) {
        guard !revisions.isEmpty else { return }
        var all = load()
        for (ref, revision) in revisions { all[server, default: [:]][ref.uppercased()] = revision }
        let encoder = JSONCoding.encoder()
        guard (try? FileManager.default.createDirectory(at: Credentials.folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])) != nil,
              let data = try? encoder.encode(all) else { return }
        let tmp = Credentials.folder.appendingPathComponent(".revisions-\(UUID().uuidString)")
        if FileManager.default.createFile(atPath: tmp.path, contents: data, attributes: [.posixPermissions: 0o600]) {
            if rename(tmp.path, file.path) != 0 { unlink(tmp.path) }
        }
    }
}
