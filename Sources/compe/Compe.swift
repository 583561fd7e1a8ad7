import ArgumentParser
import CompeClient
import CompeContent
import CompeCore
import CompeServices
import CompeStore
import Foundation
import NIOCore
import NIOPosix

/// The `compe` command line: thin wrappers that parse arguments, call a service and print.
@main
struct Compe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compe",
        abstract: "Design contests and agile backlogs: publish, accept, judge, plan.",
        discussion: "Run 'compe build' to make the site in Public/ from Content/ and Static/, then 'compe serve' to serve it.",
        subcommands: [Build.self, Serve.self, Backlog.self, Judges.self, Panel.self, Conflicts.self, Assign.self, Entries.self,
                      JudgeCommand.self, Results.self, Shortlist.self, Stats.self, Export.self, Mail.self, Announce.self, Backup.self, Restore.self, Fsck.self,
                      Migrate.self, Keys.self, Verify.self, Share.self, Partners.self, EntryLogCommand.self, Questions.self]
    )

    /// Runs the command. Exit codes: 0 ok, 1 a user error (one line on stderr), 2 usage.
    static func main() async {
        // `compe serve` runs Swift concurrency on NIO's event loops: a request's handler then
        // runs on the thread that read it, instead of hopping to Swift's pool and back for every
        // request (the hops were half the CPU of serving a page). Only here, on the main thread,
        // before any task has run; the other commands keep Swift's own pool.
        if CommandLine.arguments.dropFirst().first == "serve" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as JudgingError {
            if case .contentErrors(let diagnostics) = error { printDiagnostics(diagnostics) }
            exit(withError: fail(error.description))
        } catch let error as StoreError {
            exit(withError: fail(error.description))
        } catch let error as ClientError {
            exit(withError: fail(error.description))
        } catch let error as SignatureError {
            exit(withError: fail(error.description))
        } catch let error as SignedPackage.Failure {
            exit(withError: fail(error.description))
        } catch let error as SharingError {
            exit(withError: fail(error.description))
        } catch let error as QuestionError {
            exit(withError: fail(error.description))
        } catch let error as EntryLogError {
            exit(withError: fail(error.description))
        } catch let error as VerifyFailure {
            exit(withError: fail(error.description))
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Prints a one-line reason on stderr and returns exit code 1 (a user error).
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

/// Prints a value as JSON for tools: pretty, keys sorted (stable diffs), slashes as they are.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONCoding.encoder(pretty: true)
    encoder.dateEncodingStrategy = .iso8601   // times as RFC 3339 UTC, as everywhere else in compe's JSON
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
