import CompeCore
@testable import CompeSite
import Foundation
import Testing

/// The string tables are checked here instead of at render time: a key missing in one
/// language, or a template naming a key that does not exist, fails the suite.
@Suite struct UIStringsTests {
    @Test func everyKeyHasJapaneseAndEnglish() {
        let missingJa = UIKey.allCases.filter { UIStrings.ja[$0] == nil }
        let missingEn = UIKey.allCases.filter { UIStrings.en[$0] == nil }
        #expect(missingJa.isEmpty, "no Japanese for \(missingJa.map(\.rawValue))")
        #expect(missingEn.isEmpty, "no English for \(missingEn.map(\.rawValue))")
        #expect(UIKey.allCases.allSatisfy { !(UIStrings.ja[$0] ?? "").isEmpty && !(UIStrings.en[$0] ?? "").isEmpty })
    }

    /// Every field an agreement can name has plain words in both languages (the consent box and
    /// the register say what leaves compe, never a bare `entries.email`).
    @Test func everySharingFieldHasPlainWords() {
        for code in SharingField.all {
            let field = SharingField(code)!
            #expect(UIKey(rawValue: "sf_\(field.table.rawValue)_\(field.name)") != nil, "no UI string for \(code)")
            #expect(UIStrings.text(for: "ja").field(field) != code && UIStrings.text(for: "en").field(field) != code)
        }
    }

    @Test func everyStringTheThemeNamesExists() throws {
        var named: Set<String> = []
        for name in Theme.templateNames {
            let text = Theme.builtIn(name)
            var rest = Substring(text)
            while let open = rest.range(of: "{{t.") {
                rest = rest[open.upperBound...]
                named.insert(String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }))
            }
        }
        #expect(!named.isEmpty)
        let unknown = named.filter { UIKey(rawValue: $0) == nil }.sorted()
        #expect(unknown.isEmpty, "templates name strings that do not exist: \(unknown)")
    }

    @Test func formLabelsAndHelpNameExistingStrings() {
        for field in EntryForm.fields {
            #expect(UIKey(rawValue: field.label) != nil, "\(field.name): no string '\(field.label)'")
            if let help = field.help { #expect(UIKey(rawValue: help) != nil, "\(field.name): no string '\(help)'") }
        }
    }

    @Test func agreementReadingsComeFromTheTables() {
        #expect(UIStrings.text(for: "en").reading(Ranking.Agreement(alpha: 0.849)) == "Judges agree well: the scores are reliable.")
        #expect(UIStrings.text(for: "ja").reading(Ranking.Agreement(alpha: 0.7)) == "審査員の評価はおおむね一致していますが、結論は慎重に。")
        #expect(UIStrings.text(for: "fr").reading(.unknown) == UIStrings.en[.alphaUnknown])
        #expect(Ranking.Agreement(alpha: 0.5) == .poor && Ranking.Agreement(alpha: nil) == .unknown)
    }
}
