@testable import CompeServer
import Testing

/// A part's `Content-Disposition` as browsers and HTTP libraries write it: what the form reader
/// takes as the field's name and the file's name.
@Suite struct HeaderParametersTests {
    @Test func quotedValuesKeepSemicolonsEscapesAndUTF8() {
        let header = #"form-data; name="files"; filename="a;b \"c\" 設計.pdf""#
        let parsed = HeaderParameters(header)
        #expect(parsed.value == "form-data")
        #expect(parsed["name"] == "files")
        #expect(parsed["filename"] == #"a;b "c" 設計.pdf"#)
    }

    @Test func namesIgnoreCaseAndSpacesAndTheFirstOneWins() {
        let parsed = HeaderParameters("  form-data ;\tNAME = \"title\" ; name=\"other\";filename*=UTF-8''na%C3%AFve.pdf ;flag")
        #expect(parsed.value == "form-data")
        #expect(parsed["name"] == "title")
        #expect(parsed["filename*"].flatMap(HeaderParameters.decodeRFC5987) == "naïve.pdf")
        #expect(parsed["flag"] == nil)
    }

    @Test func anUnclosedQuoteRunsToTheEnd() {
        let parsed = HeaderParameters(#"form-data; name="a; filename=b"#)
        #expect(parsed["name"] == #""a; filename=b"#)
        #expect(parsed["filename"] == nil)
    }
}
