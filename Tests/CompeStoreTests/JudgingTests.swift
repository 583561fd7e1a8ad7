import CompeCore
@testable import CompeStore
import Foundation
import Testing

/// Judges, conflicts and assignment, on each engine (a real SQLite file, a real PostgreSQL database).
@Suite struct JudgingTests {
    func addEntries(_ store: EntryStore, emails: [String]) async throws {
        for (i, email) in emails.enumerated() {
            let draft = EntryDraft(contest: "c", title: "Entry \(i)", summary: "s", teamName: i == 1 ? "Team Acme Labs" : "Team \(i)",
                                   members: ["m"], contactEmail: email, country: "JP", link: nil, language: "ja")
            _ = try await store.create(draft, files: [], idempotency: nil)
        }
    }

    func addJudges(_ store: EntryStore) async throws {
        try await store.addJudge(Judge(handle: "sato", name: "Sato", email: "sato@uni.example.ac.jp", organisation: nil))
        try await store.addJudge(Judge(handle: "lee", name: "Lee", email: "lee@gmail.com", organisation: "Acme Labs"))
        try await store.addJudge(Judge(handle: "kim", name: "Kim", email: nil, organisation: nil))
        try await store.addJudge(Judge(handle: "ono", name: "Ono", email: nil, organisation: nil))
        try await store.addToPanel(contest: "c", stage: Stage.firstID, judges: ["sato", "lee", "kim", "ono"])
    }

    @Test(arguments: Engine.allCases) func conflictsAreNeverAssignedAndLoadIsBalanced(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            try await addEntries(store, emails: ["a@uni.example.ac.jp", "b@acme.example", "c@gmail.com", "d@x.example", "e@y.example", "f@z.example"])
            try await addJudges(store)
            try await store.addConflict(judge: "kim", entryCode: "E-0004", reason: "former student")
            let conflicts = try await store.conflicts(contest: "c")
            // Declared, same (non-webmail) email domain, organisation named in the team; gmail is not a conflict.
            #expect(conflicts[.init(entry: 4, judge: "kim")] == "former student")
            #expect(conflicts[.init(entry: 1, judge: "sato")] == "same email domain (uni.example.ac.jp)")
            #expect(conflicts[.init(entry: 2, judge: "lee")] == "organisation 'Acme Labs' appears in the entry")
            #expect(conflicts[.init(entry: 3, judge: "lee")] == nil)

            let added = try await store.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 2, seed: 7)
            #expect(added.count == 12)
            for a in added { #expect(conflicts[.init(entry: a.entry.id, judge: a.judge)] == nil, "conflicted pair assigned") }
            let perEntry = Dictionary(grouping: added, by: \.entry.id).mapValues(\.count)
            #expect(perEntry.values.allSatisfy { $0 == 2 } && perEntry.count == 6)
            let load = Dictionary(grouping: added, by: \.judge).mapValues(\.count)
            #expect(load.values.max()! - load.values.min()! <= 1, "unbalanced: \(load)")
            #expect(Set(added.map(\.blindCode)).count == 12)
            #expect(added.allSatisfy { $0.blindCode.range(of: "^B-[0-9A-HJKMNP-TV-Z]{6}$", options: .regularExpression) != nil })
        }
    }

    @Test(arguments: Engine.allCases) func sameSeedSameAssignmentAndLateEntriesAreAddedIncrementally(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { first in
            try await StoreUnderTest.with(engine) { second in
                let emails = (0..<8).map { "p\($0)@d\($0).example" }
                let s1 = first.store, s2 = second.store
                try await addEntries(s1, emails: emails)
                try await addEntries(s2, emails: emails)
                try await addJudges(s1)
                try await addJudges(s2)
                let a1 = try await s1.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 3, seed: 42).map { "\($0.entry.code)-\($0.judge)" }.sorted()
                let a2 = try await s2.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 3, seed: 42).map { "\($0.entry.code)-\($0.judge)" }.sorted()
                #expect(a1 == a2)
                #expect(try await s1.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 3, seed: 42).isEmpty)   // nothing missing
                _ = try await s1.create(EntryDraft(contest: "c", title: "late", summary: "s", teamName: "t", members: ["m"],
                                                   contactEmail: "late@late.example", country: "JP", link: nil, language: "en"),
                                        files: [], idempotency: nil)
                let late = try await s1.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 3, seed: 42)
                #expect(late.count == 3 && late.allSatisfy { $0.entry.code == "E-0009" })
                #expect(try await s1.assignments(contest: "c", stage: Stage.firstID).count == 27)
            }
        }
    }

    @Test(arguments: Engine.allCases) func tooFewFreeJudgesIsAClearError(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            try await addEntries(store, emails: ["a@uni.example.ac.jp"])
            try await addJudges(store)
            await #expect(throws: AssignmentPlanner.Shortage(entry: 1, needed: 4, eligible: 3)) {
                try await store.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 4, seed: 1)
            }
            await #expect(throws: StoreError.self) { try await store.addJudge(Judge(handle: "sato", name: "Again", email: nil, organisation: nil)) }
            await #expect(throws: StoreError.self) { try await store.addConflict(judge: "nobody", entryCode: "E-0001", reason: "x") }
        }
    }

    @Test(arguments: Engine.allCases) func rescoringIsAuditedAndFrozenByPublication(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            try await addEntries(store, emails: ["a@x.example"])
            try await addJudges(store)
            let a = try #require(try await store.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 1, seed: 1).first)
            let contest = Contest(slug: "c", language: "ja", title: "t", description: "", opens: Date(), closes: Date(), prizes: [],
                                  teamSize: 1...5, uploads: .standard,
                                  criteria: [Criterion(id: "u", name: "U", weight: 100, scaleMin: 1, scaleMax: 10, rubric: "")],
                                  judging: .standard, draft: false)
            try await store.saveScores(contest: contest, assignment: a, values: ["u": 4], comment: "first look")
            try await store.saveScores(contest: contest, assignment: a, values: ["u": 7], comment: nil)
            await #expect(throws: StoreError.self) { try await store.saveScores(contest: contest, assignment: a, values: ["u": 11], comment: nil) }
            await #expect(throws: StoreError.self) { try await store.saveScores(contest: contest, assignment: a, values: ["x": 1], comment: nil) }
            let audit = try await store.scoreAudit(entryID: a.entry.id)
            #expect(audit.map { "\($0.judge) \($0.field) \($0.old ?? "-")→\($0.new)" } == ["\(a.judge) u -→4", "\(a.judge) comment -→first look", "\(a.judge) u 4→7"])
            #expect(try await store.sheet(entryID: a.entry.id, judge: a.judge, stage: Stage.firstID).values == ["u": 7])
            try await store.markPublished(contest: "c", stage: Stage.firstID)
            await #expect(throws: StoreError.self) { try await store.saveScores(contest: contest, assignment: a, values: ["u": 9], comment: nil) }
            #expect(try await store.sheet(entryID: a.entry.id, judge: a.judge, stage: Stage.firstID).values == ["u": 7])
        }
    }
}

