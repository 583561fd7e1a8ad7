import CompeContent
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

    @Test func unclosedFrontMatterIsAnError() {
        guard case .failure(let e) = FrontMatterDocument.split("---\ntitle: A\n# Body", path: "p.md") else {
            Issue.record("expected an error")
            return
        }
        #expect(e.description == "p.md:1:1: error: front matter is not closed: add a line '---' after the last YAML key")
    }
}
