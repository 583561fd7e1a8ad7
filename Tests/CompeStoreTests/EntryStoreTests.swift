import CompeCore
@testable import CompeStore
import Foundation
import Testing

/// The entry store's guarantees, on each engine; the PostgreSQL runs add a second instance on
/// the same database where a guarantee must hold across servers.
@Suite struct EntryStoreTests {
    static func draft(_ title: String, email: String = "a@x.example", contest: String = "c") -> EntryDraft {
        EntryDraft(contest: contest, title: title, summary: "s", teamName: "Team", members: ["Ann", "Bo"], contactEmail: email,
                   country: "JP", link: nil, language: "ja")
    }

    static let file = EntryFile(name: "design.pdf", bytes: 12, sha256: String(repeating: "ab", count: 32), kind: "pdf")

    @Test(arguments: Engine.allCases) func anEntryIsStoredReadEditedAndWithdrawnWithItsToken(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let receipt = try await store.create(Self.draft("日本語のタイトル"), files: [Self.file], idempotency: nil)
            #expect(receipt.entry.code == "E-0001" && !receipt.replayed)
            #expect(try await store.authorized(code: "E-0001", token: receipt.editToken)?.draft.title == "日本語のタイトル")
            #expect(try await store.authorized(code: "E-0001", token: receipt.editToken + "x") == nil)
            #expect(try await store.authorized(code: "E-0099", token: receipt.editToken) == nil)

            var changed = Self.draft("New title", email: "b@y.example")
            changed.link = "https://example.org/design"
            let edited = try #require(try await store.replace(code: "E-0001", token: receipt.editToken, with: changed, files: []))
            #expect(edited.draft.title == "New title" && edited.draft.link == "https://example.org/design" && edited.files.isEmpty)
            #expect(try await store.replace(code: "E-0001", token: "wrong", with: changed, files: nil) == nil)

            let gone = try #require(try await store.withdraw(code: "E-0001", token: receipt.editToken))
            #expect(gone.withdrawnAt != nil)
            #expect(try await store.withdraw(code: "E-0001", token: receipt.editToken)?.withdrawnAt == gone.withdrawnAt)
            #expect(try await store.replace(code: "E-0001", token: receipt.editToken, with: changed, files: nil) == nil)
            #expect(try await store.changeCounts(contest: "c") == ["create": 1, "update": 1, "withdraw": 1])

            let second = try await store.create(Self.draft("Second"), files: [Self.file, Self.file], idempotency: nil)
            let listed = try await store.entries(contest: "c")
            #expect(listed.map(\.code) == ["E-0001", "E-0002"] && listed[1].files.count == 2 && second.entry.files == listed[1].files)
            #expect(try await store.entries(contest: "other").isEmpty)
            #expect(try await store.count() == 2)
            #expect(try await store.referencedHashes() == [Self.file.sha256])
            #expect(try await store.integrityCheck() == "ok")
        }
    }

    @Test(arguments: Engine.allCases) func anIdempotencyKeyAnswersWithTheFirstEntryOnEveryInstance(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let claim = IdempotencyClaim(key: "key-1", request: Data("request".utf8))
            let first = try await subject.store.create(Self.draft("One"), files: [], idempotency: claim)
            let other = try subject.instance()
            let again = try await other.create(Self.draft("One"), files: [], idempotency: claim)
            #expect(again.replayed && again.entry.code == first.entry.code && again.editToken == first.editToken)
            #expect(try await other.replay(claim, contest: "c")?.editToken == first.editToken)
            let reused = IdempotencyClaim(key: "key-1", request: Data("another request".utf8))
            await #expect(throws: StoreError.self) { try await other.create(Self.draft("Two"), files: [], idempotency: reused) }
            #expect(try await subject.store.count() == 1)
            // A day later the key is forgotten: the same key makes a new entry.
            let later = try await other.create(Self.draft("One"), files: [], idempotency: claim, now: Date().addingTimeInterval(86_401))
            #expect(!later.replayed && later.entry.code == "E-0002")
        }
    }

    @Test(arguments: Engine.allCases) func concurrentEntriesOnTwoInstancesGetUniqueNumbersAndOneKeyMakesOneEntry(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let stores = [subject.store, try subject.instance()]
            let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
                for i in 0..<120 {
                    group.addTask { try await stores[i % 2].create(Self.draft("Entry \(i)"), files: [Self.file], idempotency: nil) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(receipts.map(\.entry.id)).count == 120)
            #expect(Set(receipts.map(\.entry.code)).count == 120)
            #expect(try await subject.store.count() == 120)
            // Entries written together in one statement each get their own number, files and token.
            for receipt in receipts {
                let stored = try await subject.store.authorized(code: receipt.entry.code, token: receipt.editToken)
                #expect(stored?.draft.title == receipt.entry.draft.title && stored?.files == [Self.file])
            }
            #expect(try await subject.store.changeCounts(contest: "c") == ["create": 120])
            // The same key sent to both instances at once: one entry, every answer names it.
            let claim = IdempotencyClaim(key: "same", request: Data("same request".utf8))
            let answers = try await withThrowingTaskGroup(of: Receipt.self) { group in
                for i in 0..<16 { group.addTask { try await stores[i % 2].create(Self.draft("Keyed"), files: [], idempotency: claim) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers.map(\.entry.code)).count == 1 && Set(answers.map(\.editToken)).count == 1)
            #expect(answers.filter { !$0.replayed }.count == 1)
            #expect(try await subject.store.count() == 121)
        }
    }

    @Test(arguments: Engine.allCases) func anEntryTheDatabaseRefusesFailsAloneInItsBatch(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            // PostgreSQL refuses text with a NUL character (the web form strips control
            // characters before the store sees them); SQLite keeps it.
            let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                for i in 0..<60 {
                    let title = i % 10 == 3 ? "Bad\u{0}\(i)" : "Good \(i)"
                    group.addTask { (title, (try? await subject.store.create(Self.draft(title), files: [Self.file], idempotency: nil)) != nil) }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            let good = outcomes.filter { $0.key.hasPrefix("Good") }
            #expect(good.count == 54 && good.values.allSatisfy { $0 })
            let bad = outcomes.filter { $0.key.hasPrefix("Bad") }
            #expect(bad.values.allSatisfy { $0 == (engine == .sqlite) })
            let stored = try await subject.store.entries(contest: "c").map(\.draft.title)
            #expect(Set(stored.filter { $0.hasPrefix("Good") }) == Set(good.keys) && stored.count == (engine == .sqlite ? 60 : 54))
        }
    }

    @Test(arguments: Engine.allCases) func aSheetChangedOnAnotherInstanceIsNotOverwritten(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            _ = try await store.create(Self.draft("Scored"), files: [], idempotency: nil)
            try await store.addJudge(Judge(handle: "sato", name: "Sato", email: nil, organisation: nil))
            try await store.addToPanel(contest: "c", stage: Stage.firstID, judges: ["sato"])
            let assignment = try #require(try await store.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 1, seed: 1).first)
            let contest = Contest(slug: "c", language: "ja", title: "t", description: "", opens: Date(), closes: Date(), prizes: [],
                                  teamSize: 1...5, uploads: .standard,
                                  criteria: [Criterion(id: "u", name: "U", weight: 100, scaleMin: 1, scaleMax: 10, rubric: "")],
                                  judging: .standard, draft: false)
            let stores = [store, try subject.instance()]
            // Both instances save revision 0 at once: exactly one wins, the other is told the sheet moved on.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        do {
                            try await stores[i % 2].saveScores(contest: contest, assignment: assignment, values: ["u": i + 1], comment: nil,
                                                               revision: 0)
                            return true
                        } catch StoreError.staleRevision(let current) {
                            return current == 1 ? false : true
                        } catch {
                            return true
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let sheet = try await store.sheet(entryID: assignment.entry.id, judge: "sato", stage: Stage.firstID)
            let audit = try await store.scoreAudit(entryID: assignment.entry.id)
            #expect(sheet.revision == 1 && audit.count == 1)
            // A retried request (same key) is applied once, whichever instance it reaches.
            let key = ScoreRequestKey(key: "k", request: Data("r".utf8))
            let a = try await stores[0].saveScores(contest: contest, assignment: assignment, values: ["u": 9], comment: nil, key: key)
            let b = try await stores[1].saveScores(contest: contest, assignment: assignment, values: ["u": 9], comment: nil, key: key)
            #expect(a.revision == 2 && b.revision == 2)
        }
    }

    @Test(arguments: Engine.allCases) func judgeTokensPanelsAndErrors(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            try await store.addJudge(Judge(handle: "kim", name: "Kim", email: "kim@x.example", organisation: "Org"))
            await #expect { try await store.addJudge(Judge(handle: "kim", name: "Again", email: nil, organisation: nil)) } throws: { error in
                if case StoreError.judgeExists("kim") = error { return true } else { return false }
            }
            #expect(try await store.judges().map(\.handle) == ["kim"])
            let token = JudgeToken.generate()
            try await store.setToken(token, judge: "kim", expires: Date().addingTimeInterval(60))
            #expect(try await store.judge(forToken: token) == "kim")
            #expect(try await store.judge(forToken: token, now: Date().addingTimeInterval(120)) == nil)
            let replacement = JudgeToken.generate()
            try await store.setToken(replacement, judge: "kim", expires: nil)
            #expect(try await store.judge(forToken: token) == nil)
            #expect(try await store.judge(forToken: replacement) == "kim")
            #expect(try await store.revokeToken(judge: "kim"))
            #expect(!(try await store.revokeToken(judge: "kim")))
            try await store.addToPanel(contest: "c", stage: Stage.firstID, judges: ["kim"])
            try await store.addToPanel(contest: "c", stage: Stage.firstID, judges: ["kim"])
            #expect(try await store.panel(contest: "c", stage: Stage.firstID).map(\.handle) == ["kim"])
            try await store.removeFromPanel(contest: "c", stage: Stage.firstID, judge: "kim")
            await #expect(throws: StoreError.self) { try await store.removeFromPanel(contest: "c", stage: Stage.firstID, judge: "kim") }
            await #expect(throws: StoreError.self) { try await store.addToPanel(contest: "c", stage: Stage.firstID, judges: ["nobody"]) }
        }
    }

    @Test(arguments: Engine.allCases) func mailIsQueuedWithTheChangeAndClaimedByOneInstance(engine: Engine) async throws {
        try await StoreUnderTest.with(engine, queuesMail: true) { subject in
            let store = subject.store
            let receipt = try await store.create(Self.draft("Mailed", email: "Ann@X.example"), files: [], idempotency: nil)
            _ = try await store.withdraw(code: receipt.entry.code, token: receipt.editToken)
            _ = try await store.create(Self.draft("Other"), files: [], idempotency: nil)
            #expect(try await store.outbox().map(\.kind) == [.receipt, .withdrawn, .receipt])
            #expect(try await store.queueRecovery(contest: "c", email: "ann@x.example") == 0)   // withdrawn: nothing to recover
            #expect(try await store.queueForContest(.results, contest: "c") == (1, 0))
            #expect(try await store.queueForContest(.results, contest: "c") == (0, 1))
            let other = try subject.instance(queuesMail: true)
            let now = Date().addingTimeInterval(1)
            let claimed = try await store.dueMail(now: now, lease: 60)
            #expect(claimed.count == 4)
            #expect(try await other.dueMail(now: now, lease: 60).isEmpty)   // claimed by the first
            try await store.recordDelivery(claimed[0].id, sent: true, now: now)
            try await store.recordDelivery(claimed[1].id, sent: false, error: "550 no", now: now)
            #expect(try await other.dueMail(now: now.addingTimeInterval(61), lease: 60).map(\.id) == claimed[2...].map(\.id))
            #expect(try await store.retryMail(claimed[1].id, now: now.addingTimeInterval(62)))
            #expect(!(try await store.retryMail(claimed[0].id)))
            let subjectOfMail = try #require(try await other.mailSubject(claimed[0]))
            #expect(subjectOfMail.entry.code == receipt.entry.code && subjectOfMail.editToken == receipt.editToken)
        }
    }

    @Test(arguments: Engine.allCases) func aCorruptTimestampIsReportedWithItsPlace(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            _ = try await subject.store.create(Self.draft("One"), files: [], idempotency: nil)
            try await subject.store.writing { db in try db.execute("UPDATE entry SET received_at = 'yesterday'", []) }
            await #expect { try await subject.store.entries(contest: "c") } throws: { error in
                guard case StoreError.corrupt(let table, let column, let value) = error else { return false }
                return table == "entry" && column == "received_at" && value == "yesterday"
            }
        }
    }
}
