@testable import CompeContent
import CompeCore
import Foundation
import Testing

/// `results.md` is written and read by the same type; whatever an entrant typed comes back
/// exactly (except line breaks, which a title cannot hold).
@Suite struct ResultsFileTests {
    @Test func whatIsWrittenReadsBackTheSame() throws {
        let titles = ["Plain", "\"Quoted\" and 'single'", "key: value # not a comment", "- starts like a list", "back\\slash",
                      "日本語のタイトル：申請", "{braces} [brackets] &anchor *alias !tag %percent @at `tick`", "null", "123", "yes",
                      "emoji 🎨", "a\u{2028}b U+2028"]
        let rows = titles.enumerated().map { i, title in
            ResultsSource.Row(id: "E-\(String(format: "%04d", i + 1))", rank: i + 1, rankLow: i + 1, rankHigh: i + 2, rawMean: 70.5 - Double(i),
                              corrected: 71.25 - Double(i), judges: 3, title: title, team: "Team \(title)")
        } + [ResultsSource.Row(id: "E-0099", rank: 99, rankLow: 90, rankHigh: 99, rawMean: 1, corrected: 2, judges: 2, title: nil, team: nil)]
        let text = try ResultsFile.render(published: "2027-03-01", alpha: 0.8491, rows: rows)
        var diags = Diagnostics()
        let read = try #require(ResultsFile.parse(text, path: "results.md", slug: "c", diags: &diags))
        #expect(diags.all.isEmpty, "\(diags.all)")
        #expect(read.published == "2027-03-01")
        #expect(read.alpha == 0.849)
        #expect(read.rows == rows)
        #expect(read.markdown.contains("compe results publish"))
    }

    @Test func lineBreaksAndControlsBecomeSpaces() throws {
        let row = ResultsSource.Row(id: "E-0001", rank: 1, rankLow: 1, rankHigh: 1, rawMean: 1, corrected: 1, judges: 1,
                                    title: "two\nlines\tand\u{1B}[2J escape", team: "t")
        let text = try ResultsFile.render(published: "2027-03-01", alpha: nil, rows: [row])
        var diags = Diagnostics()
        let read = try #require(ResultsFile.parse(text, path: "results.md", slug: "c", diags: &diags))
        #expect(read.rows.first?.title == "two lines and[2J escape")
        #expect(read.alpha == nil)
    }
}
