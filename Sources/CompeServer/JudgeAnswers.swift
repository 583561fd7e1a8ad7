import CompeCore
import CompeWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The judge API's answers other than data. Every one is the same for every judge and every
/// entry, so no answer says which entry ids or identities exist.
enum JudgeAnswers {
    static func headers(contentType: String = "application/json; charset=utf-8") -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = contentType
        h[.cacheControl] = "no-store"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return h
    }

    /// A refusal without field problems: `{error, revision?}`.
    static func refusal(_ status: HTTPResponse.Status, _ error: String, revision: Int? = nil, extra: HTTPFields = [:]) -> Response {
        JSONAnswer.response(RefusalAnswer(error: error, revision: revision), status: status, extra: extra)
    }

    /// No token, or a wrong, expired or revoked one: one answer for all.
    static var unauthorized: Response { refusal(.unauthorized, "unauthorized", extra: [.wwwAuthenticate: #"Bearer realm="compe""#]) }

    /// A reference outside the judge's queue, or none at all.
    static var notFound: Response { refusal(.notFound, "not_found") }

    /// The sheet moved on since the judge read it.
    static func stale(_ current: Int) -> Response { refusal(.conflict, "stale_revision", revision: current) }

    /// Results are published.
    static var published: Response { refusal(HTTPResponse.Status(code: 423, reasonPhrase: "Locked"), "published") }

    /// Too many failed authentications from one address.
    static func tooManyAttempts(retryAfter: Int) -> Response {
        refusal(.tooManyRequests, "too_many_attempts", extra: [.retryAfter: String(retryAfter)])
    }

    /// Too many score writes with one token.
    static func tooManyWrites(retryAfter: Int) -> Response {
        refusal(.tooManyRequests, "too_many_writes", extra: [.retryAfter: String(retryAfter)])
    }

    /// The data disk filled while saving: nothing was saved.
    static var storageFull: Response {
        refusal(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "storage_full", extra: [.retryAfter: "300"])
    }

    /// Every problem with what was sent, `{errors: [{field, message}]}`.
    static func invalid(_ problems: [(field: String, message: String)], status: HTTPResponse.Status = .badRequest) -> Response {
        JSONAnswer.response(ProblemsAnswer(problems.map { .init(field: $0.field, message: $0.message) }), status: status)
    }
}

/// `Content-Disposition: attachment` with the name as ASCII and as UTF-8 (RFC 6266).
enum ContentDisposition {
    static func attachment(_ raw: String) -> String {
        // Names stored by earlier versions may still hold controls or bidi overrides.
        let name = FileName.clean(raw, fallback: "file")
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}

/// The judge API's messages, in Japanese or English (`Accept-Language`).
struct JudgeMessages {
    let ja: Bool

    init(_ request: Request) {
        ja = AcceptLanguage.preferred(request.headers[.acceptLanguage] ?? "", among: ["ja", "en"]) == "ja"
    }

    private func t(_ j: String, _ e: String) -> String { ja ? j : e }

    var nothingToSave: String { t("保存する採点がありません。", "Nothing to save: give values or a comment.") }
    var tooLarge: String { t("送信データが大きすぎます。", "The request body is too large.") }
    var notJSON: String { t("本文は {values, comment, revision, idempotency_key} の JSON にしてください。",
                            "The body must be JSON: {values, comment, revision, idempotency_key}.") }
    func duplicateKey(_ key: String) -> String {
        let shown = String(PlainText.clean(key).prefix(40))
        return t("キー「\(shown)」が 2 回以上あります。各キーは 1 回だけにしてください。", "The key '\(shown)' appears more than once; send each key once.")
    }
    var badKey: String { t("idempotency_key は 1〜200 文字にしてください。", "idempotency_key must be 1 to 200 characters.") }
    var keyReused: String { t("この idempotency_key は別の内容に使われています。", "This idempotency_key was used for a different request.") }

    /// The field a score problem belongs to (`values.<criterion>`).
    func field(_ problem: ScoreProblem) -> String {
        switch problem {
        case .unknownCriterion(let id, _), .outsideScale(let id, _, _): return "values.\(id)"
        case .commentTooLong, .commentControl: return "comment"
        }
    }

    func text(_ problem: ScoreProblem) -> String {
        switch problem {
        case .unknownCriterion(let id, let known):
            return t("「\(id)」という審査基準はありません (\(known.joined(separator: ", ")))。", problem.description)
        case .outsideScale(let id, let value, let scale):
            return t("\(id)=\(value) は尺度 \(scale.lowerBound)〜\(scale.upperBound) の外です。", problem.description)
        case .commentTooLong(let max):
            return t("コメントは \(max) 文字以内にしてください。", problem.description)
        case .commentControl:
            return t("コメントに制御文字 (NUL やエスケープなど) が含まれています。取り除いてください。", problem.description)
        }
    }
}
