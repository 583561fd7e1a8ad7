import CompeContent
import Foundation

/// The Mustache templates of the theme, parsed once into tokens over UTF-8 bytes and rendered
/// from `TemplateValue`s straight into a byte buffer.
///
/// swift-mustache stays the reference: it validates every template (and reports errors at
/// line:column), and renders the templates this parser declines. This parser ports
/// swift-mustache's parse rules token for token (standalone lines, partial indentation, set
/// delimiters, its quirks included) so both give the same bytes; `TemplateEngineTests` renders
/// every built-in template and a set of edge cases both ways and compares. Declined, so left to
/// swift-mustache: its extensions (transforms `f(x)`, inheritance `{{<` `{{$`, `{{%` pragmas,
/// dynamic partials `{{>*`), and any text where Swift's `Character` rules differ from bytes
/// (lone CR, vertical tab, form feed, Unicode line separators, combining marks, non-ASCII
/// delimiters).
struct FastTemplate: Sendable {
    /// A name as written in a tag, split once.
    enum Name: Sendable, Equatable {
        /// `.` (or a name with no parts): the top of the stack.
        case top
        /// `.a.b`: looked up in the top of the stack only.
        case fromTop([String])
        /// `a.b`: `a` searched down the stack, then `b` inside it.
        case stack(String, [String])
    }

    indirect enum Token: Sendable {
        case text([UInt8])
        case variable(Name)
        case unescaped(Name)
        case section(Name, [Token])
        case inverted(Name, [Token])
        /// Indentation is set for a standalone partial (possibly empty).
        case partial(String, indentation: [UInt8]?)
    }

    /// Why a template is left to swift-mustache.
    struct Declined: Error {}

    let tokens: [Token]

    /// Parses `text` (already accepted by swift-mustache); throws `Declined` for anything this
    /// parser does not render exactly as swift-mustache does.
    init(_ text: String) throws {
        let bytes = Array(text.utf8)
        try Self.checkPlain(text)
        var parser = Parser(bytes: bytes)
        tokens = try Self.parse(&parser, State())
    }

    // MARK: parsing

    private struct Parser {
        let bytes: [UInt8]
        var pos = 0
        var atEnd: Bool { pos == bytes.count }
        var current: UInt8 { pos < bytes.count ? bytes[pos] : 0 }

        /// Length of the newline at the current position ("\n" or "\r\n"), 0 if none.
        var newline: Int {
            if current == 0x0A { return 1 }
            if current == 0x0D, pos + 1 < bytes.count, bytes[pos + 1] == 0x0A { return 2 }
            return 0
        }

        func matches(_ s: [UInt8]) -> Bool {
            guard pos + s.count <= bytes.count else { return false }
            for k in 0..<s.count where bytes[pos + k] != s[k] { return false }
            return true
        }

        mutating func read(while test: (UInt8) -> Bool) -> ArraySlice<UInt8> {
            let start = pos
            while pos < bytes.count && test(bytes[pos]) { pos += 1 }
            return bytes[start..<pos]
        }
    }

    private struct State {
        var section: String?
        var newLine = true
        var open: [UInt8] = Array("{{".utf8)
        var close: [UInt8] = Array("}}".utf8)
    }

