import Foundation

/// The checks anyone can run on a contest's published log (`leaves.json`, `events.json`,
/// `heads.json`, the site's key) and on an entrant's receipt, without trusting the server: every
/// head is signed and is the root of the leaves it covers (so each later head extends the earlier
/// ones), a receipt's leaf, recomputed from its data and salt, is in the log and in the final head
/// with the event the published list gives it, and the entries the log counts as active are the
/// entries the results rank.
///
/// The event list is not inside the hashes (a leaf's data holds the salt, which stays private),
/// so it is checked the way the log's promise is checked: each entrant's receipt proves the event
/// of their own leaf, and a list that turned a receipt into a replacement (to drop an entry from
/// the count) fails that entrant's check.
public enum EntryLogCheck {
    /// What does not match, in words; empty when the log checks. `signed` checks one head's
    /// signature with the site's key.
    public static func log(leaves: [String], heads: [SignedHead], signed: (SignedHead) -> Bool) -> [String] {
        var problems: [String] = []
        let hashes = leaves.map { Hex.decode($0) ?? [] }
        if let bad = hashes.firstIndex(where: { $0.count != 32 }) { problems.append("leaf \(bad) is not a SHA-256 in hex") }
        if heads.isEmpty { problems.append("no signed head is published") }
        for (i, head) in heads.enumerated() {
            if !signed(head) { problems.append("head \(i) (size \(head.size), \(head.time)): the signature does not match the site's key") }
            if head.size > hashes.count {
                problems.append("head \(i) (size \(head.size)): covers more leaves than the \(hashes.count) published")
            } else if Hex.encode(MerkleTree.root(Array(hashes.prefix(Int(head.size))))) != head.root {
                problems.append("head \(i) (size \(head.size)): its root is not the root of the first \(head.size) published leaves")
            }
            if i > 0, head.size < heads[i - 1].size { problems.append("head \(i): smaller than the head before it (\(heads[i - 1].size))") }
        }
        return problems
    }

    /// What does not match between the event list and the leaves; empty when there is one known
    /// event per leaf and no more withdrawals than entries before them.
    public static func events(_ events: [String], leaves: Int) -> [String] {
        var problems: [String] = []
        if events.count != leaves { problems.append("the event list has \(events.count) events for \(leaves) leaves") }
        if let bad = events.firstIndex(where: { LogLeaf.Event(rawValue: $0) == nil }) {
            problems.append("event \(bad) ('\(events[bad])') is not one of \(LogLeaf.Event.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var active = 0
        for (i, e) in events.enumerated() {
            if e == LogLeaf.Event.received.rawValue { active += 1 }
            if e == LogLeaf.Event.withdrawn.rawValue { active -= 1 }
            if active < 0 { problems.append("event \(i) withdraws an entry the log never received"); break }
        }
        return problems
    }

    /// The entries active after the first `size` events: received and not withdrawn (a
    /// replacement or a later stage's files change no count).
    public static func activeEntries(events: [String], size: Int64) -> Int {
        events.prefix(Int(size)).reduce(0) { n, e in
            e == LogLeaf.Event.received.rawValue ? n + 1 : e == LogLeaf.Event.withdrawn.rawValue ? n - 1 : n
        }
    }

    /// What does not match between the active entries of the final head and the entries the
    /// published results rank; nil when they are the same number.
    public static func ranked(_ ranked: Int, events: [String], final: SignedHead) -> String? {
        let active = activeEntries(events: events, size: final.size)
        guard active != ranked else { return nil }
        return "the final head (size \(final.size)) counts \(active) active \(active == 1 ? "entry" : "entries") but the results rank \(ranked)"
            + (active > ranked ? ": \(active - ranked) active \(active - ranked == 1 ? "entry is" : "entries are") missing from the ranking"
                                 : ": the ranking has entries the log never received")
    }

    /// What does not match for one receipt event; nil when its leaf is in the log and in `final`
    /// with the receipt's event in the published list.
    public static func receipt(_ r: LogReceipt, leaves: [String], events: [String], final: SignedHead) -> String? {
        let hash = r.leaf.hash
        if Hex.encode(hash) != r.leafHash { return "leaf \(r.index): the receipt's data does not hash to its leaf_hash (changed, or another salt)" }
        guard r.index >= 0, r.index < Int64(leaves.count) else { return "leaf \(r.index): the published log has only \(leaves.count) leaves" }
        guard leaves[Int(r.index)] == r.leafHash else { return "leaf \(r.index): the published log holds another hash at this index" }
        if Int(r.index) < events.count, events[Int(r.index)] != r.leaf.event.rawValue {
            return "leaf \(r.index): the published event list calls it '\(events[Int(r.index)])', the receipt '\(r.leaf.event.rawValue)'"
        }
        guard r.index < final.size else { return "leaf \(r.index): after the final signed head (size \(final.size)); sign a new head" }
        let hashes = leaves.prefix(Int(final.size)).map { Hex.decode($0) ?? [] }
        guard let path = MerkleTree.inclusionProof(index: Int(r.index), size: Int(final.size), leaves: hashes),
              let root = Hex.decode(final.root),
              MerkleTree.verifyInclusion(index: UInt64(r.index), size: UInt64(final.size), leafHash: hash, proof: path, root: root) else {
            return "leaf \(r.index): not included in the final head (size \(final.size))"
        }
        return nil
    }
}
