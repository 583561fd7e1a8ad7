import CompeCore
import CompeStore
import Foundation
import Synchronization

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
    /// The leaves read so far, shared by every copy of this service: proofs read only the
    /// leaves appended since the last request, not the whole log each time.
    private let cache = LeafCache()

    public init(store: EntryStore) { self.store = store }

    /// Every leaf of `contest`'s log now, from the cache and the leaves appended since.
    func currentLeaves(_ contest: String) async throws -> [MerkleTree.Hash] {
        let known = cache.leaves(contest)
        let added = try await store.logLeaves(contest: contest, from: known.count)
        return cache.extend(contest, from: known.count, with: added)
    }

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
        let leaves = try await currentLeaves(contest)
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
        let leaves = try await currentLeaves(contest)
        guard !leaves.isEmpty else { throw EntryLogError.noLog(contest: contest) }
        guard let path = MerkleTree.consistencyProof(from: from, to: to, leaves: leaves) else {
            throw EntryLogError.badRange("need 1 ≤ from ≤ to ≤ \(leaves.count)")
        }
        return path.map(Hex.encode)
    }
}

/// Each contest's leaves as read so far (the log only grows, so what was read stays true).
final class LeafCache: Sendable {
    private let leavesByContest = Mutex<[String: [MerkleTree.Hash]]>([:])

    func leaves(_ contest: String) -> [MerkleTree.Hash] { leavesByContest.withLock { $0[contest] ?? [] } }

    /// The leaves with `added` (read from index `from`) appended, kept when they are the longest
    /// known (another request may have extended them meanwhile).
    func extend(_ contest: String, from: Int, with added: [MerkleTree.Hash]) -> [MerkleTree.Hash] {
        leavesByContest.withLock { cache in
            let known = cache[contest] ?? []
            if known.count >= from + added.count { return known }
            let grown = Array(known.prefix(from)) + added
            cache[contest] = grown
            return grown
        }
    }
}
