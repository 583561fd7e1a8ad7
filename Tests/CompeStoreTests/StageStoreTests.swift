import CompeCore
@testable import CompeStore
import Foundation
import GRDB
import Testing

/// Judging in stages, on each engine: every stage has its own panel, assignments (blind codes of
/// their own), sheets and freeze; a published shortlist sends its finalists on and queues one
/// mail per entry; rows from before stages belong to the first stage.
@Suite struct StageStoreTests {
    static let opens = Date(timeIntervalSince1970: 1_800_000_000)

    /// A contest judged blind on `quality` in screening, then openly on `pitch` in a final.
    static var contest: Contest {
        let final = Stage(id: "final", name: "Final", closes: opens.addingTimeInterval(60 * 86_400),
                          criteria: [Criterion(id: "pitch", name: "Pitch", weight: 100, scaleMin: 1, scaleMax: 10, rubric: "")],
                          judging: JudgingPolicy(judgesPerEntry: 2, blind: false), advance: nil, submission: .none)
        return Contest(slug: "c", language: "ja", title: "C", description: "", opens: opens, closes: opens.addingTimeInterval(30 * 86_400),
                       prizes: [], teamSize: 1...5, uploads: .standard,
                       criteria: [Criterion(id: "quality", name: "Quality", weight: 100, scaleMin: 1, scaleMax: 10, rubric: "")],
                       judging: JudgingPolicy(judgesPerEntry: 2, blind: true), draft: false,
                       later: LaterStages(firstAdvance: 2, stages: [final]))
    }

    func addEntries(_ store: EntryStore, _ n: Int) async throws {
        for i in 0..<n {
            _ = try await store.create(EntryDraft(contest: "c", title: "Entry \(i)", summary: "s", teamName: "Team \(i)", members: ["m"],
                                                  contactEmail: "e\(i)@d\(i).example", country: "JP", link: nil, language: "en"),
                                       files: [], idempotency: nil)
        }
        for handle in ["sato", "lee", "kim", "ono"] {
            try await store.addJudge(Judge(handle: handle, name: handle, email: nil, organisation: nil))
        }
    }

    @Test(arguments: Engine.allCases) func eachStageJudgesItsOwnEntriesWithItsOwnPanel(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let contest = Self.contest
            let final = try #require(contest.viewing(stage: "final"))
            try await addEntries(store, 5)
            try await store.addToPanel(contest: "c", stage: "screening", judges: ["sato", "lee", "kim"])
            try await store.addToPanel(contest: "c", stage: "final", judges: ["sato", "ono"])
            #expect(try await store.panel(contest: "c", stage: "final").map(\.handle) == ["ono", "sato"])
            let first = try await store.assign(contest: "c", stage: "screening", finalistsOnly: false, perEntry: 2, seed: 1)
            #expect(first.count == 10 && first.allSatisfy { $0.stage == "screening" && $0.judge != "ono" })
            // Nobody has reached the final yet: nothing to assign there.
            #expect(try await store.assign(contest: "c", stage: "final", finalistsOnly: true, perEntry: 2, seed: 1).isEmpty)
            for a in first { try await store.saveScores(contest: contest, assignment: a, values: ["quality": 5], comment: nil) }

            let mailed = try await store.publishShortlist(contest: "c", stage: "screening", next: "final", finalists: [2, 4],
                                                          population: [1, 2, 3, 4, 5])
            #expect(mailed.shortlisted == 2 && mailed.notShortlisted == 3)
            #expect(try await store.finalists(contest: "c", stage: "final") == [2, 4])
            await #expect(throws: StoreError.self) {
                _ = try await store.publishShortlist(contest: "c", stage: "screening", next: "final", finalists: [1], population: [1])
            }
            // Screening is frozen; its sheets stay as they were.
            let frozen = try #require(first.first { $0.judge == "sato" })
            do {
                try await store.saveScores(contest: contest, assignment: frozen, values: ["quality": 9], comment: nil)
                Issue.record("a published stage took a score")
            } catch StoreError.stagePublished(let c, let stage) {
                #expect(c == "c" && stage == "screening")
            }

