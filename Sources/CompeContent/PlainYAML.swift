import Yams

/// The common shape of page front matter, `key: value` lines with plain values, read without
/// libyaml.
///
/// `mapping` gives the node Yams would compose (same keys, same scalar strings, implicit tags)
/// but without marks, so it is only for input that turns out to be valid: the loader parses
/// again with Yams whenever the fast result leads to any diagnostic, which then points at
/// line and column. Anything else (quotes, flow lists, comments, blank lines, block scalars,
/// anchors, indentation, characters YAML treats specially) returns nil and goes to Yams.
enum PlainYAML {
    /// The mapping of `yaml`, or nil when it is not plain `key: value` lines.
    static func mapping(_ yaml: String) -> Node? {
        var yaml = yaml
        return yaml.withUTF8 { bytes -> Node? in
            guard !bytes.isEmpty else { return nil }
            var pairs: [(Node, Node)] = []
            var keys: Set<String> = []
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                guard let (key, value) = pair(bytes, start, end), keys.insert(key).inserted else { return nil }
                pairs.append((Node.scalar(.init(key, .implicit, .plain)), Node.scalar(.init(value, .implicit, .plain))))
                start = end + 1
            }
            return Node.mapping(.init(pairs, .implicit, .block))
        }
    }

    /// One `key: value` line, or nil.
    private static func pair(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (String, String)? {
        var i = start
        guard i < end, isKeyStart(b[i]) else { return nil }
        while i < end && isKeyByte(b[i]) { i += 1 }
        let keyEnd = i
        guard i + 1 < end, b[i] == UInt8(ascii: ":"), b[i + 1] == UInt8(ascii: " ") else { return nil }
        i += 1
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        var valueEnd = end
        while valueEnd > i && b[valueEnd - 1] == UInt8(ascii: " ") { valueEnd -= 1 }
        guard valueEnd > i, !isIndicator(b[i]), b[valueEnd - 1] != UInt8(ascii: ":") else { return nil }
        for k in i..<valueEnd {
            let c = b[k]
            if c < 0x20 || c == 0x7F { return nil }
            if c == UInt8(ascii: ":") && k + 1 < valueEnd && b[k + 1] == UInt8(ascii: " ") { return nil }
            if c == UInt8(ascii: "#") && b[k - 1] == UInt8(ascii: " ") { return nil }
            // C1 controls (U+0080–U+009F, NEL among them), line/paragraph separators, BOM, U+FFFE/FFFF.
            if c == 0xC2, k + 1 < valueEnd, b[k + 1] <= 0x9F { return nil }
            if c == 0xE2, k + 2 < valueEnd, b[k + 1] == 0x80, b[k + 2] == 0xA8 || b[k + 2] == 0xA9 { return nil }
            if c == 0xEF, k + 2 < valueEnd, (b[k + 1] == 0xBB && b[k + 2] == 0xBF) || (b[k + 1] == 0xBF && b[k + 2] >= 0xBE) { return nil }
        }
        let key = String(decoding: UnsafeBufferPointer(rebasing: b[start..<keyEnd]), as: UTF8.self)
        let value = String(decoding: UnsafeBufferPointer(rebasing: b[i..<valueEnd]), as: UTF8.self)
        return (key, value)
    }

    private static func isKeyStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }

    private static func isKeyByte(_ c: UInt8) -> Bool {
        isKeyStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
    }

    /// Characters that give a YAML value a meaning other than plain text when they start it.
    private static func isIndicator(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"),
             UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
             UInt8(ascii: "`"):
            return true
        default:
            return false
        }
    }
}
