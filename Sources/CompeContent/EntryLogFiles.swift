import CompeCore
import Foundation

/// A contest's published entry log, `Content/contests/<slug>/log/heads.json`, `leaves.json` and
/// `events.json`,
/// written by `compe log sign` and published as they are at `/contests/<slug>/log/` by
/// `compe build` (with the site's public key), so anyone can recompute the tree and check every
/// head without asking the server.
public struct EntryLogFiles: Sendable, Hashable {
    public var slug: String
    /// Every signed head, oldest first.
    public var heads: [SignedHead]
    /// Every leaf hash, hex, in order.
    public var leaves: [String]
    /// Each leaf's event (`received`, `replaced`, `stage`, `withdrawn`), in the same order.
    public var events: [String]
    /// The files' bytes, published unchanged.
    public var headsData: Data
    public var leavesData: Data
    public var eventsData: Data

    /// The newest head, if any.
    public var finalHead: SignedHead? { heads.last }

    public static let headsName = "heads.json"
    public static let leavesName = "leaves.json"
    public static let eventsName = "events.json"
    /// The three files, as `compe log sign` writes them.
    public static var names: String { "\(headsName), \(leavesName) and \(eventsName)" }

    /// The logs of `slugs` under `contestsDir` (`Content/contests`) that have one; a file that
    /// does not read as a log is an error at its path.
    public static func load(contestsDir: URL, display: String, slugs: Set<String>, diags: inout Diagnostics) -> [String: EntryLogFiles] {
        var logs: [String: EntryLogFiles] = [:]
        for slug in slugs.sorted() {
            let folder = contestsDir.appendingPathComponent(slug).appendingPathComponent("log")
            func read(_ name: String) -> Data? { FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) }
            let headsData = read(headsName), leavesData = read(leavesName), eventsData = read(eventsName)
            guard headsData != nil || leavesData != nil || eventsData != nil else { continue }
            let where_ = "\(display)/\(slug)/log"
            guard let headsData, let leavesData, let eventsData else {
                diags.error(SourceLocation(path: where_), "needs \(names): write them again with 'compe log sign \(slug)'")
                continue
            }
            guard let h = try? JSONDecoder().decode([SignedHead].self, from: headsData) else {
                diags.error(SourceLocation(path: "\(where_)/\(headsName)"), "not a list of signed heads: write it again with 'compe log sign \(slug)'")
                continue
            }
            guard let l = try? JSONDecoder().decode([String].self, from: leavesData),
                  l.allSatisfy({ $0.utf8.count == 64 && Hex.decode($0) != nil }) else {
                diags.error(SourceLocation(path: "\(where_)/\(leavesName)"), "not a list of leaf hashes (64 hex digits each): write it again with 'compe log sign \(slug)'")
                continue
            }
            guard let e = try? JSONDecoder().decode([String].self, from: eventsData), EntryLogCheck.events(e, leaves: l.count).isEmpty else {
                diags.error(SourceLocation(path: "\(where_)/\(eventsName)"), "not one event per leaf (received, replaced, stage, withdrawn): "
                            + "write it again with 'compe log sign \(slug)'")
                continue
            }
            if let wrong = h.first(where: { $0.contest != slug || $0.size > Int64(l.count) }) {
                diags.error(SourceLocation(path: "\(where_)/\(headsName)"), "a head (size \(wrong.size), contest '\(wrong.contest)') does not belong to these \(l.count) leaves of '\(slug)'")
                continue
            }
            logs[slug] = EntryLogFiles(slug: slug, heads: h, leaves: l, events: e, headsData: headsData, leavesData: leavesData, eventsData: eventsData)
        }
        return logs
    }
}
