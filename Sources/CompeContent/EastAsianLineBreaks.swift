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

    static func join(_ html: String) -> String {
        let scalars = Array(html.unicodeScalars)
        guard scalars.contains(where: { $0 == "\n" }) else { return html }
        var out = String.UnicodeScalarView()
        var inPre = false
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "<" {
                if matches(scalars, i, "<pre") { inPre = true } else if matches(scalars, i, "</pre") { inPre = false }
            }
            if s == "\n", !inPre, i > 0, i + 1 < scalars.count, isWide(scalars[i - 1]), isWide(scalars[i + 1]) {
                i += 1
                continue
            }
            out.append(s)
            i += 1
        }
        return String(out)
    }

    private static func matches(_ scalars: [Unicode.Scalar], _ at: Int, _ word: String) -> Bool {
        var j = at
        for w in word.unicodeScalars {
            guard j < scalars.count, scalars[j] == w else { return false }
            j += 1
        }
        return true
    }
}
