import CompeContent
import CompeCore
import CompeTestSupport
import Foundation
import Testing

/// `stages:` in a brief: a one-stage brief is unchanged, a staged brief reads every stage with its
/// own criteria, panel rule and submission, translations name stages and rubrics, and each mistake
/// is reported at its `path:line:col`.
@Suite struct StageBriefTests {
    static let staged = TestSite.brief.replacingOccurrences(of: "---\n## ルール", with: """
        advance: 4
        stages:
          - id: final
            name: 最終審査
            closes: 2027-03-10T17:00:00+09:00
            submission: {uploads: {max_files: 3, max_file_mb: 500, types: [pdf, zip, mp4]}, fields: [{id: demo_url, label: デモURL}]}
            criteria:
              - {id: impact, name: 効果, weight: 70, rubric: "r3"}
              - {id: delivery, name: 発表, weight: 30, rubric: "r4"}
            judging: {judges_per_entry: 5, blind: false}
        ---
        ## ルール
        """)

    func original(_ content: SiteContent) throws -> Contest {
        try #require(content.contests.first { $0.textLanguage == nil && $0.contest.language == "ja" }?.contest)
    }

    @Test func aBriefWithoutStagesIsOneStage() throws {
        let site = try TestSite.minimal()
        let c = try original(site.load())
        #expect(!c.isStaged)
        #expect(c.stages.map(\.id) == ["screening"])
        #expect(c.firstStage.criteria == c.criteria)
        #expect(c.firstStage.closes == c.closes && c.firstStage.advance == nil && c.firstStage.submission == .entry)
    }

    @Test func aStagedBriefReadsEveryStage() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", Self.staged)
        try site.write("contests/test/brief.en.md", """
            ---
            title: Test contest
            stages:
              - {id: screening, name: Screening}
              - id: final
                name: Final round
                fields: [{id: demo_url, label: Demo URL}]
                criteria: [{id: impact, name: Impact, rubric: "What changes for users"}]
            ---
            Rules.
            """)
        let content = try site.load()
        let c = try original(content)
        #expect(c.stages.map(\.id) == ["screening", "final"])
        #expect(c.firstStage.advance == 4)
        let final = try #require(c.stage("final"))
        #expect(final.name == "最終審査")
        #expect(final.criteria.map(\.weight) == [70, 30])
        #expect(final.judging == JudgingPolicy(judgesPerEntry: 5, blind: false))
        #expect(final.advance == nil)
        #expect(final.submission.uploads == UploadPolicy(maxFiles: 3, maxFileMB: 500, types: [.pdf, .zip, .mp4]))
        #expect(final.submission.fields == [StageField(id: "demo_url", label: "デモURL")])
        #expect(final.closes == DateParsing.dateTime("2027-03-10T17:00:00+09:00"))
        #expect(c.stage(after: "screening")?.id == "final" && c.stage(after: "final") == nil)
        let en = try #require(content.contests.first { $0.contest.language == "en" && $0.textLanguage == nil }?.contest)
        #expect(en.firstStage.name == "Screening")
        let enFinal = try #require(en.stage("final"))
        #expect(enFinal.name == "Final round" && enFinal.criteria[0].name == "Impact" && enFinal.criteria[1].name == "発表")
        #expect(enFinal.criteria[0].rubric == "What changes for users")
        #expect(enFinal.submission.fields == [StageField(id: "demo_url", label: "Demo URL")])
        #expect(enFinal.closes == final.closes && enFinal.criteria.map(\.weight) == [70, 30])
    }

    @Test func aPresentationRoundAsksForNothing() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", Self.staged.replacingOccurrences(
            of: "submission: {uploads: {max_files: 3, max_file_mb: 500, types: [pdf, zip, mp4]}, fields: [{id: demo_url, label: デモURL}]}",
            with: "submission: none"))
        #expect(try original(site.load()).stage("final")?.submission == StageSubmission.none)
    }

    @Test func stageMistakesAreReportedWhereTheyAre() throws {
        let cases: [(String, String, String)] = [
            // A later stage closing before the one before it (line 13 is its closes).
            ("closes: 2027-03-10T17:00:00+09:00", "closes: 2027-02-01T17:00:00+09:00",
             "Content/contests/test/brief.md:13:5: error: stage 'final' closes at or before the stage before it (2027-02-10T08:00:00Z): stages close in order"),
            // Weights of one stage not summing to 100.
            ("weight: 30, rubric: \"r4\"", "weight: 20, rubric: \"r4\"",
             "Content/contests/test/brief.md:15:5: error: criteria weights sum to 90; they must sum to 100 (impact 70 + delivery 20)"),
            // More advancing than plausible.
            ("advance: 4", "advance: 5000",
             "Content/contests/test/brief.md:9:1: error: 'advance' of stage 'screening' must be between 1 and 1000 (got 5000)"),
            // No advance for a stage that has a next one.
            ("advance: 4\n", "",
             "Content/contests/test/brief.md:9:1: error: stage 'screening' needs 'advance': how many entries go on to stage 'final'"),
            // An unknown key in a stage, with a suggestion.
            ("    judging: {judges_per_entry: 5, blind: false}", "    judgng: {judges_per_entry: 5, blind: false}",
             "Content/contests/test/brief.md:18:5: error: unknown key 'judgng' in stages[0]; did you mean 'judging'?"),
            // A stage id nobody could type.
            ("  - id: final", "  - id: Final Round",
             "Content/contests/test/brief.md:11:9: error: stage id 'Final Round' must be lowercase a-z, 0-9, '-' and '_', starting with a letter (organisers type it)"),
            // A submission field that would shadow the entry form's own.
            ("fields: [{id: demo_url, label: デモURL}]", "fields: [title]",
             "Content/contests/test/brief.md:14:94: error: field 'title' must be lowercase a-z, 0-9 and '_', and not a name the entry form uses"),
        ]
        for (from, to, expected) in cases {
            let site = try TestSite.minimal()
            let text = Self.staged.replacingOccurrences(of: from, with: to)
            #expect(text != Self.staged, "case did not apply: \(from)")
            try site.write("contests/test/brief.md", text)
            let found = site.problems()
            #expect(found.contains { $0.hasPrefix(expected) }, "expected \(expected)\ngot \(found)")
        }
    }

    @Test func aTranslationNamesOnlyStagesTheBriefHas() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", Self.staged)
        try site.write("contests/test/brief.en.md", "---\ntitle: Test\nstages:\n  - {id: finale, name: Final}\n---\nx\n")
        #expect(site.problems() == ["Content/contests/test/brief.en.md:4:5: error: stage 'finale' is not in brief.md (ids: screening, final)"])
    }

    @Test func mp4IsRecognisedByItsBoxNotItsName() {
        let head: [UInt8] = [0, 0, 0, 0x20] + Array("ftypisom".utf8) + [0, 0, 2, 0]
        #expect(FileKind.detect(head) == .mp4)
        #expect(FileKind.detect(Array("RIFF....AVI ".utf8)) == nil)
    }
}