/// What counts in results, statistics and exports: the sheets of current assignments. A sheet
/// whose judge later declared a conflict, left the panel or lost the assignment otherwise is
/// left out, and said why, on both engines.
@Suite struct JudgedSheetsTests {
    @Test(arguments: Engine.allCases) func sheetsOfCurrentAssignmentsCountAndTheRestSayWhy(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let judging = JudgingTests()
            try await judging.addEntries(store, emails: ["a@a.example", "b@b.example", "c@c.example"])
            try await judging.addJudges(store)
            let assigned = try await store.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 3, seed: 3)
            #expect(assigned.count == 9)
            try await store.writing { db in
                for a in assigned {
                    for (criterion, value) in [("c1", 3), ("c2", 4)] {
                        try db.execute("INSERT INTO score (contest, stage, entry_id, judge, criterion, value, updated_at) VALUES ('c', ?, ?, ?, ?, ?, 'x')",
                                       [Stage.firstID, a.entry.id, a.judge, criterion, value])
                    }
                }
            }
            var (current, excluded) = try await store.judgedSheets(contest: "c", stage: Stage.firstID)
            #expect(current.count == 9 && excluded.isEmpty && current.allSatisfy { $0.values == ["c1": 3, "c2": 4] })

            // A late conflict on one sheet, a judge off the panel, one more assignment deleted.
            let conflicted = try #require(assigned.first { $0.entry.id == 1 })
            let removed = try #require(assigned.first { $0.judge != conflicted.judge }).judge
            let unassigned = try #require(assigned.first { $0.judge != conflicted.judge && $0.judge != removed && $0.entry.id != 1 })
            try await store.addConflict(judge: conflicted.judge, entryCode: "E-0001", reason: "former student")
            try await store.removeFromPanel(contest: "c", stage: Stage.firstID, judge: removed)
            try await store.writing { db in
                try db.execute("DELETE FROM assignment WHERE judge = ? AND entry_id = ?", [unassigned.judge, unassigned.entry.id])
            }
            (current, excluded) = try await store.judgedSheets(contest: "c", stage: Stage.firstID)
            let expected = assigned.compactMap { a -> ExcludedSheet? in
                if a.judge == conflicted.judge && a.entry.id == 1 { return ExcludedSheet(entryID: 1, judge: a.judge, reason: .conflict("former student")) }
                if a.judge == removed { return ExcludedSheet(entryID: a.entry.id, judge: a.judge, reason: .offPanel) }
                if a.judge == unassigned.judge && a.entry.id == unassigned.entry.id { return ExcludedSheet(entryID: a.entry.id, judge: a.judge, reason: .unassigned) }
                return nil
            }.sorted { ($0.entryID, $0.judge) < ($1.entryID, $1.judge) }
            #expect(excluded == expected && expected.count >= 3)
            #expect(current.count == 9 - expected.count)
            #expect(Set(current.map { "\($0.entryID)-\($0.judge)" }).isDisjoint(with: expected.map { "\($0.entryID)-\($0.judge)" }))
            #expect(try await store.sheets(contest: "c", stage: Stage.firstID).map(\.judge) == current.map(\.judge))
            #expect(try await store.excludedSheets(contest: "c", stage: Stage.firstID) == excluded)
        }
    }

    /// The store holds integers, text and bytes: a real number typed into the file by hand is an
    /// error where it is read, never rounded into an integer.
    @Test func aRealNumberIsRefusedNotRounded() async throws {
        try await StoreUnderTest.with(.sqlite) { subject in
            let store = subject.store
            try await JudgingTests().addEntries(store, emails: ["a@a.example"])
            try await JudgingTests().addJudges(store)
            _ = try await store.assign(contest: "c", stage: Stage.firstID, finalistsOnly: false, perEntry: 1, seed: 3)
            try await store.writing { db in
                try db.execute("INSERT INTO score (contest, stage, entry_id, judge, criterion, value, updated_at) SELECT 'c', stage, 1, judge, 'c1', 3.5, 'x' FROM assignment", [])
            }
            let error = await #expect(throws: StoreError.self) { try await store.sheets(contest: "c", stage: Stage.firstID) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("column value holds the real number 3.5, not an integer, text or bytes"))
            let value = try await store.reading { db in try db.first("SELECT value, criterion FROM score", []) { try $0.value(named: "criterion") } }
            #expect(value == .text("c1"))
            await #expect(throws: StoreError.self) {
                try await store.reading { db in try db.first("SELECT value FROM score", []) { try $0.value(named: "criterion") } }
            }
        }
    }
}

