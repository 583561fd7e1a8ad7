import CompeContent
import CompeCore
import Foundation
import Mustache

/// The built-in Mustache theme, with the site's overrides from `Content/templates/` applied.
///
/// Every page is rendered twice: its own template (`page`, `home`, `contest`, ...) gives the
/// body, then `layout` wraps it with the header, navigation and language switcher.
public struct Theme: Sendable {
    /// Names of the templates a site may override (`Content/templates/<name>.mustache`).
    public static let templateNames = ThemeTemplates.names

    /// swift-mustache's view of the templates: it validates them all, and renders them when
    /// `fast` is nil (a template uses one of its extensions).
    private let library: MustacheLibrary
    /// The same templates for compe's byte renderer, when every one of them is plain Mustache.
    private let fast: FastTemplateSet?
    /// The text of each template in use (the override or the built-in one), for build-cache keys.
    public let texts: [String: String]

    /// Loads the built-in templates and applies `overrides`. A template that does not parse
    /// is reported at its line and column.
    /// `byteRenderer: false` renders everything with swift-mustache (the reference in tests).
    public init(overrides: [String: TemplateSource], byteRenderer: Bool = true) throws {
        var diags = Diagnostics()
        var library = MustacheLibrary()
        var texts: [String: String] = [:]
        for name in Self.templateNames {
            let override = overrides[name]
            let text = override?.text ?? Self.builtIn(name)
            texts[name] = text
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch let error as MustacheTemplate.ParserError {
                let path = override?.path ?? "(built-in theme)/\(name).mustache"
                diags.error(SourceLocation(path: path, line: error.context.lineNumber, column: error.context.columnNumber),
                            "template does not parse: \(error.error)")
            }
        }
        for (name, override) in overrides.sorted(by: { $0.key < $1.key }) {
            if let loop = Self.partialLoop(from: name, texts: texts) {
                diags.error(SourceLocation(path: override.path),
                            "template includes itself through partials (\(loop.joined(separator: " → "))), so it would never finish")
            }
        }
        try diags.throwIfErrors()
        self.library = library
        self.texts = texts
        var fast: [String: FastTemplate]? = byteRenderer ? [:] : nil
        for (name, text) in texts where fast != nil {
            guard let template = try? FastTemplate(text) else { fast = nil; break }
            fast?[name] = template
        }
        self.fast = fast.map(FastTemplateSet.init(templates:))
    }

    /// Whether every template is rendered by compe's byte renderer (false when one uses a
    /// swift-mustache extension).
    public var usesFastRenderer: Bool { fast != nil }

    /// `name` and every partial it includes (`{{> other}}`), directly or through other partials.
    public func closure(of name: String) -> [String] {
        var seen: [String] = []
        var pending = [name]
        while let next = pending.popLast() {
            guard !seen.contains(next), let text = texts[next] else { continue }
            seen.append(next)
            pending += Self.partials(in: text)
        }
        return seen.sorted()
    }

    /// The partials `text` includes (`{{> name}}`).
    static func partials(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{>") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            found.append(rest[..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// A chain of partials from `name` back to `name`, if there is one: rendering it would
    /// never end (there is no nested data for it to run out of), so it is refused up front.
    static func partialLoop(from name: String, texts: [String: String]) -> [String]? {
        func visit(_ path: [String]) -> [String]? {
            for next in partials(in: texts[path.last!] ?? "") where texts[next] != nil {
                if next == name { return path + [next] }
                if !path.contains(next), let loop = visit(path + [next]) { return loop }
            }
            return nil
        }
        return visit([name])
    }

    /// The text of `names` and of every partial they include, for cache keys.
    func key(_ names: String...) -> String {
        Set(names.flatMap(closure(of:))).sorted().map { "\($0)\u{1}\(texts[$0] ?? "")" }.joined(separator: "\u{2}")
    }

    /// Renders template `name` with `context`.
    public func render(_ name: String, _ context: TemplateContext) -> String {
        String(decoding: renderBytes(name, context), as: UTF8.self)
    }

    /// Renders template `name` with `context` as UTF-8 bytes.
    public func renderBytes(_ name: String, _ context: TemplateContext) -> [UInt8] {
        if let fast {
            var out: [UInt8] = []
            out.reserveCapacity(8192)
            fast.render(name, context, into: &out)
            return out
        }
        return Array(renderWithSwiftMustache(name, context).utf8)
    }

    /// Renders `name` with swift-mustache whatever the templates are (the reference the byte
    /// renderer is compared with in tests).
    public func renderWithSwiftMustache(_ name: String, _ context: TemplateContext) -> String {
        library.render(TemplateValue.object(context).any, withTemplate: name) ?? ""
    }

    /// The text of a built-in template, from the package's resources.
    public static func builtIn(_ name: String) -> String {
        resource("\(name).mustache")
    }

    /// The built-in stylesheet, written to `/assets/compe.css`.
    public static var stylesheet: String { resource("compe.css") }

    private static func resource(_ file: String) -> String {
        guard let dir = Bundle.module.url(forResource: "Theme", withExtension: nil),
              let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8) else {
            preconditionFailure("compe's theme resource \(file) is missing from the installed bundle")
        }
        return text
    }
}
