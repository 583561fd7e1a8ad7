import ArgumentParser
import CompeServices
import CompeStore
import Foundation

/// Options of the commands that work on the data and content directories.
struct DataOptions: ParsableArguments {
    @Option(help: "The data directory (entries, judges, scores).") var data = "Data"
    @Option(help: "The content directory (contest briefs).") var content = "Content"

    /// The judging service over `--data` and `--content`. A missing data directory is a user
    /// error, not a new empty store.
    func service() throws -> JudgingService {
        let store = try store()
        let catalog = try ContestCatalog.load(root: directory(content), displayRoot: content)
        return JudgingService(store: store, catalog: catalog)
    }

    /// The store under `--data` alone (commands that need no contest, such as `compe mail`).
    func store() throws -> EntryStore {
        guard FileManager.default.fileExists(atPath: directory(data).appendingPathComponent("compe.sqlite").path) else {
            throw JudgingError.noStore(data)
        }
        return try EntryStore(dataDirectory: directory(data))
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
