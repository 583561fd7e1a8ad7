import CompeCore

/// Every user-visible string of the theme, by the key templates use (`{{t.f_title}}`).
///
/// Swift code names a string by its case (`t[.formTitle]`), so a typo does not compile; the
/// templates name it by its raw value, checked by a test against this list. `UIStringsTests`
/// also checks that Japanese and English give every key.
public enum UIKey: String, CaseIterable, Sendable {
    case skip, menu, language, feed, sitemap, contests, noContests = "no_contests", opens, closes, teamSize = "team_size"
    case prizes, criteria, criteriaCaption = "criteria_caption", criterion, weight, scale, rubric
    case judgingNote = "judging_note", blindNote = "blind_note", entryForm = "entry_form", notOpenYet = "not_open_yet", closed
    case requiredNote = "required_note", formTitle = "f_title", formSummary = "f_summary", formSummaryHelp = "f_summary_help"
    case formTeamName = "f_team_name", formMembers = "f_members", formMembersHelp = "f_members_help", formEmail = "f_email"
    case formCountry = "f_country", formLink = "f_link", formLinkHelp = "f_link_help", formFiles = "f_files"
    case formWebsite = "f_website", formAgree = "f_agree", submit, filesHelpPrefix = "files_help_prefix"
    case filesHelpCount = "files_help_count", filesHelpSize = "files_help_size", teamSizeUnit = "team_size_unit"
    case phaseUpcoming = "phase_upcoming", phaseOpen = "phase_open", phaseClosed = "phase_closed"
    case notFoundTitle = "not_found_title", notFoundText = "not_found_text", home, receiptTitle = "receipt_title"
    case receiptLead = "receipt_lead", entryId = "entry_id", receivedAt = "received_at", updatedAt = "updated_at"
    case fileName = "file_name", fileSize = "file_size", sha256, editLink = "edit_link", editTitle = "edit_title"
    case editSubmit = "edit_submit", filesKeep = "files_keep", withdrawTitle = "withdraw_title"
    case withdrawSubmit = "withdraw_submit", withdrawn, editableUntil = "editable_until", notEditable = "not_editable"
    case errorsTitle = "errors_title", errorsLead = "errors_lead", backlog, iterations, iteration, period, capacity, committed
    case completed, rollingAverage = "rolling_average", addedPoints = "added_points", velocityChart = "velocity_chart"
    case velocityDescRow = "velocity_desc_row", burndownChart = "burndown_chart", burndownDesc = "burndown_desc", remaining
    case ideal, scope, day, points, owner, labels, checklist, goal, board, chartData = "chart_data", entry
    case statusTodo = "status_todo", statusDoing = "status_doing", statusReview = "status_review", statusDone = "status_done"
    case statusDropped = "status_dropped", noItems = "no_items", results, published, alpha, winners
    case resultsChart = "results_chart", rankingCaption = "ranking_caption", rank, rankInterval = "rank_interval", corrected
    case rawMean = "raw_mean", judges, errorTitle = "error_title", entryViewTitle = "entry_view_title", contest, summary
    case alphaUnknown = "alpha_unknown", alphaGood = "alpha_good", alphaModerate = "alpha_moderate", alphaPoor = "alpha_poor"
    case limitsNote = "limits_note"
    case statistics, statsLead = "stats_lead", entriesPerDay = "entries_per_day", cumulativeEntries = "cumulative_entries"
    case newEntries = "new_entries", countries, country, teamSizes = "team_sizes", members, entries, other, downloadData = "download_data"
    case perEntry = "per_entry", filesPerEntry = "files_per_entry", bytesPerEntry = "bytes_per_entry", daysToEntry = "days_to_entry"
    case mean, median, lowK = "low_k", highK = "high_k", edits, judging, sheetsComplete = "sheets_complete", agreement, overall
    case suppressionNote = "suppression_note", fileTypes = "file_types", openData = "open_data", openDataLead = "open_data_lead"
    case signingKey = "signing_key", signingKeyLead = "signing_key_lead", signingKeyCheck = "signing_key_check"
    case dataset, license, created, files, noDatasets = "no_datasets", generated, withdrawnEntries = "withdrawn_entries"
    case receiptMailed = "receipt_mailed", receiptNotMailed = "receipt_not_mailed"
    case recoverTitle = "recover_title", recoverLead = "recover_lead", recoverSubmit = "recover_submit", recoverSent = "recover_sent"
    case recoverNoMail = "recover_no_mail", updates, chooseCountry = "choose_country", untranslated, continueLabel = "continue"
    case confirmTitle = "confirm_title", confirmLead = "confirm_lead", confirmSubmit = "confirm_submit", confirmDone = "confirm_done"
    case confirmUnknown = "confirm_unknown", blindFilesNote = "blind_files_note", outageTitle = "outage_title", outageText = "outage_text"
    case stages, stage, currentStage = "current_stage", shortlist, shortlistLead = "shortlist_lead", finalists, team
    case stageDone = "stage_done", stageCloses = "stage_closes", stageSubmission = "stage_submission"
    case stageLead = "stage_lead", stageReceived = "stage_received", stageSubmit = "stage_submit", funnel
    case sharing, sharingLead = "sharing_lead", sharingRegister = "sharing_register", sharingConsentLabel = "sharing_consent_label"
    case sharingPurpose = "sharing_purpose", sharingData = "sharing_data", sharingUntil = "sharing_until", sharingOptional = "sharing_optional"
    case sharingSave = "sharing_save", sharingStanding = "sharing_standing", sharingRegisterLead = "sharing_register_lead"
    case sharingPartner = "sharing_partner", sharingKind = "sharing_kind", sharingBasis = "sharing_basis", sharingOnward = "sharing_onward"
    case sharingShares = "sharing_shares", sharingLastShare = "sharing_last_share", sharingNone = "sharing_none", sharingContests = "sharing_contests"
    case sharingReference = "sharing_reference", sharingContact = "sharing_contact", sharingAllContests = "sharing_all_contests"
    case sharingEnded = "sharing_ended", sharingNever = "sharing_never"
    case kindLocalGovernment = "kind_local_government", kindBusinessBody = "kind_business_body"
    case kindFinancialInstitution = "kind_financial_institution", kindResearch = "kind_research", kindOther = "kind_other"
    case basisConsent = "basis_consent", basisStatistics = "basis_statistics", onwardProhibited = "onward_prohibited", onwardAllowed = "onward_allowed"
    case sfEntriesId = "sf_entries_id", sfEntriesTeam = "sf_entries_team", sfEntriesMembers = "sf_entries_members", sfEntriesEmail = "sf_entries_email"
    case sfEntriesCountry = "sf_entries_country", sfEntriesTeamSize = "sf_entries_team_size", sfEntriesReceivedDay = "sf_entries_received_day"
    case sfEntriesFiles = "sf_entries_files", sfEntriesBytes = "sf_entries_bytes", sfEntriesStatus = "sf_entries_status"
    case sfEntriesStageReached = "sf_entries_stage_reached", sfScoresValue = "sf_scores_value", sfScoresCriterion = "sf_scores_criterion"
    case sfScoresJudge = "sf_scores_judge", sfScoresStage = "sf_scores_stage"
    case logTitle = "log_title", logLead = "log_lead", logEvent = "log_event", logIndex = "log_index", logLeafHash = "log_leaf_hash"
    case logReceiptJSON = "log_receipt_json", logReceived = "log_received", logReplaced = "log_replaced", logStage = "log_stage"
    case logWithdrawn = "log_withdrawn", logTime = "log_time", logCheck = "log_check", logSize = "log_size", logRoot = "log_root"
    case logSigned = "log_signed"
    case uploadSending = "upload_sending", uploadPaused = "upload_paused", uploadResumed = "upload_resumed", uploadDone = "upload_done"
    case uploadSubmitting = "upload_submitting", uploadFailed = "upload_failed", uploadOffline = "upload_offline"
    case questionReceivedTitle = "question_received_title", questionReceivedText = "question_received_text", questionMailNote = "question_mail_note"
    case questions, questionsLead = "questions_lead", questionsUntil = "questions_until", qQuestion = "q_question", qLanguage = "q_language"
    case qEmail = "q_email", qEmailHelp = "q_email_help", qSubmit = "q_submit"
    case answers, answersLead = "answers_lead", askedOn = "asked_on", answeredOn = "answered_on", allAnswers = "all_answers"
    case askAQuestion = "ask_a_question"
    case questionsAsked = "questions_asked", questionsAnswered = "questions_answered", questionsDismissed = "questions_dismissed"
    case questionsPending = "questions_pending", medianDaysToAnswer = "median_days_to_answer", figureValue = "figure_value"
}

