import CompeCore
import Foundation
import Yams

/// Where a YAML text sits in its file, so node marks become `path:line:col`.
public struct YAMLSource: Sendable {
    /// The file's display path.
    public var path: String
    /// Lines in the file before the YAML's first line.
    public var lineOffset: Int

    /// Creates a source description.
    public init(path: String, lineOffset: Int = 0) {
        self.path = path
        self.lineOffset = lineOffset
    }

    /// The location of a node, or of the file's YAML start when the node has no mark.
    public func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(path: path, line: lineOffset + 1) }
        return SourceLocation(path: path, line: mark.line + lineOffset, column: mark.column)
    }

    /// Parses YAML, turning syntax errors into diagnostics at their position.
    /// An empty document gives an empty mapping.
    public func parse(_ yaml: String, into diags: inout Diagnostics) -> Node? {
        // libyaml also breaks lines at NEL, LS and PS, invisible in most editors; its positions
        // would then point past the lines a person sees, so such a character is reported instead.
        if let (line, column, scalar) = Self.unicodeLineBreak(in: yaml) {
            diags.error(SourceLocation(path: path, line: lineOffset + line, column: column),
                        String(format: "invisible line separator U+%04X: replace it with a line break or a space", scalar.value))
            return nil
        }
        do {
            // An explicit encoding: Yams' default reads the process environment on every parse.
            return try Yams.compose(yaml: yaml, .default, .default, .utf8) ?? Node.mapping(Node.Mapping([]))
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
                let detail = [context.map { "\($0.text)" }, problem].compactMap { $0 }.filter { !$0.isEmpty }
                diags.error(SourceLocation(path: path, line: mark.line + lineOffset, column: mark.column),
                            "invalid YAML: \(detail.joined(separator: ", "))")
            case .composer(let context, let problem, let mark, _):
                let detail = [context.map { "\($0.text)" }, problem].compactMap { $0 }.filter { !$0.isEmpty }
                diags.error(SourceLocation(path: path, line: mark.line + lineOffset, column: mark.column),
                            "invalid YAML: \(detail.joined(separator: ", "))")
            case .duplicatedKeysInMapping(let duplicates, let context):
                reportDuplicates(duplicates, in: yaml, mapping: context.mark, into: &diags)
            default:
                diags.error(SourceLocation(path: path, line: lineOffset + 1), "invalid YAML: \(error)")
            }
            return nil
        } catch {
            diags.error(SourceLocation(path: path, line: lineOffset + 1), "invalid YAML: \(error)")
            return nil
        }
    }
}

extension YAMLSource {
    /// The first NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR in `yaml`, with its line and column
    /// counted as people see them (lines end at "\n" only).
    static func unicodeLineBreak(in yaml: String) -> (line: Int, column: Int, scalar: Unicode.Scalar)? {
        guard yaml.utf8.contains(where: { $0 == 0xC2 || $0 == 0xE2 }) else { return nil }
        var line = 1, column = 1
        for s in yaml.unicodeScalars {
            switch s.value {
            case 0x0A: line += 1; column = 1; continue
            case 0x85, 0x2028, 0x2029: return (line, column, s)
            default: column += 1
            }
        }
        return nil
    }

    /// Yams reports duplicate keys at the mapping; this finds each key's lines (at the mapping's
    /// indentation) and reports the second occurrence, naming the first.
    func reportDuplicates(_ keys: [String], in yaml: String, mapping: Mark, into diags: inout Diagnostics) {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        for key in keys.sorted() {
            var found: [Int] = []
            for (i, line) in lines.enumerated() where i + 1 >= mapping.line {
                let indent = line.prefix { $0 == " " }.count
                let rest = line.dropFirst(indent)
                if indent + 1 == mapping.column, rest.hasPrefix(key), rest.dropFirst(key.count).drop(while: { $0 == " " }).first == ":" {
                    found.append(i + 1)
                }
            }
            let second = found.count > 1 ? found[1] : mapping.line
            let first = found.first.map { " (first at line \($0 + lineOffset))" } ?? ""
            diags.error(SourceLocation(path: path, line: second + lineOffset, column: mapping.column),
                        "duplicate key '\(key)'\(first)")
        }
    }
}

/// A YAML mapping read key by key, reporting every problem with its position.
///
/// Typed accessors return `nil` (and record an error) for a value of the wrong shape;
/// `rejectUnknownKeys` catches typos such as `close:` for `closes:`.
public struct YAMLFields {
    /// Where the mapping came from.
    public let source: YAMLSource
    /// The mapping node itself (for its location).
    public let node: Node
    /// Keys in file order with their nodes.
    public let pairs: [(key: String, keyNode: Node, value: Node)]
    /// Human name of what this mapping is, used in messages ("front matter", "criteria[2]").
    public let context: String

