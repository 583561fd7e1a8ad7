import Foundation

/// The one rule for a file name that came from someone else (an entrant's browser, a server's
/// answer): shown as a label, and on a judge's computer used to name a file. Only the last path
/// component; no control characters or bidi overrides (`PlainText`), no separators or
/// noncharacters (`EntryForm`), no surrounding spaces; at most 200 characters, keeping the end
/// (the extension); never empty, `.` or `..`, and never hidden (a leading dot).
public enum FileName {
    /// `raw` made safe, or `fallback` when nothing usable is left.
    public static func clean(_ raw: String, fallback: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = String(String.UnicodeScalarView(last.unicodeScalars.filter {
            !PlainText.isControl($0) && !EntryForm.isSeparator($0) && !EntryForm.isNoncharacter($0)
        }))
        name = name.trimmingCharacters(in: .whitespaces)
        if name.count > 200 { name = String(name.suffix(200)) }
        if name.isEmpty || name.hasPrefix(".") { return fallback }
        return name
    }
}
