import CompeCore
@testable import CompeStore
import Foundation
import Testing

/// The entry log in the store, on each engine: every event appends its leaf in the event's own
/// transaction (the group commit's path, the idempotent one, an edit, a withdrawal), indices
/// count up per contest, a replay adds nothing, and the entry carries its receipts.
@Suite struct EntryLogStoreTests {
    static func draft(_ title: String, contest: String = "c") -> EntryDraft {
        EntryDraft(contest: contest, title: title, summary: "s", teamName: "Team", members: ["Ann"], contactEmail: "a@x.example",
                   country: "JP", link: nil, language: "ja")
    }

    @Test(arguments: Engine.allCases) func everyEventIsALeafOfItsContestsLog(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let at = try #require(DateParsing.dateTime("2027-01-20T12:00:00Z"))
            let first = try await store.create(Self.draft("one"), files: [], idempotency: nil, now: at)
            let other = try await store.create(Self.draft("elsewhere", contest: "d"), files: [], idempotency: nil, now: at)
            let claim = IdempotencyClaim(key: "k", request: Data("r".utf8))
            let keyed = try await store.create(Self.draft("two"), files: [], idempotency: claim, now: at)
            let replay = try await store.create(Self.draft("two"), files: [], idempotency: claim, now: at)
            #expect(first.entry.log.map(\.index) == [0] && keyed.entry.log.map(\.index) == [1] && other.entry.log.map(\.index) == [0])
            #expect(replay.replayed && replay.entry.log == keyed.entry.log, "a replay answers with the first receipt and adds no leaf")
            let received = try #require(first.entry.log.first)
            #expect(received.leaf.event == .received && received.leaf.contest == "c" && received.leaf.time == "2027-01-20T12:00:00Z")
            #expect(received.leaf.fields == LogLeaf.fieldsHash(Self.draft("one")) && received.leaf.salt.count == 64)
            #expect(received.leafHash == Hex.encode(MerkleTree.leafHash(received.leaf.data)))

            var changed = Self.draft("one, changed")
            changed.summary = "new"
            let edited = try #require(try await store.replace(code: first.entry.code, token: first.editToken, with: changed, files: nil, now: at))
            #expect(edited.log.map(\.leaf.event) == [.received, .replaced] && edited.log.map(\.index) == [0, 2])
            #expect(edited.log[1].leaf.fields == LogLeaf.fieldsHash(changed))
            let withdrawn = try #require(try await store.withdraw(code: keyed.entry.code, token: keyed.editToken, now: at))
            #expect(withdrawn.log.map(\.leaf.event) == [.received, .withdrawn])
            _ = try await store.withdraw(code: keyed.entry.code, token: keyed.editToken, now: at)   // idempotent: no second leaf

            let leaves = try await store.logLeaves(contest: "c")
            #expect(leaves.count == 4)
            let all = (try #require(try await store.authorized(code: first.entry.code, token: first.editToken))).log + withdrawn.log
            #expect(Set(all.map(\.leafHash)) == Set(leaves.map(Hex.encode)), "the public leaves are exactly the events' hashes")
            let size = try await store.reading { db in try db.integer("SELECT size FROM log_size WHERE contest = 'c'", []) }
            #expect(size == 4)

            let head = SignedHead(contest: "c", root: Hex.encode(MerkleTree.root(leaves)), size: 4, time: "2027-01-20T12:00:00Z", signature: "c2ln")
            try await store.recordHead(head)
            try await store.recordHead(head)
            #expect(try await store.heads(contest: "c") == [head])
        }
    }
}

/// `compe fsck` checks the entry log on both engines: a leaf whose hash no longer matches its
/// data, a missing leaf (a gap, a size that does not match), an entry without its leaf.
@Suite struct EntryLogFsckTests {
    @Test(arguments: Engine.allCases) func fsckFindsATamperedOrMissingLeaf(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            for i in 0..<4 { _ = try await store.create(EntryLogStoreTests.draft("t\(i)"), files: [], idempotency: nil) }
            var report = try await Fsck.check(store: store, repair: false)
            #expect(report.rows.isEmpty, "\(report.rows)")
            try await store.writing { db in try db.execute("UPDATE log_leaf SET leaf_hash = ? WHERE contest = 'c' AND idx = 1", [Data(repeating: 0, count: 32)]) }
            report = try await Fsck.check(store: store, repair: false)
            #expect(report.rows.contains { $0.contains("leaf 1 of the log of c does not hash") }, "\(report.rows)")
            try await store.writing { db in try db.execute("DELETE FROM log_leaf WHERE contest = 'c' AND idx = 2", []) }
            report = try await Fsck.check(store: store, repair: false)
            #expect(report.rows.contains { $0.contains("has no leaf 2") }, "\(report.rows)")
            #expect(report.rows.contains { $0.contains("counts 4 leaves but holds 3") }, "\(report.rows)")
            #expect(report.rows.contains { $0.contains("1 entry has no leaf in the entry log: E-0003") }, "\(report.rows)")
        }
    }
}
