import ArgumentParser
import CompePostgres
import CompeServices
import CompeStore
import Foundation

/// The `--database` help, the same on every command that has it.
let databaseHelp = ArgumentHelp(
    "Keep entries, judges and scores in PostgreSQL: postgres://user@host:port/database (password in PGPASSWORD); default: COMPE_DATABASE, else compe.sqlite in --data.",
    valueName: "url")

/// The database `--database` (or `COMPE_DATABASE`) names; nil for the SQLite file in the data
/// directory. A URL that cannot be used is a usage error.
func openDatabase(_ option: String?, name: String = "--database") throws -> (any SQLDatabase)? {
    let url = option ?? ProcessInfo.processInfo.environment["COMPE_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
    guard let url else { return nil }
    do {
        return try PostgresDatabase(url: url)
    } catch let error as PostgresURLError {
        throw ValidationError("\(name): \(error.description)")
    }
}

/// Options of the commands that work on the data and content directories.
struct DataOptions: ParsableArguments {
    @Option(help: "The data directory (entries, judges, scores; with --database: the uploads and secret.key the servers share).") var data = "Data"
    @Option(help: "The content directory (contest briefs).") var content = "Content"
    @Option(help: databaseHelp) var database: String?

    /// The judging service over `--data` and `--content`. A missing data directory is a user
    /// error, not a new empty store.
    func service() throws -> JudgingService {
        let store = try store()
        let catalog = try ContestCatalog.load(root: directory(content), displayRoot: content)
        return JudgingService(store: store, catalog: catalog)
    }

    /// The store under `--data` alone (commands that need no contest, such as `compe mail`).
    func store() throws -> EntryStore {
        let database = try openDatabase(database)
        // On PostgreSQL the directory must still be the servers' own: the edit links in mail are
        // derived from its secret.key, and files are read from its uploads/.
        let marker = database == nil ? "compe.sqlite" : "secret.key"
        guard FileManager.default.fileExists(atPath: directory(data).appendingPathComponent(marker).path) else {
            throw JudgingError.noStore(data)
        }
        return try EntryStore(dataDirectory: directory(data), database: database)
    }
}

/// How a command prints what it found: `--json` for tools, `--csv` for spreadsheets, or a
/// table for people (the default). One flag, so two formats can never be asked at once.
enum OutputFormat: String, EnumerableFlag {
    case text, json, csv

    static func help(for value: OutputFormat) -> ArgumentHelp? {
        switch value {
        case .text: return "Aligned text for people (the default)."
        case .json: return "JSON for tools."
        case .csv: return "CSV for spreadsheets."
        }
    }
}

/// `--set criterion=value`: one score, parsed once.
struct ScoreSetting: ExpressibleByArgument {
    var criterion: String
    var value: Int

    init?(argument: String) {
        let parts = argument.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]) else { return nil }
        criterion = String(parts[0])
        self.value = value
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
