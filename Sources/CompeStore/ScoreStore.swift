import CompeCore
import Foundation
import Crypto

/// A judge's scores of one entry.
public struct ScoreSheet: Sendable, Hashable {
    /// The entry's database id.
    public var entryID: Int64
    /// The judge's handle.
    public var judge: String
    /// The stage the sheet scores.
    public var stage: String = Stage.firstID
    /// Criterion id → value.
    public var values: [String: Int]
    /// The judge's comment (untrusted text).
    public var comment: String?
    /// How many times the sheet changed (0: never scored).
    public var revision: Int = 0
}

/// Where a score change came from, kept in the audit trail.
public enum ScoreSource: String, Sendable {
    /// The organiser's command line on the server (`--data`).
    case local = "cli-local"
    /// The judge API (a judge's own computer).
    case api
}

/// A score request's retry key, bound to the request it came with.
public struct ScoreRequestKey: Sendable {
    /// SHA-256 of the key.
    public let keyHash: Data
    /// SHA-256 of what was asked (entry, values, comment, revision).
    public let request: Data

    /// A key for the request whose digest is `request`.
    public init(key: String, request: Data) {
        keyHash = Data(SHA256.hash(data: Data(key.utf8)))
        self.request = request
    }
}

extension EntryStore {
    /// Finds the assignment `reference` (an entry id or a blind code) names for `judge` in any contest.
    /// Returns nil when the judge has no such assignment (the caller says so without hinting more).
    /// With `idStages` (keys `contest/stage`, see `StageKey`), an entry id finds assignments of
    /// those stages only (the judge API passes the stages that are not blind): an id in a blind
    /// stage then takes exactly the path of an id the judge was never given, one query that finds
    /// nothing, so not even the time of the answer tells which ids hide behind the judge's blind
    /// codes. An entry id the judge has in two stages names the later assignment.
    public func assignment(judge: String, reference: String, idStages: Set<String>? = nil) async throws -> Assignment? {
        try await reading { db in try Self.assignment(judge: judge, reference: reference, idStages: idStages, db) }
    }

    static func assignment(judge: String, reference: String, idStages: Set<String>? = nil, _ db: any SQLSession) throws -> Assignment? {
        let read = { (row: SQLRow) in
            (entry: try row.int64("entry_id"), judge: try row.string("judge"), code: try row.string("blind_code"), stage: try row.string("stage"))
        }
        let found: (entry: Int64, judge: String, code: String, stage: String)?
        let select = "SELECT entry_id, judge, blind_code, stage FROM assignment"
        if let id = EntryCode.parse(reference) {
            if let idStages {
                let keys = idStages.sorted()
                guard !keys.isEmpty else { return nil }
                let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
                var arguments: [SQLValue] = [.text(judge), .integer(id)]
                arguments += keys.map { .text($0) }
                found = try db.first("\(select) WHERE judge = ? AND entry_id = ? AND contest || '/' || stage IN (\(marks)) ORDER BY created_at DESC",
                                     SQLArguments(arguments), read)
            } else {
                found = try db.first("\(select) WHERE judge = ? AND entry_id = ? ORDER BY created_at DESC", [judge, id], read)
            }
        } else {
            found = try db.first("\(select) WHERE judge = ? AND blind_code = ?", [judge, reference.uppercased()], read)
        }
        guard let found, let entryRow = try entryRow(id: found.entry, db) else { return nil }
        let entry = try Self.load(entryRow, db)
        guard entry.withdrawnAt == nil else { return nil }
        return Assignment(entry: entry, judge: found.judge, blindCode: found.code, stage: found.stage)
    }

    /// The judge's current scores of an entry in a stage.
    public func sheet(entryID: Int64, judge: String, stage: String) async throws -> ScoreSheet {
        try await reading { db in try Self.sheet(entryID: entryID, judge: judge, stage: stage, db) }
    }

    static func sheet(entryID: Int64, judge: String, stage: String, _ db: any SQLSession) throws -> ScoreSheet {
        let key: SQLArguments = [entryID, judge, stage]
        let values = try db.rows("SELECT criterion, value FROM score WHERE entry_id = ? AND judge = ? AND stage = ?", key) {
            (try $0.string("criterion"), try $0.int("value"))
        }
        let comment = try db.first("SELECT comment FROM score_comment WHERE entry_id = ? AND judge = ? AND stage = ?", key) { try $0.string("comment") }
        let revision = try db.integer("SELECT revision FROM sheet WHERE entry_id = ? AND judge = ? AND stage = ?", key) ?? 0
        return ScoreSheet(entryID: entryID, judge: judge, stage: stage, values: Dictionary(uniqueKeysWithValues: values), comment: comment,
                          revision: Int(revision))
    }