            let second = try await store.assign(contest: "c", stage: "final", finalistsOnly: true, perEntry: 2, seed: 1)
            #expect(Set(second.map(\.entry.id)) == [2, 4] && second.count == 4)
            #expect(second.allSatisfy { $0.stage == "final" && ($0.judge == "sato" || $0.judge == "ono") })
            #expect(Set(second.map(\.blindCode)).isDisjoint(with: Set(first.map(\.blindCode))), "blind codes are per stage")
            // The same judge scores the same entry in both stages: two sheets, each with its criteria.
            let satoFinal = try #require(second.first { $0.judge == "sato" })
            let saved = try await store.saveScores(contest: final, assignment: satoFinal, values: ["pitch": 8], comment: "clear")
            #expect(saved.stage == "final" && saved.revision == 1 && saved.values == ["pitch": 8])
            if first.contains(where: { $0.judge == "sato" && $0.entry.id == satoFinal.entry.id }) {
                #expect(try await store.sheet(entryID: satoFinal.entry.id, judge: "sato", stage: "screening").values == ["quality": 5])
            }
            #expect(try await store.sheets(contest: "c", stage: "final").map(\.values) == [["pitch": 8]])
            #expect(try await store.sheets(contest: "c", stage: "screening").count == 10)
            // An entry id names the later assignment; the audit trail says which stage changed.
            #expect(try await store.assignment(judge: "sato", reference: satoFinal.entry.code)?.stage == "final")
            #expect(try await store.scoreAudit(entryID: satoFinal.entry.id).last?.stage == "final")
            // The queue shows both stages, each with what was scored in it.
            let queue = try await store.queue(judge: "sato").filter { $0.entryID == satoFinal.entry.id }
            #expect(queue.first { $0.stage == "final" }?.scored == ["pitch"])
            // Taking a judge off one stage's panel leaves the other stage alone.
            try await store.removeFromPanel(contest: "c", stage: "final", judge: "sato")
            #expect(try await store.assignments(contest: "c", stage: "final").allSatisfy { $0.judge == "ono" })
            #expect(try await store.assignments(contest: "c", stage: "screening").contains { $0.judge == "sato" })
        }
    }

    @Test(arguments: Engine.allCases) func shortlistMailsGoOncePerEntry(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            try await addEntries(store, 3)
            _ = try await store.publishShortlist(contest: "c", stage: "screening", next: "final", finalists: [1], population: [1, 2, 3])
            let mail = try await store.outbox()
            #expect(mail.filter { $0.kind == .shortlisted }.map(\.entryID) == [1])
            #expect(mail.filter { $0.kind == .notShortlisted }.map(\.entryID).sorted() == [2, 3])
            #expect(mail.allSatisfy { $0.detail == "screening" })
        }
    }

    /// A store judged before stages existed: after the migration, every panel, assignment,
    /// sheet, score, comment and publication belongs to the first stage, and judging goes on.
    @Test func rowsFromBeforeStagesBelongToTheFirstStage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stage-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("compe.sqlite").path)
        try Schema.migrator.migrate(queue, upTo: "2026-12-02 mail recipients")
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO entry (id, code, contest, title, summary, team_name, members, contact_email, country, language, token_salt,
                                   token_hash, received_at, updated_at) VALUES (1, 'E-0001', 'c', 't', 's', 'team', '["m"]', 'a@x.example',
                                   'JP', 'en', x'00', x'00', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
                INSERT INTO judge (handle, name, created_at) VALUES ('sato', 'Sato', '2027-01-01T00:00:00Z');
                INSERT INTO panel (contest, judge, added_at) VALUES ('c', 'sato', '2027-01-01T00:00:00Z');
                INSERT INTO assignment (contest, entry_id, judge, blind_code, created_at) VALUES ('c', 1, 'sato', 'B-ABCDEF', '2027-01-01T00:00:00Z');
                INSERT INTO score (contest, entry_id, judge, criterion, value, updated_at) VALUES ('c', 1, 'sato', 'quality', 7, '2027-01-01T00:00:00Z');
                INSERT INTO score_comment (entry_id, judge, comment, updated_at) VALUES (1, 'sato', 'fine', '2027-01-01T00:00:00Z');
                INSERT INTO sheet (entry_id, judge, revision, updated_at) VALUES (1, 'sato', 1, '2027-01-01T00:00:00Z');
                INSERT INTO score_audit (at, judge, entry_id, field, old_value, new_value) VALUES ('2027-01-01T00:00:00Z', 'sato', 1, 'quality', NULL, '7');
                """)
        }
        try queue.close()
        let store = try EntryStore(dataDirectory: directory)
        #expect(try await store.panel(contest: "c", stage: "screening").map(\.handle) == ["sato"])
        let assignments = try await store.assignments(contest: "c", stage: "screening")
        #expect(assignments.map(\.blindCode) == ["B-ABCDEF"])
        let sheet = try await store.sheet(entryID: 1, judge: "sato", stage: "screening")
        #expect(sheet.values == ["quality": 7] && sheet.comment == "fine" && sheet.revision == 1)
        #expect(try await store.scoreAudit(entryID: 1).map(\.stage) == ["screening"])
        let next = try await store.saveScores(contest: Self.contest, assignment: assignments[0], values: ["quality": 8], comment: nil)
        #expect(next.revision == 2 && next.values == ["quality": 8])
        await store.database.close()
    }
}
