import CompeContent
import CompeCore
import Foundation

/// The public register of data sharing, `/data/sharing/` in every language: each partner, what
/// it receives and on what terms, and how often it did (`SharingRegister.lines`).
extension PageRenderer {
    /// The register's address in `language`.
    func sharingURL(_ language: String) -> String { config.urlPath("data/sharing", language: language) }

    func renderSharingRegister(_ lang: String) -> OutputFile {
        let t = UIStrings.text(for: lang)
        let url = sharingURL(lang)
        var ctx = base(language: lang, url: url, title: t[.sharingRegister], description: t[.sharingRegisterLead],
                       translations: everyLanguage("data/sharing"))
        let today = DateParsing.ymd(DateParsing.today(in: config.timeZone, now: now))
        let lines = SharingRegister.lines(agreements: content.agreements, register: content.register)
        let titles = Dictionary(content.contests.filter { $0.contest.language == lang || $0.contest.language == config.defaultLanguage }
            .map { ($0.contest.slug, ($0.contest.language == lang ? 0 : 1, $0.contest.title)) }, uniquingKeysWith: { a, b in a.0 <= b.0 ? a : b })
        func label(_ key: UIKey) -> String { t[key].trimmingCharacters(in: CharacterSet(charactersIn: ":：")) }
        ctx["purpose_label"] = .text(label(.sharingPurpose))
        ctx["data_label"] = .text(label(.sharingData))
        ctx["has_partners"] = .bool(!lines.isEmpty)
        ctx["partners"] = .objects(lines.map { line in
            let kind = SharingAgreement.Kind(rawValue: line.kind).map { t.kind($0) } ?? line.kind
            let basis = line.basis == SharingAgreement.Basis.consent.rawValue ? t[.basisConsent] : t[.basisStatistics]
            let contests = line.contests.map { $0.map { titles[$0]?.1 ?? $0 }.joined(separator: lang == "ja" ? "、" : ", ") } ?? t[.sharingAllContests]
            return ["handle": .text(line.partner), "name": .text(localized(line.name, lang).isEmpty ? line.partner : localized(line.name, lang)),
                    "ended": .bool(line.until < today), "kind": .text(kind), "purpose": .text(localized(line.purpose, lang)), "basis": .text(basis),
                    "k": line.k.map { .int($0) } ?? false,
                    "fields": .objects(line.fields.map { code in ["label": .text(SharingField(code).map { t.field($0) } ?? code), "code": .text(code)] }),
                    "contests": .text(contests), "from": .text(line.from), "until": .text(line.until),
                    "onward": .text(line.onwardAllowed ? t[.onwardAllowed].replacingOccurrences(of: "%@", with: line.onward) : t[.onwardProhibited]),
                    "reference": .text(line.agreement), "shares": .int(line.shares), "last_share": .text(line.lastShare ?? t[.sharingNever])]
        })
        ctx["register_json"] = content.register == nil ? false : .text("/data/sharing/register.json")
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("sharing", ctx), origin: nil)
    }

    /// The register as committed, for tools: `/data/sharing/register.json`.
    func sharingRegisterFile() -> [OutputFile] {
        guard let register = content.register, let data = try? register.json() else { return [] }
        return [OutputFile(path: "data/sharing/register.json", bytes: [UInt8](data))]
    }
}
