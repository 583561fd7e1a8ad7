import ArgumentParser
import CompeClient
import CompeServices
import CompeWire
import Foundation

/// One `compe judge score`: read the entry, complete the sheet (prompts on a terminal), save it.
/// When the server cannot be reached, the sheet is handed back to be kept for `compe judge sync`
/// (with a fresh idempotency key, so a retry after a lost answer is applied once).
enum Scoring {
    enum Outcome {
        case saved(ScoreReceipt)
        case pending(why: String, submission: ScoreSubmission)
    }

    static func run(_ client: any JudgeClient, ref: String, sets: [ScoreSetting], comment: String?) async throws -> Outcome {
        let given = Dictionary(sets.map { ($0.criterion, $0.value) }, uniquingKeysWith: { $1 })
        let view: JudgeEntryView
        do {
            view = try await client.entry(ref)
        } catch ClientError.unreachable(let server, let reason) {
            // Offline: the flags are all there is to keep (no rubric to prompt with).
            guard !given.isEmpty || comment != nil else {
                throw fail("cannot reach \(server) (\(reason)); give the scores with --set to keep them for 'compe judge sync'")
            }
            // Kept with the revision this computer last saw, so that a newer score from another
            // device is a conflict when it is sent, not something this sheet overwrites.
            let known = client.server.flatMap { KnownRevisions.revision(server: $0, ref: ref) }
            return .pending(why: "cannot reach \(server) (\(reason))",
                            submission: ScoreSubmission(values: given, comment: comment, revision: known, idempotencyKey: UUID().uuidString))
        }
        guard let sheet = try Prompter.complete(view, given: sets, comment: comment) else { throw fail("scoring cancelled; nothing saved") }
        let submission = ScoreSubmission(values: sheet.values, comment: sheet.comment, revision: client.isRemote ? view.sheet.revision : nil,
                                         idempotencyKey: client.isRemote ? UUID().uuidString : nil)
        do {
            return .saved(try await client.score(ref, submission))
        } catch ClientError.unreachable(let server, let reason) {
            return .pending(why: "cannot reach \(server) (\(reason))", submission: submission)
        }
    }
}
