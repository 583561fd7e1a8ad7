import CompeCore
import Foundation

/// A contest's published entry log, `Content/contests/<slug>/log/heads.json` and `leaves.json`,
/// written by `compe log sign` and published as they are at `/contests/<slug>/log/` by
/// `compe build` (with the site's public key), so anyone can recompute the tree and check every
/// head without asking the server.
public struct EntryLogFiles: Sendable, Hashable {
    public var slug: String
    /// Every signed head, oldest first.
    public var heads: [SignedHead]
    /// Every leaf hash, hex, in order.
    public var leaves: [String]
    /// The files' bytes, published unchanged.
    public var headsData: Data
    public var leavesData: Data

    /// The newest head, if any.
    public var finalHead: SignedHead? { heads.last }

    public static let headsName = "heads.json"
    public static let leavesName = "leaves.json"

    /// The logs of `slugs` under `contestsDir` (`Content/contests`) that have one; a file that
    /// does not read as a log is an error at its path.
    public static func load(contestsDir: URL, display: String, slugs: Set<String>, diags: inout Diagnostics) -> [String: EntryLogFiles] {
        var logs: [String: EntryLogFiles] = [:]
        for slug in slugs.sorted() {
            let folder = contestsDir.appendingPathComponent(slug).appendingPathComponent("log")
            let heads = folder.appendingPathComponent(headsName), leaves = folder.appendingPathComponent(leavesName)
            let headsData = FileManager.default.contents(atPath: heads.path), leavesData = FileManager.default.contents(atPath: leaves.path)
            guard headsData != nil || leavesData != nil else { continue }
            let where_ = "\(display)/\(slug)/log"
            guard let headsData, let leavesData else {
                diags.error(SourceLocation(path: where_), "needs both \(headsName) and \(leavesName): write them again with 'compe log sign \(slug)'")
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
            if let wrong = h.first(where: { $0.contest != slug || $0.size > Int64(l.count) }) {
                diags.error(SourceLocation(path: "\(where_)/\(headsName)"), "a head (size \(wrong.size), contest '\(wrong.contest)') does not belong to these \(l.count) leaves of '\(slug)'")
                continue
            }
            logs[slug] = EntryLogFiles(slug: slug, heads: h, leaves: l, headsData: headsData, leavesData: leavesData)
        }
        return logs
    }
}