/// The theme's user-visible strings in Japanese and English.
///
/// Languages other than ja fall back to English; a site in another language can
/// override any template that needs different words.
public enum UIStrings {
    /// The strings for `language`.
    public static func text(for language: String) -> UIText {
        language == "ja" ? jaText : enText
    }

    /// `text(for:)` as a template value (`{{t.name}}`), made once per language.
    static func value(for language: String) -> TemplateValue {
        language == "ja" ? jaValue : enValue
    }

    private static let jaText = UIText(language: "ja", table: ja)
    private static let enText = UIText(language: "en", table: en)
    private static let jaValue = TemplateValue.object(Dictionary(uniqueKeysWithValues: UIKey.allCases.map { ($0.rawValue, TemplateValue.text(jaText[$0])) }))
    private static let enValue = TemplateValue.object(Dictionary(uniqueKeysWithValues: UIKey.allCases.map { ($0.rawValue, TemplateValue.text(enText[$0])) }))

    /// The name of a language in that language, for the switcher.
    public static func languageName(_ code: String) -> String {
        ["ja": "日本語", "en": "English", "ko": "한국어", "zh": "中文", "fr": "Français", "de": "Deutsch", "es": "Español"][code] ?? code
    }

    static let ja: [UIKey: String] = [
        .questions: "質問", .questionsLead: "応募についての質問を受け付けています。回答は、質問者の名前やメールアドレスを伏せて、このページで全員に公開します。",
        .questionsUntil: "受付期限:", .qQuestion: "質問", .qLanguage: "質問の言語", .qEmail: "メールアドレス (任意)",
        .qEmailHelp: "回答を公開したときに一度だけお知らせします。公開も共有もしません。", .qSubmit: "質問を送る",
        .questionReceivedTitle: "質問を受け付けました",
        .questionReceivedText: "ありがとうございます。回答は、質問者の名前やメールアドレスを伏せて、コンテストのページで全員に公開します。",
        .questionMailNote: "回答を公開したときに、一度だけメールでお知らせします。",
        .answers: "質問と回答", .answersLead: "応募者から寄せられた質問への回答です。質問者の名前やメールアドレスを伏せて、全員に同時に公開しています。",
        .askedOn: "質問日", .answeredOn: "回答日", .allAnswers: "すべての質問と回答", .askAQuestion: "質問する",
        .questionsAsked: "寄せられた質問", .questionsAnswered: "回答した質問", .questionsDismissed: "回答しなかった質問 (重複・対象外)",
        .questionsPending: "回答待ちの質問", .medianDaysToAnswer: "回答までの日数 (中央値)", .figureValue: "値",
        .uploadSending: "「{name}」を送信中: {percent}%", .uploadPaused: "接続が切れました。「{name}」は {percent}% から自動的に再開します。",
        .uploadResumed: "「{name}」を {percent}% から再開しました。", .uploadDone: "「{name}」を送信しました。",
        .uploadSubmitting: "すべてのファイルを送信しました。応募を登録しています…",
        .uploadFailed: "「{name}」を送信できませんでした。",
        .uploadOffline: "ネットワークにつながっていません。つながりしだい自動的に再開します。",
        .logTitle: "応募ログ", .logLead: "応募・修正・取り下げはすべて、このコンペの公開された追記専用のログ (RFC 9162 の Merkle 木) に記録されます。ログに載るのはハッシュだけで、作品名や氏名は載りません。下のデータ (ソルトを含みます) を保存しておくと、応募がログに含まれ数えられたことを後から誰でも確認できます。",
        .logEvent: "記録", .logIndex: "番号", .logLeafHash: "ハッシュ", .logTime: "日時 (UTC)", .logReceiptJSON: "確認用のデータ (JSON、保存してください)",
        .logCheck: "応募・修正・取り下げはすべて、公開された追記専用のログ (RFC 9162) に記録しています。受付時のデータ (ソルトを含む) を使えば、自分の応募がログに含まれていることを誰でも確かめられます: compe verify receipt receipt.json --site このサイトの URL。ログの全体と署名:",
        .logSize: "記録の数", .logRoot: "最新の署名済みルート", .logSigned: "署名日時 (UTC)",
        .logReceived: "受付", .logReplaced: "修正", .logStage: "次の段階の提出", .logWithdrawn: "取り下げ",
        .sharing: "データの提供", .sharingLead: "この応募のデータを、次の協定先に提供することに同意できます (任意)。同意はいつでもこのページで撤回できます。",
        .sharingRegister: "データの提供先の一覧 (公開登録簿)", .sharingConsentLabel: "%@ へのデータ提供に同意します (任意)",
        .sharingPurpose: "目的:", .sharingData: "提供する項目:", .sharingUntil: "協定の期限:", .sharingOptional: "同意しなくても応募や審査に影響はありません。",
        .sharingSave: "選択を保存", .sharingStanding: "現在の選択を保存しました。",
        .sharingRegisterLead: "このサイトが応募データを提供する相手と、その条件の一覧です。同意に基づく提供は、同意した応募者の行だけを含みます。統計としての提供は、仮名化し少数の区分をまとめた表だけです。提供したパッケージはすべてサイトの鍵で署名しています。",
        .sharingPartner: "提供先", .sharingKind: "種別", .sharingBasis: "根拠", .sharingOnward: "第三者への再提供",
        .sharingShares: "提供回数", .sharingLastShare: "最終提供日", .sharingNone: "データ提供の協定はまだありません。", .sharingContests: "対象のコンペ",
        .sharingReference: "協定", .sharingContact: "連絡先", .sharingAllContests: "すべて", .sharingEnded: "(終了)", .sharingNever: "なし",
        .kindLocalGovernment: "地方公共団体", .kindBusinessBody: "経済団体", .kindFinancialInstitution: "金融機関", .kindResearch: "研究機関", .kindOther: "その他",
        .basisConsent: "本人の同意 (同意した応募者の行のみ)", .basisStatistics: "統計 (仮名化・少数区分の統合)",
        .onwardProhibited: "禁止", .onwardAllowed: "可 (理由: %@)",
        .sfEntriesId: "応募番号", .sfEntriesTeam: "チーム名", .sfEntriesMembers: "メンバー", .sfEntriesEmail: "メールアドレス",
        .sfEntriesCountry: "国・地域", .sfEntriesTeamSize: "チームの人数", .sfEntriesReceivedDay: "応募日", .sfEntriesFiles: "ファイル数",
        .sfEntriesBytes: "ファイルのサイズ", .sfEntriesStatus: "応募の状態", .sfEntriesStageReached: "進んだ段階", .sfScoresValue: "得点",
        .sfScoresCriterion: "審査基準", .sfScoresJudge: "審査員 (仮名)", .sfScoresStage: "審査の段階",
        .skip: "本文へ移動", .menu: "メニュー", .language: "言語", .feed: "フィード (Atom)", .sitemap: "サイトマップ",
        .contests: "コンペ一覧", .noContests: "現在公開中のコンペはありません。",
        .opens: "受付開始", .closes: "締切", .teamSize: "チーム人数", .prizes: "賞",
        .criteria: "審査基準", .criteriaCaption: "各基準の重み (合計 100%) と採点尺度",
        .criterion: "基準", .weight: "重み", .scale: "尺度", .rubric: "評価の観点",
        .judgingNote: "1 作品あたりの審査員数:", .blindNote: "審査員には応募者の氏名・所属を伏せて審査します (ブラインド審査)。",
        .entryForm: "応募フォーム", .notOpenYet: "受付開始前です。受付開始:", .closed: "受付は終了しました。締切:",
        .requiredNote: "* は必須項目です。JavaScript が無効でも送信できます。",
        .formTitle: "作品タイトル (200 字以内)", .formSummary: "作品概要 (Markdown、5,000 字以内)",
        .formSummaryHelp: "Markdown が使えます。HTML タグはそのまま文字として表示されます。",
        .formTeamName: "チーム名 (個人の場合は氏名)", .formMembers: "メンバー (1 行に 1 名)", .formMembersHelp: "人数:",
        .formEmail: "連絡先メールアドレス", .formCountry: "国・地域", .chooseCountry: "一覧から選んでください", .continueLabel: "応募の確認・修正ページへ進む",
        .confirmTitle: "メールアドレスの確認", .confirmLead: "このアドレスで応募したのがご自身であれば、下のボタンを押してください。受付の通知などが届くようになります。",
        .blindFilesNote: "審査は応募者名を伏せて行います。PDF の作成者などのメタデータにチーム名・氏名・メールアドレスがあると受け付けません。画像のメタデータ (EXIF など) は審査員に渡る前に取り除きます。",
        .outageTitle: "一時的に利用できません", .outageText: "一時的に利用できません。データは失われていません。数秒後にもう一度お試しください。",
        .confirmSubmit: "このアドレスを確認する", .confirmDone: "メールアドレスを確認しました。お待たせしていた通知をお送りします。",
        .confirmUnknown: "このリンクは使えません (確認済みか、新しいリンクが送られています)。", .untranslated: "この募集要項はまだこの言語に翻訳されていません。原文のまま表示しています。", .formLink: "参考リンク (任意、https のみ)",
        .formLinkHelp: "プロトタイプや動画などの URL。", .formFiles: "提出ファイル",
        .formWebsite: "この欄は空のままにしてください", .formAgree: "応募規約に同意します。",
        .submit: "応募する", .filesHelpPrefix: "ファイル形式:", .filesHelpCount: "最大ファイル数:", .filesHelpSize: "1 ファイルの上限:",
        .teamSizeUnit: "名", .phaseUpcoming: "受付前", .phaseOpen: "受付中", .phaseClosed: "受付終了",
        .notFoundTitle: "ページが見つかりません", .notFoundText: "お探しのページは移動または削除された可能性があります。",
        .home: "トップページへ",
        .receiptTitle: "応募を受け付けました", .receiptLead: "以下の内容で保存しました。この画面のリンク (編集用) を控えてください。締切までは内容の修正・取り下げができます。",
        .entryId: "応募番号", .receivedAt: "受付日時", .updatedAt: "更新日時", .fileName: "ファイル名", .fileSize: "サイズ", .sha256: "SHA-256",
        .editLink: "編集用リンク (他人に知られないようにしてください)", .editTitle: "応募内容の修正", .editSubmit: "修正を保存",
        .filesKeep: "ファイルを選ばなければ、提出済みのファイルがそのまま残ります。",
        .withdrawTitle: "応募の取り下げ", .withdrawSubmit: "この応募を取り下げる", .withdrawn: "この応募は取り下げられました。",
        .editableUntil: "修正・取り下げの期限", .notEditable: "締切を過ぎたため、修正・取り下げはできません。",
        .errorsTitle: "入力内容を確認してください", .errorsLead: "次の項目に問題があります。ブラウザの「戻る」で入力内容を残したまま修正できます。",
        .backlog: "バックログ", .iterations: "イテレーション", .iteration: "イテレーション", .period: "期間", .capacity: "キャパシティ",
        .committed: "計画", .completed: "完了", .rollingAverage: "直近 3 回の平均", .addedPoints: "途中追加",
        .velocityChart: "ベロシティ (イテレーションごとの計画・完了ポイント)", .velocityDescRow: "#%d: 計画 %d、完了 %d、平均 %.1f。",
        .burndownChart: "バーンダウン (残りポイントの推移)", .burndownDesc: "計画 %d ポイントに対し、最新の残りは %d ポイント (範囲 %d ポイント)。",
        .remaining: "残り", .ideal: "理想線", .scope: "範囲", .day: "日付", .points: "ポイント", .owner: "担当", .labels: "ラベル",
        .checklist: "チェック", .goal: "ゴール", .board: "ボード", .chartData: "グラフの数値", .entry: "応募作品",
        .statusTodo: "未着手", .statusDoing: "作業中", .statusReview: "レビュー", .statusDone: "完了", .statusDropped: "中止",
        .noItems: "なし",
        .results: "審査結果", .published: "公開日", .alpha: "審査員間の一致度 (Krippendorff の α)", .winners: "入賞作品",
        .resultsChart: "補正後スコアの順位と 90% 区間", .rankingCaption: "順位は審査員ごとの甘辛を補正したスコアによる。区間はブートストラップ法による 90% 区間。",
        .rank: "順位", .rankInterval: "順位の 90% 区間", .corrected: "補正後スコア", .rawMean: "素点平均", .judges: "審査員数",
        .errorTitle: "送信できませんでした", .entryViewTitle: "応募内容", .contest: "コンペ", .summary: "作品概要",
        .limitsNote: "文字数は Unicode の文字 (コードポイント) で数えます。結合文字や絵文字の各部分も 1 文字です。1 行の項目には改行やタブは使えません。",
        .alphaUnknown: Ranking.Agreement.unknown.reading(language: "ja"), .alphaGood: Ranking.Agreement.good.reading(language: "ja"),
        .alphaModerate: Ranking.Agreement.moderate.reading(language: "ja"), .alphaPoor: Ranking.Agreement.poor.reading(language: "ja"),
        .statistics: "統計", .statsLead: "応募と審査の状況を集計した数値です。個人を特定しないよう、少数の区分はまとめて表示しています。",
        .entriesPerDay: "日別の応募数", .cumulativeEntries: "累計応募数", .newEntries: "新規", .countries: "国・地域別の応募", .country: "国・地域",
        .teamSizes: "チームの人数", .members: "人数", .entries: "応募数", .other: "その他", .downloadData: "データをダウンロード (CSV)",
        .perEntry: "1 件あたり", .filesPerEntry: "ファイル数", .bytesPerEntry: "ファイルの合計サイズ (バイト)", .daysToEntry: "募集開始から応募までの日数",
        .mean: "平均", .median: "中央値", .lowK: "下から k 番目", .highK: "上から k 番目", .edits: "応募後の修正", .judging: "審査の進み具合",
        .sheetsComplete: "完了した採点", .agreement: "審査員間の一致度 (Krippendorff の α)", .overall: "総合",
        .suppressionNote: "%1$d 件未満の区分は「その他」にまとめ、最小値・最大値の代わりに下から・上から %1$d 番目の値を示しています (どの数値も 1 人の応募者だけのものになりません)。取り下げられた応募は数えていません。", .fileTypes: "ファイルの種類", .openData: "オープンデータ",
        .openDataLead: "匿名化したコンテストのデータを Frictionless Data Package (CSV と datapackage.json) で公開しています。氏名、メールアドレス、作品名、自由記述、ファイル名は含みません。",
        .dataset: "データセット", .license: "ライセンス", .created: "作成日時", .files: "ファイル", .noDatasets: "公開中のデータセットはまだありません。",
        .signingKey: "署名鍵", .signingKeyLead: "パートナーに提供するデータパッケージは、このサイトの Ed25519 公開鍵 (signify 形式) で署名しています:",
        .signingKeyCheck: "パッケージのフォルダーで次のコマンドを実行すると、署名とすべてのファイルを確認できます:",
        .generated: "集計日", .withdrawnEntries: "取り下げ",
        .updates: "お知らせ", .recoverTitle: "編集用リンクの再送", .recoverLead: "編集用リンクをなくした場合は、応募時のメールアドレスを入力してください。このコンテストへの応募があれば、そのリンクをメールで送ります。",
        .recoverSubmit: "リンクを送る", .recoverSent: "受け付けました。このアドレスでこのコンテストへの応募があれば、編集用リンクをメールで送ります。数分たっても届かない場合は迷惑メールフォルダもご確認ください。",
        .recoverNoMail: "このサイトはメールを送信していません。主催者にお問い合わせください。",
        .stages: "審査の流れ", .stage: "段階", .currentStage: "現在の段階", .shortlist: "通過作品", .finalists: "通過作品",
        .shortlistLead: "次の段階に進む作品です。", .team: "チーム", .stageDone: "終了", .stageCloses: "締切",
        .stageSubmission: "提出物", .stageLead: "この作品は次の段階に進みました。提出物の締切:", .stageReceived: "受け付けました。最終更新:",
        .stageSubmit: "提出する", .funnel: "段階ごとの作品数",
        .receiptMailed: "この内容と編集用リンクを次のアドレスにメールでお送りします:", .receiptNotMailed: "このサイトからメールは送信されません。編集用リンクはこの画面でのみ表示されます。",
    ]