    /// Every score of a contest that counts: withdrawn entries left out, and so are the sheets
    /// of a judge no longer assigned to the entry (a conflict declared after scoring, or the
    /// judge taken off the panel). Those stay in the database and the audit trail; results,
    /// statistics and exports all read this, so none of them counts what another leaves out
    /// (`excludedSheets` says which were left out and why).
    public func sheets(contest: String, stage: String) async throws -> [ScoreSheet] {
        try await judgedSheets(contest: contest, stage: stage).current
    }

    /// The sheets of `contest` (active entries) that `sheets(contest:)` leaves out because their
    /// judge is no longer assigned to the entry, each with why: a declared conflict (its
    /// reason), the judge taken off the panel, or the assignment gone otherwise.
    public func excludedSheets(contest: String, stage: String) async throws -> [ExcludedSheet] {
        try await judgedSheets(contest: contest, stage: stage).excluded
    }

    /// The stage's sheets of active entries in one reading, split into those of current
    /// assignments (what counts) and those left out, with why. The scores are read once and
    /// matched against the stage's assignments in memory: joining every score row to its
    /// assignment in SQL, and reading them again for the left-out ones, tripled the database
    /// time of `compe results` on 150,000 scores.
    public func judgedSheets(contest: String, stage: String) async throws -> (current: [ScoreSheet], excluded: [ExcludedSheet]) {
        try await reading { db in
            var assigned: [Int64: Set<String>] = [:]
            try db.each("SELECT entry_id, judge FROM assignment WHERE contest = ? AND stage = ?", [contest, stage]) { row in
                assigned[try row.int64("entry_id"), default: []].insert(try row.string("judge"))
            }
            // Ordered by entry and judge, so each sheet's rows come together.
            var current: [ScoreSheet] = [], left: [ScoreSheet] = []
            var counts = true
            try db.each("""
                SELECT s.entry_id, s.judge, s.criterion, s.value FROM score s JOIN entry e ON e.id = s.entry_id
                WHERE s.contest = ? AND s.stage = ? AND e.withdrawn_at IS NULL ORDER BY s.entry_id, s.judge
                """, [contest, stage]) { row in
                let id = try row.int64("entry_id"), judge = try row.string("judge")
                let last = counts ? current.last : left.last
                if last?.entryID != id || last?.judge != judge {
                    counts = assigned[id]?.contains(judge) == true
                    let sheet = ScoreSheet(entryID: id, judge: judge, stage: stage, values: [:], comment: nil)
                    if counts { current.append(sheet) } else { left.append(sheet) }
                }
                let value = try row.int("value"), criterion = try row.string("criterion")
                if counts { current[current.count - 1].values[criterion] = value } else { left[left.count - 1].values[criterion] = value }
            }
            guard !left.isEmpty else { return (current, []) }
            var conflicts: [Int64: [String: String]] = [:]
            try db.each("SELECT c.entry_id, c.judge, c.reason FROM conflict c JOIN entry e ON e.id = c.entry_id WHERE e.contest = ?", [contest]) { row in
                conflicts[try row.int64("entry_id"), default: [:]][try row.string("judge")] = try row.string("reason")
            }
            let panel = Set(try db.rows("SELECT judge FROM panel WHERE contest = ? AND stage = ?", [contest, stage]) { try $0.string("judge") })
            let excluded = left.map { sheet -> ExcludedSheet in
                let reason: ExcludedSheet.Reason
                if let conflict = conflicts[sheet.entryID]?[sheet.judge] {
                    reason = .conflict(conflict)
                } else if !panel.contains(sheet.judge) {
                    reason = .offPanel
                } else {
                    reason = .unassigned
                }
                return ExcludedSheet(entryID: sheet.entryID, judge: sheet.judge, reason: reason)
            }
            return (current, excluded)
        }
    }

    /// Saves scores (and a comment) for an assignment, validated against the criteria; every change
    /// goes to the audit table with its `source`. Refused once the contest's results are
    /// published, and when `revision` is given and the sheet has moved on since (a judge on two
    /// devices). A request with a `key` seen before is applied once: the repeat gets the
    /// revision the first one made. Returns the sheet afterwards (read in the same transaction).
    @discardableResult
    public func saveScores(contest: Contest, assignment: Assignment, values: [String: Int], comment: String?, source: ScoreSource = .local,
                           revision: Int? = nil, key: ScoreRequestKey? = nil, now: Date = Date()) async throws -> ScoreSheet {
        let problems = contest.validate(scores: values, comment: comment)
        guard problems.isEmpty else { throw StoreError.invalidScores(problems) }
        return try await writing { db in
            try Self.save(db, contest: contest, assignment: assignment, values: values, comment: comment, source: source, revision: revision,
                          key: key, now: now)
        }
    }

