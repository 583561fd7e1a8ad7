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

/// Prints a JSON value for tools: pretty (two-space indent), keys sorted (stable diffs), slashes
/// as they are. Written by hand: Foundation's JSONSerialization took half of `compe results
/// --json` on a 10,000-entry contest.
func printJSON(_ value: Any) throws {
    var out = ""
    out.reserveCapacity(1 << 16)
    try JSONText.write(value, indent: 0, into: &out)
    print(out)
}

/// A small JSON writer for the dictionaries, arrays, strings, numbers and booleans tools print.
enum JSONText {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ value: Any, indent: Int, into out: inout String) throws {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case let s as String: string(s, into: &out)
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let i as Int64: out += String(i)
        case let d as Double: out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)") : "null"
        case let dict as [String: Any]:
            if dict.isEmpty { out += "{}"; return }
            out += "{\n"
            for (n, key) in dict.keys.sorted().enumerated() {
                out += pad
                string(key, into: &out)
                out += " : "
                try write(dict[key]!, indent: indent + 2, into: &out)
                out += n == dict.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        case let array as [Any]:
            if array.isEmpty { out += "[]"; return }
            out += "[\n"
            for (n, item) in array.enumerated() {
                out += pad
                try write(item, indent: indent + 2, into: &out)
                out += n == array.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case Optional<Any>.none: out += "null"
        case is NSNull: out += "null"
        default: throw Unsupported(description: "cannot write \(type(of: value)) as JSON")
        }
    }

    static func string(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
