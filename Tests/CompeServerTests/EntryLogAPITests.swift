import CompeCore
import CompeServer
import CompeServices
import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// The entry log through the real server: the JSON receipt carries the leaf (its data hashes to
/// its leaf_hash, recomputed here from the canonical JSON by Foundation, not by compe's type), the
/// entrant's view lists every event, and the proof API's paths verify against the log's root.
@Suite struct EntryLogAPITests {
    @Test func receiptsCarryTheirLeafAndTheProofsVerify() async throws {
        try await ServerFixture.with { f async throws in
            var tokens: [String] = []
            for i in 0..<5 {
                let r = try await f.post(.validEntry(title: "Logged \(i)"))
                #expect(r.status == 201)
                let json = try #require(r.json)
                tokens.append(try #require(json["edit_token"] as? String))
                let log = try #require(json["log"] as? [String: Any])
                #expect(log["index"] as? Int == i)
                let leaf = try #require(log["leaf"] as? [String: Any])
                #expect(leaf["event"] as? String == "received" && leaf["contest"] as? String == "test" && (leaf["salt"] as? String)?.count == 64)
                #expect((leaf["files"] as? [String])?.count == 1)
                let canonical = try JSONSerialization.data(withJSONObject: leaf, options: [.sortedKeys, .withoutEscapingSlashes])
                #expect(log["leaf_hash"] as? String == sha256(Data([0]) + canonical))
            }
            // A proof now (the server keeps the 5 leaves it read; later proofs read only what came since).
            #expect(try await f.request("GET", "/api/contests/test/log/proof?leaf=4").json?["tree_size"] as? Int == 5)
            // Withdrawing is an event of its own, listed in the entrant's view.
            #expect(try await f.request("DELETE", "/api/entries/E-0002", headers: ["Authorization: Bearer \(tokens[1])"]).status == 200)
            let view = try await f.request("GET", "/api/entries/E-0002", headers: ["Accept: application/json", "Authorization: Bearer \(tokens[1])"])
            let events = (view.json?["log"] as? [[String: Any]] ?? []).compactMap { ($0["leaf"] as? [String: Any])?["event"] as? String }
            #expect(events == ["received", "withdrawn"])
            let page = try await f.request("GET", "/api/entries/E-0002?lang=en", headers: ["Authorization: Bearer \(tokens[1])"])
            #expect(page.text.contains("Entry log") && page.text.contains("&quot;leaf_hash&quot;"))

            let leaves = try await f.store().logLeaves(contest: "test")
            #expect(leaves.count == 6)
            for size in 1...6 {
                let root = MerkleTree.root(Array(leaves.prefix(size)))
                for leaf in 0..<size {
                    let r = try await f.request("GET", "/api/contests/test/log/proof?leaf=\(leaf)&size=\(size)")
                    let path = (r.json?["audit_path"] as? [String] ?? []).compactMap(Hex.decode)
                    #expect(r.status == 200 && MerkleTree.verifyInclusion(index: UInt64(leaf), size: UInt64(size), leafHash: leaves[leaf], proof: path, root: root))
                }
                let c = try await f.request("GET", "/api/contests/test/log/consistency?from=\(size)&to=6")
                let path = (c.json?["consistency_path"] as? [String] ?? []).compactMap(Hex.decode)
                #expect(c.status == 200 && MerkleTree.verifyConsistency(size1: UInt64(size), size2: 6, proof: path, root1: root, root2: MerkleTree.root(leaves)))
            }
            #expect(try await f.request("GET", "/api/contests/test/log/proof?leaf=6&size=6").status == 400)
            #expect(try await f.request("GET", "/api/contests/test/log/proof?leaf=x").status == 400)
            #expect(try await f.request("GET", "/api/contests/test/log/consistency?from=0&to=6").status == 400)
            #expect(try await f.request("GET", "/api/contests/nope/log/proof?leaf=0").status == 404)
        }
    }

    /// At the deadline the server signs the head by itself (with the site key), once.
    @Test func theServerSignsTheHeadAtTheDeadline() async throws {
        try await ServerFixture.with(configure: { $0.deadlineCheck = .milliseconds(50) }) { f async throws in
            let key = try SiteKey.create(data: f.data)
            for i in 0..<3 { #expect(try await f.post(.validEntry(title: "Before close \(i)")).status == 201) }
            let store = try f.store()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await store.heads(contest: "test").isEmpty, "nothing is signed while the contest is open")
            f.now.withLock { $0 = DateParsing.dateTime("2027-02-10T17:00:05+09:00")! }
            var heads: [SignedHead] = []
            for _ in 0..<100 where heads.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                heads = try await store.heads(contest: "test")
            }
            let head = try #require(heads.first)
            #expect(heads.count == 1 && head.size == 3 && head.time == "2027-02-10T08:00:05Z")
            #expect(head.root == Hex.encode(MerkleTree.root(try await store.logLeaves(contest: "test"))))
            #expect(key.publicKey.isValid(try #require(Data(base64Encoded: head.signature)), for: head.body))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await store.heads(contest: "test").count == 1, "signed once per deadline")
        }
    }
}
