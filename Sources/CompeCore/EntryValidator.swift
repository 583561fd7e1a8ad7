import Foundation

extension EntryForm {
    /// Checks a submitted form against `EntryForm.fields` and `contest`, reporting every problem
    /// at once (appended to `problems`). Returns the draft when nothing is wrong.
    ///
    /// Text is normalised first: CRLF becomes LF, control characters are dropped (`PlainText`),
    /// surrounding white space is trimmed. Files are checked by the multipart reader, which
    /// knows their bytes; this looks at the text fields only.
    /// `consentFields`: the data-sharing checkboxes this form offers (`consent_<partner>`),
    /// read by `consents(from:offers:)`; any other unknown name is refused.
    public static func draft(from values: [String: String], contest: Contest, language: String, consentFields: Set<String> = [],
                             problems: inout [FieldError]) -> EntryDraft? {
        let before = problems.count
        for name in values.keys.sorted() where field(name) == nil && !auxiliaryFields.contains(name) && !consentFields.contains(name) {
            problems.append(FieldError(field: name, problem: .unknownField))
        }
        var text: [String: String] = [:]
        for f in fields {
            switch f.kind {
            case .files, .honeypot:
                continue
            case .consent:
                if f.required && (values[f.name] ?? "").isEmpty { problems.append(FieldError(field: f.name, problem: .agreeRequired)) }
            case .line, .email, .httpsURL, .country, .text, .memberList:
                let raw = values[f.name] ?? ""
                if let problem = characterProblem(raw, kind: f.kind) {
                    problems.append(FieldError(field: f.name, problem: problem))
                    continue
                }
                let value = normalised(raw)
                if value.isEmpty && f.required { problems.append(FieldError(field: f.name, problem: .required)) }
                if f.kind == .country {
                    // A code from the list, kept in upper case; anything else (a name typed
                    // by a script, a formula) is refused with the list's own words.
                    if !value.isEmpty, Country.code(value) == nil { problems.append(FieldError(field: f.name, problem: .badCountry)) }
                    text[f.name] = Country.code(value) ?? value
                    continue
                }
                if let max = f.maxLength, value.unicodeScalars.count > max { problems.append(FieldError(field: f.name, problem: .tooLong(max: max))) }
                if !value.isEmpty, let problem = check(value, as: f.kind, contest: contest) {
                    problems.append(FieldError(field: f.name, problem: problem))
                }
                text[f.name] = value
            }
        }
        guard problems.count == before else { return nil }
        let link = text["link"] ?? ""
        return EntryDraft(contest: contest.slug, title: text["title"] ?? "", summary: text["summary"] ?? "",
                          teamName: text["team_name"] ?? "", members: memberLines(text["members"] ?? ""),
                          contactEmail: text["contact_email"] ?? "", country: text["country"] ?? "",
                          link: link.isEmpty ? nil : link, language: language)
    }

    /// The data-sharing agreements whose box is ticked in `values`, of those `offers`.
    public static func consents(from values: [String: String], offers: [SharingAgreement]) -> [ConsentChoice] {
        offers.filter { !(values[$0.consentField] ?? "").isEmpty }.map(\.consentChoice)
    }

    /// Separators a one-line field may not hold: they would forge rows in a terminal, a CSV or
    /// a log, and YAML reads some of them as line breaks no editor shows.
    public static func isSeparator(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// Unicode noncharacters: U+FDD0–U+FDEF and the last two code points of every plane.
    public static func isNoncharacter(_ s: Unicode.Scalar) -> Bool {
        (0xFDD0...0xFDEF).contains(s.value) || s.value & 0xFFFE == 0xFFFE
    }

    /// What is wrong with the characters of `raw` for a field of `kind`, before any cleaning.
    static func characterProblem(_ raw: String, kind: Field.Kind) -> FieldProblem? {
        if raw.unicodeScalars.contains(where: isNoncharacter) { return .invalidCharacter }
        switch kind {
        case .line, .email, .httpsURL, .country:
            return raw.unicodeScalars.contains(where: isSeparator) ? .lineBreak : nil
        case .memberList:
            // Line breaks separate members; any other separator (a lone CR too) is refused.
            let lines = raw.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            return lines.contains { $0.unicodeScalars.contains(where: isSeparator) } ? .memberSeparator : nil
        default:
            return nil
        }
    }

    /// The rule of a field's kind, for a non-empty value.
    static func check(_ value: String, as kind: Field.Kind, contest: Contest) -> FieldProblem? {
        switch kind {
        case .email: return isEmail(value) ? nil : .badEmail
        case .httpsURL: return isHTTPSURL(value) ? nil : .badLink
        case .memberList:
            let count = memberLines(value).count
            return contest.teamSize.contains(count) ? nil : .teamSize(allowed: contest.teamSize, got: count)
        default: return nil
        }
    }

    /// `value` with CRLF as LF, no control characters, no surrounding white space.
    static func normalised(_ raw: String) -> String {
        var value = raw
        if value.utf8.contains(13) { value = value.replacingOccurrences(of: "\r\n", with: "\n") }
        // Control characters (terminal escapes, BEL, NUL, bidi overrides) have no place in a
        // title or a summary: they are dropped here, so no page, terminal or export sees them.
        value = PlainText.clean(value)
        if value.first?.isWhitespace == true || value.last?.isWhitespace == true {
            value = value.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return value
    }

    /// The members of a member list: one per non-blank line, trimmed.
    public static func memberLines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A pragmatic address check: one `@`, no spaces or controls, a dot in the domain.
    public static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 3, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..") else { return false }
        return !s.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || "<>()[],;:\\\"".unicodeScalars.contains($0) && $0 != "@" }
    }

    /// An absolute https URL with a host and no spaces.
    public static func isHTTPSURL(_ s: String) -> Bool {
        guard !s.contains(where: { $0.isWhitespace }), let url = URL(string: s), url.scheme?.lowercased() == "https",
              let host = url.host, !host.isEmpty else { return false }
        return true
    }
}
