/// Entrant text in a mail sent from the contest's own address: a title such as "Claim your
/// prize at evil.example/login" must not become a link the mail program draws. Every dot
/// between two letters or digits that could start a domain label becomes `[.]`, every `@`
/// between letters `[@]` and every `://` `[://]`, the way security advisories print addresses
/// ("defanged"); the text stays readable and nothing in it is clickable. Control characters go
/// too (`PlainText`), and line breaks become spaces, since the mail quotes the text inline.
public enum MailText {
    /// `text` with nothing a mail program would turn into a link.
    public static func inert(_ text: String) -> String {
        let scalars = Array(PlainText.clean(text).unicodeScalars.map { $0 == "\n" || $0 == "\t" ? " " : $0 })
        var out = String.UnicodeScalarView()
        var i = 0
        func isWordy(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_" }
        while i < scalars.count {
            let s = scalars[i]
            if s == ":" && i + 2 < scalars.count && scalars[i + 1] == "/" && scalars[i + 2] == "/" {
                out.append(contentsOf: "[://]".unicodeScalars)
                i += 3
                continue
            }
            if (s == "." || s == "@"), i > 0, i + 1 < scalars.count, isWordy(scalars[i - 1]), scalars[i + 1].properties.isAlphabetic
                || (s == "@" && isWordy(scalars[i + 1])) {
                out.append(contentsOf: (s == "." ? "[.]" : "[@]").unicodeScalars)
                i += 1
                continue
            }
            out.append(s)
            i += 1
        }
        return String(out)
    }
}
