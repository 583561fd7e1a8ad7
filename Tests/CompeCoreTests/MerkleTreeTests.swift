import CompeCore
import Foundation
import Testing

/// The entry log's hashing and proofs against the public RFC 6962/9162 test vectors that
/// transparency-dev/merkle publishes (Tests/Fixtures/rfc9162, data only, Apache 2.0): the roots
/// of the eight reference leaves, and every inclusion and consistency case, valid and broken.
@Suite struct MerkleTreeTests {
    struct Vectors: Decodable {
        struct Inclusion: Decodable {
            var file: String
            var leaf_index: UInt64
            var tree_size: UInt64
            var root: String?
            var leaf_hash: String?
            var proof: [String]
            var want_error: Bool
        }
        struct Consistency: Decodable {
            var file: String
            var size1: UInt64
            var size2: UInt64
            var root1: String?
            var root2: String?
            var proof: [String]
            var want_error: Bool
        }
        var leaf_inputs: [String]
        var roots: [String]
        var inclusion: [Inclusion]
        var consistency: [Consistency]
    }

    static let vectors: Vectors = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let data = try! Data(contentsOf: root.appendingPathComponent("Fixtures/rfc9162/vectors.json"))
        return try! JSONDecoder().decode(Vectors.self, from: data)
    }()

    static func bytes(_ hex: String?) -> [UInt8] { hex.flatMap(Hex.decode) ?? [] }

    static var leaves: [MerkleTree.Hash] { vectors.leaf_inputs.map { MerkleTree.leafHash(bytes($0)) } }

    @Test func theReferenceRootsForEverySize() {
        let leaves = Self.leaves
        for (size, root) in Self.vectors.roots.enumerated() {
            #expect(MerkleTree.root(Array(leaves.prefix(size))) == Self.bytes(root), "size \(size)")
        }
    }

    @Test func everyInclusionVector() {
        #expect(Self.vectors.inclusion.count > 90)
        for v in Self.vectors.inclusion {
            let ok = MerkleTree.verifyInclusion(index: v.leaf_index, size: v.tree_size, leafHash: Self.bytes(v.leaf_hash),
                                                proof: v.proof.map(Self.bytes), root: Self.bytes(v.root))
            #expect(ok == !v.want_error, "\(v.file)")
        }
    }

    @Test func everyConsistencyVector() {
        #expect(Self.vectors.consistency.count > 90)
        for v in Self.vectors.consistency {
            let ok = MerkleTree.verifyConsistency(size1: v.size1, size2: v.size2, proof: v.proof.map(Self.bytes),
                                                  root1: Self.bytes(v.root1), root2: Self.bytes(v.root2))
            #expect(ok == !v.want_error, "\(v.file)")
        }
    }

    /// The proofs compe makes verify, for every leaf and pair of sizes up to 40 leaves, and a
    /// changed leaf or root fails them.
    @Test func proofsMadeHereVerifyAndTamperingFails() {
        let leaves = (0..<40).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) }
        for size in 1...leaves.count {
            let root = MerkleTree.root(Array(leaves.prefix(size)))
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index: index, size: size, leaves: leaves)!
                #expect(MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: proof, root: root))
                #expect(!MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: MerkleTree.leafHash([9]), proof: proof, root: root))
            }
            for first in 1...size {
                let proof = MerkleTree.consistencyProof(from: first, to: size, leaves: leaves)!
                let old = MerkleTree.root(Array(leaves.prefix(first)))
                #expect(MerkleTree.verifyConsistency(size1: UInt64(first), size2: UInt64(size), proof: proof, root1: old, root2: root), "\(first)→\(size)")
                if first < size {
                    var rewritten = leaves
                    rewritten[first - 1] = MerkleTree.leafHash([7])
                    #expect(!MerkleTree.verifyConsistency(size1: UInt64(first), size2: UInt64(size), proof: proof,
                                                          root1: MerkleTree.root(Array(rewritten.prefix(first))), root2: root))
                }
            }
        }
        #expect(MerkleTree.inclusionProof(index: 3, size: 3, leaves: leaves) == nil)
        #expect(MerkleTree.consistencyProof(from: 0, to: 3, leaves: leaves) == nil)
    }

    /// The published events count the active entries (received minus withdrawn, at the final
    /// head's size), a list that does not fit the leaves is a problem, results that rank fewer
    /// entries than the log holds are named, and a receipt whose event the list changed fails.
    @Test func eventsCountTheActiveEntriesAndTheReceiptHoldsItsEvent() {
        let kinds: [LogLeaf.Event] = [.received, .received, .replaced, .received, .withdrawn, .stage, .received]
        let leaves = kinds.enumerated().map { i, e in
            LogLeaf(contest: "c", event: e, files: [], fields: String(repeating: "0", count: 64), salt: LogLeaf.newSalt(), time: "2026-12-0\(i + 1)T00:00:00Z")
        }
        let hashes = leaves.map { Hex.encode($0.hash) }, events = kinds.map(\.rawValue)
        #expect(EntryLogCheck.events(events, leaves: hashes.count).isEmpty)
        #expect(EntryLogCheck.activeEntries(events: events, size: 7) == 3)
        #expect(EntryLogCheck.activeEntries(events: events, size: 5) == 2)
        #expect(EntryLogCheck.events(Array(events.dropLast()), leaves: hashes.count) == ["the event list has 6 events for 7 leaves"])
        #expect(EntryLogCheck.events(["withdrawn"] + events.dropFirst(), leaves: hashes.count).contains("event 0 withdraws an entry the log never received"))
        #expect(EntryLogCheck.events(["deleted"] + events.dropFirst(), leaves: hashes.count).first?.hasPrefix("event 0 ('deleted') is not one of") == true)
        let final = SignedHead(contest: "c", root: Hex.encode(MerkleTree.root(leaves.map(\.hash))), size: 7, time: "2026-12-08T00:00:00Z", signature: "")
        #expect(EntryLogCheck.ranked(3, events: events, final: final) == nil)
        #expect(EntryLogCheck.ranked(2, events: events, final: final)
                == "the final head (size 7) counts 3 active entries but the results rank 2: 1 active entry is missing from the ranking")
        let receipt = LogReceipt(index: 3, leaf: leaves[3])
        #expect(EntryLogCheck.receipt(receipt, leaves: hashes, events: events, final: final) == nil)
        var turned = events
        turned[3] = "replaced"
        #expect(EntryLogCheck.receipt(receipt, leaves: hashes, events: turned, final: final)
                == "leaf 3: the published event list calls it 'replaced', the receipt 'received'")
    }
}
