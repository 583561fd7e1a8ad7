import CompeCore
import CompeSite
import Foundation

/// The endpoint's messages to entrants, in Japanese or English.
struct FormMessages: Sendable {
    /// `ja` or `en` (other site languages get English).
    let language: String
    /// Shows deadlines in the site's time zone.
    let dates: DateDisplay

    init(language: String, timeZone: TimeZone) {
        self.language = language == "ja" ? "ja" : "en"
        dates = DateDisplay(timeZone: timeZone)
    }

    private func t(_ ja: String, _ en: String) -> String { language == "ja" ? ja : en }

    /// The words for `problem`.
    func text(_ problem: FieldProblem) -> String {
        switch problem {
        case .required: return t("必須項目です。", "This field is required.")
        case .tooLong(let max): return t("\(max) 文字以内で入力してください。", "Use at most \(max) characters.")
        case .lineBreak: return t("この項目は 1 行で入力してください (改行・タブ・区切り文字は使えません)。",
                                  "This field takes one line: no line breaks, tabs or other separators.")
        case .memberSeparator: return t("メンバーは 1 行に 1 名ずつ、タブや区切り文字を使わずに書いてください。",
                                        "Put each member on a line of their own, without tabs or other separators.")
        case .invalidCharacter: return t("使えない文字 (U+FFFE などの非文字) が含まれています。",
                                         "The text holds a character that is not allowed (a Unicode noncharacter such as U+FFFE).")
        case .badEmail: return t("メールアドレスの形式が正しくありません。", "This is not a valid email address.")
        case .badLink: return t("https:// で始まる URL を入力してください。", "Enter a URL that starts with https://.")
        case .badCountry: return t("国・地域は一覧から選んでください。", "Choose the country from the list.")
        case .unknownField: return t("このフォームにない項目です。", "This form has no such field.")
        case .agreeRequired: return t("応募規約への同意が必要です。", "You must agree to the contest terms.")
        case .teamSize(let range, let got):
            return t("メンバーは \(range.lowerBound)〜\(range.upperBound) 名で、1 行に 1 名ずつ書いてください (現在 \(got) 名)。",
                     "List \(range.lowerBound) to \(range.upperBound) members, one per line (you listed \(got)).")
        case .noFiles: return t("ファイルを 1 つ以上添付してください。", "Attach at least one file.")
        case .fileTooLarge(let name, let mb):
            return t("「\(name)」が 1 ファイルの上限 \(mb) MB を超えています。", "'\(name)' is larger than the \(mb) MB limit per file.")
        case .emptyFile(let name): return t("「\(name)」は空のファイルです。", "'\(name)' is empty.")
        case .wrongType(let name, let allowed):
            let list = allowed.map { $0.rawValue.uppercased() }.joined(separator: ", ")
            return t("「\(name)」の内容は受け付けられる形式 (\(list)) ではありません。", "The content of '\(name)' is not an accepted type (\(list)).")
        case .identifyingMetadata(let name, let field):
            return t("「\(name)」のメタデータ (\(field)) にチーム名・メンバー名・メールアドレスが含まれています。審査は応募者名を伏せて行うため、PDF の作成者情報などから取り除いてから送ってください。",
                     "The metadata of '\(name)' (\(field)) names your team, a member or your e-mail address. Judging is blind: remove it (the PDF's author and similar properties) and send the file again.")
        case .tooManyFiles(let max): return t("ファイルは \(max) 個までです。", "Attach at most \(max) files.")
        case .unexpectedFile: return t("この項目にはファイルを送れません。", "This field does not take a file.")
        case .fieldTooLong: return t("入力が長すぎます。", "This field is far too long.")
        case .invalidUTF8: return t("文字コードが正しくありません (UTF-8 で送信してください)。", "The text is not valid UTF-8.")
        case .tokenFirst: return t("ファイルを差し替えるには、編集用トークンを URL (?token=) か Authorization ヘッダーで送ってください。",
                                   "To replace files, send the edit token in the address (?token=) or the Authorization header.")
        case .idempotencyMismatch: return t("この Idempotency-Key は別の内容の送信に使われています。新しいキーで送信してください。",
                                            "This Idempotency-Key was used for a different submission; send with a new key.")
        case .duplicateField: return t("同じ項目が複数回送信されました。", "This field was sent more than once.")
        case .malformed: return t("送信データの形式が正しくありません (multipart/form-data)。", "The request body is not valid multipart/form-data.")
        case .notMultipart: return t("フォームは multipart/form-data で送信してください。", "Send the form as multipart/form-data.")
        case .headerTooLarge: return t("送信データのヘッダーが長すぎます。", "A part header of the request is too long.")
        case .unterminated: return t("送信データが途中で終わっています。もう一度送信してください。", "The request body ended before the form was complete; please send it again.")
        case .tooManyParts: return t("フォームの項目が多すぎます。", "The form has too many parts.")
        case .requestTooLarge: return t("送信データ全体が大きすぎます。", "The request as a whole is too large.")
        case .badIdempotencyKey: return t("Idempotency-Key は 1〜200 文字の英数字記号にしてください。", "Idempotency-Key must be 1–200 visible ASCII characters.")
        case .crossOrigin: return t("このサイト以外からの送信は受け付けていません。", "Entries are accepted only from this site's own forms.")
        case .rateLimited: return t("短時間に送信が集中しています。しばらく待ってから送信してください。", "Too many submissions from your address; please wait and try again.")
        case .clientUploadBudget: return t("このアドレスからの 1 時間あたりの送信量の上限に達しました。しばらく待ってから送信してください。",
                                           "Your address has sent as much as it may in an hour; please wait and send again.")
        case .totalUploadBudget: return t("サーバーが 1 時間に受け付ける送信量の上限に達しました。しばらく待ってから送信してください。",
                                          "The server has taken as many uploads as it can in an hour; please wait and send again.")
        case .tooSlow: return t("送信に時間がかかりすぎたため中断しました。", "The upload was too slow and was stopped.")
        case .diskFull, .lowDisk:
            return t("サーバーが一時的に応募を保存できません。何も保存されていません。しばらくしてからもう一度送信してください。",
                     "The server cannot store entries just now; nothing was stored. Please send again in a little while.")
        case .unknownContest: return t("そのコンペは見つかりません。", "There is no such contest.")
        case .notFound: return t("見つかりません。", "Not found.")
        case .withdrawn: return t("この応募は取り下げられています。", "This entry has been withdrawn.")
        case .notOpenYet(let opens): return t("受付開始前です (受付開始: \(when(opens)))。", "Entries are not open yet (they open \(when(opens))).")
        case .closed(let closes): return t("受付は終了しました (締切: \(when(closes)))。", "Entries are closed (the deadline was \(when(closes))).")
        case .notShortlisted: return t("この応募は次の段階に進んでいないため、提出できません。", "This entry is not on the shortlist, so it cannot send a submission for this stage.")
        case .stageClosed(let closes): return t("この段階の提出は締め切られました (締切: \(when(closes)))。", "Submissions for this stage are closed (the deadline was \(when(closes))).")
        case .resultsPublished: return t("結果が発表されたため、受付は終了しました。", "Entries are closed: the results have been published.")
        case .questionsClosed(let end): return t("質問の受付は終了しました (締切: \(when(end)))。回答はコンテストのページに掲載されています。",
                                                  "Questions are closed (they closed \(when(end))). The answers are on the contest page.")
        case .noQuestions: return t("このコンテストは質問を受け付けていません。", "This contest takes no questions.")
        case .uploadUnavailable(let id):
            return t("アップロード \(id) は見つからないか、完了していないか、すでに使われています。ファイルをもう一度送ってください。",
                     "Upload \(id) is unknown, unfinished or used already; send the file again.")
        case .uploadExpired: return t("このアップロードは期限が切れ、削除されました。ファイルを最初から送ってください。",
                                      "This upload expired and was removed; send the file again from the start.")
        case .tooManyUploads(let max): return t("未完了のアップロードは同時に \(max) 件までです。いずれかを完了するか、しばらく待ってください。",
                                                "You may have at most \(max) unfinished uploads at once; finish one or wait a while.")
        case .clientUploadsInFlight: return t("このアドレスから送信中のファイルの合計が上限に達しました。送信中のファイルを完了してからお送りください。",
                                              "Your unfinished uploads hold as much as one address may; finish them before starting another.")
        case .totalUploadsInFlight: return t("サーバーが同時に受け付けられる送信量の上限に達しました。しばらく待ってから送信してください。",
                                             "The server is receiving as much as it can at once; please wait and try again.")
        case .uploadKeyMissing: return t("Compe-Upload-Key ヘッダー (16〜200 文字の英数字記号) を付けて送ってください。",
                                         "Send the Compe-Upload-Key header (16–200 visible ASCII characters) with every upload request.")
        case .tusVersion: return t("tus 1.0.0 で送ってください (Tus-Resumable: 1.0.0)。", "Send with tus 1.0.0 (Tus-Resumable: 1.0.0).")
        case .uploadHeader(let name): return t("\(name) ヘッダーが必要です (0 以上の整数)。", "The \(name) header is needed (a whole number, 0 or more).")
        case .offsetMismatch(let expected): return t("再開位置が違います。このアップロードは \(expected) バイト目から続けてください。",
                                                     "Wrong offset: this upload goes on from byte \(expected).")
        case .checksumMismatch: return t("チェックサムが一致しません。この部分は保存していません。もう一度送ってください。",
                                         "The checksum does not match; this part was not kept. Send it again.")
        case .checksumAlgorithm: return t("Upload-Checksum は sha256 と base64 の値で送ってください。", "Send Upload-Checksum as sha256 with a base64 value.")
        case .pastUploadLength: return t("アップロードの長さを超えるデータが送られました。", "More bytes were sent than the upload's length.")
        case .uploadContentType: return t("PATCH の本文は application/offset+octet-stream で送ってください。",
                                          "Send PATCH bodies as application/offset+octet-stream.")
        }
    }

    /// A deadline in the site's time zone, then in UTC.
    private func when(_ date: Date) -> String {
        dates.local(date, language: language) + " (\(dates.utc(date)))"
    }
}
