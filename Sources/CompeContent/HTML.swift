/// Escaping for text placed into HTML and XML.
public enum HTML {
    /// Escapes `& < > " '` so text is inert in element content and quoted attributes.
    public static func escape(_ text: String) -> String {
        func special(_ b: UInt8) -> Bool { b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 }
        guard text.utf8.contains(where: special) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        var text = text
        text.withUTF8 { escape($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `escape(_:)` on UTF-8 bytes, appended to `out` (the theme renderer writes bytes).
    public static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var from = 0
        for i in 0..<bytes.count {
            let replacement: StaticString
            switch bytes[i] {
            case 0x26: replacement = "&amp;"
            case 0x3C: replacement = "&lt;"
            case 0x3E: replacement = "&gt;"
            case 0x22: replacement = "&quot;"
            case 0x27: replacement = "&#39;"
            default: continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<i]))
            out.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
            from = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<bytes.count]))
    }

    /// Decodes character references: numeric ones (`&#109;`, `&#x6D;`, as Discount writes mail
    /// links) and `&amp; &lt; &gt; &quot; &apos;`. Anything else is left as written.
    public static func unescape(_ text: String) -> String {
        guard text.utf8.contains(0x26) else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            guard let semicolon = rest.prefix(12).firstIndex(of: ";") else {
                out += "&"
                rest = rest.dropFirst()
                continue
            }
            let name = rest[rest.index(after: rest.startIndex)..<semicolon]
            if let decoded = reference(name) {
                out.unicodeScalars.append(decoded)
                rest = rest[rest.index(after: semicolon)...]
            } else {
                out += "&"
                rest = rest.dropFirst()
            }
        }
        return out + rest
    }

    private static func reference(_ name: Substring) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, value != 0 else { return nil }
            return Unicode.Scalar(value)
        }
    }
}
