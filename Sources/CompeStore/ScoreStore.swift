import CompeCore
import Foundation
import GRDB

/// A judge's scores of one entry.
public struct ScoreSheet: Sendable, Hashable {
    /// The entry's database id.
    public var entryID: Int64
    /// The judge's handle.
    public var judge: String
    /// Criterion id → value.
    public var values: [String: Int]
    /// The judge's comment (untrusted text).
    public var comment: String?
}

extension EntryStore {
    /// Finds the assignment `reference` (an entry id or a blind code) names for `judge` in any contest.
    /// Returns nil when the judge has no such assignment (the caller says so without hinting more).
    public func assignment(judge: String, reference: String) async throws -> Assignment? {
        try await reading { db -> Assignment? in
            let found: Row?
            if let id = EntryCode.parse(reference) {
                found = try Row.fetchOne(db, sql: "SELECT entry_id, judge, blind_code FROM assignment WHERE judge = ? AND entry_id = ?",
                                         arguments: [judge, id])
            } else {
                found = try Row.fetchOne(db, sql: "SELECT entry_id, judge, blind_code FROM assignment WHERE judge = ? AND blind_code = ?",
                                         arguments: [judge, reference.uppercased()])
            }
            guard let row = found, let entryRow = try EntryRow.fetchOne(db, key: row["entry_id"] as Int64) else { return nil }
            let entry = try Self.load(entryRow, db)
            guard entry.withdrawnAt == nil else { return nil }
            return Assignment(entry: entry, judge: row["judge"], blindCode: row["blind_code"])
        }
    }

    /// Every assignment of a judge, in all contests.
    public func assignments(judge: String) async throws -> [(contest: String, assignment: Assignment)] {
        let rows = try await reading { db in
            try Row.fetchAll(db, sql: "SELECT contest, entry_id FROM assignment WHERE judge = ? ORDER BY contest, blind_code",
                             arguments: [judge]).map { (contest: $0["contest"] as String, entry: $0["entry_id"] as Int64) }
        }
        var out: [(String, Assignment)] = []
        for row in rows {
            if let a = try await assignment(judge: judge, reference: EntryCode.format(row.entry)) { out.append((row.contest, a)) }
        }
        return out
    }

    /// The judge's current scores of an entry.
    public func sheet(entryID: Int64, judge: String) async throws -> ScoreSheet {
        try await reading { db in
            let rows = try Row.fetchAll(db, sql: "SELECT criterion, value FROM score WHERE entry_id = ? AND judge = ?", arguments: [entryID, judge])
            let comment = try String.fetchOne(db, sql: "SELECT comment FROM score_comment WHERE entry_id = ? AND judge = ?", arguments: [entryID, judge])
            return ScoreSheet(entryID: entryID, judge: judge,
                              values: Dictionary(uniqueKeysWithValues: rows.map { ($0["criterion"], $0["value"]) }), comment: comment)
        }
    }

    /// Every score of a contest (withdrawn entries left out).
    public func sheets(contest: String) async throws -> [ScoreSheet] {
        try await reading { db in
            // Ordered by entry and judge, so each sheet's rows come together.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.entry_id, s.judge, s.criterion, s.value FROM score s JOIN entry e ON e.id = s.entry_id
                WHERE s.contest = ? AND e.withdrawn_at IS NULL ORDER BY s.entry_id, s.judge
                """, arguments: [contest])
            var sheets: [ScoreSheet] = []
            while let row = try rows.next() {
                let id: Int64 = row[0], judge: String = row[1]
                if sheets.last?.entryID != id || sheets.last?.judge != judge {
                    sheets.append(ScoreSheet(entryID: id, judge: judge, values: [:], comment: nil))
                }
                sheets[sheets.count - 1].values[row[2]] = row[3]
            }
            return sheets
        }
    }

    /// Saves scores (and a comment) for an assignment, validated against the criteria; every change
    /// goes to the audit table. Refused once the contest's results are published.
    public func saveScores(contest: Contest, assignment: Assignment, values: [String: Int], comment: String?, now: Date = Date()) async throws {
        let problems = contest.validate(scores: values)
        guard problems.isEmpty else { throw StoreError.invalidScores(problems) }
        let stamp = Timestamp.string(now)
        try await writing { db in
            if try String.fetchOne(db, sql: "SELECT published_at FROM publication WHERE contest = ?", arguments: [contest.slug]) != nil {
                throw StoreError.resultsPublished(contest: contest.slug)
            }
            let entryID = assignment.entry.id
            for (criterion, value) in values.sorted(by: { $0.key < $1.key }) {
                let old = try Int.fetchOne(db, sql: "SELECT value FROM score WHERE entry_id = ? AND judge = ? AND criterion = ?",
                                           arguments: [entryID, assignment.judge, criterion])
                guard old != value else { continue }
                try db.execute(sql: "INSERT OR REPLACE INTO score (contest, entry_id, judge, criterion, value, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [contest.slug, entryID, assignment.judge, criterion, value, stamp])
                try db.execute(sql: "INSERT INTO score_audit (at, judge, entry_id, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [stamp, assignment.judge, entryID, criterion, old.map(String.init), String(value)])
            }
            if let comment {
                let old = try String.fetchOne(db, sql: "SELECT comment FROM score_comment WHERE entry_id = ? AND judge = ?",
                                              arguments: [entryID, assignment.judge])
                if old != comment {
                    try db.execute(sql: "INSERT OR REPLACE INTO score_comment (entry_id, judge, comment, updated_at) VALUES (?, ?, ?, ?)",
                                   arguments: [entryID, assignment.judge, comment, stamp])
                    try db.execute(sql: "INSERT INTO score_audit (at, judge, entry_id, field, old_value, new_value) VALUES (?, ?, ?, 'comment', ?, ?)",
                                   arguments: [stamp, assignment.judge, entryID, old, comment])
                }
            }
        }
    }

    /// The audit trail of an entry's scores: (when, judge, field, old, new), oldest first.
    public func scoreAudit(entryID: Int64) async throws -> [(at: String, judge: String, field: String, old: String?, new: String)] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT at, judge, field, old_value, new_value FROM score_audit WHERE entry_id = ? ORDER BY id",
                             arguments: [entryID]).map { ($0["at"], $0["judge"], $0["field"], $0["old_value"], $0["new_value"]) }
        }
    }

    /// Marks a contest's results published (scores freeze).
    public func markPublished(contest: String, now: Date = Date()) async throws {
        try await writing { db in
            try db.execute(sql: "INSERT OR IGNORE INTO publication (contest, published_at) VALUES (?, ?)", arguments: [contest, Timestamp.string(now)])
        }
    }
}
