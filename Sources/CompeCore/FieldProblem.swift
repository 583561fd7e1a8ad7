import Foundation

/// What can be wrong with an entry form, from one field's value to the request as a whole.
///
/// Validation reports these cases, never text: the HTTP layer picks the status from the case
/// (`413` for sizes, `415` for file types, …) and the words from the entrant's language.
public enum FieldProblem: Sendable, Hashable {
    // A field's value.
    /// A required field is empty.
    case required
    /// Longer than the field allows (in Unicode code points).
    case tooLong(max: Int)
    /// A one-line field holds a line break, a tab or another separator.
    case lineBreak
    /// A member's line holds a tab or another separator.
    case memberSeparator
    /// Text holding a Unicode noncharacter (U+FFFE, U+FFFF, U+FDD0…), which no text needs.
    case invalidCharacter
    /// Not an e-mail address.
    case badEmail
    /// Not an absolute https URL.
    case badLink
    /// Not a country from the list (an ISO 3166-1 alpha-2 code).
    case badCountry
    /// A field the form does not have.
    case unknownField
    /// The terms were not accepted.
    case agreeRequired
    /// The member list is outside the contest's team size.
    case teamSize(allowed: ClosedRange<Int>, got: Int)

    // Files.
    /// No file was attached.
    case noFiles
    /// One file is over the contest's limit.
    case fileTooLarge(name: String, maxMB: Int)
    /// A file with no bytes.
    case emptyFile(name: String)
    /// A file whose content is not one of the contest's types.
    case wrongType(name: String, allowed: [FileKind])
    /// More files than the contest allows.
    case tooManyFiles(max: Int)
    /// In a blind contest, a file whose metadata (a PDF's Author, say) names the team, a
    /// member or the contact address: the judges would learn who sent it.
    case identifyingMetadata(name: String, field: String)

    // Parts of the multipart body.
    /// A file sent in a field that takes text.
    case unexpectedFile
    /// A text part far beyond any field's limit (not kept in memory).
    case fieldTooLong
    /// Text that is not UTF-8.
    case invalidUTF8
    /// The same field twice.
    case duplicateField
    /// Files sent to change an entry whose token came only in the body: the token must come
    /// first (the address's `token`, or `Authorization`), so nothing is written for a stranger.
    case tokenFirst

    // The request as a whole.
    /// Not well-formed multipart.
    case malformed
    /// Not `multipart/form-data`.
    case notMultipart
    /// A part header line over the limit.
    case headerTooLarge
    /// The body ended before the form did.
    case unterminated
    /// More parts than any form has.
    case tooManyParts
    /// The whole body is over the contest's limit.
    case requestTooLarge
    /// An `Idempotency-Key` header that is not 1–200 visible ASCII characters.
    case badIdempotencyKey
    /// An `Idempotency-Key` already used, within the last 24 hours, for a different request.
    case idempotencyMismatch
    /// Posted from another site's page.
    case crossOrigin
    /// Too many posts from one address.
    case rateLimited
    /// One address sent more bytes of uploads this hour than it may.
    case clientUploadBudget
    /// All clients together sent more bytes of uploads this hour than the server takes.
    case totalUploadBudget
    /// An upload slower than any real one.
    case tooSlow
    /// The server's disk filled while storing (nothing was stored).
    case diskFull
    /// The server's disk is nearly full: uploads wait until space returns.
    case lowDisk

    // The contest and the entry.
    /// No such (published) contest.
    case unknownContest
    /// No such entry, or not with that token (no hint which).
    case notFound
    /// The entry was withdrawn.
    case withdrawn
    /// The contest opens later.
    case notOpenYet(opens: Date)
    /// The contest has closed.
    case closed(closes: Date)
    /// The results are published (closed early by the organisers): nothing changes any more.
    case resultsPublished
    /// A later stage's submission from an entry that did not go on to that stage.
    case notShortlisted
    /// A later stage's submission after that stage closed.
    case stageClosed(closes: Date)

    // Questions.
    /// The contest's question period ended.
    case questionsClosed(closes: Date)
    /// The contest takes no questions (`questions: false`).
    case noQuestions

    // Resumable uploads (tus 1.0).
    /// A finished upload the request names is unknown, another client's, unfinished, used, or
    /// for another contest (one answer for all, so nobody learns of others' uploads).
    case uploadUnavailable(id: String)
    /// The upload expired; its bytes are gone.
    case uploadExpired
    /// A client has as many unfinished uploads as it may.
    case tooManyUploads(max: Int)
    /// One client's unfinished uploads would hold more bytes than it may have in flight.
    case clientUploadsInFlight
    /// Every client's unfinished uploads together would hold more than the server takes.
    case totalUploadsInFlight
    /// A tus request without the client's `Compe-Upload-Key` (or with a malformed one).
    case uploadKeyMissing
    /// A tus request in a protocol version other than 1.0.0.
    case tusVersion
    /// `Upload-Length` or `Upload-Offset` is missing or not a number.
    case uploadHeader(name: String)
    /// The request's offset is not the upload's.
    case offsetMismatch(expected: Int64)
    /// The body does not match its `Upload-Checksum` (nothing of it was kept).
    case checksumMismatch
    /// `Upload-Checksum` names an algorithm other than sha256, or is not base64.
    case checksumAlgorithm
    /// More bytes than the upload's length.
    case pastUploadLength
    /// A `PATCH` body not sent as `application/offset+octet-stream`.
    case uploadContentType

    /// Whether this is a file of a kind the contest does not take.
    public var isWrongType: Bool { if case .wrongType = self { return true } else { return false } }

    /// The case's name without its values (`tooLong`, `diskFull`…): a stable, bounded label for
    /// metrics and logs, which must never carry what the entrant typed.
    public var code: String { String(String(describing: self).prefix { $0 != "(" }) }
}

/// A problem with one field (`title`, `files`, …; `form` for the request as a whole).
public struct FieldError: Error, Sendable, Hashable {
    /// The form field the problem belongs to.
    public var field: String
    /// What is wrong.
    public var problem: FieldProblem

    /// Creates a field error.
    public init(field: String, problem: FieldProblem) {
        self.field = field
        self.problem = problem
    }

    /// A problem with the request as a whole.
    public static func form(_ problem: FieldProblem) -> FieldError { FieldError(field: "form", problem: problem) }
}