    /// What `saveScores(judge:reference:admit:…)` did.
    public enum ScoreSaving: Sendable {
        /// Saved: the assignment, its contest, and the sheet afterwards.
        case saved(Assignment, Contest, ScoreSheet)
        /// The judge has no (live) assignment `reference` names, or `admit` refused it.
        case notFound
    }

    /// `saveScores` for the judge API: the assignment `reference` names is looked up inside the
    /// write transaction (one trip to the database per score instead of two), and `admit` says
    /// whether it may be scored through `reference` and under which contest (nil: it may not).
    public func saveScores(judge: String, reference: String, idStages: Set<String>? = nil, admit: @escaping @Sendable (Assignment) -> Contest?,
                           values: [String: Int], comment: String?, source: ScoreSource, revision: Int?, key: ScoreRequestKey?,
                           now: Date = Date()) async throws -> ScoreSaving {
        try await writing { db in
            guard let assignment = try Self.assignment(judge: judge, reference: reference, idStages: idStages, db),
                  let contest = admit(assignment) else {
                return .notFound
            }
            let problems = contest.validate(scores: values, comment: comment)
            guard problems.isEmpty else { throw StoreError.invalidScores(problems) }
            let sheet = try Self.save(db, contest: contest, assignment: assignment, values: values, comment: comment, source: source,
                                      revision: revision, key: key, now: now)
            return .saved(assignment, contest, sheet)
        }
    }

