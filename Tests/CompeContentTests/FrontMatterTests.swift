import CompeContent
import CompeCore
import Testing

@Suite struct FrontMatterTests {
    @Test func splitsYAMLAndBodyKeepingLineNumbers() throws {
        let doc = try FrontMatterDocument.split("---\ntitle: A\nmenu: true\n---\n# Heading\n\nText\n", path: "p.md").get()
        #expect(doc.yaml == "title: A\nmenu: true")
        #expect(doc.yamlLineOffset == 1)
        #expect(doc.body == "# Heading\n\nText\n")
        #expect(doc.bodyFirstLine == 5)
    }

    @Test func acceptsByteOrderMarkAndCRLF() throws {
        let doc = try FrontMatterDocument.split("\u{FEFF}---\r\ntitle: A\r\n---\r\nBody", path: "p.md").get()
        #expect(doc.yaml.hasPrefix("title: A"))
        #expect(doc.bodyFirstLine == 4)
    }

    /// Found by FuzzFrontMatter: libyaml counts a lone "\r" as a line break, so a YAML error
    /// after one was reported on a line past the end of the file.
    @Test func oldMacLineEndsCountAsLines() throws {
        let doc = try FrontMatterDocument.split("---\rtitle: A\r\rweight: [x\r---\rBody\r", path: "p.md").get()
        #expect(doc.yaml == "title: A\n\nweight: [x")
        #expect(doc.body == "Body\n")
        #expect(doc.bodyFirstLine == 6)
        var diags = Diagnostics()
        #expect(YAMLSource(path: "p.md", lineOffset: doc.yamlLineOffset).parse(doc.yaml, into: &diags) == nil)
        #expect(diags.all.allSatisfy { $0.location.line <= 5 }, "\(diags.all.map(\.description))")
    }

    @Test func unicodeLineSeparatorsInYAMLAreReportedWhereTheyAre() {
        var diags = Diagnostics()
        #expect(YAMLSource(path: "p.md", lineOffset: 1).parse("title: A\ndescription: x\u{2028}y", into: &diags) == nil)
        #expect(diags.all.map(\.description) == ["p.md:3:15: error: invisible line separator U+2028: replace it with a line break or a space"])
    }

    @Test func unclosedFrontMatterIsAnError() {
        guard case .failure(let e) = FrontMatterDocument.split("---\ntitle: A\n# Body", path: "p.md") else {
            Issue.record("expected an error")
            return
        }
        #expect(e.description == "p.md:1:1: error: front matter is not closed: add a line '---' after the last YAML key")
    }
}
