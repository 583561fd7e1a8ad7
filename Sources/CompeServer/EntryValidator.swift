import CompeContent
import CompeCore
import CompeStore
import Foundation

/// Checks an entry's text fields against SPEC and the contest, reporting every problem at once.
struct EntryValidator {
    let contest: Contest
    let messages: FormMessages

    /// Fields a form may send. `lang` picks the language of answers, `token` and `action` serve edits.
    static let knownFields: Set<String> = ["title", "summary", "team_name", "members", "contact_email", "country", "link",
                                           "agree_terms", "website", "lang", "token", "action"]

    /// Returns the draft, or nil with field errors appended to `errors`.
    func draft(from fields: [String: String], language: String, errors: inout [FieldError]) -> EntryDraft? {
        let before = errors.count
        for name in fields.keys.sorted() where !Self.knownFields.contains(name) {
            errors.append(FieldError(field: name, message: messages.unknownField))
        }
        func text(_ name: String, max: Int, required: Bool = true) -> String {
            var value = fields[name] ?? ""
            if value.utf8.contains(13) { value = value.replacingOccurrences(of: "\r\n", with: "\n") }
            // Control characters (terminal escapes, BEL, NUL, bidi overrides) have no place in a
            // title or a summary: they are dropped here, so no page, terminal or export sees them.
            value = TerminalText.clean(value)
            if value.first?.isWhitespace == true || value.last?.isWhitespace == true {
                value = value.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if value.isEmpty && required { errors.append(FieldError(field: name, message: messages.required)) }
            if value.count > max { errors.append(FieldError(field: name, message: messages.tooLong(max))) }
            return value
        }
        let title = text("title", max: 200)
        let summary = text("summary", max: 5000)
        let team = text("team_name", max: 200)
        let membersText = text("members", max: 5000)
        let members = membersText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !membersText.isEmpty && !contest.teamSize.contains(members.count) {
            errors.append(FieldError(field: "members", message: messages.members(contest.teamSize, got: members.count)))
        }
        let email = text("contact_email", max: 254)
        if !email.isEmpty && !Self.isEmail(email) { errors.append(FieldError(field: "contact_email", message: messages.badEmail)) }
        let country = text("country", max: 100)
        let link = text("link", max: 2000, required: false)
        if !link.isEmpty && !Self.isHTTPSURL(link) { errors.append(FieldError(field: "link", message: messages.badLink)) }
        if (fields["agree_terms"] ?? "").isEmpty { errors.append(FieldError(field: "agree_terms", message: messages.agreeRequired)) }
        guard errors.count == before else { return nil }
        return EntryDraft(contest: contest.slug, title: title, summary: summary, teamName: team, members: members,
                          contactEmail: email, country: country, link: link.isEmpty ? nil : link, language: language)
    }

    /// A pragmatic address check: one `@`, no spaces or controls, a dot in the domain.
    static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 3, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..") else { return false }
        return !s.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || "<>()[],;:\\\"".unicodeScalars.contains($0) && $0 != "@" }
    }

    /// An absolute https URL with a host and no spaces.
    static func isHTTPSURL(_ s: String) -> Bool {
        guard !s.contains(where: { $0.isWhitespace }), let url = URL(string: s), url.scheme?.lowercased() == "https",
              let host = url.host, !host.isEmpty else { return false }
        return true
    }
}
