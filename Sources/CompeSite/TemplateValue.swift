/// A value a template shows: what the theme's contexts are made of.
///
/// Typed rather than `Any`, so a lookup is a dictionary read and a switch instead of a chain of
/// dynamic casts. Rendering follows swift-mustache's rules exactly (see `FastTemplate`): only
/// `false`, a missing name and an empty list are falsy; an empty string or 0 opens a section.
public enum TemplateValue: Sendable {
    /// Text, HTML-escaped by `{{name}}` and shown as is by `{{{name}}}`.
    case text(String)
    /// UTF-8 bytes (HTML made by the build, such as a page's Markdown), same rules as `text`.
    case bytes([UInt8])
    /// A flag: a section opens on `true`; shown as `true`/`false`.
    case bool(Bool)
    /// A number, shown in decimal.
    case int(Int)
    /// A list: a section repeats for each element.
    case list([TemplateValue])
    /// Named values: a section pushes it on the lookup stack.
    case object([String: TemplateValue])

    /// The value in the shape swift-mustache reads (`[String: Any]`, `[Any]`, `String`, ...),
    /// for templates that use its extensions.
    public var any: Any {
        switch self {
        case .text(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .bool(let b): return b
        case .int(let i): return i
        case .list(let l): return l.map(\.any)
        case .object(let o): return o.mapValues(\.any)
        }
    }

    /// A list of objects.
    public static func objects(_ items: [[String: TemplateValue]]) -> TemplateValue { .list(items.map { .object($0) }) }

    /// A list of strings.
    public static func texts(_ items: [String]) -> TemplateValue { .list(items.map { .text($0) }) }

    /// A table of strings (the UI strings of a language).
    public static func table(_ items: [String: String]) -> TemplateValue { .object(items.mapValues { .text($0) }) }
}

extension TemplateValue: ExpressibleByStringInterpolation, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self = .text(String(stringInterpolation: stringInterpolation)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A template context: the names the page's template and the layout can use.
public typealias TemplateContext = [String: TemplateValue]
