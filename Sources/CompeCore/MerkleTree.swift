import Crypto
import Foundation

/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0), §2.1: SHA-256 over leaves and
/// nodes with distinct prefixes, so a leaf can never be passed off as a node. compe keeps one
/// per contest (the entry log); anyone can check from published hashes alone that an entry is
/// in it (inclusion, §2.1.3) and that a later tree only added to an earlier one (consistency,
/// §2.1.4). Everything here works on leaf hashes, which is all the public log holds.
public enum MerkleTree {
    /// A SHA-256 value.
    public typealias Hash = [UInt8]

    /// `SHA-256(0x00 ‖ data)`: the hash of one leaf's data (§2.1.1).
    public static func leafHash(_ data: [UInt8]) -> Hash {
        var h = SHA256()
        h.update(data: [0])
        h.update(data: data)
        return Array(h.finalize())
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`: the hash of an inner node (§2.1.1).
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var h = SHA256()
        h.update(data: [1])
        h.update(data: left)
        h.update(data: right)
        return Array(h.finalize())
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// MTH(D[n]) of the tree whose leaf hashes are `leaves` (§2.1.1). Computed bottom-up, each
    /// level pairing nodes left to right and carrying an odd last node up unchanged, which is
    /// the same as splitting at the largest power of two below n.
    public static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        guard !leaves.isEmpty else { return emptyRoot }
        var level = Array(leaves)
        while level.count > 1 {
            var next: [Hash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                next.append(nodeHash(level[i], level[i + 1]))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level[0]
    }

    public static func root(_ leaves: [Hash]) -> Hash { root(leaves[...]) }

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// PATH(m, D[n]): the audit path of leaf `index` in the tree of the first `size` leaves
    /// (§2.1.3.1), leaf-side first. Nil when `index` is not below `size`, or `size` exceeds the
    /// leaves.
    public static func inclusionProof(index: Int, size: Int, leaves: [Hash]) -> [Hash]? {
        guard index >= 0, index < size, size <= leaves.count else { return nil }
        return path(index, leaves[0..<size])
    }

    private static func path(_ m: Int, _ d: ArraySlice<Hash>) -> [Hash] {
        let n = d.count
        guard n > 1 else { return [] }
        let k = split(n), start = d.startIndex
        if m < k { return path(m, d[start..<start + k]) + [root(d[(start + k)...])] }
        return path(m - k, d[(start + k)...]) + [root(d[start..<start + k])]
    }

    /// PROOF(m, D[n]): the consistency proof from the tree of the first `from` leaves to the
    /// tree of the first `to` (§2.1.4.1). Empty when the sizes are equal; nil when `from` is 0,
    /// `from` > `to`, or `to` exceeds the leaves.
    public static func consistencyProof(from: Int, to: Int, leaves: [Hash]) -> [Hash]? {
        guard from > 0, from <= to, to <= leaves.count else { return nil }
        return subproof(from, leaves[0..<to], complete: true)
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<Hash>, complete: Bool) -> [Hash] {
        let n = d.count
        if m == n { return complete ? [] : [root(d)] }
        let k = split(n), start = d.startIndex
        if m <= k { return subproof(m, d[start..<start + k], complete: complete) + [root(d[(start + k)...])] }
        return subproof(m - k, d[(start + k)...], complete: false) + [root(d[start..<start + k])]
    }

    /// Whether `proof` shows the leaf with hash `leafHash` at `index` in the tree of `size`
    /// leaves whose root is `root` (§2.1.3.2).
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index < size, leafHash.count == 32, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `proof` shows that the tree of `size2` leaves with root `root2` extends the tree
    /// of `size1` leaves with root `root1`, changing none of its leaves (§2.1.4.2). A proof from
    /// the empty tree proves nothing and is refused; equal sizes need an empty proof and equal
    /// roots.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, proof: [Hash], root1: Hash, root2: Hash) -> Bool {
        guard size1 <= size2, size1 > 0, proof.allSatisfy({ $0.count == 32 }) else { return false }
        if size1 == size2 { return proof.isEmpty && root1 == root2 }
        guard !proof.isEmpty else { return false }
        var path = proof
        if size1 & (size1 - 1) == 0 { path.insert(root1, at: 0) }
        var fn = size1 - 1, sn = size2 - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == root1 && sr == root2 && sn == 0
    }
}
