import CompeContent
import CompeCore
import CompeSite
import CompeStore
import Foundation
import Hummingbird

/// The endpoint's HTML pages (receipt, entrant view with edit and withdraw forms, errors,
/// notices), rendered by the theme (`entry`, `problems`, `notice`) in the site's layout, so
/// everything an entrant typed is escaped by the template; the summary is untrusted Markdown
/// (raw HTML shown as text).
struct EntryPages: Sendable {
    let chrome: SiteChrome
    let config: SiteConfig
    let contests: [String: [String: Contest]]   // slug → language → contest
    /// Whether the server mails entrants (`--smtp`): the receipt says which.
    var mails = false
    /// Contest updates by slug (every language), for the mail that announces them.
    var updates: [String: [UpdateSource]] = [:]
    /// Published answers by slug (every language), for the mails that announce them.
    var answers: [String: [AnswerSource]] = [:]

    /// Answer `code` (`Q-007`) of `slug` in `language`, or in the default language; nil when the
    /// content does not hold it (yet).
    func answer(_ slug: String, code: String, language: String) -> AnswerSource? {
        let all = (answers[slug] ?? []).filter { $0.code == code }
        return all.first { $0.language == language } ?? all.first { $0.language == config.defaultLanguage }
    }

    func strings(_ language: String) -> UIText { chrome.strings(language) }

    /// The path under which the entry API lives (`/api`, or the path of an absolute `submit_url`).
    var apiPath: String {
        if config.submitURL.hasPrefix("/") { return config.submitURL }
        let path = URL(string: config.submitURL)?.path ?? ""
        return path.isEmpty ? "/api" : path
    }

    /// The entrant's page, without any secret: the edit token travels in a cookie scoped to this
    /// path (`EditCookie`), so the address never carries it to a log, a history or a referrer.
    func entryPath(_ code: String, language: String, fresh: Bool) -> String {
        "\(apiPath)/entries/\(code)?lang=\(language)" + (fresh ? "&new=1" : "")
    }

    /// The edit link an entrant keeps (receipt page, mail): it carries the token once, and
    /// opening it exchanges the token for the cookie and moves to `entryPath`.
    func editLink(_ code: String, token: String, language: String) -> String {
        config.baseURL + "\(apiPath)/entries/\(code)?token=\(token)&lang=\(language)"
    }

    /// The page that takes an edit link: no layout, nothing loaded from the site, a refresh to
    /// the token-free address, and a link for browsers that do not follow refreshes.
    func continuePage(to target: String, language: String) -> String {
        let t = strings(language)
        return chrome.text("continue", context: ["lang": .text(language), "target": .text(target), "title": .text(t[.entryViewTitle]),
                                                 "continue_label": .text(t[.continueLabel])])
    }

    /// An entry-log event in the page's language.
    func logEventLabel(_ event: LogLeaf.Event, _ t: UIText) -> String {
        switch event {
        case .received: return t[.logReceived]
        case .replaced: return t[.logReplaced]
        case .stage: return t[.logStage]
        case .withdrawn: return t[.logWithdrawn]
        }
    }

    /// A page with a title and one paragraph.
    func notice(title: String, text: String, language: String) -> String {
        chrome.page("notice", language: language, title: title, context: ["text": .text(text)])
    }

    /// Every field error of a refused request, each with its field's label.
    func problems(_ errors: [FieldError], status: HTTPResponse.Status, messages: FormMessages) -> String {
        let t = strings(messages.language)
        let fieldProblems = status == .badRequest || status == .unsupportedMediaType || status == .contentTooLarge
        let items: [TemplateContext] = errors.map { e in
            ["label": .text(label(e.field, t)), "field": .text(e.field), "message": .text(messages.text(e.problem))]
        }
        return chrome.page("problems", language: messages.language, title: t[fieldProblems ? .errorsTitle : .errorTitle],
                           context: ["field_problems": .bool(fieldProblems), "errors": .objects(items),
                                     "contests_url": .text(config.urlPath("contests", language: messages.language))])
    }

    /// A field's label from the form's schema; the name itself for `form` and the like.
    private func label(_ field: String, _ t: UIText) -> String {
        EntryForm.field(field).flatMap { UIKey(rawValue: $0.label) }.map { t[$0] } ?? field
    }

