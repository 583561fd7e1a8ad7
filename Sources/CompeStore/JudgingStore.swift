import CompeCore
import Foundation

/// A judge registered with `compe judges add`.
public struct Judge: Sendable, Hashable, Codable {
    /// The table's columns, named once: reading and writing go by these names.
    static let names = ["handle", "name", "email", "organisation", "created_at"]
    static let columns = names.joined(separator: ", ")

    /// Short handle typed on the command line (`--judge sato`).
    public var handle: String
    /// Full name.
    public var name: String
    /// Email (its domain is compared with entrants' for conflicts).
    public var email: String?
    /// Declared organisation (compared with entrants' team, members and email domain).
    public var organisation: String?
    /// When the judge was added.
    public var createdAt: String

    /// Creates a judge record.
    public init(handle: String, name: String, email: String?, organisation: String?, createdAt: Date = Date()) {
        self.handle = handle
        self.name = name
        self.email = email
        self.organisation = organisation
        self.createdAt = Timestamp.string(createdAt)
    }

    init(row: SQLRow) throws {
        handle = try row.string("handle")
        name = try row.string("name")
        email = try row.optionalString("email")
        organisation = try row.optionalString("organisation")
        createdAt = try row.string("created_at")
    }

    /// Every column's value by name.
    var named: [String: SQLValue] {
        ["handle": .text(handle), "name": .text(name), "email": email.map(SQLValue.text) ?? .null,
         "organisation": organisation.map(SQLValue.text) ?? .null, "created_at": .text(createdAt)]
    }

    /// Whether judge `handle` is registered.
    static func exists(_ handle: String, _ db: any SQLSession) throws -> Bool {
        try db.integer("SELECT 1 FROM judge WHERE handle = ?", [handle]) != nil
    }
}

/// One judge's assignment to one entry, with the blind code the judge sees.
public struct Assignment: Sendable, Hashable {
    /// The entry.
    public var entry: Entry
    /// The judge's handle.
    public var judge: String
    /// The code shown instead of the entry id in a blind contest (unique per contest, so a
    /// judge of two stages sees an entry under two codes).
    public var blindCode: String
    /// The stage the assignment judges.
    public var stage: String

    /// Creates an assignment.
    public init(entry: Entry, judge: String, blindCode: String, stage: String) {
        self.entry = entry
        self.judge = judge
        self.blindCode = blindCode
        self.stage = stage
    }
}

extension EntryStore {
    /// Registers a judge; a handle already taken is a user error.
    public func addJudge(_ judge: Judge) async throws {
        guard judge.handle.range(of: "^[a-z][a-z0-9_-]{0,31}$", options: .regularExpression) != nil else {
            throw StoreError.invalidHandle(judge.handle)
        }
        try await writing { db in
            do {
                try db.execute(SQLInsert(table: "judge", columns: Judge.names, rows: []).statement(rows: 1),
                               SQLArguments(Judge.names.map { judge.named[$0]! }))
            } catch let failure as SQLFailure where failure.kind == .uniqueViolation {
                throw StoreError.judgeExists(judge.handle)
            }
        }
    }

    /// All judges by handle.
    public func judges() async throws -> [Judge] {
        try await reading { db in try db.rows("SELECT \(Judge.columns) FROM judge ORDER BY handle") { try Judge(row: $0) } }
    }

    /// Declares a conflict of interest between a judge and an entry, removing any assignment of the pair.
    public func addConflict(judge: String, entryCode: String, reason: String) async throws {
        guard let id = EntryCode.parse(entryCode) else { throw StoreError.invalidEntryCode(entryCode) }
        try await writing { db in
            guard try Judge.exists(judge, db) else { throw StoreError.unknownJudge(judge) }
            guard try db.integer("SELECT 1 FROM entry WHERE id = ?", [id]) != nil else { throw StoreError.unknownEntry(entryCode) }
            try db.execute("""
                INSERT INTO conflict (judge, entry_id, reason, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (judge, entry_id) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at
                """, [judge, id, reason, Timestamp.string(Date())])
            try db.execute("DELETE FROM assignment WHERE judge = ? AND entry_id = ?", [judge, id])
        }
    }

    /// Webmail domains shared by strangers: never a sign of a conflict.
    static let publicMailDomains: Set<String> = ["gmail.com", "yahoo.com", "yahoo.co.jp", "outlook.com", "hotmail.com",
                                                 "icloud.com", "proton.me", "protonmail.com", "live.com", "qq.com", "163.com", "naver.com"]

    /// Declared conflicts plus those inferred from a judge's email domain or organisation
    /// matching an entrant's (email domain, team name or member names), with reasons.
    public func conflicts(contest: String) async throws -> [AssignmentPlanner.Pair: String] {
        try await conflicts(entries: try await self.entries(contest: contest))
    }

