import CompeCore
import Foundation

/// The entry form's fields as the theme shows them (`{{> entry_fields}}`), made from
/// `EntryForm.fields`: the contest page's empty form and the entrant's edit form are the same
/// fields with the same limits; only the ids, values and file rules differ.
public enum EntryFormView {
    /// What the form is for.
    public enum Purpose: Sendable {
        /// A new entry, on the contest page (ids `f-…`).
        case submit
        /// Changing an entry (ids `e-…`): filled in, files optional, no honeypot.
        case edit(EntryDraft)
    }

    /// One template object per field of `EntryForm.fields`; on a new entry's form, one box per
    /// data-sharing agreement in `offers` before the terms (the entrant's page has its own form
    /// for them, usable after the deadline too: `consentFields`).
    public static func fields(_ purpose: Purpose, contest: Contest, t: UIText, offers: [SharingAgreement] = []) -> [TemplateContext] {
        let editing: EntryDraft?
        if case .edit(let draft) = purpose { editing = draft } else { editing = nil }
        let form = EntryForm.fields.compactMap { field -> TemplateContext? in
            if editing != nil && field.kind == .honeypot { return nil }
            // Every name the template asks is set (false when it does not apply), so no lookup
            // falls through to the page's own context (which has an `accept`, say).
            var c = absent
            c["id"] = .text((editing == nil ? "f-" : "e-") + field.htmlID)
            c["name"] = .text(field.name)
            c["label"] = .text(Self.label(field, t))
            if field.required && !(editing != nil && field.kind == .files) { c["required"] = true }
            if let help = Self.help(field, contest: contest, t: t, editing: editing != nil) {
                c["help"] = .text(help)
                c["has_help"] = true
            }
            if let hint = field.autocomplete { c["autocomplete"] = .text(hint) }
            let value = editing.map { Self.value(of: field, in: $0) } ?? ""
            switch field.kind {
            case .line, .email, .httpsURL:
                c["is_control"] = true
                c["is_input"] = true
                c["type"] = .text(field.kind == .email ? "email" : field.kind == .httpsURL ? "url" : "text")
                if field.kind == .httpsURL {
                    c["pattern"] = "https://.*"
                    c["placeholder"] = "https://"
                }
                if let max = field.maxLength { c["maxlength"] = .int(max) }
                if editing != nil { c["value"] = .text(value) }
            case .country:
                // A list of every country by name in the page's language; the value sent is
                // the ISO code, so every language counts the same country once.
                c["is_control"] = true
                c["is_select"] = true
                let chosen = Country.isCode(value) ? value : ""
                c["options"] = .objects([["value": .text(""), "label": .text(t[.chooseCountry]), "selected": .bool(chosen.isEmpty)]]
                    + Country.list(language: t.language).map { ["value": .text($0.code), "label": .text($0.name), "selected": .bool($0.code == chosen)] })
            case .text(let rows), .memberList(let rows):
                c["is_control"] = true
                c["is_textarea"] = true
                c["rows"] = .int(rows)
                if case .text = field.kind, let max = field.maxLength { c["maxlength"] = .int(max) }
                c["text"] = .text(value)
            case .files:
                c["is_control"] = true
                c["is_input"] = true
                c["type"] = "file"
                c["multiple"] = true
                c["accept"] = .text(accept(contest.uploads.types))
            case .consent:
                c["is_consent"] = true
                if editing != nil { c["checked"] = true }
            case .honeypot:
                c["is_honeypot"] = true
            }
            return c
        }
        guard editing == nil, !offers.isEmpty, let terms = EntryForm.fields.firstIndex(where: { $0.kind == .consent }) else { return form }
        return Array(form[..<terms]) + consentFields(offers, standing: [], idPrefix: "f-", t: t) + Array(form[terms...])
    }

