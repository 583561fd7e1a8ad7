import CompeCore
import CompeServices
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird

/// Proofs of a contest's entry log, for convenience (everything they prove can be recomputed
/// from the published `leaves.json` without asking the server):
/// `GET /api/contests/{slug}/log/proof?leaf=N&size=M` and `…/consistency?from=A&to=B`.
struct LogAPI: Sendable {
    let log: EntryLogService
    let catalog: CurrentCatalog

    struct Inclusion: Encodable { var leaf_index: Int; var tree_size: Int; var audit_path: [String] }
    struct Consistency: Encodable { var first: Int; var second: Int; var consistency_path: [String] }

    func register(on router: Router<CompeRequestContext>) {
        let contests = router.group("api/contests")
        contests.get(":slug/log/proof") { request, context in
            try await answer(context) { slug in
                guard let leaf = request.query("leaf").flatMap(Int.init) else { throw EntryLogError.badRange("leaf must be a number") }
                let size = request.query("size").flatMap(Int.init)
                if request.query("size") != nil && size == nil { throw EntryLogError.badRange("size must be a number") }
                let proof = try await log.inclusionProof(contest: slug, leaf: leaf, size: size)
                return JSONAnswer.response(Inclusion(leaf_index: leaf, tree_size: proof.size, audit_path: proof.path))
            }
        }
        contests.get(":slug/log/consistency") { request, context in
            try await answer(context) { slug in
                guard let from = request.query("from").flatMap(Int.init), let to = request.query("to").flatMap(Int.init) else {
                    throw EntryLogError.badRange("from and to must be numbers")
                }
                return JSONAnswer.response(Consistency(first: from, second: to, consistency_path: try await log.consistencyProof(contest: slug, from: from, to: to)))
            }
        }
    }

    /// Runs `body` for a contest the site has; its refusals as 404 (no log) or 400 (a bad range).
    func answer(_ context: CompeRequestContext, _ body: (String) async throws -> Response) async throws -> Response {
        guard let slug = context.parameters.get("slug"), catalog.current.contests[slug] != nil else { return JudgeAnswers.notFound }
        do {
            return try await body(slug)
        } catch let error as EntryLogError {
            switch error {
            case .noLog: return JudgeAnswers.notFound
            case .badRange(let detail): return JSONAnswer.response(["error": "bad_range", "message": detail], status: .badRequest)
            }
        }
    }
}
