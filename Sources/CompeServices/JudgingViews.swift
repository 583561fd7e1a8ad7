import CompeCore
import CompeWire
import Foundation

// What the judging service answers to organisers. What it answers a judge (the queue, an
// entry, a score receipt) is in CompeWire, shared with the judge's client.

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
