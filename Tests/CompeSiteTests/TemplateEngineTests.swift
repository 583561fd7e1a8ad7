import CompeContent
import CompeCore
@testable import CompeSite
import Foundation
import Testing

/// compe renders the theme with its own byte renderer (`FastTemplate`); swift-mustache is the
/// reference. These tests render the same templates and contexts both ways and compare bytes.
@Suite struct TemplateEngineTests {
    static let context: TemplateContext = [
        "name": "Ada & <Bob>",
        "html": "<a href=\"x\">'&'</a>",
        "blank": "",
        "zero": 0,
        "flag": true,
        "off": false,
        "empty": [],
        "list": .objects([["name": "one"], ["name": "two", "name2": "deux"]]),
        "words": .texts(["a", "b<", "c"]),
        "obj": ["inner": ["name": "deep"], "name": "top-level obj"],
        "bytes": .bytes(Array("<p>日本語 bytes</p>".utf8)),
        "t": UIStrings.value(for: "ja"),
    ]

    /// Renders `page` (with `contest_cards` as a partial it may include) both ways.
    func both(_ page: String, cards: String = "{{name}}", context: TemplateContext = context) throws -> (fast: String, reference: String, usedFast: Bool) {
        let overrides = ["page": TemplateSource(path: "page.mustache", name: "page", text: page),
                         "contest_cards": TemplateSource(path: "contest_cards.mustache", name: "contest_cards", text: cards)]
        let theme = try Theme(overrides: overrides)
        return (theme.render("page", context), theme.renderWithSwiftMustache("page", context), theme.usesFastRenderer)
    }

    @Test(arguments: [
        "a\n  {{#list}}\n  - {{name}}\n  {{/list}}\nb\n",
        "{{^empty}}none{{/empty}} {{#flag}}yes{{/flag}}{{^flag}}no{{/flag}} {{^off}}off{{/off}}",
        "  {{! a comment }}\n{{=<% %>=}}\n<% name %> {{name}}\n<%={{ }}=%>{{name}}\n",
        "begin\n  {{> contest_cards}}\nend\n",
        "{{#list}}\n    {{> contest_cards}}\n{{/list}}",
        "a\r\n{{#flag}}\r\nb\r\n{{/flag}}\r\nc",
        "{{obj.inner.name}} {{#words}}{{.}},{{/words}} {{#obj}}{{.name}}|{{name}}|{{inner.name}}{{/obj}} {{#list}}{{.name2}}{{/list}}",
        "{{html}} {{{html}}} {{& html}} {{bytes}} {{{bytes}}}",
        "{{#blank}}[{{blank}}]{{/blank}} {{#zero}}z{{zero}}{{/zero}} {{^blank}}not shown{{/blank}} {{flag}} {{off}}",
        "x\n   ",
        "  {{#flag}} x {{/flag}}  \n  {{^off}}\n  y\n  {{/off}}  \n",
        "{{nope}}{{#nope}}x{{/nope}}{{^nope}}y{{/nope}}{{nope.deeper}}",
        "日本語 {{name}} 🎉 {{t.skip}}\n",
        "{{#list}}{{#flag}}{{name}}{{/flag}}{{/list}}{{#empty}}never{{/empty}}{{^empty}}[{{.}}]{{/empty}}",
        "{{ name }}{{{ name }}}{{#  flag  }}!{{/  flag  }}",
        "{{#list}}\n{{#words}}\n{{.}}\n{{/words}}\n{{/list}}\n",
    ])
    func sameBytesAsSwiftMustache(_ template: String) throws {
        let r = try both(template, cards: "card {{name}}\n{{#words}}\n- {{.}}\n{{/words}}\nlast")
        #expect(r.usedFast, "the byte renderer declined a plain template")
        #expect(r.fast == r.reference)
    }

    @Test func indentedPartialsMatch() throws {
        let r = try both("<ul>\n  {{> contest_cards}}\n</ul>\n{{#list}}\n\t{{> contest_cards}}\n{{/list}}",
                         cards: "<li>{{name}}</li>\n{{#words}}\n<li>{{.}}</li>\n{{/words}}\n{{html}}\n")
        #expect(r.usedFast)
        #expect(r.fast == r.reference)
        #expect(r.fast.contains("<ul>\n  <li>Ada &amp; &lt;Bob&gt;</li>\n  <li>a</li>\n"))
    }

    @Test func extensionsAreLeftToSwiftMustache() throws {
        // A transform is a swift-mustache extension: the theme renders with swift-mustache, same result.
        let transform = try both("{{uppercased(name)}} {{#list}}{{name}}{{/list}}")
        #expect(!transform.usedFast)
        #expect(transform.fast == "ADA &amp; &lt;BOB&gt; onetwo")
        // Text where Swift's Character view differs from bytes (a combining accent) is declined too.
        let accent = try both("e\u{301} {{name}}")
        #expect(!accent.usedFast)
        #expect(accent.fast == accent.reference)
    }

    @Test func everyBuiltInPageOfTheSampleSiteIsIdentical() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let options = BuildOptions(content: root.appendingPathComponent("Content"), contentDisplay: "Content",
                                   staticDir: root.appendingPathComponent("Static"), output: root.appendingPathComponent("Public"),
                                   now: DateParsing.dateTime("2027-01-20T12:00:00+09:00")!)
        let content = try SiteBuilder(options: options).load()
        func pages(_ theme: Theme) -> [OutputFile] {
            PageRenderer(content: content, theme: theme, now: options.now, staticFiles: ["css/site.css"], assets: AssetNames(), entryContests: [:])
                .jobs().map { $0.render() }
        }
        let fast = try Theme(overrides: content.templates)
        let reference = try Theme(overrides: content.templates, byteRenderer: false)
        #expect(fast.usesFastRenderer && !reference.usesFastRenderer)
        let (a, b) = (pages(fast), pages(reference))
        #expect(a.count == b.count && a.count > 10)
        for (x, y) in zip(a, b) {
            #expect(x.path == y.path)
            #expect(x.contents == y.contents, "\(x.path) differs")
        }
        let templates = Set(a.compactMap { $0.origin?.template })
        #expect(templates.isSuperset(of: ["home", "page", "contest"]), "\(templates)")
    }
}

extension TemplateEngineTests {
    @Test func partialsThatIncludeEachOtherAreRefused() throws {
        let overrides = ["page": TemplateSource(path: "Content/templates/page.mustache", name: "page", text: "a {{> contest_cards}}"),
                         "contest_cards": TemplateSource(path: "Content/templates/contest_cards.mustache", name: "contest_cards",
                                                         text: "{{#list}}{{> page}}{{/list}}")]
        let error = #expect(throws: DiagnosticError.self) { try Theme(overrides: overrides) }
        let messages = error?.diagnostics.map(\.description) ?? []
        #expect(messages.contains("Content/templates/page.mustache:1:1: error: template includes itself through partials (page → contest_cards → page), so it would never finish"), "\(messages)")
        #expect(throws: Never.self) { try Theme(overrides: ["page": overrides["page"]!]) }
    }
}
