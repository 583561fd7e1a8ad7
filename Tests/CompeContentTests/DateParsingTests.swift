import CompeCore
import Foundation
import Testing

@Suite struct DateParsingTests {
    @Test func offsetsAreApplied() throws {
        let tokyo = try #require(DateParsing.dateTime("2027-02-10T17:00:00+09:00"))
        let utc = try #require(DateParsing.dateTime("2027-02-10T08:00:00Z"))
        #expect(tokyo == utc)
        #expect(DateParsing.dateTime("2027-02-10 17:00+09:00") == tokyo)
    }

    @Test(arguments: ["2027-02-30T10:00:00Z", "2027-13-01T10:00:00Z", "2027-02-10T25:00:00Z", "2027-02-10T10:00:00",
                      "2027-02-10", "tomorrow", "2027-02-10T10:00:00+9:00"])
    func invalidDateTimesAreRejected(_ text: String) {
        #expect(DateParsing.dateTime(text) == nil)
    }

    @Test func daysParse() {
        #expect(DateParsing.day("2027-01-11") != nil)
        #expect(DateParsing.day("2027-02-29") == nil)
        #expect(DateParsing.day("2028-02-29") != nil)
    }
}
