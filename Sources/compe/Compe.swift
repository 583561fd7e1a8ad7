import ArgumentParser
import CompeContent
import CompeCore
import CompeServer
import CompeSite
import Foundation
import Logging

/// The `compe` command line: thin wrappers that parse arguments, call a module and print.
@main
struct Compe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compe",
        abstract: "Design contests and agile backlogs: publish, accept, judge, plan.",
        discussion: "Run 'compe build' to make the site in Public/ from Content/ and Static/, then 'compe serve' to serve it.",
        subcommands: [Build.self, Serve.self, Backlog.self, Judges.self, Conflicts.self, Assign.self, Entries.self, JudgeCommand.self, Results.self, Export.self]
    )

    /// Runs the command, mapping argument errors to exit code 2 (SPEC: 0 ok, 1 user error, 2 usage).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Prints a one-line reason on stderr and exits 1 (a user error, per SPEC's exit codes).
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("compe: \(message)\n".utf8))
    return ExitCode(1)
}

/// Prints diagnostics on stderr, one `path:line:col: severity: message` per line.
func printDiagnostics(_ diagnostics: [Diagnostic]) {
    let text = diagnostics.map(\.description).joined(separator: "\n")
    if !text.isEmpty { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// Prints a line on stdout at once (not buffered): long-running commands report progress to
/// scripts and tests that read their output while they run.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A directory argument as a URL relative to the working directory.
func directory(_ path: String) -> URL {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
}

/// Prints a JSON value for tools: pretty, keys sorted (stable diffs).
func printJSON(_ value: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}
