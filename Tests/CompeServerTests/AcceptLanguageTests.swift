@testable import CompeServer
import Testing

/// `Accept-Language` as browsers send it and as attackers do. One malformed header used to stop
/// the whole server (an index into an empty split), so every shape here must simply answer.
@Suite struct AcceptLanguageTests {
    @Test(arguments: [
        ("ja", "ja"), ("en-US,en;q=0.9", "en"), ("fr, en;q=0.5, ja;q=0.8", "ja"), ("EN-gb", "en"),
        ("en;q=0.1, ja;q=0.9", "ja"), ("ja;q=0, en;q=0.2", "en"), ("de, en, ja", "en"), ("*", nil),
        ("fr", nil), ("", nil), (";;;,,,;q=", nil), (";", nil), ("-", nil), ("-ja", nil), ("ja;q=abc", nil),
        (" , ;q=1, en ; q = 0.4 ", "en"), ("ja;q=nan,en;q=2", "en"), ("\u{0}ja", nil),
    ] as [(String, String?)])
    func preferredSiteLanguage(header: String, expected: String?) {
        #expect(AcceptLanguage.preferred(header, among: ["ja", "en"]) == expected)
    }
}

/// `Accept-Encoding` as clients send it: gzip is sent only to those who take it.
@Suite struct AcceptEncodingTests {
    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("GZIP", true), ("br;q=1.0, gzip;q=0.8, *;q=0.1", true),
        ("x-gzip", true), ("*", true), ("gzip;q=0", false), ("gzip ; q = 0 , *", false), ("*;q=0", false),
        ("identity", false), ("br", false), ("", false), (";;,,;q=", false), ("gzipped", false), ("deflate, *;q=0.5", true),
        ("gzip;q=abc", false), (" gzip ", true), ("\u{0}gzip", false),
    ] as [(String, Bool)])
    func gzipIsTakenOnlyWhenOffered(header: String, expected: Bool) {
        #expect(AcceptEncoding.allowsGzip(header) == expected)
    }
}
