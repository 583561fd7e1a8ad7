import CompeCore
import Foundation

// What the judging service answers, shaped as the judge API sends it (JSON, snake_case keys),
// so the command line prints the same thing whether it asked the service or the server.

/// One line of a judge's queue.
public struct QueueItem: Codable, Sendable, Hashable {
    /// The contest's slug.
    public var contest: String
    /// What the judge types to name the entry: the blind code in a blind contest, else the id.
    public var ref: String
    /// The entry's title (entrant text: clean it before printing).
    public var title: String
    /// Whether the judge has scored every criterion.
    public var done: Bool
    /// The sheet's revision (0 before the first score), to send back with a score.
    public var revision: Int
}

/// A judge's view of one entry: what the brief asks and what the entrant sent, without any
/// identity when the contest is blind.
public struct JudgeEntryView: Codable, Sendable {
    /// One file.
    public struct File: Codable, Sendable {
        /// Position, from 1.
        public var n: Int
        /// The entrant's file name, or `file-N.kind` in a blind contest.
        public var name: String
        /// Kind from the content.
        public var kind: String
        public var bytes: Int64
        public var sha256: String
        /// Where the file lies on this machine (organisers on the server only; never sent).
        public var localPath: String?

        enum CodingKeys: String, CodingKey { case n, name, kind, bytes, sha256 }
    }

    /// One criterion with its rubric.
    public struct Criterion: Codable, Sendable {
        public var id: String
        public var name: String
        public var weight: Int
        /// `[lowest, highest]`.
        public var scale: [Int]
        public var rubric: String
    }

    /// The judge's own scores so far.
    public struct Sheet: Codable, Sendable {
        public var values: [String: Int]
        public var comment: String?
        /// Send it back with a score: a sheet changed since (on another device) is not overwritten.
        public var revision: Int
    }

    public var ref: String
    public var contest: String
    public var title: String
    /// Markdown, untrusted.
    public var summary: String
    /// Identity: only when the contest is not blind.
    public var team: String?
    public var members: [String]?
    public var country: String?
    public var link: String?
    public var files: [File]
    public var criteria: [Criterion]
    public var sheet: Sheet

    /// Whether the contest is blind (no identity in this view).
    public var isBlind: Bool { team == nil }
}

/// What saving scores left to do.
public struct ScoreReceipt: Codable, Sendable {
    /// The entry, as the judge names it.
    public var ref: String
    /// The sheet's revision after the save.
    public var revision: Int
    /// Criteria still without a score, in the brief's order.
    public var stillToScore: [String]

    enum CodingKeys: String, CodingKey { case ref, revision, stillToScore = "still_to_score" }
}

/// Scores a judge sends: values for any of the criteria, a comment, the revision the judge
/// read, and a key that makes a retry harmless.
public struct ScoreSubmission: Codable, Sendable {
    public var values: [String: Int]
    public var comment: String?
    /// The sheet's revision when the judge read it; nil skips the check (the local command line).
    public var revision: Int?
    /// A key the judge's client chose; the same key again is applied once.
    public var idempotencyKey: String?

    enum CodingKeys: String, CodingKey { case values, comment, revision, idempotencyKey = "idempotency_key" }

    public init(values: [String: Int], comment: String?, revision: Int? = nil, idempotencyKey: String? = nil) {
        self.values = values
        self.comment = comment
        self.revision = revision
        self.idempotencyKey = idempotencyKey
    }
}

/// A judge's own progress in one contest.
public struct JudgeProgress: Codable, Sendable, Hashable {
    public var contest: String
    public var done: Int
    public var assigned: Int
}

/// Scored and assigned entries per judge of a contest.
public struct ProgressReport: Codable, Sendable {
    /// One judge's figures.
    public struct Row: Codable, Sendable {
        public var judge: String
        public var done: Int
        public var assigned: Int
    }

    public var contest: String
    /// By handle.
    public var judges: [Row]
    public var done: Int { judges.reduce(0) { $0 + $1.done } }
    public var assigned: Int { judges.reduce(0) { $0 + $1.assigned } }
}

/// What `assign` did.
public struct AssignmentReport: Sendable {
    /// New assignments.
    public var added: Int
    /// Assignments of the contest in all.
    public var total: Int
    /// Judges per entry asked for.
    public var perEntry: Int
    /// Entries per judge, by handle.
    public var load: [(judge: String, entries: Int)]
}

/// One entry in the organiser's list.
public struct EntryListing: Codable, Sendable {
    public var id: String
    public var title: String
    public var teamName: String
    public var country: String
    public var files: Int
    /// The day it was received (UTC).
    public var receivedAt: String
    public var withdrawn: Bool

    enum CodingKeys: String, CodingKey {
        case id, title, teamName = "team_name", country, files, receivedAt = "received_at", withdrawn
    }
}