    static let en: [UIKey: String] = [
        .questions: "Questions", .questionsLead: "Ask about the contest here. Every answer is published on this page for everyone, without the asker's name or address.",
        .questionsUntil: "Questions close:", .qQuestion: "Your question", .qLanguage: "Language of the question", .qEmail: "E-mail address (optional)",
        .qEmailHelp: "For one notice when the answer is published; never shown or shared.", .qSubmit: "Send the question",
        .questionReceivedTitle: "Question received",
        .questionReceivedText: "Thank you. The answer will be published for everyone on the contest page, without your name or address.",
        .questionMailNote: "You will get one mail when it is published.",
        .answers: "Questions and answers", .answersLead: "Answers to the questions entrants asked, published for everyone at once, without the asker's name or address.",
        .askedOn: "Asked", .answeredOn: "Answered", .allAnswers: "All questions and answers", .askAQuestion: "Ask a question",
        .questionsAsked: "Questions asked", .questionsAnswered: "Questions answered", .questionsDismissed: "Questions not answered (duplicates, out of scope)",
        .questionsPending: "Questions awaiting an answer", .medianDaysToAnswer: "Days to an answer (median)", .figureValue: "Value",
        .uploadSending: "Sending '{name}': {percent}%", .uploadPaused: "The connection broke. '{name}' will go on from {percent}% by itself.",
        .uploadResumed: "'{name}' resumed from {percent}%.", .uploadDone: "'{name}' sent.",
        .uploadSubmitting: "All files sent; registering your entry…",
        .uploadFailed: "'{name}' could not be sent.",
        .uploadOffline: "You are offline. The upload goes on by itself once you are back online.",
        .logTitle: "Entry log", .logLead: "Every entry, change and withdrawal is recorded in this contest's public, append-only log (a Merkle tree, RFC 9162). The log holds hashes only, never a title or a name. Keep the data below (it holds the salt): with it anyone can check later that your entry is in the log and was counted.",
        .logEvent: "Event", .logIndex: "Index", .logLeafHash: "Hash", .logTime: "Time (UTC)", .logReceiptJSON: "Data to check it with (JSON: keep it)",
        .logCheck: "Every entry, change and withdrawal is recorded in a public, append-only log (RFC 9162). With the data your receipt gives (its salt included), anyone can check that an entry is in it: compe verify receipt receipt.json --site this site's address. The whole log and its signed heads:",
        .logSize: "Events recorded", .logRoot: "Latest signed root", .logSigned: "Signed (UTC)",
        .logReceived: "received", .logReplaced: "changed", .logStage: "next stage sent", .logWithdrawn: "withdrawn",
        .sharing: "Data sharing", .sharingLead: "You may agree that this entry's data is shared with these partners (optional). You can withdraw your consent on this page at any time.",
        .sharingRegister: "Where data goes (the public register)", .sharingConsentLabel: "I agree that my entry's data is shared with %@ (optional)",
        .sharingPurpose: "Purpose:", .sharingData: "Data shared:", .sharingUntil: "Agreement ends:", .sharingOptional: "Saying no changes nothing about your entry or its judging.",
        .sharingSave: "Save my choices", .sharingStanding: "Your choices are saved.",
        .sharingRegisterLead: "Every partner this site shares entrants' data with, and on what terms. Under consent, a package holds only the rows of entrants who agreed; as statistics, only pseudonymised tables with small groups merged. Every package is signed with the site's key.",
        .sharingPartner: "Partner", .sharingKind: "Kind", .sharingBasis: "Basis", .sharingOnward: "Passing data on",
        .sharingShares: "Shares", .sharingLastShare: "Last share", .sharingNone: "No data-sharing agreement yet.", .sharingContests: "Contests",
        .sharingReference: "Agreement", .sharingContact: "Contact", .sharingAllContests: "all", .sharingEnded: "(ended)", .sharingNever: "none",
        .kindLocalGovernment: "Local government", .kindBusinessBody: "Business body", .kindFinancialInstitution: "Financial institution", .kindResearch: "Research", .kindOther: "Other",
        .basisConsent: "Consent (only rows of entrants who agreed)", .basisStatistics: "Statistics (pseudonymised, small groups merged)",
        .onwardProhibited: "prohibited", .onwardAllowed: "allowed (reason: %@)",
        .sfEntriesId: "entry number", .sfEntriesTeam: "team name", .sfEntriesMembers: "members", .sfEntriesEmail: "e-mail address",
        .sfEntriesCountry: "country", .sfEntriesTeamSize: "team size", .sfEntriesReceivedDay: "day received", .sfEntriesFiles: "number of files",
        .sfEntriesBytes: "size of files", .sfEntriesStatus: "entry status", .sfEntriesStageReached: "stage reached", .sfScoresValue: "scores",
        .sfScoresCriterion: "criteria", .sfScoresJudge: "judges (pseudonyms)", .sfScoresStage: "judging stage",
        .skip: "Skip to content", .menu: "Menu", .language: "Language", .feed: "Feed (Atom)", .sitemap: "Sitemap",
        .contests: "Contests", .noContests: "There are no contests at the moment.",
        .opens: "Opens", .closes: "Closes", .teamSize: "Team size", .prizes: "Prizes",
        .criteria: "Judging criteria", .criteriaCaption: "Weight of each criterion (total 100%) and scoring scale",
        .criterion: "Criterion", .weight: "Weight", .scale: "Scale", .rubric: "What judges look for",
        .judgingNote: "Judges per entry:", .blindNote: "Judging is blind: judges do not see entrants' names or organisations.",
        .entryForm: "Entry form", .notOpenYet: "Entries are not open yet. They open on", .closed: "Entries are closed. The deadline was",
        .requiredNote: "Fields marked * are required. The form works without JavaScript.",
        .formTitle: "Title (up to 200 characters)", .formSummary: "Summary (Markdown, up to 5,000 characters)",
        .formSummaryHelp: "Markdown is supported. HTML tags are shown as plain text.",
        .formTeamName: "Team name (your name if you enter alone)", .formMembers: "Members (one per line)", .formMembersHelp: "Team size:",
        .formEmail: "Contact email", .formCountry: "Country or region", .chooseCountry: "Choose from the list", .continueLabel: "Continue to your entry",
        .confirmTitle: "Confirm your e-mail address", .confirmLead: "If you sent an entry with this address, press the button: the receipt and other notices will then be mailed to you.",
        .blindFilesNote: "Judging is blind: a PDF whose metadata (author and similar) holds your team's name, a member's name or your e-mail address is refused. Images reach the judges without their metadata (EXIF and the like).",
        .outageTitle: "Briefly unavailable", .outageText: "The service is briefly unavailable; nothing was lost. Please try again in a few seconds.",
        .confirmSubmit: "Confirm this address", .confirmDone: "Your address is confirmed. The mail waiting for it is on its way.",
        .confirmUnknown: "This link cannot be used (the address is confirmed already, or a newer link was sent).", .untranslated: "This brief is not translated into English yet: it is shown in its original language.", .formLink: "Link (optional, https only)",
        .formLinkHelp: "A prototype, video or repository.", .formFiles: "Files",
        .formWebsite: "Leave this field empty", .formAgree: "I agree to the contest terms.",
        .submit: "Submit entry", .filesHelpPrefix: "File types:", .filesHelpCount: "Up to", .filesHelpSize: "files, each at most",
        .teamSizeUnit: "people", .phaseUpcoming: "Opening soon", .phaseOpen: "Open", .phaseClosed: "Closed",
        .notFoundTitle: "Page not found", .notFoundText: "The page you were looking for may have moved or been removed.",
        .home: "Go to the home page",
        .receiptTitle: "Entry received", .receiptLead: "Your entry is stored as shown below. Keep the edit link on this page: until the deadline you can change or withdraw your entry.",
        .entryId: "Entry number", .receivedAt: "Received", .updatedAt: "Last changed", .fileName: "File", .fileSize: "Size", .sha256: "SHA-256",
        .editLink: "Edit link (keep it private)", .editTitle: "Change your entry", .editSubmit: "Save changes",
        .filesKeep: "If you choose no files, the files you already sent are kept.",
        .withdrawTitle: "Withdraw your entry", .withdrawSubmit: "Withdraw this entry", .withdrawn: "This entry has been withdrawn.",
        .editableUntil: "Changes and withdrawal possible until", .notEditable: "The deadline has passed: the entry can no longer be changed or withdrawn.",
        .errorsTitle: "Please check your entry", .errorsLead: "These fields need attention. Use your browser's Back button to return to the form with what you typed.",
        .backlog: "Backlog", .iterations: "Iterations", .iteration: "Iteration", .period: "Dates", .capacity: "Capacity",
        .committed: "Committed", .completed: "Completed", .rollingAverage: "Average of last 3", .addedPoints: "Added mid-iteration",
        .velocityChart: "Velocity: committed and completed points per iteration", .velocityDescRow: "#%d: committed %d, completed %d, average %.1f.",
        .burndownChart: "Burndown: points remaining per day", .burndownDesc: "%d points committed; %d points remain on the latest day (scope %d points).",
        .remaining: "Remaining", .ideal: "Ideal", .scope: "Scope", .day: "Day", .points: "Points", .owner: "Owner", .labels: "Labels",
        .checklist: "Checklist", .goal: "Goal", .board: "Board", .chartData: "Chart figures", .entry: "Contest entry",
        .statusTodo: "To do", .statusDoing: "Doing", .statusReview: "Review", .statusDone: "Done", .statusDropped: "Dropped",
        .noItems: "None",
        .results: "Results", .published: "Published", .alpha: "Agreement between judges (Krippendorff's alpha)", .winners: "Winners",
        .resultsChart: "Rank of each entry by corrected score, with its 90% interval", .rankingCaption: "Ranks follow scores corrected for each judge's leniency or harshness; intervals are 90% bootstrap intervals.",
        .rank: "Rank", .rankInterval: "90% interval of rank", .corrected: "Corrected score", .rawMean: "Raw mean", .judges: "Judges",
        .errorTitle: "Your entry could not be sent", .entryViewTitle: "Your entry", .contest: "Contest", .summary: "Summary",
        .limitsNote: "Lengths count Unicode code points: a combining accent or each part of an emoji counts as one. One-line fields take no line breaks or tabs.",
        .alphaUnknown: Ranking.Agreement.unknown.reading(language: "en"), .alphaGood: Ranking.Agreement.good.reading(language: "en"),
        .alphaModerate: Ranking.Agreement.moderate.reading(language: "en"), .alphaPoor: Ranking.Agreement.poor.reading(language: "en"),
        .statistics: "Statistics", .statsLead: "How the contest went, in numbers. Small groups are merged so that no entrant can be singled out.",
        .entriesPerDay: "Entries per day", .cumulativeEntries: "Entries so far", .newEntries: "New", .countries: "Entries by country or region", .country: "Country or region",
        .teamSizes: "Team sizes", .members: "Members", .entries: "Entries", .other: "Other", .downloadData: "Download the data (CSV)",
        .perEntry: "Per entry", .filesPerEntry: "Files", .bytesPerEntry: "Total file size (bytes)", .daysToEntry: "Days from opening to entry",
        .mean: "Mean", .median: "Median", .lowK: "k-th lowest", .highK: "k-th highest", .edits: "Edits after sending", .judging: "Judging progress",
        .sheetsComplete: "Score sheets complete", .agreement: "Agreement between judges (Krippendorff's alpha)", .overall: "Overall",
        .suppressionNote: "Groups of fewer than %1$d entrants are shown as Other, and instead of the smallest and largest values the %1$d-th lowest and highest are shown, so no figure is one entrant's own. Withdrawn entries are not counted.", .fileTypes: "File types", .openData: "Open data",
        .openDataLead: "Anonymised contest data as Frictionless Data Packages (CSV and datapackage.json). No names, e-mail addresses, titles, free text or file names.",
        .dataset: "Dataset", .license: "Licence", .created: "Created", .files: "Files", .noDatasets: "No datasets are published yet.",
        .signingKey: "Signing key", .signingKeyLead: "Data packages shared with partners are signed with this site's Ed25519 public key (signify format):",
        .signingKeyCheck: "To check the signature and every file, run this in the package's folder:",
        .generated: "Figures as of", .withdrawnEntries: "Withdrawn",
        .updates: "Updates", .recoverTitle: "Lost your edit link?", .recoverLead: "Enter the e-mail address you gave with your entry. If it has entries in this contest, we mail their edit links to it.",
        .recoverSubmit: "Send the link", .recoverSent: "Thank you. If this address has entries in this contest, their edit links are on their way. If nothing arrives within a few minutes, look in your spam folder.",
        .recoverNoMail: "This site sends no mail: please contact the organisers.",
        .stages: "Stages", .stage: "Stage", .currentStage: "current stage", .shortlist: "Shortlist", .finalists: "Finalists",
        .shortlistLead: "These entries go on to the next stage.", .team: "Team", .stageDone: "done", .stageCloses: "Closes",
        .stageSubmission: "Submission", .stageLead: "This entry is on the shortlist. Send this stage's submission by", .stageReceived: "Received; last changed",
        .stageSubmit: "Send", .funnel: "Entries at each stage",
        .receiptMailed: "A confirmation with the edit link is being mailed to", .receiptNotMailed: "This site sends no mail: the edit link is shown only on this page.",
    ]
}

