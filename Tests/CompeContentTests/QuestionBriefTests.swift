import CompeContent
import CompeCore
import CompeTestSupport
import Foundation
import Testing

/// The question period in a brief: a week before `closes` by default, `questions_close` to set
/// it, `questions: false` for none, and a period past the deadline refused at its place.
@Suite struct QuestionBriefTests {
    func contest(_ site: TestSite) throws -> Contest {
        try #require(try site.load().contests.first { $0.textLanguage == nil && $0.contest.language == "ja" }?.contest)
    }

    func brief(_ extra: String) -> String {
        TestSite.brief.replacingOccurrences(of: "---\n## ルール", with: extra + "\n---\n## ルール")
    }

    @Test func thePeriodDefaultsToAWeekBeforeTheDeadlineAndCanBeSetOrTurnedOff() throws {
        let site = try TestSite.minimal()
        let standard = try contest(site)
        let weekBefore = try #require(DateParsing.dateTime("2027-02-03T17:00:00+09:00"))
        #expect(standard.questions == .until(weekBefore))
        #expect(standard.takesQuestions(at: weekBefore.addingTimeInterval(-1)) && !standard.takesQuestions(at: weekBefore))
        #expect(standard.takesQuestions(at: try #require(DateParsing.dateTime("2027-01-01T00:00:00+09:00"))), "questions may come before opens")

        try site.write("contests/test/brief.md", brief("questions_close: 2027-02-08T12:00:00+09:00"))
        #expect(try contest(site).questions == .until(try #require(DateParsing.dateTime("2027-02-08T12:00:00+09:00"))))
        try site.write("contests/test/brief.md", brief("questions: false"))
        let off = try contest(site)
        #expect(off.questions == .off && !off.takesQuestions(at: weekBefore.addingTimeInterval(-86_400)))
    }

    @Test func aPeriodPastTheDeadlineIsAnErrorAtItsPlace() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/brief.md", brief("questions_close: 2027-02-11T12:00:00+09:00"))
        #expect(site.problems() == ["Content/contests/test/brief.md:9:1: error: 'questions_close' must not be after 'closes': questions are answered before the deadline"])
        try site.write("contests/test/brief.md", brief("questions: false\nquestions_close: 2027-02-01T12:00:00+09:00"))
        #expect(site.problems().first?.contains("'questions_close' has no use with 'questions: false'") == true)
    }
}
