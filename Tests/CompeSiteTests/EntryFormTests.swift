import CompeContent
import CompeCore
@testable import CompeSite
import CompeTestSupport
import Foundation
import Testing

/// The contest page's form and the edit form are made from `EntryForm.fields`, and the
/// validator applies the same limits: one schema, so the three cannot drift apart.
@Suite struct EntryFormTests {
    static let contest = Contest(slug: "c", language: "ja", title: "t", description: "", opens: Date(), closes: Date(), prizes: [],
                                 teamSize: 1...3, uploads: .standard,
                                 criteria: [Criterion(id: "u", name: "U", weight: 100, scaleMin: 1, scaleMax: 10, rubric: "")],
                                 judging: .standard, draft: false)

    /// The rendered `entry_fields` partial for `purpose`.
    func render(_ purpose: EntryFormView.Purpose) throws -> String {
        let theme = try Theme(overrides: [:])
        let t = UIStrings.text(for: "en")
        return theme.render("entry_fields", ["fields": .objects(EntryFormView.fields(purpose, contest: Self.contest, t: t)), "t": UIStrings.value(for: "en")])
    }

    @Test func bothFormsCarryEveryLimitOfTheSchema() throws {
        let draft = EntryDraft(contest: "c", title: "T", summary: "S", teamName: "Team", members: ["A", "B"], contactEmail: "a@b.example",
                               country: "JP", link: nil, language: "en")
        for (purpose, prefix) in [(EntryFormView.Purpose.submit, "f-"), (.edit(draft), "e-")] {
            let html = try render(purpose)
            for field in EntryForm.fields {
                if case .edit = purpose, field.kind == .honeypot {
                    #expect(!html.contains("name=\"\(field.name)\""), "the edit form has no honeypot")
                    continue
                }
                #expect(html.contains("id=\"\(prefix)\(field.htmlID)\" name=\"\(field.name)\""), "\(prefix): no \(field.name)")
                if let max = field.maxLength, field.kind != .memberList(rows: 4) {
                    #expect(html.contains("name=\"\(field.name)\"") && html.range(of: "name=\"\(field.name)\"[^>]* maxlength=\"\(max)\"",
                                                                                   options: .regularExpression) != nil,
                            "\(prefix)\(field.name) lacks maxlength=\(max)")
                }
            }
        }
        let edit = try render(.edit(draft))
        #expect(edit.contains("name=\"team_name\" type=\"text\" required maxlength=\"200\" autocomplete=\"organization\" value=\"Team\""))
        #expect(edit.contains(">A\nB</textarea>"))
        #expect(edit.contains("name=\"agree_terms\" type=\"checkbox\" value=\"yes\" required checked"))
        #expect(!edit.contains("name=\"files\" type=\"file\" multiple required"), "files are optional when editing")
    }

    @Test func theValidatorAppliesTheSchemasLimits() {
        var values = ["title": "T", "summary": "S", "team_name": "Team", "members": "A", "contact_email": "a@b.example",
                      "country": "JP", "agree_terms": "yes"]
        for field in EntryForm.fields {
            guard let max = field.maxLength, field.kind != .email, field.kind != .httpsURL else { continue }
            var over = values
            over[field.name] = String(repeating: "x", count: max + 1)
            var problems: [FieldError] = []
            #expect(EntryForm.draft(from: over, contest: Self.contest, language: "en", problems: &problems) == nil)
            #expect(problems.contains(FieldError(field: field.name, problem: .tooLong(max: max))), "\(field.name): \(problems)")
        }
        values["members"] = "A\nB\nC\nD"
        var problems: [FieldError] = []
        #expect(EntryForm.draft(from: values, contest: Self.contest, language: "en", problems: &problems) == nil)
        #expect(problems == [FieldError(field: "members", problem: .teamSize(allowed: 1...3, got: 4))])
    }
}