    /// Reads `node` as a mapping; records an error and returns nil when it is something else.
    /// Duplicate keys are reported at the second occurrence.
    public init?(_ node: Node, source: YAMLSource, context: String, diags: inout Diagnostics) {
        guard let mapping = node.mapping else {
            diags.error(source.location(node), "\(context) must be a mapping of 'key: value' lines")
            return nil
        }
        var pairs: [(String, Node, Node)] = []
        var seen: [String: Node] = [:]
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                diags.error(source.location(k), "\(context): keys must be plain words")
                continue
            }
            if let first = seen[key] {
                diags.error(source.location(k), "duplicate key '\(key)' in \(context) (first at line \(source.location(first).line))")
                continue
            }
            seen[key] = k
            pairs.append((key, k, v))
        }
        self.source = source
        self.node = node
        self.pairs = pairs
        self.context = context
    }

    /// The value node of `key`, if present.
    public func value(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    /// True when `key` is present.
    public func has(_ key: String) -> Bool { value(key) != nil }

    /// The location of `key` itself (or of the mapping when absent).
    public func location(ofKey key: String) -> SourceLocation {
        source.location(pairs.first { $0.key == key }?.keyNode ?? node)
    }

    /// Reports each key not in `allowed`, suggesting the closest allowed key.
    public func rejectUnknownKeys(allowed: [String], diags: inout Diagnostics) {
        for pair in pairs where !allowed.contains(pair.key) {
            let suggestion = allowed.min { editDistance($0, pair.key) < editDistance($1, pair.key) }
            var message = "unknown key '\(pair.key)' in \(context)"
            if let suggestion, editDistance(suggestion, pair.key) <= 2 { message += "; did you mean '\(suggestion)'?" }
            message += " (allowed: \(allowed.joined(separator: ", ")))"
            diags.error(source.location(pair.keyNode), message)
        }
    }

    /// Reports a required key that is missing.
    public func require(_ key: String, diags: inout Diagnostics) -> Node? {
        if let v = value(key) { return v }
        diags.error(source.location(node), "\(context) is missing required key '\(key)'")
        return nil
    }

    /// A non-empty string value.
    public func string(_ key: String, required: Bool = false, diags: inout Diagnostics) -> String? {
        guard let node = required ? require(key, diags: &diags) : value(key) else { return nil }
        guard let s = node.scalar?.string, node.scalar?.style != nil else {
            diags.error(source.location(node), "'\(key)' must be text")
            return nil
        }
        let text = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty && required {
            diags.error(source.location(node), "'\(key)' must not be empty")
            return nil
        }
        return text
    }

    /// An integer value.
    public func int(_ key: String, required: Bool = false, diags: inout Diagnostics) -> Int? {
        guard let node = required ? require(key, diags: &diags) : value(key) else { return nil }
        return YAMLFields.int(node, key: key, source: source, diags: &diags)
    }

    /// Reads an integer scalar.
    public static func int(_ node: Node, key: String, source: YAMLSource, diags: inout Diagnostics) -> Int? {
        guard let s = node.scalar?.string, let n = Int(s) else {
            diags.error(source.location(node), "'\(key)' must be a whole number, not '\(node.scalar?.string ?? "a list or mapping")'")
            return nil
        }
        return n
    }

    /// A `true`/`false` value.
    public func bool(_ key: String, diags: inout Diagnostics) -> Bool? {
        guard let node = value(key) else { return nil }
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            diags.error(source.location(node), "'\(key)' must be true or false")
            return nil
        }
    }

    /// A date-time with an explicit offset, e.g. `2027-02-10T17:00:00+09:00`.
    public func dateTime(_ key: String, required: Bool = false, diags: inout Diagnostics) -> Date? {
        guard let node = required ? require(key, diags: &diags) : value(key) else { return nil }
        guard let s = node.scalar?.string, let date = DateParsing.dateTime(s) else {
            diags.error(source.location(node),
                        "'\(key)' is not a valid date-time: write it with a time and offset, e.g. 2027-02-10T17:00:00+09:00")
            return nil
        }
        return date
    }

    /// A list of strings; a single string is accepted as a one-item list.
    public func stringList(_ key: String, diags: inout Diagnostics) -> [String]? {
        guard let node = value(key) else { return nil }
        if let s = node.scalar?.string { return s.isEmpty ? [] : [s] }
        guard let seq = node.sequence else {
            diags.error(source.location(node), "'\(key)' must be a list, e.g. [a, b]")
            return nil
        }
        var out: [String] = []
        for item in seq {
            guard let s = item.scalar?.string else {
                diags.error(source.location(item), "each item of '\(key)' must be text")
                continue
            }
            out.append(s)
        }
        return out
    }

    /// A nested mapping.
    public func fields(_ key: String, diags: inout Diagnostics) -> YAMLFields? {
        guard let node = value(key) else { return nil }
        return YAMLFields(node, source: source, context: "'\(key)'", diags: &diags)
    }

    /// A list of nodes.
    public func sequence(_ key: String, required: Bool = false, diags: inout Diagnostics) -> [Node]? {
        guard let node = required ? require(key, diags: &diags) : value(key) else { return nil }
        guard let seq = node.sequence else {
            diags.error(source.location(node), "'\(key)' must be a list")
            return nil
        }
        return Array(seq)
    }

    /// Text that may be given once or per language: `title: 文字` or `title: {ja: 文字, en: Text}`.
    public func localizedString(_ key: String, required: Bool = false, languages: [String],
                                diags: inout Diagnostics) -> [String: String]? {
        guard let node = required ? require(key, diags: &diags) : value(key) else { return nil }
        if let s = node.scalar?.string { return Dictionary(uniqueKeysWithValues: languages.map { ($0, s) }) }
        guard let map = YAMLFields(node, source: source, context: "'\(key)'", diags: &diags) else { return nil }
        map.rejectUnknownKeys(allowed: languages, diags: &diags)
        var out: [String: String] = [:]
        for lang in languages { if let s = map.string(lang, diags: &diags) { out[lang] = s } }
        if let first = languages.first, out[first] == nil {
            diags.error(source.location(node), "'\(key)' needs a value for the default language '\(first)'")
        }
        return out
    }
}

/// Levenshtein distance over characters, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}
