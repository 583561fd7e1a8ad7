import CompeContent
import CompeCore
import CompeTestSupport
import Foundation
import Testing

/// Published answers (`contests/<slug>/questions/<NNN>.md` and translations): read with their
/// dates, the translation taking the original's, newest first per language; every mistake an
/// error at its place, so a wrong answer never reaches the site.
@Suite struct AnswerFileTests {
    func answer(_ question: String, asked: String? = "2027-01-12", answered: String? = "2027-01-15", body: String = "回答です。") -> String {
        var front = "---\nquestion: \(question)\n"
        if let asked { front += "asked: \(asked)\n" }
        if let answered { front += "answered: \(answered)\n" }
        return front + "---\n\n\(body)\n"
    }

    @Test func answersAreReadWithTheOriginalsDatesNewestFirstInEachLanguage() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/questions/001.md", answer("4 名で応募できますか。"))
        try site.write("contests/test/questions/001.en.md", answer("May four enter?", asked: nil, answered: nil, body: "Yes."))
        try site.write("contests/test/questions/002.md", answer("リンクだけでよいですか。", asked: "2027-01-16", answered: "2027-01-18", body: "いいえ。"))
        let content = try site.load()
        let ja = content.answers("test", language: "ja"), en = content.answers("test", language: "en")
        #expect(ja.map(\.code) == ["Q-002", "Q-001"], "newest first")
        #expect(en.map(\.question) == ["リンクだけでよいですか。", "May four enter?"], "an untranslated answer falls back to the original")
        let translated = try #require(en.last)
        #expect(translated.asked == "2027-01-12" && translated.answered == "2027-01-15" && translated.markdown.contains("Yes."))
        #expect(translated.anchor == "question-001" && translated.language == "en")
    }

    @Test func mistakesAreErrorsAtTheirPlace() throws {
        let site = try TestSite.minimal()
        try site.write("contests/test/questions/001.md", answer("q", asked: "2027-01-15", answered: "2027-01-12"))
        #expect(site.problems() == ["Content/contests/test/questions/001.md:4:1: error: 'answered' (2027-01-12) comes before 'asked' (2027-01-15)"])
        try site.write("contests/test/questions/001.md", answer("q", answered: "next week"))
        #expect(site.problems() == ["Content/contests/test/questions/001.md:4:1: error: 'answered' is a day, YYYY-MM-DD, not 'next week'"])
        try site.write("contests/test/questions/001.md", answer("q", asked: nil))
        #expect(site.problems().first?.contains("'asked'") == true, "the original needs its dates")
        try site.write("contests/test/questions/001.md", answer("q", body: ""))
        #expect(site.problems() == ["Content/contests/test/questions/001.md:6:1: error: the answer is empty: write it below the front matter"])
        try site.write("contests/test/questions/001.md", answer("q") .replacingOccurrences(of: "---\n\n", with: "name: Sato\n---\n\n"))
        #expect(site.problems().first?.contains("name") == true, "an unknown key is refused")
        try site.write("contests/test/questions/001.md", answer("q"))
        #expect(site.problems().isEmpty)

        try site.write("contests/test/questions/002.en.md", answer("q", asked: nil, answered: nil))
        #expect(site.problems() == ["Content/contests/test/questions/002.en.md:1:1: error: translation of an answer that has no ja original: add 002.md first"])
        try FileManager.default.removeItem(at: site.content.appendingPathComponent("contests/test/questions/002.en.md"))
        try site.write("contests/test/questions/001.en.md", answer("q", asked: "2027-01-11"))
        #expect(site.problems().first?.contains("the dates differ from Content/contests/test/questions/001.md's") == true)
        try FileManager.default.removeItem(at: site.content.appendingPathComponent("contests/test/questions/001.en.md"))
        try site.write("contests/test/questions/7.md", answer("q"))
        #expect(site.problems().first?.contains("three digits at least, 007.md") == true)
        try FileManager.default.removeItem(at: site.content.appendingPathComponent("contests/test/questions/7.md"))
        try site.write("contests/test/questions/003.fr.md", answer("q"))
        #expect(site.problems().first?.contains("language 'fr' is not in site.yml's languages") == true)
    }
}
