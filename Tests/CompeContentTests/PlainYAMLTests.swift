@testable import CompeContent
import CompeCore
import Foundation
import Testing
import Yams

/// The loader reads plain `key: value` front matter without libyaml; it must give what Yams
/// gives, and leave everything else to Yams.
@Suite struct PlainYAMLTests {
    @Test(arguments: [
        "title: About us",
        "title: 私たちについて\nmenu: true\nweight: 2",
        "title: Deadline 2027-02-10T17:00:00+09:00\ndescription: C# and F#, 100% {braces} [brackets] a:b x -y",
        "title: yes\ndraft: off\nweight: 0x1F\ndescription: ~",
        "my-key: value with trailing spaces   \n_under: 1.5e3",
        "title:    spaced   out",
    ])
    func sameNodeAsYams(_ yaml: String) throws {
        let fast = try #require(PlainYAML.mapping(yaml), "declined plain YAML")
        let reference = try #require(try Yams.compose(yaml: yaml))
        #expect(fast == reference)
        let fastPairs = fast.mapping!.map { ($0.key.string!, $0.value.string!) }
        let referencePairs = reference.mapping!.map { ($0.key.string!, $0.value.string!) }
        #expect(fastPairs.map(\.0) == referencePairs.map(\.0))
        #expect(fastPairs.map(\.1) == referencePairs.map(\.1))
    }

    @Test(arguments: [
        "", "title: 'quoted'", "title: \"quoted\"", "languages: [ja, en]", "title: a # comment", "# comment\ntitle: x",
        "title: x\n\nmenu: true", "title: |\n  block", "title: >\n  folded", "title: &a x", "title: *a", "title: !str x",
        "  title: indented", "title: x\n  continued", "title:", "title: x:", "title: a: b", "title: x\ntitle: y",
        "title:\tx", "title: x\u{85}y", "title: x\u{2028}y", "title: \u{FEFF}x", "- item", "title: @x", "title: `x`",
        "title: %x", "title: -x", "title: ?x", "title: {a: b}", "key:value",
    ])
    func everythingElseGoesToYams(_ yaml: String) {
        #expect(PlainYAML.mapping(yaml) == nil)
    }

    @Test func aMistakeInPlainFrontMatterIsStillReportedAtItsPosition() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compe-plain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pages"), withIntermediateDirectories: true)
        try "title: T\nbase_url: https://example.org\nlanguages: [ja]\n".write(to: dir.appendingPathComponent("site.yml"), atomically: true, encoding: .utf8)
        try "---\ntitle: Home\n---\nHi\n".write(to: dir.appendingPathComponent("pages/index.md"), atomically: true, encoding: .utf8)
        try "---\ntitle: About\nweight: heavy\nmenu: maybe\n---\nText\n".write(to: dir.appendingPathComponent("pages/about.md"), atomically: true, encoding: .utf8)
        let loader = ContentLoader(root: dir, displayRoot: "Content", includeDrafts: false, knownTemplates: ["home", "page"], cache: nil)
        var diags = Diagnostics()
        _ = loader.load(&diags)
        let messages = diags.sorted.map(\.description)
        #expect(messages.contains { $0.hasPrefix("Content/pages/about.md:3:9: error: 'weight' must be a whole number") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("Content/pages/about.md:4:7: error: 'menu' must be true or false") }, "\(messages)")
    }
}
