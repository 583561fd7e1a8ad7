import Foundation

/// The one CSV compe writes, for every file a person may open in a spreadsheet (results,
/// anonymised exports, open-data packages, the statistics downloads): RFC 4180 with CRLF line
/// ends, UTF-8, a field quoted when it holds a comma, a quote or a line break.
///
/// Every text cell is defused against spreadsheet formulas: a cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading apostrophe, which spreadsheets show as
/// text instead of running it (`=HYPERLINK(…)` typed as a country). Cells of a column declared
/// numeric are left as they are when they hold a number, so `-3` stays a number for the tools
/// that read it; anything else in such a column is defused like text. Control characters are
/// removed (`PlainText`).
public struct CSVWriter: Sendable {
    /// What a column holds.
    public enum Kind: Sendable {
        /// Text: always defused.
        case text
        /// Numbers: kept as they are when they parse as a number.
        case number
    }

    /// A column's name and kind.
    public struct Column: Sendable {
        public var name: String
        public var kind: Kind
        public init(_ name: String, _ kind: Kind = .text) {
            self.name = name
            self.kind = kind
        }
    }

    private let columns: [Column]
    private var text: String

    /// A table with a header row of `columns`.
    public init(_ columns: [Column]) {
        self.columns = columns
        text = columns.map { Self.cell($0.name, kind: .text) }.joined(separator: ",") + "\r\n"
    }

    /// A table of text columns named `names`.
    public init(names: [String]) { self.init(names.map { Column($0) }) }

    /// Adds a row (one value per column; missing values are empty).
    public mutating func add(_ values: [String]) {
        var cells: [String] = []
        cells.reserveCapacity(columns.count)
        for (i, column) in columns.enumerated() { cells.append(Self.cell(i < values.count ? values[i] : "", kind: column.kind)) }
        text += cells.joined(separator: ",") + "\r\n"
    }

    /// The table's text.
    public var string: String { text }

    /// The table as UTF-8 bytes.
    public var bytes: [UInt8] { Array(text.utf8) }

    /// One cell, cleaned, defused and quoted as needed.
    public static func cell(_ raw: String, kind: Kind) -> String {
        var v = PlainText.clean(raw)
        if let first = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !(kind == .number && isNumber(v)) {
            v = "'" + v
        }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A decimal number as CSV readers take one: optional sign, digits, optional fraction.
    static func isNumber(_ s: String) -> Bool {
        var scalars = Substring(s).unicodeScalars[...]
        if let first = scalars.first, first == "-" || first == "+" { scalars = scalars.dropFirst() }
        var digits = 0, dots = 0
        for c in scalars {
            if c == "." { dots += 1; continue }
            guard ("0"..."9").contains(c) else { return false }
            digits += 1
        }
        return digits > 0 && dots <= 1
    }
}

/// A table kept as values until it is written, so a package can leave columns out (a sharing
/// agreement names the columns a partner receives) and still write every cell through
/// `CSVWriter`'s one rule.
public struct CSVTable: Sendable {
    public let columns: [CSVWriter.Column]
    public private(set) var rows: [[String]] = []

    public init(_ columns: [CSVWriter.Column]) { self.columns = columns }
    public init(names: [String]) { self.init(names.map { CSVWriter.Column($0) }) }

    public mutating func add(_ values: [String]) { rows.append(values) }

    /// The CSV of the columns named in `keeping` (every column when nil), in table order.
    public func bytes(keeping: Set<String>? = nil) -> [UInt8] {
        let kept = columns.indices.filter { keeping?.contains(columns[$0].name) ?? true }
        var writer = CSVWriter(kept.map { columns[$0] })
        for row in rows { writer.add(kept.map { $0 < row.count ? row[$0] : "" }) }
        return writer.bytes
    }
}
