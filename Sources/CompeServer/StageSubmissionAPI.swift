import CompeCore
import CompeServices
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A finalist's submission for a later stage: `POST /api/contests/{slug}/entries/{id}/stages/{stage}`
/// (API clients, `Authorization: Bearer` with the edit token) and the same at
/// `/api/entries/{id}/stages/{stage}`, under the entry's cookie path, for the form on the
/// entrant's page. The same rules as an entry: origin and rate checks, the disk floor, upload
/// budgets, the stage's own file limits, files durable before the row, a receipt.
extension EntryAPI {
    func submitStage(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let respond = responder(request, context, form: nil)
        let notFound = respond.failure(.notFound, field: "entry", close: true)
        guard let code = context.parameters.get("id"), EntryCode.parse(code) != nil, let stageID = context.parameters.get("stage") else { return notFound }
        if let refusal = refuseForeignOrHurried(request, context, respond) { return refusal }
        // As for an edit: a token in the header, the cookie or the address is checked before the
        // body is read; one in the body only comes with the fields, and then no file is taken.
        let early = token(request)
        var known: (Entry, Contest, Stage)? = nil
        var limits = self.limits
        func locate(_ entry: Entry) -> (Entry, Contest, Stage)? {
            guard let contest = contests[entry.draft.contest], context.parameters.get("slug").map({ $0 == contest.slug }) ?? true,
                  let stage = contest.stage(stageID), stage.id != contest.later.firstID, stage.submission != .none else { return nil }
            return (entry, contest, stage)
        }
        if let early {
            guard let entry = try await entries.entry(code: code, token: early), let found = locate(entry) else { return notFound }
            if let refusal = try await entries.refusal(entry: entry, stage: found.2, contest: found.1, now: clock()) {
                return refused(refusal, stage: found.2, respond)
            }
            known = found
        } else {
            limits.filesAllowed = false
        }
        let policy = known?.2.submission.uploads ?? UploadPolicy(maxFiles: 0, maxFileMB: 0, types: [])
        let receiver: MultipartReceiver
        switch await receive(request, context, respond, policy: policy, limits: limits) {
        case .success(let received): receiver = received
        case .failure(let refusal): return refusal.response
        }
        let token = early ?? receiver.fields["token"] ?? ""
        if known == nil, let entry = try await entries.entry(code: code, token: token) { known = locate(entry) }
        guard let (entry, contest, stage) = known else {
            receiver.discardAll()
            return notFound
        }
        let formRespond = responder(request, context, form: receiver.fields)
        if entry.withdrawnAt != nil {
            receiver.discardAll()
            return formRespond.failure(.withdrawn, field: "entry")
        }
        var errors = receiver.errors
        let fields = EntryForm.stageFields(from: receiver.fields, stage: stage, problems: &errors)
        let (files, claims) = try await requestFiles(receiver, request, contest: contest.slug, policy: stage.submission.uploads ?? policy, problems: &errors)
        let sentBefore = try await entries.store.stageSubmission(entryID: entry.id, stage: stage.id)
        if policy.maxFiles > 0, files.isEmpty, (sentBefore?.files ?? []).isEmpty, !errors.contains(where: { $0.field == "files" || $0.field == "uploads" }) {
            errors.append(FieldError(field: "files", problem: .noFiles))
        }
        if stage.judging.blind {
            errors += EntryService.blindProblems(files, draft: entry.draft, contest: contest.viewing(stage: stage.id) ?? contest)
        }
        guard errors.isEmpty else {
            receiver.discardAll()
            return formRespond.failure(errors)
        }
        do {
            switch try await entries.submitStage(code: code, token: token, stage: stage, contest: contest, fields: fields,
                                                 files: files, claims: claims, now: clock()) {
            case nil:
                return notFound
            case .failure(let refusal)?:
                return refused(refusal, stage: stage, formRespond)
            case .success(let receipt)?:
                metrics?.uploaded(bytes: receipt.files.reduce(0) { $0 + $1.bytes })
                logger.info("stage submission stored", metadata: ["entry": "\(code)", "stage": "\(stage.id)", "files": "\(receipt.files.count)"])
                return formRespond.stageReceived(receipt, token: token, stage: stage)
            }
        } catch let error as StoreError where error.isDiskFull {
            return diskFull(error, formRespond)
        } catch StoreError.uploadUnavailable(let id) {
            return formRespond.failure(.uploadUnavailable(id: id), field: "uploads")
        }
    }

    /// 403 naming why: `{"error": "not_shortlisted" | "stage_closed", "message": …}`, or a page
    /// in the request's language.
    func refused(_ refusal: StageRefusal, stage: Stage, _ respond: Responder) -> Response {
        let problem: FieldProblem = refusal == .notShortlisted ? .notShortlisted : .stageClosed(closes: stage.closes)
        return respond.stageRefusal(refusal.rawValue, problem)
    }
}

/// A later-stage receipt as JSON.
struct StageReceiptJSON: Codable {
    var id: String
    var stage: String
    var received_at: String
    var updated_at: String
    var fields: [String: String]
    var files: [ReceiptJSON.File]
}

/// A stage refusal as JSON.
struct StageRefusalJSON: Codable {
    var error: String
    var message: String
}

extension Responder {
    /// 201 with the receipt of a later-stage submission, or 303 back to the entrant's page.
    func stageReceived(_ r: StageReceipt, token: String, stage: Stage) -> Response {
        metrics?.entryAccepted()
        if request.answersJSON {
            return json(StageReceiptJSON(id: r.entry.code, stage: r.stage, received_at: rfc3339(r.receivedAt), updated_at: rfc3339(r.updatedAt),
                                         fields: r.fields, files: r.files.map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) }),
                        status: .created)
        }
        var h = headers(json: false, close: false)
        h[.location] = pages.entryPath(r.entry.code, language: language, fresh: false) + "#stage-form"
        h[.setCookie] = EditCookie.set(token, code: r.entry.code, apiPath: pages.apiPath)
        return Response(status: .seeOther, headers: h)
    }

    /// 403 for a later-stage submission, with the reason's name for API clients.
    func stageRefusal(_ name: String, _ problem: FieldProblem) -> Response {
        metrics?.entryRefused(reason: problem.code)
        if request.answersJSON { return json(StageRefusalJSON(error: name, message: messages.text(problem)), status: .forbidden, close: true) }
        return html(pages.problems([FieldError(field: "form", problem: problem)], status: .forbidden, messages: messages), status: .forbidden, close: true)
    }
}