/// Consents and shares on both engines: every choice is kept, the latest about a version is what
/// stands, a consent to another version does not count, and a share reads back whole.
@Suite struct SharingStoreTests {
    @Test(arguments: Engine.allCases) func consentsStandByTheirLatestChoiceAndSharesReadBack(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            try await JudgingTests().addEntries(store, emails: ["a@a.example", "b@b.example", "c@c.example", "d@d.example"])
            let v1 = String(repeating: "1", count: 64), v2 = String(repeating: "2", count: 64)
            try await store.recordConsent(entryID: 1, partner: "bank", version: v1, given: true)
            try await store.recordConsent(entryID: 2, partner: "bank", version: v1, given: true)
            try await store.recordConsent(entryID: 2, partner: "bank", version: v1, given: false)   // withdrawn later
            try await store.recordConsent(entryID: 3, partner: "bank", version: v1, given: false)
            try await store.recordConsent(entryID: 3, partner: "bank", version: v1, given: true)    // given again
            try await store.recordConsent(entryID: 4, partner: "bank", version: v2, given: true)    // another version
            #expect(try await store.standingConsents(partner: "bank", version: v1) == [1, 3])
            #expect(try await store.standingConsents(partner: "bank", version: v2) == [4])
            #expect(try await store.standingConsents(partner: "city", version: v1).isEmpty)
            await #expect(throws: StoreError.self) { try await store.recordConsent(entryID: 99, partner: "bank", version: v1, given: true) }

            let at = try #require(DateParsing.dateTime("2027-04-02T10:00:00Z"))
            let saved = try await store.recordShare(ShareRecord(partner: "city", agreementVersion: v2, contests: ["c"], rows: ["entries.csv": 5, "scores.csv": 40],
                                                                manifestSHA256: String(repeating: "f", count: 64), createdBy: "ito", createdAt: at),
                                                   files: [("entries.csv", Data("entry,country\r\nentry-1,JP\r\n".utf8)), ("SHA256", Data("x".utf8))])
            let second = try await store.recordShare(ShareRecord(partner: "bank", agreementVersion: v1, contests: ["c"], rows: ["entries.csv": 2],
                                                                 manifestSHA256: String(repeating: "e", count: 64), createdBy: "ito", createdAt: at),
                                                    files: [])
            #expect(saved.id > 0 && second.id > saved.id)
            #expect(try await store.shares() == [saved, second])
            #expect(try await store.shares(partner: "bank") == [second])
            // The package's files are kept with the share, and given only to its partner.
            #expect(try await store.shareFiles(saved.id).map(\.name) == ["SHA256", "entries.csv"])
            #expect(try await store.shareFiles(saved.id).last?.bytes == 27)
            #expect(try await store.shareFile(saved.id, name: "entries.csv", partner: "city") == Data("entry,country\r\nentry-1,JP\r\n".utf8))
            #expect(try await store.shareFile(saved.id, name: "entries.csv", partner: "bank") == nil)
            // Partner tokens: hashed, one per partner, revocable.
            try await store.setPartnerToken("cpt_one", partner: "city", expires: at)
            try await store.setPartnerToken("cpt_two", partner: "city", expires: at)
            #expect(try await store.partner(forToken: "cpt_one") == nil, "a new token replaces the old")
            #expect(try await store.partner(forToken: "cpt_two")?.partner == "city")
            #expect(try await store.partner(forToken: "cjt_two") == nil)
            #expect(try await store.revokePartnerToken(partner: "city"))
            #expect(try await store.partner(forToken: "cpt_two") == nil)
            try await store.recordAccess(PartnerAccess(partner: "city", share: saved.id, file: "entries.csv", address: "203.0.113.9", bytes: 29, at: at))
            #expect(try await store.accesses() == [PartnerAccess(partner: "city", share: saved.id, file: "entries.csv", address: "203.0.113.9", bytes: 29, at: at)])
        }
    }
}

