/// The theme's user-visible strings in Japanese and English.
///
/// Languages other than ja fall back to English; a site in another language can
/// override any template that needs different words.
public enum UIStrings {
    /// The strings for `language`.
    public static func table(for language: String) -> [String: String] {
        language == "ja" ? ja : en
    }

    /// `table(for:)` as a template value (`{{t.name}}`), made once per language.
    static func value(for language: String) -> TemplateValue {
        language == "ja" ? jaValue : enValue
    }

    private static let jaValue = TemplateValue.table(ja)
    private static let enValue = TemplateValue.table(en)

    /// The name of a language in that language, for the switcher.
    public static func languageName(_ code: String) -> String {
        ["ja": "日本語", "en": "English", "ko": "한국어", "zh": "中文", "fr": "Français", "de": "Deutsch", "es": "Español"][code] ?? code
    }

    static let ja: [String: String] = [
        "skip": "本文へ移動", "menu": "メニュー", "language": "言語", "feed": "フィード (Atom)", "sitemap": "サイトマップ",
        "contests": "コンペ一覧", "no_contests": "現在公開中のコンペはありません。",
        "opens": "受付開始", "closes": "締切", "team_size": "チーム人数", "prizes": "賞",
        "criteria": "審査基準", "criteria_caption": "各基準の重み (合計 100%) と採点尺度",
        "criterion": "基準", "weight": "重み", "scale": "尺度", "rubric": "評価の観点",
        "judging_note": "1 作品あたりの審査員数:", "blind_note": "審査員には応募者の氏名・所属を伏せて審査します (ブラインド審査)。",
        "entry_form": "応募フォーム", "not_open_yet": "受付開始前です。受付開始:", "closed": "受付は終了しました。締切:",
        "required_note": "* は必須項目です。JavaScript が無効でも送信できます。",
        "f_title": "作品タイトル (200 字以内)", "f_summary": "作品概要 (Markdown、5,000 字以内)",
        "f_summary_help": "Markdown が使えます。HTML タグはそのまま文字として表示されます。",
        "f_team_name": "チーム名 (個人の場合は氏名)", "f_members": "メンバー (1 行に 1 名)", "f_members_help": "人数:",
        "f_email": "連絡先メールアドレス", "f_country": "国・地域", "f_link": "参考リンク (任意、https のみ)",
        "f_link_help": "プロトタイプや動画などの URL。", "f_files": "提出ファイル",
        "f_website": "この欄は空のままにしてください", "f_agree": "応募規約に同意します。",
        "submit": "応募する", "files_help_prefix": "ファイル形式:", "files_help_count": "最大ファイル数:", "files_help_size": "1 ファイルの上限:",
        "team_size_unit": "名", "phase_upcoming": "受付前", "phase_open": "受付中", "phase_closed": "受付終了",
        "not_found_title": "ページが見つかりません", "not_found_text": "お探しのページは移動または削除された可能性があります。",
        "home": "トップページへ",
        "receipt_title": "応募を受け付けました", "receipt_lead": "以下の内容で保存しました。この画面のリンク (編集用) を控えてください。締切までは内容の修正・取り下げができます。",
        "entry_id": "応募番号", "received_at": "受付日時", "updated_at": "更新日時", "file_name": "ファイル名", "file_size": "サイズ", "sha256": "SHA-256",
        "edit_link": "編集用リンク (他人に知られないようにしてください)", "edit_title": "応募内容の修正", "edit_submit": "修正を保存",
        "files_keep": "ファイルを選ばなければ、提出済みのファイルがそのまま残ります。",
        "withdraw_title": "応募の取り下げ", "withdraw_submit": "この応募を取り下げる", "withdrawn": "この応募は取り下げられました。",
        "editable_until": "修正・取り下げの期限", "not_editable": "締切を過ぎたため、修正・取り下げはできません。",
        "errors_title": "入力内容を確認してください", "errors_lead": "次の項目に問題があります。ブラウザの「戻る」で入力内容を残したまま修正できます。",
        "backlog": "バックログ", "iterations": "イテレーション", "iteration": "イテレーション", "period": "期間", "capacity": "キャパシティ",
        "committed": "計画", "completed": "完了", "rolling_average": "直近 3 回の平均", "added_points": "途中追加",
        "velocity_chart": "ベロシティ (イテレーションごとの計画・完了ポイント)", "velocity_desc_row": "#%d: 計画 %d、完了 %d、平均 %.1f。",
        "burndown_chart": "バーンダウン (残りポイントの推移)", "burndown_desc": "計画 %d ポイントに対し、最新の残りは %d ポイント (範囲 %d ポイント)。",
        "remaining": "残り", "ideal": "理想線", "scope": "範囲", "day": "日付", "points": "ポイント", "owner": "担当", "labels": "ラベル",
        "checklist": "チェック", "goal": "ゴール", "board": "ボード", "chart_data": "グラフの数値", "entry": "応募作品",
        "status_todo": "未着手", "status_doing": "作業中", "status_review": "レビュー", "status_done": "完了", "status_dropped": "中止",
        "no_items": "なし",
        "results": "審査結果", "published": "公開日", "alpha": "審査員間の一致度 (Krippendorff の α)", "winners": "入賞作品",
        "results_chart": "補正後スコアの順位と 90% 区間", "ranking_caption": "順位は審査員ごとの甘辛を補正したスコアによる。区間はブートストラップ法による 90% 区間。",
        "rank": "順位", "rank_interval": "順位の 90% 区間", "corrected": "補正後スコア", "raw_mean": "素点平均", "judges": "審査員数",
        "error_title": "送信できませんでした", "entry_view_title": "応募内容", "contest": "コンペ", "summary": "作品概要",
    ]

