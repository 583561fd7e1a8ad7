import Foundation

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

    /// Drops each newline whose neighbouring scalars are both wide. Works on UTF-8 bytes: runs
    /// between newlines are copied whole; only a newline with non-ASCII bytes on both sides is
    /// looked at closely.
    static func join(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = b.count
        var out: [UInt8] = []
        out.reserveCapacity(n)
        guard let base = b.baseAddress else { return out }
        var inPre = false
        var copied = 0       // bytes before this index are in `out` (or dropped)
        var scanned = 0      // `<pre` / `</pre` state is known up to this index
        var from = 0
        while from < n, let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), n - from) {
            let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            from = i + 1
            guard i > 0, i + 1 < n, b[i - 1] >= 0x80, b[i + 1] >= 0x80 else { continue }
            // Bring the <pre> state up to this newline.
            var k = scanned
            while k < i, let lt = memchr(base + k, Int32(UInt8(ascii: "<")), i - k) {
                let j = base.distance(to: lt.assumingMemoryBound(to: UInt8.self))
                if matches(b, j, "<pre") { inPre = true } else if matches(b, j, "</pre") { inPre = false }
                k = j + 1
            }
            scanned = i
            guard !inPre, let before = scalar(endingBefore: i, in: b), let after = scalar(at: i + 1, in: b),
                  isWide(before), isWide(after) else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<i]))
            copied = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<n]))
        return out
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