    /// The form of a later stage `stage` (in the page's language), with what was sent so far.
    func stageForm(_ stage: Stage, sent: StageReceipt?, entry: Entry, display: DateDisplay, language: String, t: UIText) -> TemplateContext {
        let uploads = stage.submission.uploads
        var c: TemplateContext = [
            "stage_name": .text(stage.name), "stage_closes_iso": .text(rfc3339(stage.closes)),
            "stage_closes_local": .text(display.local(stage.closes, language: language)), "stage_closes_utc": .text(display.utc(stage.closes)),
            "stage_action": .text("\(config.submitURL)/entries/\(entry.code)/stages/\(stage.id)?lang=\(language)"),
            "stage_fields": .objects(stage.submission.fields.map { f in
                ["id": .text(f.id), "label": .text(f.label), "type": .text(f.isURL ? "url" : "text"), "value": sent?.fields[f.id].map { .text($0) } ?? false,
                 "required": .bool(true)]
            }),
            "stage_received": .bool(sent != nil),
            "stage_updated_local": .text(sent.map { display.local($0.updatedAt, language: language) } ?? ""),
            "stage_sent_files": .objects((sent?.files ?? []).map { ["name": .text($0.name), "bytes": .text(String($0.bytes)), "sha256": .text($0.sha256)] }),
        ]
        if let uploads, uploads.maxFiles > 0 {
            c["stage_files"] = .object(["accept": .text(EntryFormView.accept(uploads.types)), "help": .text(EntryFormView.filesHelp(uploads, t: t)),
                                        "required": .bool((sent?.files ?? []).isEmpty)])
        }
        return c
    }

    /// The receipt (`fresh`) or the entrant's view, with the edit and withdraw forms while `editable`.
    func entry(_ entry: Entry, token: String, contest: Contest, editable: Bool, fresh: Bool, language: String,
               stage: (stage: Stage, sent: StageReceipt?)? = nil, consents: ConsentView? = nil) -> String {
        let t = strings(language)
        let display = DateDisplay(timeZone: config.timeZone)
        let localized = contests[contest.slug]?[language] ?? contest
        let open = entry.withdrawnAt == nil
        var c: TemplateContext = [
            "fresh": .bool(fresh), "withdrawn": .bool(!open), "code": .text(entry.code),
            "mailed": .bool(mails), "contact_email": .text(entry.draft.contactEmail),
            "contest_url": .text(config.urlPath("contests/\(contest.slug)", language: language)), "contest_title": .text(localized.title),
            "received_iso": .text(rfc3339(entry.receivedAt)), "received_local": .text(display.local(entry.receivedAt, language: language)),
            "received_utc": .text(display.utc(entry.receivedAt)), "was_updated": .bool(entry.updatedAt != entry.receivedAt),
            "updated_local": .text(display.local(entry.updatedAt, language: language)),
            "closes_local": .text(display.local(contest.closes, language: language)), "closes_utc": .text(display.utc(contest.closes)),
            "edit_link": .text(editLink(entry.code, token: token, language: language)),
            "entry_title": .text(entry.draft.title), "team_name": .text(entry.draft.teamName),
            "members": .text(entry.draft.members.joined(separator: ", ")), "country": .text(entry.draft.country),
            "link": entry.draft.link.map { .text($0) } ?? false,
            "summary_html": .text(Markdown.html(entry.draft.summary, trust: .untrusted)),
            "files": .objects(entry.files.map { ["name": .text($0.name), "bytes": .text(String($0.bytes)), "sha256": .text($0.sha256)] }),
            "editable": .bool(open && editable), "frozen": .bool(open && !editable),
            // The token travels in the entry's cookie, which the server reads before the body
            // (files are refused before it otherwise); the field is for browsers without cookies.
            "token": .text(token), "form_action": .text("\(config.submitURL)/entries/\(entry.code)?lang=\(language)"),
        ]
        if !entry.log.isEmpty {
            c["has_log"] = true
            c["log_events"] = .objects(entry.log.map { r in
                ["event": .text(logEventLabel(r.leaf.event, t)), "index": .text(String(r.index)), "time": .text(r.leaf.time), "leaf_hash": .text(r.leafHash)]
            })
            c["receipt_json"] = .text(LogReceiptFile.json(entry))
        }
        if open && editable { c["fields"] = .objects(EntryFormView.fields(.edit(entry.draft), contest: contest, t: t)) }
        if open, let (stage, sent) = stage, let named = localized.stage(stage.id) {
            c["stage_form"] = .object(stageForm(named, sent: sent, entry: entry, display: display, language: language, t: t))
        }
        if let consents {
            // Its own form, open after the deadline and after a withdrawal: consent is the
            // entrant's to take back at any time.
            c["consent_form"] = .object([
                "fields": .objects(EntryFormView.consentFields(consents.offers, standing: consents.standing, idPrefix: "e-", t: t)),
                "consent_action": .text("\(config.submitURL)/entries/\(entry.code)/consent?lang=\(language)"),
                "register_url": .text(config.urlPath("data/sharing", language: language)),
            ])
        }
        return chrome.page("entry", language: language, title: t[fresh ? .receiptTitle : .entryViewTitle], context: c)
    }
}
