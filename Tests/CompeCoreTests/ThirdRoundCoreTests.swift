import CompeCore
import Foundation
import Testing

/// The pure rules the third hardening round added: one CSV writer, strict JSON keys, inert
/// mail text, ISO country codes, and metadata in images and PDFs.
@Suite struct ThirdRoundCoreTests {
    /// Every text cell that a spreadsheet would run is defused; numbers in numeric columns stay
    /// numbers; quoting and CRLF per RFC 4180.
    @Test func theCSVWriterDefusesFormulas() {
        var table = CSVWriter([.init("label"), .init("n", .number)])
        for hostile in ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"] { table.add([hostile, "-3"]) }
        table.add(["a,b \"q\"", "=1"])
        let lines = table.string.components(separatedBy: "\r\n")
        #expect(lines[0] == "label,n")
        #expect(lines[1] == "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",-3")
        #expect(lines[2] == "'+1+1,-3" && lines[3] == "'-2+3,-3" && lines[4] == "'@SUM(A1),-3" && lines[5] == "'\tx,-3")
        #expect(lines[6] == "'=1,-3", "a carriage return is removed, then the formula defused")
        #expect(lines[7] == "\"a,b \"\"q\"\"\",'=1", "a formula in a numeric column is not a number")
        #expect(table.string.hasSuffix("\r\n") && !table.string.contains("\n\n"))
    }

    @Test func duplicateJSONKeysAreFound() {
        func dup(_ s: String) -> String? { StrictJSON.duplicateKey(in: Array(s.utf8)) }
        #expect(dup(#"{"a":1,"b":{"a":2}}"#) == nil)
        #expect(dup(#"{"a":1,"a":2}"#) == "a")
        #expect(dup(#"{"x":[{"k":1,"k":2}]}"#) == "k")
        #expect(dup(#"{"comment":"a","comm\u0065nt":"b"}"#) == "comment")
        #expect(dup(#"{"s":"a\"b","s\"":1}"#) == nil)
        #expect(dup("not json") == nil)
    }

    @Test func mailTextHasNoLinks() {
        #expect(MailText.inert("Claim your prize at evil.example/login") == "Claim your prize at evil[.]example/login")
        #expect(MailText.inert("https://evil.example") == "https[://]evil[.]example")
        #expect(MailText.inert("write to boss@corp.example") == "write to boss[@]corp[.]example")
        #expect(MailText.inert("Version 2.0, 3.5 points") == "Version 2.0, 3.5 points")
        #expect(MailText.inert("two\nlines\u{1B}[2J") == "two lines[2J")
    }

    @Test func countriesAreISOCodesWithNamesInBothLanguages() {
        #expect(Country.codes.count == 249 && Set(Country.codes).count == 249)
        #expect(Country.code(" jp ") == "JP" && Country.code("Japan") == nil && Country.code("XK") == nil)
        #expect(Country.name("JP", language: "ja") == "日本" && Country.name("JP", language: "en") == "Japan")
        let aliases = Country.aliases
        #expect(aliases["日本"] == "JP" && aliases["japan"] == "JP" && aliases["usa"] == "US" && aliases["viet nam"] == "VN")
        #expect(aliases["congo"] == nil, "a name two countries share maps to neither")
        #expect(Country.list(language: "ja").count == 249)
    }

    /// Images lose their metadata blocks and keep their pixel data byte for byte.
    @Test func imageMetadataIsStrippedAndPixelsKept() {
        let app1: [UInt8] = [0xFF, 0xE1, 0x00, 0x0C] + Array("Exif\0\0Taro".utf8)
        let com: [UInt8] = [0xFF, 0xFE, 0x00, 0x06] + Array("Taro".utf8)
        let jfif: [UInt8] = [0xFF, 0xE0, 0x00, 0x07] + Array("JFIF\0".utf8)
        let scan: [UInt8] = [0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]
        let jpeg = [0xFF, 0xD8] + jfif + app1 + com + scan
        #expect(ImageMetadata.strip(jpeg, kind: .jpeg) == [0xFF, 0xD8] + jfif + scan)
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let n = UInt32(data.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array(type.utf8) + data + [0, 0, 0, 0]
        }
        let sig: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let png = sig + chunk("IHDR", Array(repeating: 1, count: 13)) + chunk("tEXt", Array("Author\0Taro".utf8)) + chunk("IDAT", [9, 9]) + chunk("IEND", [])
        #expect(ImageMetadata.strip(png, kind: .png) == sig + chunk("IHDR", Array(repeating: 1, count: 13)) + chunk("IDAT", [9, 9]) + chunk("IEND", []))
        #expect(ImageMetadata.strip(Array("%PDF".utf8), kind: .pdf) == Array("%PDF".utf8))
    }

    @Test func pdfMetadataIsReadInEveryStringForm() {
        let pdf = Array("%PDF-1.7\n1 0 obj << /Author (Taro \\(T\\) Yamada) /Creator <FEFF00480061006E0061006B006F> >> endobj\n<x:xmpmeta><dc:creator><rdf:li>Jiro</rdf:li></dc:creator></x:xmpmeta>".utf8)
        let values = PDFMetadata.values(in: pdf).map { "\($0.field)=\($0.value)" }
        #expect(values.contains("Author=Taro (T) Yamada") && values.contains("Creator=Hanako") && values.contains("rdf:li=Jiro"), "\(values)")
        #expect(PDFMetadata.identifying(pdf, identities: ["hanako"])?.field == "Creator")
        #expect(PDFMetadata.identifying(pdf, identities: ["Someone", "ab"]) == nil)
    }
}