    private static func save(_ db: any SQLSession, contest: Contest, assignment: Assignment, values: [String: Int], comment: String?,
                             source: ScoreSource, revision: Int?, key: ScoreRequestKey?, now: Date) throws -> ScoreSheet {
        let stamp = Timestamp.string(now)
        let entryID = assignment.entry.id, judge = assignment.judge, stage = assignment.stage
        // One writer per judge at a time: the revision check, the retry key and the sheet's new
        // revision belong together (SQLite has one writer anyway; PostgreSQL instances wait here).
        try db.lock("judge:\(judge)")
        if let key, let done = try db.first("SELECT request_hash, revision FROM score_request WHERE judge = ? AND key_hash = ?",
                                            [judge, key.keyHash], { (request: try $0.data("request_hash"), revision: try $0.int("revision")) }) {
            guard done.request == key.request else { throw StoreError.idempotencyMismatch }
            var sheet = try Self.sheet(entryID: entryID, judge: judge, stage: stage, db)
            sheet.revision = done.revision
            return sheet
        }
        if try db.integer("SELECT 1 FROM publication WHERE contest = ? AND stage = ?", [contest.slug, stage]) != nil {
            throw contest.stage(after: stage) == nil ? StoreError.resultsPublished(contest: contest.slug)
                                                     : StoreError.stagePublished(contest: contest.slug, stage: stage)
        }
        var sheet = try Self.sheet(entryID: entryID, judge: judge, stage: stage, db)
        let current = sheet.revision
        if let revision, revision != current { throw StoreError.staleRevision(current: current) }
        var changed = false
        func audit(_ field: String, _ old: String?, _ new: String) throws {
            changed = true
            try db.send("INSERT INTO score_audit (at, judge, entry_id, stage, field, old_value, new_value, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [stamp, judge, entryID, stage, field, old, new, source.rawValue])
        }
        for (criterion, value) in values.sorted(by: { $0.key < $1.key }) {
            let old = sheet.values[criterion]
            guard old != value else { continue }
            try db.send("""
                INSERT INTO score (contest, stage, entry_id, judge, criterion, value, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (entry_id, judge, stage, criterion) DO UPDATE SET contest = excluded.contest, value = excluded.value,
                                                                             updated_at = excluded.updated_at
                """, [contest.slug, stage, entryID, judge, criterion, value, stamp])
            try audit(criterion, old.map(String.init), String(value))
            sheet.values[criterion] = value
        }
        if let comment, sheet.comment != comment {
            try db.send("""
                INSERT INTO score_comment (entry_id, judge, stage, comment, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (entry_id, judge, stage) DO UPDATE SET comment = excluded.comment, updated_at = excluded.updated_at
                """, [entryID, judge, stage, comment, stamp])
            try audit("comment", sheet.comment, comment)
            sheet.comment = comment
        }
        if changed {
            sheet.revision = current + 1
            try db.send("""
                INSERT INTO sheet (entry_id, judge, stage, revision, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (entry_id, judge, stage) DO UPDATE SET revision = excluded.revision, updated_at = excluded.updated_at
                """, [entryID, judge, stage, sheet.revision, stamp])
        }
        if let key {
            try db.send("DELETE FROM score_request WHERE judge = ? AND created_at < ?",
                           [judge, Timestamp.string(now.addingTimeInterval(-IdempotencyClaim.window))])
            try db.send("INSERT INTO score_request (judge, key_hash, request_hash, revision, created_at) VALUES (?, ?, ?, ?, ?)",
                           [judge, key.keyHash, key.request, sheet.revision, stamp])
        }
        return sheet
    }

    /// The audit trail of an entry's scores, oldest first.
    public func scoreAudit(entryID: Int64) async throws -> [ScoreChange] {
        try await reading { db in
            try db.rows("SELECT at, judge, stage, field, old_value, new_value, source FROM score_audit WHERE entry_id = ? ORDER BY id", [entryID]) {
                ScoreChange(at: try $0.string("at"), judge: try $0.string("judge"), stage: try $0.string("stage"), field: try $0.string("field"),
                            old: try $0.optionalString("old_value"), new: try $0.string("new_value"), source: try $0.string("source"))
            }
        }
    }

    /// Whether a stage of the contest is published: its scores are frozen (the last stage: the
    /// results are out; an earlier one: its shortlist is).
    public func isPublished(contest: String, stage: String) async throws -> Bool {
        try await reading { db in try db.integer("SELECT 1 FROM publication WHERE contest = ? AND stage = ?", [contest, stage]) != nil }
    }

    /// The stages of a contest that are published, with when.
    public func publishedStages(contest: String) async throws -> [String: String] {
        try await reading { db in
            Dictionary(uniqueKeysWithValues: try db.rows("SELECT stage, published_at FROM publication WHERE contest = ?", [contest]) {
                (try $0.string("stage"), try $0.string("published_at"))
            })
        }
    }

    /// Marks a stage of a contest published (its scores freeze).
    public func markPublished(contest: String, stage: String, now: Date = Date()) async throws {
        try await writing { db in
            try db.execute("INSERT INTO publication (contest, stage, published_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           [contest, stage, Timestamp.string(now)])
        }
    }
}

/// A judge's sheet that no longer counts, and why.
public struct ExcludedSheet: Sendable, Hashable {
    /// Why a sheet is left out.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// A conflict of interest was declared after the judge scored (its reason).
        case conflict(String)
        /// The judge was taken off the contest's panel.
        case offPanel
        /// The assignment is gone for another reason.
        case unassigned

        public var description: String {
            switch self {
            case .conflict(let reason): return "conflict of interest" + (reason.isEmpty ? "" : " (\(reason))")
            case .offPanel: return "removed from the panel"
            case .unassigned: return "no longer assigned"
            }
        }
    }

    public var entryID: Int64
    public var judge: String
    public var reason: Reason
}

/// One change in the audit trail of scores.
public struct ScoreChange: Sendable, Hashable {
    /// When (RFC 3339, UTC).
    public var at: String
    public var judge: String
    /// The stage scored.
    public var stage: String
    /// A criterion id, or `comment`.
    public var field: String
    public var old: String?
    public var new: String
    /// `cli-local` or `api`.
    public var source: String
}

/// One line of a judge's queue, read in one query.
public struct QueueRow: Sendable, Hashable {
    public var contest: String
    /// The stage the assignment judges.
    public var stage: String
    public var entryID: Int64
    public var code: String
    public var blindCode: String
    public var title: String
    /// Criteria the judge has scored.
    public var scored: Set<String>
    public var revision: Int
}

extension EntryStore {
    /// Every assignment of a judge that is not withdrawn, with what the queue shows: two
    /// queries, whatever the number of assignments (the judge API answers it for every judge).
    public func queue(judge: String) async throws -> [QueueRow] {
        try await reading { db in
            var scored: [String: Set<String>] = [:]
            try db.each("SELECT entry_id, stage, criterion FROM score WHERE judge = ?", [judge]) { row in
                scored["\(try row.int64("entry_id"))/\(try row.string("stage"))", default: []].insert(try row.string("criterion"))
            }
            return try db.rows("""
                SELECT a.contest, a.stage, a.entry_id, e.code, a.blind_code, e.title, COALESCE(s.revision, 0) AS revision
                FROM assignment a JOIN entry e ON e.id = a.entry_id
                LEFT JOIN sheet s ON s.entry_id = a.entry_id AND s.judge = a.judge AND s.stage = a.stage
                WHERE a.judge = ? AND e.withdrawn_at IS NULL ORDER BY a.contest, a.blind_code
                """, [judge]) { row in
                let stage = try row.string("stage"), id = try row.int64("entry_id")
                return QueueRow(contest: try row.string("contest"), stage: stage, entryID: id, code: try row.string("code"),
                                blindCode: try row.string("blind_code"), title: try row.string("title"), scored: scored["\(id)/\(stage)"] ?? [],
                                revision: try row.int("revision"))
            }
        }
    }
}
