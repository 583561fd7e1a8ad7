import CompeCore
import Foundation

/// The migration that turned free-text countries into ISO 3166-1 codes, as SQL both engines
/// run alike: one `UPDATE` per code, setting it on every entry whose country (trimmed, in any
/// case) is the code itself or one of the names `Country.aliases` knows for it. Text that names
/// no country, or one a name shares with another ("Congo"), stays as typed: statistics and open
/// data count it as `other`, `compe fsck` lists those entries, and the entrant's next edit must
/// choose from the list.
public enum CountryMigration {
    /// The migration's name in both schemas.
    public static let name = "2026-12-02 countries as ISO 3166-1 codes"

    /// The statements, the same for SQLite and PostgreSQL.
    public static var statements: [String] {
        let byCode = Dictionary(grouping: Country.aliases, by: \.value).mapValues { $0.map(\.key).sorted() }
        return byCode.keys.sorted().map { code in
            // Both the lower-case form and as typed: SQLite's lower() folds ASCII letters only.
            var names = Set(byCode[code]!)
            for name in byCode[code]! { names.insert(name.uppercased()); names.insert(name.capitalized) }
            let list = names.sorted().map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
            return "UPDATE entry SET country = '\(code)' WHERE country <> '\(code)' AND (lower(trim(country)) IN (\(list)) OR trim(country) IN (\(list)))"
        }
    }
}
