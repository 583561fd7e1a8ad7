/// Drops the soft line break between two Japanese or Chinese characters.
///
/// Markdown turns a line break inside a paragraph into a space; between two CJK characters a
/// browser shows that space, which Japanese readers see as a typo. (Hugo's goldmark has the
/// same option, `east_asian_line_breaks`.) Text inside `<pre>` is left alone.
enum EastAsianLineBreaks {
    static func isWide(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3000...0x303F, 0x3040...0x309F, 0x30A0...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xF900...0xFAFF, 0xFF00...0xFFEF, 0x20000...0x2FFFF:
            return true
        default:
            return false
        }
    }

    /// Works on UTF-8 bytes: a newline is dropped when the scalars either side are wide.
    static func join(_ html: String) -> String {
        var html = html
        html.makeContiguousUTF8()
        let result: String? = html.utf8.withContiguousStorageIfAvailable { b -> String? in
            let n = b.count
            guard b.contains(UInt8(ascii: "\n")) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(n)
            var inPre = false
            var changed = false
            for i in 0..<n {
                let c = b[i]
                if c == UInt8(ascii: "<") {
                    if matches(b, i, "<pre") { inPre = true } else if matches(b, i, "</pre") { inPre = false }
                }
                if c == UInt8(ascii: "\n"), !inPre, i > 0, i + 1 < n, b[i - 1] >= 0x80, b[i + 1] >= 0x80,
                   let before = scalar(endingBefore: i, in: b), let after = scalar(at: i + 1, in: b),
                   isWide(before), isWide(after) {
                    changed = true
                    continue
                }
                out.append(c)
            }
            return changed ? String(decoding: out, as: UTF8.self) : nil
        } ?? nil
        return result ?? html
    }

    /// The scalar whose encoding starts at `i`.
    private static func scalar(at i: Int, in b: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        var it = b[i...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&it) { return s }
        return nil
    }

    /// The scalar whose encoding ends just before `end`.
    private static func scalar(endingBefore end: Int, in b: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        var start = end - 1
        while start > 0 && end - start < 4 && b[start] & 0xC0 == 0x80 { start -= 1 }
        return scalar(at: start, in: b)
    }

    private static func matches(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard at + count <= b.count else { return false }
        let w = word.utf8Start
        for k in 0..<count where b[at + k] != w[k] { return false }
        return true
    }
}
