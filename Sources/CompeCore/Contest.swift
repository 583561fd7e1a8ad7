import Foundation

/// A design contest as its brief defines it: dates, limits, and how entries are judged.
///
/// One `Contest` value holds the text of one language; translations share every
/// number and date with the default-language brief (the loader enforces that).
public struct Contest: Sendable, Hashable {
    /// The folder name under `Content/contests/`, also the URL segment.
    public var slug: String
    /// The language this value's text is written in.
    public var language: String
    /// The contest title.
    public var title: String
    /// A one-paragraph summary for lists, feeds and `<meta name="description">`.
    public var description: String
    /// When entries may first be submitted.
    public var opens: Date
    /// When entries stop being accepted (and edits and withdrawals end).
    public var closes: Date
    /// Prize descriptions, in order.
    public var prizes: [String]
    /// Allowed team size, inclusive.
    public var teamSize: ClosedRange<Int>
    /// What files an entry may carry.
    public var uploads: UploadPolicy
    /// Weighted judging criteria; weights sum to 100.
    public var criteria: [Criterion]
    /// How judging is organised.
    public var judging: JudgingPolicy
    /// Left out of the build unless drafts are asked for.
    public var draft: Bool
    /// The stages after the first (empty for a one-stage contest); see `stages`.
    public var later: LaterStages
    /// When entrants may ask questions (by default until a week before `closes`).
    public var questions: QuestionPeriod

    /// Creates a contest.
    public init(slug: String, language: String, title: String, description: String, opens: Date, closes: Date,
                prizes: [String], teamSize: ClosedRange<Int>, uploads: UploadPolicy, criteria: [Criterion],
                judging: JudgingPolicy, draft: Bool, later: LaterStages = .single, questions: QuestionPeriod? = nil) {
        self.slug = slug
        self.language = language
        self.title = title
        self.description = description
        self.opens = opens
        self.closes = closes
        self.prizes = prizes
        self.teamSize = teamSize
        self.uploads = uploads
        self.criteria = criteria
        self.judging = judging
        self.draft = draft
        self.later = later
        self.questions = questions ?? .standard(closes: closes)
    }

    /// Whether the contest takes questions at `now`: its question period has not ended (questions
    /// may come before `opens`, once the brief is published).
    public func takesQuestions(at now: Date) -> Bool {
        if case .until(let end) = questions { return now < end }
        return false
    }

    /// Where a contest stands at a moment in time.
    public enum Phase: String, Sendable {
        /// Before `opens`.
        case upcoming
        /// From `opens` (inclusive) to `closes` (exclusive).
        case open
        /// From `closes` on.
        case closed
    }

    /// The phase at `now`: open is `opens <= now < closes`.
    public func phase(at now: Date) -> Phase {
        if now < opens { return .upcoming }
        if now < closes { return .open }
        return .closed
    }
}

/// One judging criterion with its weight and scale.
public struct Criterion: Sendable, Hashable {
    /// Stable identifier used on the command line (`--set usability=8`).
    public var id: String
    /// Display name in the contest's language.
    public var name: String
    /// Percentage weight; a contest's weights sum to 100.
    public var weight: Int
    /// Lowest allowed score.
    public var scaleMin: Int
    /// Highest allowed score.
    public var scaleMax: Int
    /// What judges look for, in plain words.
    public var rubric: String

    /// Creates a criterion.
    public init(id: String, name: String, weight: Int, scaleMin: Int, scaleMax: Int, rubric: String) {
        self.id = id
        self.name = name
        self.weight = weight
        self.scaleMin = scaleMin
        self.scaleMax = scaleMax
        self.rubric = rubric
    }
}

/// Limits on the files of one entry.
public struct UploadPolicy: Sendable, Hashable {
    /// Most files one entry may carry.
    public var maxFiles: Int
    /// Largest single file, in mebibytes.
    public var maxFileMB: Int
    /// Allowed kinds, decided from file content.
    public var types: [FileKind]

    /// Creates a policy.
    public init(maxFiles: Int, maxFileMB: Int, types: [FileKind]) {
        self.maxFiles = maxFiles
        self.maxFileMB = maxFileMB
        self.types = types
    }

    /// The defaults used when a brief says nothing: 5 files of 50 MiB, pdf/png/jpeg/zip.
    public static let standard = UploadPolicy(maxFiles: 5, maxFileMB: 50, types: [.pdf, .png, .jpeg, .zip])

    /// Largest single file in bytes.
    public var maxFileBytes: Int64 { Int64(maxFileMB) * 1024 * 1024 }
}

/// How a contest is judged.
public struct JudgingPolicy: Sendable, Hashable {
    /// How many judges score each entry.
    public var judgesPerEntry: Int
    /// Whether judges see blind codes instead of entrant identity.
    public var blind: Bool

    /// Creates a policy.
    public init(judgesPerEntry: Int, blind: Bool) {
        self.judgesPerEntry = judgesPerEntry
        self.blind = blind
    }

    /// Three judges per entry, blind.
    public static let standard = JudgingPolicy(judgesPerEntry: 3, blind: true)
}

/// File kinds an entry may upload. The kind is decided from the file's first bytes,
/// never from its name or the client's Content-Type.
public enum FileKind: String, Sendable, Hashable, CaseIterable {
    case pdf, png, jpeg, gif, webp, zip, mp4

    /// File-name extensions a browser's file picker should offer for this kind.
    public var extensions: [String] {
        switch self {
        case .pdf: return ["pdf"]
        case .png: return ["png"]
        case .jpeg: return ["jpg", "jpeg"]
        case .gif: return ["gif"]
        case .webp: return ["webp"]
        case .zip: return ["zip"]
        case .mp4: return ["mp4", "m4v", "mov"]
        }
    }

    /// The MIME type served and recorded for this kind.
    public var mimeType: String {
        switch self {
        case .pdf: return "application/pdf"
        case .png: return "image/png"
        case .jpeg: return "image/jpeg"
        case .gif: return "image/gif"
        case .webp: return "image/webp"
        case .zip: return "application/zip"
        case .mp4: return "video/mp4"
        }
    }

    /// Recognises a kind from the first bytes of a file (at least 12 are needed for webp).
    public static func detect(_ head: some Collection<UInt8>) -> FileKind? {
        let b = Array(head.prefix(12))
        func starts(_ sig: [UInt8]) -> Bool { b.count >= sig.count && Array(b.prefix(sig.count)) == sig }
        if starts([0x25, 0x50, 0x44, 0x46, 0x2D]) { return .pdf }                       // %PDF-
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if b.count >= 12, starts(Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return .webp }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return .zip }
        // ISO base media (MP4, M4V, QuickTime): a box size, then the `ftyp` box type.
        if b.count >= 12, Array(b[4..<8]) == Array("ftyp".utf8) { return .mp4 }
        return nil
    }
}