/// One language's strings. Reading a key never fails: a string missing from a table (which
/// `UIStringsTests` forbids) would show in English, then as its key.
public struct UIText: Sendable {
    /// The language these strings are in (`ja` or `en`).
    public let language: String
    let table: [UIKey: String]

    /// The string for `key`.
    public subscript(_ key: UIKey) -> String { table[key] ?? UIStrings.en[key] ?? key.rawValue }

    /// The label of a contest's phase.
    public func phase(_ phase: Contest.Phase) -> String {
        switch phase {
        case .upcoming: return self[.phaseUpcoming]
        case .open: return self[.phaseOpen]
        case .closed: return self[.phaseClosed]
        }
    }

    /// The label of a backlog item's status.
    public func status(_ status: BacklogItem.Status) -> String {
        switch status {
        case .todo: return self[.statusTodo]
        case .doing: return self[.statusDoing]
        case .review: return self[.statusReview]
        case .done: return self[.statusDone]
        case .dropped: return self[.statusDropped]
        }
    }

    /// A sharing agreement's field in plain words ("e-mail address").
    public func field(_ field: SharingField) -> String {
        UIKey(rawValue: "sf_\(field.table.rawValue)_\(field.name)").map { self[$0] } ?? field.description
    }

    /// The label of a partner's kind.
    public func kind(_ kind: SharingAgreement.Kind) -> String {
        switch kind {
        case .localGovernment: return self[.kindLocalGovernment]
        case .businessBody: return self[.kindBusinessBody]
        case .financialInstitution: return self[.kindFinancialInstitution]
        case .research: return self[.kindResearch]
        case .other: return self[.kindOther]
        }
    }

    /// The plain-words reading of an agreement level.
    public func reading(_ agreement: Ranking.Agreement) -> String { agreement.reading(language: language) }
}
