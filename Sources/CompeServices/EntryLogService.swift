import CompeCore
import CompeStore
import Foundation

/// Why a log request was refused.
public enum EntryLogError: Error, CustomStringConvertible, Equatable {
    case noLog(contest: String)
    case badRange(String)

    public var description: String {
        switch self {
        case .noLog(let c): return "contest '\(c)' has no entry log yet (nothing was received)"
        case .badRange(let detail): return detail
        }
    }
}

/// A contest's entry log for the organiser and the public: signing tree heads with the site key,
/// writing what `compe build` publishes, and the proofs the API answers. The leaves themselves
/// are appended by the store, in the transaction of each event.
public struct EntryLogService: Sendable {
    public let store: EntryStore

    public init(store: EntryStore) { self.store = store }

    /// Signs the current head of `contest`'s log and keeps it; when the newest head already has
    /// this size (nothing happened since), that head is returned and nothing new is signed,
    /// unless `evenIfUnchanged` (a deadline's head, which must be dated after it).
    public func sign(contest: String, key: SiteKey, now: Date = Date(), evenIfUnchanged: Bool = false) async throws -> SignedHead {
        let leaves = try await store.logLeaves(contest: contest)
        guard !leaves.isEmpty else { throw EntryLogError.noLog(contest: contest) }
        if !evenIfUnchanged, let last = try await store.heads(contest: contest).last, last.size == Int64(leaves.count) { return last }
        let root = Hex.encode(MerkleTree.root(leaves))
        let time = UTCTimestamp.format(now, milliseconds: false)
        let body = SignedHead.body(contest: contest, root: root, size: Int64(leaves.count), time: time)
        let head = SignedHead(contest: contest, root: root, size: Int64(leaves.count), time: time,
                              signature: try key.signature(for: body).base64EncodedString())
        try await store.recordHead(head)
        return head
    }

    /// The published files of `contest`'s log: `heads.json` (every signed head, oldest first),
    /// `leaves.json` (every leaf hash, hex, in order) and `events.json` (each leaf's event, in
    /// the same order; the log only grows, so events read after the leaves are cut to their count).
    public func published(contest: String) async throws -> (heads: Data, leaves: Data, events: Data) {
        let encoder = JSONCoding.encoder(pretty: true)
        let heads = try await store.heads(contest: contest)
        let leaves = try await store.logLeaves(contest: contest).map(Hex.encode)
        let events = Array(try await store.logEvents(contest: contest).prefix(leaves.count))
        func file<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) + Data("\n".utf8) }
        return (try file(heads), try file(leaves), try file(events))
    }

    /// PATH(leaf, size) with the tree's root at `size` (the whole log when nil).
    public func inclusionProof(contest: String, leaf: Int, size: Int?) async throws -> (size: Int, path: [String]) {
        let leaves = try await store.logLeaves(contest: contest)
        guard !leaves.isEmpty else { throw EntryLogError.noLog(contest: contest) }
        let size = size ?? leaves.count
        guard size >= 1, size <= leaves.count else { throw EntryLogError.badRange("size must be between 1 and \(leaves.count)") }
        guard let path = MerkleTree.inclusionProof(index: leaf, size: size, leaves: leaves) else {
            throw EntryLogError.badRange("leaf must be between 0 and \(size - 1)")
        }
        return (size, path.map(Hex.encode))
    }

    /// PROOF(from, to) between two sizes of the log.
    public func consistencyProof(contest: String, from: Int, to: Int) async throws -> [String] {
        let leaves = try await store.logLeaves(contest: contest)
        guard !leaves.isEmpty else { throw EntryLogError.noLog(contest: contest) }
        guard let path = MerkleTree.consistencyProof(from: from, to: to, leaves: leaves) else {
            throw EntryLogError.badRange("need 1 ≤ from ≤ to ≤ \(leaves.count)")
        }
        return path.map(Hex.encode)
    }
}
