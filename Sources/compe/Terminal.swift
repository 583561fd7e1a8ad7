import CompeContent
import CompeCore

/// Columns and cleaning for text printed in a terminal.
enum Terminal {
    /// Columns a string takes in a terminal (East Asian wide characters take two).
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && ($1.value <= 0x115F || (0x2E80...0xA4CF).contains($1.value) || (0xAC00...0xD7A3).contains($1.value) || (0xF900...0xFAFF).contains($1.value) || (0xFF00...0xFF60).contains($1.value)) ? 2 : 1) }
    }

    /// `s` padded with spaces to `width` columns.
    static func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - self.width(s))) }

    /// `s` right-aligned in `width` columns.
    static func padLeft(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - self.width(s))) + s }

    /// Cells joined by tabs, empty ones left out, each made one line (`line`).
    static func row(_ cells: [String]) -> String {
        cells.filter { !$0.isEmpty }.map(line).joined(separator: "\t")
    }

    /// Entrant text for one cell or line of a table: no control characters, and line breaks,
    /// tabs and other separators as spaces, so text stored before they were refused cannot
    /// forge a row or a column.
    static func line(_ s: String) -> String {
        String(String.UnicodeScalarView(PlainText.clean(s).unicodeScalars.map { EntryForm.isSeparator($0) ? " " : $0 }))
    }
}
