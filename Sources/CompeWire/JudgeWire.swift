import Foundation

// The judge API's requests and answers, shaped as they travel (JSON, snake_case keys): the
// server sends them, the judge's client reads them, and the judging service answers the
// organiser's command line with the same values, so every caller prints the same thing. This
// module imports nothing of compe's, so the judge's laptop links no store, theme or Markdown.

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
    /// The stage the entry is judged in (absent from servers without stages).
    public var stage: String?
    public init(contest: String, ref: String, title: String, done: Bool, revision: Int, stage: String? = nil) {
        self.contest = contest
        self.ref = ref
        self.title = title
        self.done = done
        self.revision = revision
        self.stage = stage
    }
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
        public init(n: Int, name: String, kind: String, bytes: Int64, sha256: String, localPath: String? = nil) {
            self.n = n
            self.name = name
            self.kind = kind
            self.bytes = bytes
            self.sha256 = sha256
            self.localPath = localPath
        }
    }

    /// One criterion with its rubric.
    public struct Criterion: Codable, Sendable {
        public var id: String
        public var name: String
        public var weight: Int
        /// `[lowest, highest]`.
        public var scale: [Int]
        public var rubric: String
        public init(id: String, name: String, weight: Int, scale: [Int], rubric: String) {
            self.id = id
            self.name = name
            self.weight = weight
            self.scale = scale
            self.rubric = rubric
        }
    }

    /// The judge's own scores so far.
    public struct Sheet: Codable, Sendable {
        public var values: [String: Int]
        public var comment: String?
        /// Send it back with a score: a sheet changed since (on another device) is not overwritten.
        public var revision: Int
        public init(values: [String: Int], comment: String? = nil, revision: Int) {
            self.values = values
            self.comment = comment
            self.revision = revision
        }
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
    /// The stage the entry is judged in, whose criteria these are (absent from servers without stages).
    public var stage: String?

    public init(ref: String, contest: String, title: String, summary: String, team: String? = nil, members: [String]? = nil, country: String? = nil,
                link: String? = nil, files: [File], criteria: [Criterion], sheet: Sheet, stage: String? = nil) {
        self.stage = stage
        self.ref = ref
        self.contest = contest
        self.title = title
        self.summary = summary
        self.team = team
        self.members = members
        self.country = country
        self.link = link
        self.files = files
        self.criteria = criteria
        self.sheet = sheet
    }

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
    public init(ref: String, revision: Int, stillToScore: [String]) {
        self.ref = ref
        self.revision = revision
        self.stillToScore = stillToScore
    }
}

/// Scores a judge sends: values for any of the criteria, a comment, the revision the judge
/// read, and a key that makes a retry harmless.
public struct ScoreSubmission: Codable, Sendable, Equatable {
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
    /// The stage (absent from servers without stages).
    public var stage: String?
    public init(contest: String, done: Int, assigned: Int, stage: String? = nil) {
        self.stage = stage
        self.contest = contest
        self.done = done
        self.assigned = assigned
    }
}


/// Every problem with a request, as the judge API answers `400` (and `422`): `{errors: [{field, message}]}`.
public struct ProblemsAnswer: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var errors: [Item]

    public init(_ errors: [Item]) { self.errors = errors }
}

/// A refusal without field problems: `{error: "not_found" | "stale_revision" | …, revision?}`.
public struct RefusalAnswer: Codable, Sendable {
    public var error: String
    /// The sheet's revision now (`stale_revision` only).
    public var revision: Int?

    public init(error: String, revision: Int? = nil) {
        self.error = error
        self.revision = revision
    }
}