    /// The conflicts of `entries` (one contest's, already read). Each entry's domain and text
    /// and each judge's are lowered once, not once per pair.
    func conflicts(entries: [Entry]) async throws -> [AssignmentPlanner.Pair: String] {
        let judges = try await self.judges()
        var out: [AssignmentPlanner.Pair: String] = [:]
        let declared = try await reading { db in
            try db.rows("SELECT judge, entry_id, reason FROM conflict") {
                (AssignmentPlanner.Pair(entry: try $0.int64("entry_id"), judge: try $0.string("judge")), try $0.string("reason"))
            }
        }
        for (pair, reason) in declared { out[pair] = reason }
        func domain(_ email: String?) -> String? {
            guard let email, let at = email.lastIndex(of: "@") else { return nil }
            let d = email[email.index(after: at)...].lowercased()
            return Self.publicMailDomains.contains(d) ? nil : d
        }
        let entrants = entries.map { entry -> (id: Int64, domain: String?, text: String) in
            let domain = domain(entry.draft.contactEmail)
            return (entry.id, domain, ([entry.draft.teamName] + entry.draft.members + [domain ?? ""]).joined(separator: "\n").lowercased())
        }
        for judge in judges {
            let judgeDomain = domain(judge.email)
            let org = judge.organisation?.lowercased().trimmingCharacters(in: .whitespaces)
            guard judgeDomain != nil || (org?.count ?? 0) >= 3 else { continue }
            for entrant in entrants {
                let pair = AssignmentPlanner.Pair(entry: entrant.id, judge: judge.handle)
                guard out[pair] == nil else { continue }
                if let judgeDomain, entrant.domain == judgeDomain {
                    out[pair] = "same email domain (\(judgeDomain))"
                } else if let org, org.count >= 3, entrant.text.contains(org) {
                    out[pair] = "organisation '\(judge.organisation!)' appears in the entry"
                }
            }
        }
        return out
    }

    /// Assigns the panel of a contest's stage to the entries in that stage (withdrawn ones
    /// excluded; in a later stage, its finalists only): keeps what exists, adds what is missing,
    /// never a conflicted pair (conflicts hold in every stage). Returns the new assignments.
    public func assign(contest: String, stage: String, finalistsOnly: Bool, perEntry: Int, seed: UInt64) async throws -> [Assignment] {
        var entries = try await self.entries(contest: contest).filter { $0.withdrawnAt == nil }
        if finalistsOnly {
            let finalists = Set(try await self.finalists(contest: contest, stage: stage))
            entries = entries.filter { finalists.contains($0.id) }
        }
        let judges = try await panel(contest: contest, stage: stage).map(\.handle)
        guard !judges.isEmpty else { throw StoreError.noPanel(contest: contest) }
        let conflicts = try await self.conflicts(entries: entries)
        let existing = try await assignedPairs(contest: contest, stage: stage)
        let pairs = try AssignmentPlanner.plan(entries: entries.map(\.id), judges: judges, conflicts: Set(conflicts.keys),
                                               existing: existing,
                                               perEntry: perEntry, seed: seed)
        let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) })
        return try await writing { db in
            try db.lock("assign:\(contest)")
            var used = Set(try db.rows("SELECT blind_code FROM assignment WHERE contest = ?", [contest]) { try $0.string("blind_code") })
            var out: [Assignment] = []
            let now = Timestamp.string(Date())   // one moment for the whole plan
            for pair in pairs {
                var code: String
                repeat { code = BlindCode.random() } while !used.insert(code).inserted
                try db.execute("INSERT INTO assignment (contest, stage, entry_id, judge, blind_code, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               [contest, stage, pair.entry, pair.judge, code, now])
                out.append(Assignment(entry: byID[pair.entry]!, judge: pair.judge, blindCode: code, stage: stage))
            }
            return out
        }
    }

    /// The (entry, judge) pairs of a contest's stage, without reading the entries.
    public func assignedPairs(contest: String, stage: String) async throws -> Set<AssignmentPlanner.Pair> {
        Set(try await reading { db in
            try db.rows("SELECT entry_id, judge FROM assignment WHERE contest = ? AND stage = ?", [contest, stage]) {
                AssignmentPlanner.Pair(entry: try $0.int64("entry_id"), judge: try $0.string("judge"))
            }
        })
    }

    /// Every assignment of a contest's stage.
    public func assignments(contest: String, stage: String) async throws -> [Assignment] {
        let entries = Dictionary(uniqueKeysWithValues: try await self.entries(contest: contest).map { ($0.id, $0) })
        let rows = try await reading { db in
            try db.rows("SELECT entry_id, judge, blind_code FROM assignment WHERE contest = ? AND stage = ? ORDER BY judge, blind_code",
                        [contest, stage]) {
                (entry: try $0.int64("entry_id"), judge: try $0.string("judge"), code: try $0.string("blind_code"))
            }
        }
        return rows.compactMap { row in
            entries[row.entry].map { Assignment(entry: $0, judge: row.judge, blindCode: row.code, stage: stage) }
        }
    }

    /// The entries that went on to `stage` of a contest, by id.
    public func finalists(contest: String, stage: String) async throws -> [Int64] {
        try await reading { db in
            try db.rows("SELECT entry_id FROM finalist WHERE contest = ? AND stage = ? ORDER BY entry_id", [contest, stage]) { try $0.int64("entry_id") }
        }
    }
}

/// Blind codes: `B-` and six characters of Crockford's base32 (no I, L, O, U), from the system's
/// secure generator, so codes say nothing about an entry's order or identity.
public enum BlindCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A new random code.
    public static func random() -> String {
        var g = SystemRandomNumberGenerator()
        return "B-" + String((0..<6).map { _ in alphabet[Int(g.next() % 32)] })
    }
}