    private static func isSpaceOrTab(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    private static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }
    private static func isNameByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "?"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"):
            return true
        default:
            return false
        }
    }

    private static func parse(_ p: inout Parser, _ initial: State) throws -> [Token] {
        var tokens: [Token] = []
        var state = initial
        var space: [UInt8] = []
        while !p.atEnd {
            if state.newLine { space = Array(p.read(while: isSpaceOrTab)) }
            let text = try readUntilTagOrNewline(&p, state)
            let newline = p.newline
            if newline > 0 {
                tokens.append(.text(space + text + p.bytes[p.pos..<(p.pos + newline)]))
                state.newLine = true
                p.pos += newline
                continue
            }
            if !text.isEmpty {
                tokens.append(.text(space + text))
                space = []
                state.newLine = false
            }
            if p.atEnd { break }
            var setNewLine = false
            func flushSpace() {
                if !space.isEmpty { tokens.append(.text(space)); space = [] }
            }
            switch p.current {
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                let inverted = p.current == UInt8(ascii: "^")
                p.pos += 1
                let name = try parseName(&p, state)
                if isStandalone(&p, state) { setNewLine = true } else { flushSpace() }
                var inner = state
                inner.section = name
                if !setNewLine { inner.newLine = false }
                let body = try parse(&p, inner)
                tokens.append(inverted ? .inverted(split(name), body) : .section(split(name), body))
            case UInt8(ascii: "/"):
                p.pos += 1
                let name = try parseName(&p, state)
                guard name == state.section else { throw Declined() }
                if isStandalone(&p, state) { setNewLine = true } else { flushSpace() }
                return tokens
            case UInt8(ascii: "!"):
                p.pos += 1
                while !p.atEnd && !p.matches(state.close) { p.pos += 1 }
                guard !p.atEnd else { throw Declined() }
                p.pos += state.close.count
                setNewLine = isStandalone(&p, state)
            case UInt8(ascii: "{"):
                flushSpace()
                p.pos += 1
                let name = try parseName(&p, state)
                guard p.current == UInt8(ascii: "}") else { throw Declined() }
                p.pos += 1
                tokens.append(.unescaped(split(name)))
            case UInt8(ascii: "&"):
                flushSpace()
                p.pos += 1
                tokens.append(.unescaped(split(try parseName(&p, state))))
            case UInt8(ascii: ">"):
                p.pos += 1
                _ = p.read(while: isWhitespace)
                if p.current == UInt8(ascii: "*") { throw Declined() }
                let name = try parsePartialName(&p, state)
                if !space.isEmpty { tokens.append(.text(space)) }
                if isStandalone(&p, state) {
                    setNewLine = true
                    tokens.append(.partial(name, indentation: space))
                } else {
                    tokens.append(.partial(name, indentation: nil))
                }
                space = []
            case UInt8(ascii: "="):
                p.pos += 1
                state = try setDelimiters(&p, state)
                setNewLine = isStandalone(&p, state)
            case UInt8(ascii: "<"), UInt8(ascii: "$"), UInt8(ascii: "%"):
                throw Declined()
            default:
                flushSpace()
                tokens.append(.variable(split(try parseName(&p, state))))
            }
            state.newLine = setNewLine
        }
        guard state.section == nil else { throw Declined() }
        return tokens
    }

    /// Text up to a newline (left unread) or an opening delimiter (read).
    private static func readUntilTagOrNewline(_ p: inout Parser, _ state: State) throws -> [UInt8] {
        var text: [UInt8] = []
        let first = state.open[0]
        while !p.atEnd {
            text += p.read { $0 != 0x0A && $0 != first }
            if p.atEnd || p.current == 0x0A { break }
            guard p.pos + state.open.count <= p.bytes.count else { throw Declined() }
            if p.matches(state.open) {
                p.pos += state.open.count
                break
            }
            text.append(first)
            p.pos += 1
        }
        return text
    }

    private static func parseName(_ p: inout Parser, _ state: State) throws -> String {
        _ = p.read(while: isWhitespace)
        let name = String(decoding: p.read(while: isNameByte), as: UTF8.self)
        _ = p.read(while: isWhitespace)
        guard p.matches(state.close) else { throw Declined() }
        p.pos += state.close.count
        if name.utf8.contains(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ")") }) { throw Declined() }
        return name
    }

    private static func parsePartialName(_ p: inout Parser, _ state: State) throws -> String {
        _ = p.read(while: isWhitespace)
        let name = String(decoding: p.read { isNameByte($0) || $0 == UInt8(ascii: "/") }, as: UTF8.self)
        _ = p.read(while: isWhitespace)
        guard p.matches(state.close) else { throw Declined() }
        p.pos += state.close.count
        return name
    }

    private static func setDelimiters(_ p: inout Parser, _ state: State) throws -> State {
        _ = p.read(while: isWhitespace)
        let open = Array(p.read { !isWhitespace($0) })
        guard !p.atEnd else { throw Declined() }
        _ = p.read(while: isWhitespace)
        let close = Array(p.read { !isWhitespace($0) && $0 != UInt8(ascii: "=") })
        guard !p.atEnd else { throw Declined() }
        _ = p.read(while: isWhitespace)
        guard p.current == UInt8(ascii: "=") else { throw Declined() }
        p.pos += 1
        guard p.matches(state.close) else { throw Declined() }
        p.pos += state.close.count
        guard !open.isEmpty, !close.isEmpty, (open + close).allSatisfy({ $0 < 0x80 }) else { throw Declined() }
        var next = state
        next.open = open
        next.close = close
        return next
    }

    /// swift-mustache's standalone test: the tag began a line (after spaces) and only spaces
    /// and a newline (or the very end) follow; the rest of the line is then consumed.
    private static func isStandalone(_ p: inout Parser, _ state: State) -> Bool {
        guard state.newLine else { return false }
        if p.atEnd { return true }
        var q = p
        _ = q.read(while: isSpaceOrTab)
        let newline = q.newline
        guard newline > 0 else { return false }
        p.pos = q.pos + newline
        return true
    }

    private static func split(_ name: String) -> Name {
        if name == "." { return .top }
        let parts = name.split(separator: ".").map(String.init)
        if name.hasPrefix(".") { return .fromTop(parts) }
        guard let first = parts.first else { return .top }
        return .stack(first, Array(parts.dropFirst()))
    }

    /// Declines text where Swift's Character view (what swift-mustache reads) and bytes differ.
    private static func checkPlain(_ text: String) throws {
        var previous: Unicode.Scalar = " "
        for s in text.unicodeScalars {
            switch s.value {
            case 0x0B, 0x0C, 0x85, 0x2028, 0x2029, 0x200D:
                throw Declined()
            case 0x0A:
                break
            default:
                if previous == "\r" { throw Declined() }   // a CR not followed by LF
                if s.value >= 0x80 {
                    let p = s.properties
                    if p.isGraphemeExtend || p.generalCategory == .spacingMark || p.isEmojiModifier || isPrepend(s.value) {
                        throw Declined()
                    }
                }
            }
            previous = s
        }
        if previous == "\r" { throw Declined() }
    }

    /// Characters that join the character after them (Unicode grapheme break property Prepend).
    private static func isPrepend(_ v: UInt32) -> Bool {
        switch v {
        case 0x0600...0x0605, 0x06DD, 0x070F, 0x0890...0x0891, 0x08E2, 0x0D4E, 0x110BD, 0x110CD, 0x111C2...0x111C3,
             0x1193F, 0x11941, 0x11A3A, 0x11A84...0x11A89, 0x11D46, 0x11F02:
            return true
        default:
            return false
        }
    }
}