    /// One unticked (or, on the entrant's page, standing) checkbox per agreement: the partner's
    /// name, the purpose, the data in plain words and the end date, in the page's language.
    public static func consentFields(_ offers: [SharingAgreement], standing: Set<ConsentChoice>, idPrefix: String, t: UIText) -> [TemplateContext] {
        offers.map { a in
            var c = absent
            let partner = a.partner[t.language] ?? a.partner["en"] ?? a.partner.values.sorted().first ?? a.id
            let purpose = a.purpose[t.language] ?? a.purpose["en"] ?? a.purpose.values.sorted().first ?? ""
            let data = a.fields.map { t.field($0) }.joined(separator: t.language == "ja" ? "、" : ", ")
            c["id"] = .text(idPrefix + "consent-" + a.id)
            c["name"] = .text(a.consentField)
            c["label"] = .text(t[.sharingConsentLabel].replacingOccurrences(of: "%@", with: partner))
            c["help"] = .text([t[.sharingPurpose] + " " + purpose, t[.sharingData] + " " + data, t[.sharingUntil] + " " + a.until, t[.sharingOptional]]
                .joined(separator: t.language == "ja" ? " " : " · "))
            c["has_help"] = true
            c["is_share"] = true
            c["checked"] = .bool(standing.contains(a.consentChoice))
            return c
        }
    }

    /// The names `entry_fields` reads, all unset.
    static let absent: TemplateContext = Dictionary(uniqueKeysWithValues: [
        "id", "name", "label", "required", "help", "has_help", "autocomplete", "is_control", "is_input", "is_textarea", "is_consent",
        "is_honeypot", "type", "pattern", "placeholder", "maxlength", "value", "rows", "text", "multiple", "accept", "checked",
        "is_select", "options", "is_share",
    ].map { ($0, TemplateValue.bool(false)) })

    /// The file picker's `accept`: extensions and MIME types of the contest's kinds.
    public static func accept(_ kinds: [FileKind]) -> String {
        kinds.flatMap { k in k.extensions.map { "." + $0 } + [k.mimeType] }.joined(separator: ",")
    }

    /// "PDF, PNG · up to 5 · 50 MB" in the page's language.
    public static func filesHelp(_ policy: UploadPolicy, t: UIText) -> String {
        let kinds = policy.types.map { $0.rawValue.uppercased() }.joined(separator: ", ")
        return t.language == "ja"
            ? "\(t[.filesHelpPrefix]) \(kinds) · \(t[.filesHelpCount]) \(policy.maxFiles) · \(t[.filesHelpSize]) \(policy.maxFileMB) MB"
            : "\(t[.filesHelpPrefix]) \(kinds). \(t[.filesHelpCount]) \(policy.maxFiles) \(t[.filesHelpSize]) \(policy.maxFileMB) MB."
    }

    /// "1–4 people".
    public static func teamSize(_ r: ClosedRange<Int>, t: UIText) -> String {
        let n = r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound)–\(r.upperBound)"
        return "\(n) \(t[.teamSizeUnit])"
    }

    static func label(_ field: EntryForm.Field, _ t: UIText) -> String {
        UIKey(rawValue: field.label).map { t[$0] } ?? field.label
    }

    static func help(_ field: EntryForm.Field, contest: Contest, t: UIText, editing: Bool) -> String? {
        switch field.kind {
        case .files:
            let rule = editing ? t[.filesKeep] : filesHelp(contest.uploads, t: t)
            return contest.judging.blind ? rule + " " + t[.blindFilesNote] : rule
        case .memberList: return field.help.flatMap(UIKey.init(rawValue:)).map { "\(t[$0]) \(teamSize(contest.teamSize, t: t))" }
        default: return field.help.flatMap(UIKey.init(rawValue:)).map { t[$0] }
        }
    }

    static func value(of field: EntryForm.Field, in draft: EntryDraft) -> String {
        switch field.name {
        case "title": return draft.title
        case "summary": return draft.summary
        case "team_name": return draft.teamName
        case "members": return draft.members.joined(separator: "\n")
        case "contact_email": return draft.contactEmail
        case "country": return draft.country
        case "link": return draft.link ?? ""
        default: return ""
        }
    }
}
