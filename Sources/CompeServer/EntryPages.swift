import CompeContent
import CompeCore
import CompeSite
import CompeStore
import Foundation
import Hummingbird

/// The endpoint's HTML pages (receipt, entrant view with edit and withdraw forms, errors),
/// in the site's layout. Everything an entrant typed is escaped; the summary is rendered
/// as untrusted Markdown (raw HTML shown as text).
struct EntryPages: Sendable {
    let chrome: SiteChrome
    let config: SiteConfig
    let contests: [String: [String: Contest]]   // slug → language → contest

    func strings(_ language: String) -> [String: String] { chrome.strings(language) }

    /// The entrant's page URL; the token travels as a form field (SPEC); these pages send a referrer
    /// only to our own origin (`Referrer-Policy: same-origin`: with `no-referrer`, browsers post
    /// `Origin: null`, which the origin check must refuse).
    func entryURL(_ code: String, token: String, language: String, fresh: Bool) -> String {
        "\(config.submitURL.hasPrefix("/") ? config.submitURL : "/api")/entries/\(code)?token=\(token)&lang=\(language)" + (fresh ? "&new=1" : "")
    }

    private func e(_ s: String) -> String { HTML.escape(s) }

    func message(title: String, text: String, language: String) -> String {
        chrome.page(language: language, title: title, body: "<article class=\"page\"><h1>\(e(title))</h1><p>\(e(text))</p></article>")
    }

    func errors(_ errors: [FieldError], status: HTTPResponse.Status, language: String) -> String {
        let t = strings(language)
        let isFieldProblem = status == .badRequest || status == .unsupportedMediaType || status == .contentTooLarge
        let title = isFieldProblem ? t["errors_title"]! : t["error_title"]!
        var body = "<article class=\"page errors\"><h1>\(e(title))</h1>\n"
        if isFieldProblem { body += "<p>\(e(t["errors_lead"]!))</p>\n" }
        body += "<ul class=\"field-errors\">\n"
        for err in errors {
            let label = label(err.field, t)
            body += "<li><strong>\(e(label))</strong>: <span class=\"field-error\" data-field=\"\(e(err.field))\">\(e(err.message))</span></li>\n"
        }
        body += "</ul>\n<p><a href=\"\(config.urlPath("contests", language: language))\">\(e(t["contests"]!))</a></p></article>"
        return chrome.page(language: language, title: title, body: body)
    }

    private func label(_ field: String, _ t: [String: String]) -> String {
        switch field {
        case "title": return t["f_title"]!
        case "summary": return t["f_summary"]!
        case "team_name": return t["f_team_name"]!
        case "members": return t["f_members"]!
        case "contact_email": return t["f_email"]!
        case "country": return t["f_country"]!
        case "link": return t["f_link"]!
        case "files": return t["f_files"]!
        case "agree_terms": return t["f_agree"]!
        default: return field
        }
    }

    func entry(_ entry: Entry, token: String, contest: Contest, editable: Bool, fresh: Bool, language: String) -> String {
        let t = strings(language)
        let display = DateDisplay(timeZone: config.timeZone)
        let localized = contests[contest.slug]?[language] ?? contest
        let title = fresh ? t["receipt_title"]! : t["entry_view_title"]!
        let link = config.baseURL + entryURL(entry.code, token: token, language: language, fresh: false)
        var b = "<article class=\"page entry\">\n<h1>\(e(title))</h1>\n"
        if fresh { b += "<p class=\"notice\">\(e(t["receipt_lead"]!))</p>\n" }
        if entry.withdrawnAt != nil { b += "<p class=\"notice\">\(e(t["withdrawn"]!))</p>\n" }
        b += "<dl class=\"dates\">\n"
        b += "<dt>\(e(t["entry_id"]!))</dt><dd><strong>\(e(entry.code))</strong></dd>\n"
        b += "<dt>\(e(t["contest"]!))</dt><dd><a href=\"\(config.urlPath("contests/\(contest.slug)", language: language))\">\(e(localized.title))</a></dd>\n"
        b += "<dt>\(e(t["received_at"]!))</dt><dd><time datetime=\"\(rfc3339(entry.receivedAt))\">\(e(display.local(entry.receivedAt, language: language)))</time> (\(e(display.utc(entry.receivedAt))))</dd>\n"
        if entry.updatedAt != entry.receivedAt {
            b += "<dt>\(e(t["updated_at"]!))</dt><dd>\(e(display.local(entry.updatedAt, language: language)))</dd>\n"
        }
        b += "<dt>\(e(t["editable_until"]!))</dt><dd>\(e(display.local(contest.closes, language: language))) (\(e(display.utc(contest.closes))))</dd>\n"
        b += "<dt>\(e(t["edit_link"]!))</dt><dd><input type=\"text\" readonly value=\"\(e(link))\" aria-label=\"\(e(t["edit_link"]!))\" size=\"60\"></dd>\n"
        b += "</dl>\n"
        b += "<h2>\(e(entry.draft.title))</h2>\n"
        b += "<p>\(e(t["f_team_name"]!)): \(e(entry.draft.teamName)) · \(e(entry.draft.members.joined(separator: ", "))) · \(e(entry.draft.country))</p>\n"
        if let l = entry.draft.link { b += "<p><a href=\"\(e(l))\" rel=\"nofollow noopener noreferrer\">\(e(l))</a></p>\n" }
        b += "<section class=\"summary\"><h3>\(e(t["summary"]!))</h3>\n\(Markdown.html(entry.draft.summary, trust: .untrusted))</section>\n"
        b += "<table class=\"files\"><thead><tr><th scope=\"col\">\(e(t["file_name"]!))</th><th scope=\"col\">\(e(t["file_size"]!))</th><th scope=\"col\">\(e(t["sha256"]!))</th></tr></thead><tbody>\n"
        for f in entry.files {
            b += "<tr><td>\(e(f.name))</td><td>\(f.bytes)</td><td><code>\(f.sha256)</code></td></tr>\n"
        }
        b += "</tbody></table>\n"
        if entry.withdrawnAt == nil {
            if editable {
                b += editForm(entry, token: token, contest: contest, language: language, t: t)
            } else {
                b += "<p class=\"notice\">\(e(t["not_editable"]!))</p>\n"
            }
        }
        b += "</article>"
        return chrome.page(language: language, title: title, body: b)
    }