    static let en: [String: String] = [
        "skip": "Skip to content", "menu": "Menu", "language": "Language", "feed": "Feed (Atom)", "sitemap": "Sitemap",
        "contests": "Contests", "no_contests": "There are no contests at the moment.",
        "opens": "Opens", "closes": "Closes", "team_size": "Team size", "prizes": "Prizes",
        "criteria": "Judging criteria", "criteria_caption": "Weight of each criterion (total 100%) and scoring scale",
        "criterion": "Criterion", "weight": "Weight", "scale": "Scale", "rubric": "What judges look for",
        "judging_note": "Judges per entry:", "blind_note": "Judging is blind: judges do not see entrants' names or organisations.",
        "entry_form": "Entry form", "not_open_yet": "Entries are not open yet. They open on", "closed": "Entries are closed. The deadline was",
        "required_note": "Fields marked * are required. The form works without JavaScript.",
        "f_title": "Title (up to 200 characters)", "f_summary": "Summary (Markdown, up to 5,000 characters)",
        "f_summary_help": "Markdown is supported. HTML tags are shown as plain text.",
        "f_team_name": "Team name (your name if you enter alone)", "f_members": "Members (one per line)", "f_members_help": "Team size:",
        "f_email": "Contact email", "f_country": "Country or region", "f_link": "Link (optional, https only)",
        "f_link_help": "A prototype, video or repository.", "f_files": "Files",
        "f_website": "Leave this field empty", "f_agree": "I agree to the contest terms.",
        "submit": "Submit entry", "files_help_prefix": "File types:", "files_help_count": "Up to", "files_help_size": "files, each at most",
        "team_size_unit": "people", "phase_upcoming": "Opening soon", "phase_open": "Open", "phase_closed": "Closed",
        "not_found_title": "Page not found", "not_found_text": "The page you were looking for may have moved or been removed.",
        "home": "Go to the home page",
        "receipt_title": "Entry received", "receipt_lead": "Your entry is stored as shown below. Keep the edit link on this page: until the deadline you can change or withdraw your entry.",
        "entry_id": "Entry number", "received_at": "Received", "updated_at": "Last changed", "file_name": "File", "file_size": "Size", "sha256": "SHA-256",
        "edit_link": "Edit link (keep it private)", "edit_title": "Change your entry", "edit_submit": "Save changes",
        "files_keep": "If you choose no files, the files you already sent are kept.",
        "withdraw_title": "Withdraw your entry", "withdraw_submit": "Withdraw this entry", "withdrawn": "This entry has been withdrawn.",
        "editable_until": "Changes and withdrawal possible until", "not_editable": "The deadline has passed: the entry can no longer be changed or withdrawn.",
        "errors_title": "Please check your entry", "errors_lead": "These fields need attention. Use your browser's Back button to return to the form with what you typed.",
        "backlog": "Backlog", "iterations": "Iterations", "iteration": "Iteration", "period": "Dates", "capacity": "Capacity",
        "committed": "Committed", "completed": "Completed", "rolling_average": "Average of last 3", "added_points": "Added mid-iteration",
        "velocity_chart": "Velocity: committed and completed points per iteration", "velocity_desc_row": "#%d: committed %d, completed %d, average %.1f.",
        "burndown_chart": "Burndown: points remaining per day", "burndown_desc": "%d points committed; %d points remain on the latest day (scope %d points).",
        "remaining": "Remaining", "ideal": "Ideal", "scope": "Scope", "day": "Day", "points": "Points", "owner": "Owner", "labels": "Labels",
        "checklist": "Checklist", "goal": "Goal", "board": "Board", "chart_data": "Chart figures", "entry": "Contest entry",
        "status_todo": "To do", "status_doing": "Doing", "status_review": "Review", "status_done": "Done", "status_dropped": "Dropped",
        "no_items": "None",
        "results": "Results", "published": "Published", "alpha": "Agreement between judges (Krippendorff's alpha)", "winners": "Winners",
        "results_chart": "Rank of each entry by corrected score, with its 90% interval", "ranking_caption": "Ranks follow scores corrected for each judge's leniency or harshness; intervals are 90% bootstrap intervals.",
        "rank": "Rank", "rank_interval": "90% interval of rank", "corrected": "Corrected score", "raw_mean": "Raw mean", "judges": "Judges",
        "error_title": "Your entry could not be sent", "entry_view_title": "Your entry", "contest": "Contest", "summary": "Summary",
    ]
}
