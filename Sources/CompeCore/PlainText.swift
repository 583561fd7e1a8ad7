/// The one rule for characters that untrusted text may not carry to a page, a terminal, a mail
/// or a file: C0 and C1 controls other than newline and tab, DEL, and the bidirectional
/// embeddings, overrides and isolates (an ESC sequence could rewrite a judge's screen; a bidi
/// override reorders what a reader sees).
public enum PlainText {
    /// `s` without control characters (newlines and tabs kept).
    public static func clean(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.filter { !isControl($0) }))
    }

    /// Whether `s` is one of the characters `clean` removes.
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        s != "\n" && s != "\t" && (s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
                                     || (0x2066...0x2069).contains(s.value))
    }
}
