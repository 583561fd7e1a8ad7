import CompeCore
import CompeStore
import Foundation

/// Why a finalist's later-stage submission is refused, as the API names it.
public enum StageRefusal: String, Error, Sendable {
    /// The entry did not go on to the stage.
    case notShortlisted = "not_shortlisted"
    /// The stage has closed (its deadline passed, or its scores are published).
    case stageClosed = "stage_closed"
}

extension EntryService {
    /// The later stage entry `entry` may submit to now, with what it sent so far: the last stage
    /// it went on to, while that stage takes submissions (before its deadline, not published).
    public func openStage(for entry: Entry, in contest: Contest, now: Date = Date()) async throws -> (stage: Stage, sent: StageReceipt?)? {
        guard contest.isStaged, entry.withdrawnAt == nil else { return nil }
        for stage in contest.stages.dropFirst().reversed() where stage.submission != .none {
            switch try await refusal(entry: entry, stage: stage, contest: contest, now: now) {
            case .notShortlisted?: continue
            case .stageClosed?: return nil
            case nil: return (stage, try await store.stageSubmission(entryID: entry.id, stage: stage.id))
            }
        }
        return nil
    }

    /// Why entry `entry` may not submit to `stage` now; nil when it may.
    public func refusal(entry: Entry, stage: Stage, contest: Contest, now: Date = Date()) async throws -> StageRefusal? {
        guard try await store.isFinalist(entryID: entry.id, stage: stage.id) else { return .notShortlisted }
        if now >= stage.closes { return .stageClosed }
        if try await store.isPublished(contest: contest.slug, stage: stage.id) { return .stageClosed }
        return nil
    }

    /// Stores a finalist's submission for `stage` (fields checked by the caller, files staged)
    /// under the entry's durability rule, and queues its receipt. Nil for a wrong token or a
    /// withdrawn entry. The staged files are deleted on any refusal or failure.
    public func submitStage(code: String, token: String, stage: Stage, contest: Contest, fields: [String: String], files: [StagedFile],
                            claims: [UploadClaim] = [], now: Date = Date()) async throws -> Result<StageReceipt, StageRefusal>? {
        do {
            guard let entry = try await store.authorized(code: code, token: token), entry.withdrawnAt == nil,
                  entry.draft.contest == contest.slug else {
                discard(files)
                return nil
            }
            if let refusal = try await refusal(entry: entry, stage: stage, contest: contest, now: now) {
                discard(files)
                return .failure(refusal)
            }
            guard let receipt = try await store.submitStage(code: code, token: token, stage: stage.id, fields: fields, staged: files,
                                                            claims: claims, now: now) else {
                return nil
            }
            release(claims)
            return .success(receipt)
        } catch {
            discard(files)
            throw error
        }
    }
}
