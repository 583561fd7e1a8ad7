import Foundation

/// The checks anyone can run on a contest's published log (`leaves.json`, `heads.json`, the
/// site's key) and on an entrant's receipt, without trusting the server: every head is signed
/// and is the root of the leaves it covers (so each later head extends the earlier ones), and a
/// receipt's leaf, recomputed from its data and salt, is in the log and in the final head.
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

    /// What does not match for one receipt event; nil when its leaf is in the log and in `final`.
    public static func receipt(_ r: LogReceipt, leaves: [String], final: SignedHead) -> String? {
        let hash = r.leaf.hash
        if Hex.encode(hash) != r.leafHash { return "leaf \(r.index): the receipt's data does not hash to its leaf_hash (changed, or another salt)" }
        guard r.index >= 0, r.index < Int64(leaves.count) else { return "leaf \(r.index): the published log has only \(leaves.count) leaves" }
        guard leaves[Int(r.index)] == r.leafHash else { return "leaf \(r.index): the published log holds another hash at this index" }
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
