import Foundation

/// What an entrant submits, before it has an id.
public struct EntryDraft: Sendable, Hashable {
    /// The contest's slug.
    public var contest: String
    /// Entry title (≤ 200 characters).
    public var title: String
    /// Markdown summary (≤ 5,000 characters), rendered untrusted.
    public var summary: String
    /// Team name.
    public var teamName: String
    /// Member names, one per line in the form.
    public var members: [String]
    /// Where to reach the team.
    public var contactEmail: String
    /// Country or region.
    public var country: String
    /// Optional https link.
    public var link: String?
    /// The language the entrant used (for receipts and emails).
    public var language: String

    /// Creates a draft.
    public init(contest: String, title: String, summary: String, teamName: String, members: [String],
                contactEmail: String, country: String, link: String?, language: String) {
        self.contest = contest
        self.title = title
        self.summary = summary
        self.teamName = teamName
        self.members = members
        self.contactEmail = contactEmail
        self.country = country
        self.link = link
        self.language = language
    }
}

/// One file of an entry, as stored.
public struct EntryFile: Sendable, Hashable, Codable {
    /// The name the entrant's file had (cleaned for display; never a path).
    public var name: String
    /// Size in bytes.
    public var bytes: Int64
    /// Lowercase hex SHA-256.
    public var sha256: String
    /// Kind decided from the content.
    public var kind: String

    /// Creates a file description.
    public init(name: String, bytes: Int64, sha256: String, kind: String) {
        self.name = name
        self.bytes = bytes
        self.sha256 = sha256
        self.kind = kind
    }
}

/// A stored entry.
public struct Entry: Sendable, Hashable {
    /// Database id.
    public var id: Int64
    /// Human id such as `E-0007`.
    public var code: String
    /// The submitted fields.
    public var draft: EntryDraft
    /// Files in the order they were sent.
    public var files: [EntryFile]
    /// When it was first stored.
    public var receivedAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When the entrant withdrew it, if they did.
    public var withdrawnAt: Date?
    /// Its events in the contest's entry log, oldest first (empty where a list of entries is read).
    public var log: [LogReceipt] = []

    /// Creates an entry value (the store makes them from its rows).
    public init(id: Int64, code: String, draft: EntryDraft, files: [EntryFile], receivedAt: Date, updatedAt: Date, withdrawnAt: Date?) {
        self.id = id
        self.code = code
        self.draft = draft
        self.files = files
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.withdrawnAt = withdrawnAt
    }
}

/// Entry codes: `E-0007` for id 7 (at least four digits).
public enum EntryCode {
    /// The code of an id.
    public static func format(_ id: Int64) -> String {
        let digits = String(id)
        return "E-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The id of a code, or nil for anything that is not exactly a code.
    public static func parse(_ code: String) -> Int64? {
        guard code.hasPrefix("E-"), code.count >= 6, code.count <= 20 else { return nil }
        let digits = code.dropFirst(2)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(digits), id > 0, format(id) == code else { return nil }
        return id
    }
}

