import CompeCore
import Foundation

/// A row of `entry`, read by position from `SELECT \(EntryRow.columns)`.
struct EntryRow {
    static let columns = """
        id, code, contest, title, summary, team_name, members, contact_email, country, link, language, token_salt, token_hash, \
        received_at, updated_at, withdrawn_at
        """

    var id: Int64
    var code: String
    var contest: String
    var title: String
    var summary: String
    var teamName: String
    var members: String
    var contactEmail: String
    var country: String
    var link: String?
    var language: String
    var tokenSalt: Data
    var tokenHash: Data
    var receivedAt: String
    var updatedAt: String
    var withdrawnAt: String?
}

extension EntryRow {
    /// Reads the columns of `EntryRow.columns` (in an extension, so the memberwise initialiser stays).
    init(row: SQLRow) throws {
        self.init(id: try row.int64(0), code: try row.string(1), contest: try row.string(2), title: try row.string(3),
                  summary: try row.string(4), teamName: try row.string(5), members: try row.string(6), contactEmail: try row.string(7),
                  country: try row.string(8), link: try row.optionalString(9), language: try row.string(10), tokenSalt: try row.data(11),
                  tokenHash: try row.data(12), receivedAt: try row.string(13), updatedAt: try row.string(14),
                  withdrawnAt: try row.optionalString(15))
    }
}

extension EntryRow {
    /// The columns of `EntryRow.columns`, in order, for inserts.
    static let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The values for `names`.
    var values: [SQLValue] {
        [.integer(id), .text(code), .text(contest), .text(title), .text(summary), .text(teamName), .text(members), .text(contactEmail),
         .text(country), link.map(SQLValue.text) ?? .null, .text(language), .blob(tokenSalt), .blob(tokenHash), .text(receivedAt),
         .text(updatedAt), withdrawnAt.map(SQLValue.text) ?? .null]
    }
}

/// A row of `entry_file`, read by position from `SELECT \(FileRow.columns())`.
struct FileRow {
    /// The table's columns, in the order `init(row:)` reads and `values` lists them.
    static let names = ["entry_id", "position", "name", "bytes", "sha256", "kind"]

    static func columns(prefix: String = "") -> String {
        names.map { prefix + $0 }.joined(separator: ", ")
    }

    /// The rows of an entry's files, in their order.
    static func rows(_ files: [EntryFile], entryID: Int64) -> [FileRow] {
        files.enumerated().map { i, f in FileRow(entryId: entryID, position: i, name: f.name, bytes: f.bytes, sha256: f.sha256, kind: f.kind) }
    }

    var entryId: Int64
    var position: Int
    var name: String
    var bytes: Int64
    var sha256: String
    var kind: String

    /// The values for `names`.
    var values: [SQLValue] { [.integer(entryId), .integer(Int64(position)), .text(name), .integer(bytes), .text(sha256), .text(kind)] }
}

extension FileRow {
    /// Reads the columns of `FileRow.columns()`.
    init(row: SQLRow) throws {
        self.init(entryId: try row.int64(0), position: try row.int(1), name: try row.string(2), bytes: try row.int64(3),
                  sha256: try row.string(4), kind: try row.string(5))
    }
}