/// No entry lands after its contest's results: the store checks the publication in the very
/// transaction that would store the entry (alone, in a group commit, and with an idempotency key),
/// whatever an earlier check said.
@Suite struct ClosedByResultsTests {
    static func refused(_ error: StoreError?) {
        guard case .resultsPublished(let contest) = error else {
            Issue.record("expected resultsPublished, got \(String(describing: error))")
            return
        }
        #expect(contest == "c")
    }

    @Test(arguments: Engine.allCases) func anEntryIsRefusedOnceTheResultsArePublished(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            func draft(_ i: Int) -> EntryDraft {
                EntryDraft(contest: "c", title: "t\(i)", summary: "s", teamName: "n\(i)", members: ["m"], contactEmail: "e\(i)@x.example",
                           country: "JP", link: nil, language: "en")
            }
            _ = try await store.create(draft(1), staged: [], idempotency: nil, closedBy: Stage.firstID)
            try await store.markPublished(contest: "c", stage: Stage.firstID)
            Self.refused(await #expect(throws: StoreError.self) { try await store.create(draft(2), staged: [], idempotency: nil, closedBy: Stage.firstID) })
            let claim = IdempotencyClaim(key: "k-1", request: Data([1, 2, 3]))
            Self.refused(await #expect(throws: StoreError.self) { try await store.create(draft(3), staged: [], idempotency: claim, closedBy: Stage.firstID) })
            // Entries arriving together: the refused ones fail, the others are stored.
            let refused = Task { try await store.create(draft(4), staged: [], idempotency: nil, closedBy: Stage.firstID) }
            let other = Task {
                try await store.create(EntryDraft(contest: "d", title: "t", summary: "s", teamName: "n", members: ["m"], contactEmail: "d@x.example",
                                                  country: "JP", link: nil, language: "en"), staged: [], idempotency: nil, closedBy: Stage.firstID)
            }
            Self.refused(await #expect(throws: StoreError.self) { _ = try await refused.value })
            #expect(try await other.value.entry.draft.contest == "d")
            #expect(try await store.entries(contest: "c").count == 1)
        }
    }
}
