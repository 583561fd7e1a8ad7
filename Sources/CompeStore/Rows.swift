import CompeCore
import Foundation

/// A row of `entry`. Its columns are named once (`names`); reading and writing go by those
/// names, so no order can swap two fields.
struct EntryRow: Equatable {
    static let names = ["id", "code", "contest", "title", "summary", "team_name", "members", "contact_email", "country", "link", "language",
                        "token_salt", "token_hash", "received_at", "updated_at", "withdrawn_at"]
    /// The column list for `SELECT`.
    static let columns = names.joined(separator: ", ")

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
    /// Reads the row's columns by name (in an extension, so the memberwise initialiser stays).
    init(row: SQLRow) throws {
        self.init(id: try row.int64("id"), code: try row.string("code"), contest: try row.string("contest"), title: try row.string("title"),
                  summary: try row.string("summary"), teamName: try row.string("team_name"), members: try row.string("members"),
                  contactEmail: try row.string("contact_email"), country: try row.string("country"), link: try row.optionalString("link"),
                  language: try row.string("language"), tokenSalt: try row.data("token_salt"), tokenHash: try row.data("token_hash"),
                  receivedAt: try row.string("received_at"), updatedAt: try row.string("updated_at"),
                  withdrawnAt: try row.optionalString("withdrawn_at"))
    }

    /// Every column's value by name.
    var named: [String: SQLValue] {
        ["id": .integer(id), "code": .text(code), "contest": .text(contest), "title": .text(title), "summary": .text(summary),
         "team_name": .text(teamName), "members": .text(members), "contact_email": .text(contactEmail), "country": .text(country),
         "link": link.map(SQLValue.text) ?? .null, "language": .text(language), "token_salt": .blob(tokenSalt), "token_hash": .blob(tokenHash),
         "received_at": .text(receivedAt), "updated_at": .text(updatedAt), "withdrawn_at": withdrawnAt.map(SQLValue.text) ?? .null]
    }

    /// The values for `names`, in that order (for inserts).
    var values: [SQLValue] { Self.names.map { named[$0]! } }
}

/// A row of `entry_file`, read by position from `SELECT \(FileRow.columns())`.
struct FileRow: Equatable {
    /// The table's columns, named once: reading and writing go by these names.
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

    /// Every column's value by name.
    var named: [String: SQLValue] {
        ["entry_id": .integer(entryId), "position": .integer(Int64(position)), "name": .text(name), "bytes": .integer(bytes),
         "sha256": .text(sha256), "kind": .text(kind)]
    }

    /// The values for `names`, in that order (for inserts).
    var values: [SQLValue] { Self.names.map { named[$0]! } }
}

extension FileRow {
    /// Reads the row's columns by name.
    init(row: SQLRow) throws {
        self.init(entryId: try row.int64("entry_id"), position: try row.int("position"), name: try row.string("name"),
                  bytes: try row.int64("bytes"), sha256: try row.string("sha256"), kind: try row.string("kind"))
    }
}
