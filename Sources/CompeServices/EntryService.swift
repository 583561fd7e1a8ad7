import CompeCore
import CompeStore
import Crypto
import Foundation

/// Entries, for the entry API (and any other caller): submit, view, edit, withdraw, recover. The
/// HTTP side parses the request and stages the files it receives (`beginUpload`); everything
/// after — the idempotency replay, storing the files durably with the entry's row, the edit
/// and withdrawal rules — happens here and in the store, once.
public struct EntryService: Sendable {
    /// Entries, their files and the outbox.
    public let store: EntryStore

    public init(store: EntryStore) { self.store = store }

    /// Whether the store writes mail to the outbox (the server was given `--smtp`).
    public var mails: Bool { store.queuesMail }

    /// A new staged upload in `tmp/`, for a file as it arrives.
    public func beginUpload() throws -> StagedUpload { try store.uploads.begin() }

    /// Stores an entry with its staged files and returns its receipt. A request with an
    /// `Idempotency-Key` seen before answers with the first entry (same id, same token) when it
    /// is the same request, and throws `StoreError.idempotencyMismatch` when it is not — both
    /// before any file is moved into place, so a refused replay leaves nothing behind. On any
    /// failure the staged files are deleted.
    /// `closedBy`: the stage whose published results close the entry window (the contest's
    /// first); checked where the entry would be stored (`StoreError.resultsPublished`).
    /// `consents`: the data-sharing agreements ticked on the form, stored with the entry.
    /// `claims`: the finished resumable uploads among `files` (`ResumableUploadService.files`),
    /// used by this entry in its transaction; their files are removed once it has committed.
    public func submit(_ draft: EntryDraft, files: [StagedFile], idempotency: IdempotencyClaim?, closedBy: String? = nil,
                       consents: [ConsentChoice] = [], claims: [UploadClaim] = [], now: Date = Date()) async throws -> Receipt {
        do {
            if let claim = idempotency, let receipt = try await store.replay(claim, contest: draft.contest, now: now) {
                discard(files)
                return receipt
            }
            let receipt = try await store.create(draft, staged: files, idempotency: idempotency, closedBy: closedBy, consents: consents,
                                                 claims: claims, now: now)
            release(claims)
            return receipt
        } catch {
            discard(files)
            throw error
        }
    }

    /// The entry `code` when `token` is its edit token; nil otherwise (no hint which).
    public func entry(code: String, token: String) async throws -> Entry? {
        try await store.authorized(code: code, token: token)
    }

    /// Replaces the fields of entry `code`, and its files when `files` is not nil (staged files,
    /// stored durably before the change commits). Nil for a wrong token or a withdrawn entry.
    public func edit(code: String, token: String, with draft: EntryDraft, files: [StagedFile]?, claims: [UploadClaim] = [],
                     now: Date = Date()) async throws -> Entry? {
        do {
            let entry = try await store.replace(code: code, token: token, with: draft, staged: files, claims: claims, now: now)
            if entry != nil { release(claims) }
            return entry
        } catch {
            discard(files ?? [])
            throw error
        }
    }

    /// The data-sharing agreements whose consent stands for `entry`, of those offered.
    public func consents(of entry: Entry) async throws -> Set<ConsentChoice> { try await store.standingConsents(entryID: entry.id) }

    /// Records the entrant's choices on the entry page's consent form: for each agreement
    /// offered, a new "given" or "withdrawn" event when the choice differs from the standing
    /// one (nothing is changed or deleted). Returns the choices that now stand.
    public func setConsents(of entry: Entry, ticked: [ConsentChoice], offers: [ConsentChoice], now: Date = Date()) async throws -> Set<ConsentChoice> {
        let standing = try await store.standingConsents(entryID: entry.id)
        let chosen = Set(ticked)
        let changes = offers.filter { chosen.contains($0) != standing.contains($0) }.map { (choice: $0, given: chosen.contains($0)) }
        try await store.recordConsents(entryID: entry.id, changes, at: now)
        return standing.subtracting(offers).union(chosen)
    }

    /// Withdraws entry `code` (kept for the audit trail, never judged). Idempotent.
    public func withdraw(code: String, token: String, now: Date = Date()) async throws -> Entry? {
        try await store.withdraw(code: code, token: token, now: now)
    }

    /// Queues one mail with the edit links of `email`'s active entries in `contest`; how many it lists.
    public func recover(contest: String, email: String, now: Date = Date()) async throws -> Int {
        try await store.queueRecovery(contest: contest, email: email, now: now)
    }

    /// Confirms the address a confirmation request with `token` went to (`--confirm-email`); the
    /// mail waiting for it becomes due. Nil for an unknown or used token.
    public func confirmAddress(token: String, now: Date = Date()) async throws -> String? {
        guard token.hasPrefix("cmc_"), token.utf8.count <= 128 else { return nil }
        return try await store.confirmAddress(tokenHash: Data(SHA256.hash(data: Data(token.utf8))), now: now)
    }

    /// Whether a stage of `contest` is published (of its first stage: entries, edits and withdrawals are closed).
    public func isPublished(contest: String, stage: String) async throws -> Bool { try await store.isPublished(contest: contest, stage: stage) }

    /// Deletes staged files of a refused request (finished resumable uploads stay, for the next try).
    public func discard(_ files: [StagedFile]) {
        for file in files { file.upload.discard() }
    }

    /// Removes the files of resumable uploads an event has taken (linked into `uploads/` and
    /// committed by now); their rows stay, marked used, until they expire.
    public func release(_ claims: [UploadClaim]) {
        for claim in claims { store.resumable.remove(claim.id) }
    }

    /// The blind rule at the door: in a blind contest, a PDF whose metadata names the team, a
    /// member or the contact address is refused (the entrant removes it and sends again), since
    /// the judges would read it. Images need no refusal: blind judges get them without metadata.
    public static func blindProblems(_ files: [StagedFile], draft: EntryDraft, contest: Contest) -> [FieldError] {
        guard contest.judging.blind else { return [] }
        let identities = [draft.teamName, draft.contactEmail] + draft.members
        return files.compactMap { file in
            guard file.kind == FileKind.pdf.rawValue, let bytes = head(file.upload.path),
                  let found = PDFMetadata.identifying(bytes, identities: identities) else { return nil }
            return FieldError(field: "files", problem: .identifyingMetadata(name: file.name, field: found.field))
        }
    }

    /// The file's bytes, or its first and last 8 MiB when larger (where PDF writers put the
    /// document information and XMP).
    static func head(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let limit = 8 << 20
        guard let size = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: 0)
        if size <= UInt64(2 * limit) { return (try? handle.readToEnd()).map { [UInt8]($0) } }
        let first = (try? handle.read(upToCount: limit)) ?? Data()
        try? handle.seek(toOffset: size - UInt64(limit))
        let last = (try? handle.read(upToCount: limit)) ?? Data()
        return [UInt8](first) + [UInt8](last)
    }
}