/// Renders `FastTemplate`s by name (partials resolve within the same set).
struct FastTemplateSet: Sendable {
    let templates: [String: FastTemplate]

    /// Renders template `name` with `context` into `out`.
    func render(_ name: String, _ context: TemplateContext, into out: inout [UInt8]) {
        guard let template = templates[name] else { return }
        var stack: [TemplateValue] = [.object(context)]
        render(template.tokens, &stack, indentation: nil, &out)
    }

    private func render(_ tokens: [FastTemplate.Token], _ stack: inout [TemplateValue], indentation: [UInt8]?, _ out: inout [UInt8]) {
        guard let indentation, !indentation.isEmpty else {
            for token in tokens { render(token, &stack, indentation: indentation, &out) }
            return
        }
        // swift-mustache indents each token's output that starts a new line of this template's output.
        let start = out.count
        for token in tokens {
            var piece: [UInt8] = []
            render(token, &stack, indentation: indentation, &piece)
            let n = out.count
            if !piece.isEmpty, n > start, out[n - 1] == 0x0A, !(n - 2 >= start && out[n - 2] == 0x0D) {
                out += indentation
            }
            out += piece
        }
    }

    private func render(_ token: FastTemplate.Token, _ stack: inout [TemplateValue], indentation: [UInt8]?, _ out: inout [UInt8]) {
        switch token {
        case .text(let bytes):
            out += bytes
        case .variable(let name):
            if let value = lookup(name, stack) { Self.append(value, escaped: true, &out) }
        case .unescaped(let name):
            if let value = lookup(name, stack) { Self.append(value, escaped: false, &out) }
        case .section(let name, let body):
            switch lookup(name, stack) {
            case nil:
                break
            case .list(let items)?:
                for item in items {
                    stack.append(item)
                    render(body, &stack, indentation: indentation, &out)
                    stack.removeLast()
                }
            case .bool(let flag)?:
                if flag { render(body, &stack, indentation: indentation, &out) }
            case let value?:
                stack.append(value)
                render(body, &stack, indentation: indentation, &out)
                stack.removeLast()
            }
        case .inverted(let name, let body):
            switch lookup(name, stack) {
            case nil:
                render(body, &stack, indentation: indentation, &out)
            case .list(let items)?:
                if items.isEmpty {
                    stack.append(.list(items))
                    render(body, &stack, indentation: indentation, &out)
                    stack.removeLast()
                }
            case .bool(let flag)?:
                if !flag { render(body, &stack, indentation: indentation, &out) }
            case .some:
                break
            }
        case .partial(let name, let indented):
            guard let template = templates[name] else { return }
            let inner = indented.map { (indentation ?? []) + $0 } ?? indentation
            render(template.tokens, &stack, indentation: inner, &out)
        }
    }

    private func lookup(_ name: FastTemplate.Name, _ stack: [TemplateValue]) -> TemplateValue? {
        switch name {
        case .top:
            return stack.last
        case .fromTop(let parts):
            return resolve(parts[...], in: stack.last!)
        case .stack(let first, let rest):
            for value in stack.reversed() {
                if case .object(let fields) = value, let child = fields[first] { return resolve(rest[...], in: child) }
            }
            return nil
        }
    }

    private func resolve(_ parts: ArraySlice<String>, in value: TemplateValue) -> TemplateValue? {
        var value = value
        for part in parts {
            guard case .object(let fields) = value, let child = fields[part] else { return nil }
            value = child
        }
        return value
    }

    private static func append(_ value: TemplateValue, escaped: Bool, _ out: inout [UInt8]) {
        switch value {
        case .text(let s):
            var s = s
            s.withUTF8 { escaped ? HTML.escape($0, into: &out) : out.append(contentsOf: $0) }
        case .bytes(let b):
            b.withUnsafeBufferPointer { escaped ? HTML.escape($0, into: &out) : out.append(contentsOf: $0) }
        case .bool(let flag):
            out += (flag ? "true" : "false").utf8
        case .int(let i):
            out += String(i).utf8
        case .list, .object:
            var s = String(describing: value.any)
            s.withUTF8 { escaped ? HTML.escape($0, into: &out) : out.append(contentsOf: $0) }
        }
    }
}
