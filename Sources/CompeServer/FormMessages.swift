import CompeCore
import Foundation

/// The endpoint's messages to entrants, in Japanese or English.
struct FormMessages: Sendable {
    /// `ja` or `en` (other site languages get English).
    let language: String

    init(language: String) { self.language = language == "ja" ? "ja" : "en" }

    private func t(_ ja: String, _ en: String) -> String { language == "ja" ? ja : en }

    var malformed: String { t("送信データの形式が正しくありません (multipart/form-data)。", "The request body is not valid multipart/form-data.") }
    var notMultipart: String { t("フォームは multipart/form-data で送信してください。", "Send the form as multipart/form-data.") }
    var headerTooLarge: String { t("送信データのヘッダーが長すぎます。", "A part header of the request is too long.") }
    var unterminated: String { t("送信データが途中で終わっています。もう一度送信してください。", "The request body ended before the form was complete; please send it again.") }
    var tooManyParts: String { t("フォームの項目が多すぎます。", "The form has too many parts.") }
    var unexpectedFile: String { t("この項目にはファイルを送れません。", "This field does not take a file.") }
    var fieldTooLong: String { t("入力が長すぎます。", "This field is far too long.") }
    var invalidUTF8: String { t("文字コードが正しくありません (UTF-8 で送信してください)。", "The text is not valid UTF-8.") }
    var duplicateField: String { t("同じ項目が複数回送信されました。", "This field was sent more than once.") }
    var required: String { t("必須項目です。", "This field is required.") }
    var agreeRequired: String { t("応募規約への同意が必要です。", "You must agree to the contest terms.") }
    var badEmail: String { t("メールアドレスの形式が正しくありません。", "This is not a valid email address.") }
    var badLink: String { t("https:// で始まる URL を入力してください。", "Enter a URL that starts with https://.") }
    var unknownField: String { t("このフォームにない項目です。", "This form has no such field.") }
    var noFiles: String { t("ファイルを 1 つ以上添付してください。", "Attach at least one file.") }
    var requestTooLarge: String { t("送信データ全体が大きすぎます。", "The request as a whole is too large.") }
    var badIdempotencyKey: String { t("Idempotency-Key は 1〜200 文字の英数字記号にしてください。", "Idempotency-Key must be 1–200 visible ASCII characters.") }
    var unknownContest: String { t("そのコンペは見つかりません。", "There is no such contest.") }
    var notFound: String { t("見つかりません。", "Not found.") }
    var crossOrigin: String { t("このサイト以外からの送信は受け付けていません。", "Entries are accepted only from this site's own forms.") }
    var slowDown: String { t("短時間に送信が集中しています。しばらく待ってから送信してください。", "Too many submissions from your address; please wait and try again.") }
    var tooSlow: String { t("送信に時間がかかりすぎたため中断しました。", "The upload was too slow and was stopped.") }
    var withdrawnEntry: String { t("この応募は取り下げられています。", "This entry has been withdrawn.") }
    var serverError: String { t("サーバーで問題が起きました。応募は保存されていません。時間をおいて再送してください。", "Something went wrong on the server; nothing was stored. Please try again later.") }

    func tooLong(_ max: Int) -> String { t("\(max) 文字以内で入力してください。", "Use at most \(max) characters.") }
    func members(_ range: ClosedRange<Int>, got: Int) -> String {
        t("メンバーは \(range.lowerBound)〜\(range.upperBound) 名で、1 行に 1 名ずつ書いてください (現在 \(got) 名)。",
          "List \(range.lowerBound) to \(range.upperBound) members, one per line (you listed \(got)).")
    }
    func fileTooLarge(_ name: String, _ mb: Int) -> String {
        t("「\(name)」が 1 ファイルの上限 \(mb) MB を超えています。", "'\(name)' is larger than the \(mb) MB limit per file.")
    }
    func emptyFile(_ name: String) -> String { t("「\(name)」は空のファイルです。", "'\(name)' is empty.") }
    func wrongType(_ name: String, _ allowed: [FileKind]) -> String {
        let list = allowed.map { $0.rawValue.uppercased() }.joined(separator: ", ")
        return t("「\(name)」の内容は受け付けられる形式 (\(list)) ではありません。", "The content of '\(name)' is not an accepted type (\(list)).")
    }
    func tooManyFiles(_ max: Int) -> String { t("ファイルは \(max) 個までです。", "Attach at most \(max) files.") }
    func notOpenYet(_ when: String) -> String { t("受付開始前です (受付開始: \(when))。", "Entries are not open yet (they open \(when)).") }
    func closed(_ when: String) -> String { t("受付は終了しました (締切: \(when))。", "Entries are closed (the deadline was \(when)).") }
}