    private func editForm(_ entry: Entry, token: String, contest: Contest, language: String, t: [String: String]) -> String {
        let action = "\(config.submitURL)/entries/\(entry.code)"
        let accept = contest.uploads.types.flatMap { k in k.extensions.map { "." + $0 } }.joined(separator: ",")
        func field(_ name: String, _ label: String, _ value: String, type: String = "text", extra: String = "") -> String {
            "<div class=\"field\"><label for=\"e-\(name)\">\(e(label))</label><input id=\"e-\(name)\" name=\"\(name)\" type=\"\(type)\" value=\"\(e(value))\" \(extra)></div>\n"
        }
        var f = "<section aria-labelledby=\"edit\"><h2 id=\"edit\">\(e(t["edit_title"]!))</h2>\n"
        f += "<form class=\"entry-form\" method=\"post\" action=\"\(e(action))\" enctype=\"multipart/form-data\" accept-charset=\"utf-8\">\n"
        f += "<input type=\"hidden\" name=\"token\" value=\"\(e(token))\"><input type=\"hidden\" name=\"lang\" value=\"\(e(language))\">\n"
        f += field("title", t["f_title"]!, entry.draft.title, extra: "required maxlength=\"200\"")
        f += "<div class=\"field\"><label for=\"e-summary\">\(e(t["f_summary"]!))</label><textarea id=\"e-summary\" name=\"summary\" rows=\"10\" required maxlength=\"5000\">\(e(entry.draft.summary))</textarea></div>\n"
        f += field("team_name", t["f_team_name"]!, entry.draft.teamName, extra: "required maxlength=\"200\"")
        f += "<div class=\"field\"><label for=\"e-members\">\(e(t["f_members"]!))</label><textarea id=\"e-members\" name=\"members\" rows=\"4\" required>\(e(entry.draft.members.joined(separator: "\n")))</textarea></div>\n"
        f += field("contact_email", t["f_email"]!, entry.draft.contactEmail, type: "email", extra: "required")
        f += field("country", t["f_country"]!, entry.draft.country, extra: "required")
        f += field("link", t["f_link"]!, entry.draft.link ?? "", type: "url")
        f += "<div class=\"field\"><label for=\"e-files\">\(e(t["f_files"]!))</label><input id=\"e-files\" name=\"files\" type=\"file\" multiple accept=\"\(accept)\"><p class=\"help\">\(e(t["files_keep"]!))</p></div>\n"
        f += "<div class=\"field check\"><input id=\"e-agree\" name=\"agree_terms\" type=\"checkbox\" value=\"yes\" required checked><label for=\"e-agree\">\(e(t["f_agree"]!))</label></div>\n"
        f += "<p><button type=\"submit\">\(e(t["edit_submit"]!))</button></p>\n</form></section>\n"
        f += "<section aria-labelledby=\"withdraw\"><h2 id=\"withdraw\">\(e(t["withdraw_title"]!))</h2>\n"
        f += "<form method=\"post\" action=\"\(e(action))\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"token\" value=\"\(e(token))\"><input type=\"hidden\" name=\"lang\" value=\"\(e(language))\"><input type=\"hidden\" name=\"action\" value=\"withdraw\"><button type=\"submit\">\(e(t["withdraw_submit"]!))</button></form></section>\n"
        return f
    }
}
