import ArgumentParser
import CompeServices
import CompeStore
import Foundation

/// `compe backup FILE`: a consistent copy of the data directory while the server runs.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a backup of the data directory (safe while 'compe serve' runs).",
        discussion: """
            The archive is a tar file: compe.sqlite (one consistent snapshot), every upload an entry \
            references, secret.key (keep the backup as private as the data directory) and MANIFEST.sha256. \
            Restore it with 'compe restore FILE --data DIR'.
            """)
    @Argument(help: "The archive to write; it must not exist.") var file: String
    @Option(help: "The data directory to back up.") var data = "Data"
    @Option(help: databaseHelp) var database: String?

    func run() throws {
        if let database = try openDatabase(database) {
            throw StoreError.useDatabaseTools(operation: "backup", location: database.location)
        }
        guard FileManager.default.fileExists(atPath: directory(data).appendingPathComponent("compe.sqlite").path) else {
            throw StoreError.noDatabase(data)
        }
        let store = try EntryStore(dataDirectory: directory(data))
        let report = try store.backup(to: directory(file))
        say("backed up \(report.entries) entries and \(report.files) uploads (\(report.bytes) bytes) to \(file)")
    }
}

/// `compe restore FILE --data DIR`: a backup into a new data directory, every hash checked.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup into a new or empty data directory.",
        discussion: "Every file is checked against the backup's manifest and the database's integrity before it takes its place; on any mismatch nothing is restored.")
    @Argument(help: "The archive 'compe backup' wrote.") var file: String
    @Option(help: "The data directory to create (missing or empty).") var data: String

    func run() throws {
        let report = try CompeStore.Restore.restore(directory(file), into: directory(data))
        say("restored \(report.entries) entries and \(report.files) uploads into \(data); every hash matched")
    }
}

/// `compe fsck --data DIR [--repair]`: is the data directory whole?
struct Fsck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the data directory: the database's integrity and every upload against its hash.",
        discussion: """
            Prints one line; exits 1 when something is damaged or missing (restore a backup). \
            Uploads no entry references are left over, not damage: --repair moves them to lost+found/ \
            and clears tmp/. Stop 'compe serve' before --repair (an upload in flight lives in tmp/).
            """)
    @Option(help: "The data directory to check.") var data = "Data"
    @Option(help: databaseHelp) var database: String?
    @Flag(help: "Move left-over uploads to lost+found/ and clear tmp/.") var repair = false

    func run() async throws {
        let report: CompeStore.Fsck.Report
        if let database = try openDatabase(database) {
            // The rows are in PostgreSQL, the files in the shared data directory.
            let store = try EntryStore(dataDirectory: directory(data), database: database)
            report = try await CompeStore.Fsck.check(store: store, repair: repair)
            await database.close()
        } else {
            report = try CompeStore.Fsck.check(data: directory(data), repair: repair)
        }
        say("fsck \(data): \(report.summary)")
        for hash in report.missing { say("  missing: uploads/\(hash.prefix(2))/\(hash)") }
        for hash in report.corrupt { say("  damaged: uploads/\(hash.prefix(2))/\(hash)") }
        if !report.isClean { throw ExitCode(1) }
    }
}
