import ArgumentParser
import CompeStore
import Foundation

/// `compe migrate --from Data --to postgres://…`: a SQLite store into an empty PostgreSQL database.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite store into an empty PostgreSQL database (to run several servers on it).",
        discussion: """
            Copies every table (entries, files, audit, judges, panels, tokens, conflicts, assignments, \
            scores, publication, idempotency keys, outbox) in one transaction, then reads it back and \
            compares each table's row count and checksum. The target must be empty. Uploads and \
            secret.key stay in the data directory: start the servers with the same --data and \
            --database URL. Stop 'compe serve' first, so no entry arrives after the copy.
            """)
    @Option(help: "The data directory whose compe.sqlite is copied.") var from = "Data"
    @Option(help: ArgumentHelp("The empty PostgreSQL database: postgres://user@host:port/database (password in PGPASSWORD).", valueName: "url"))
    var to: String

    func validate() throws {
        _ = try openDatabase(to, name: "--to")
    }

    func run() async throws {
        let path = EntryStore.sqlitePath(directory(from))
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.noDatabase(from) }
        guard let target = try openDatabase(to, name: "--to") else { return }
        let tables: [StoreCopy.Table]
        do {
            let source = try SQLiteDatabase(path: path)
            tables = try await StoreCopy.copy(from: source, to: target)
            await source.close()
            await target.close()
        } catch {
            await target.close()
            throw error as? StoreError ?? StoreError.database(error)
        }
        for table in tables where table.rows > 0 {
            say("  \(Terminal.pad(table.name, 14)) \(Terminal.padLeft(String(table.rows), 8))  sha256 \(table.checksum.prefix(16))… matches")
        }
        let total = tables.reduce(0) { $0 + $1.rows }
        say("migrated \(total) rows in \(tables.filter { $0.rows > 0 }.count) tables from \(from)/compe.sqlite to \(target.location); every table read back and matched")
    }
}
