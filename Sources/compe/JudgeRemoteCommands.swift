import ArgumentParser
import CompeClient
import CompeCore
import CompeServices
import CompeWire
import Foundation

/// `compe judge login <server>`.
struct JudgeLogin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Save the server and your personal token (typed without echo, or read from stdin), after checking them.",
        discussion: "The token is the cjt_… string the organiser gave you. Credentials go to $XDG_CONFIG_HOME/compe/credentials.json (mode 0600). A token is sent over https, or over http only to this machine.")
    @Argument(help: "The server, e.g. https://compe.example.go.jp") var server: String
    @Option(name: .customLong("ca-file"), help: "A PEM file of the private CA that signed the server's certificate.") var caFile: String?

    func run() async throws {
        let base = try ServerAddress.check(server)
        let token = try TokenInput.read(prompt: "Token for \(base): ")
        let credentials = Credentials(server: base, token: token, caFile: caFile.map { directory($0).path })
        let remote = try RemoteJudge(credentials)
        let queue: [QueueItem]
        do {
            queue = try await remote.queue()
            await remote.shutdown()
        } catch {
            await remote.shutdown()
            throw error
        }
        try credentials.save()
        print("logged in to \(base): \(queue.count) entr\(queue.count == 1 ? "y" : "ies") in your queue; credentials in \(Credentials.file.path)")
    }
}

/// `compe judge logout`.
struct JudgeLogout: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the saved server and token.")

    func run() throws {
        print(Credentials.remove() ? "logged out (\(Credentials.file.path) removed)" : "not logged in")
    }
}

/// `compe judge fetch <ref>`.
struct JudgeFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download an entry's files into DIR/<ref>/ and check each one's size and SHA-256 (a mismatch deletes it).",
        discussion: "Nothing is overwritten: a file that is already there stops the download before anything is written.")
    @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
    @Option(help: "Folder under which the entry's own folder is made.") var out = "."
    @OptionGroup var target: JudgeTarget

    func run() async throws {
        try await target.with { client in
            let view = try await client.entry(entry)
            // One folder per entry, named by the reference the judge typed as the server
            // confirmed it (cleaned like any file name), so files of two entries never meet.
            let folder = directory(out).appendingPathComponent(SafeName.of(view.ref, n: 0, fallback: "entry"))
            var names = Set<String>()
            let plan = view.files.map { file -> (JudgeEntryView.File, URL) in
                var name = SafeName.of(file.name, n: file.n)
                if !names.insert(name).inserted { name = "\(file.n)-\(name)" }
                return (file, folder.appendingPathComponent(name))
            }
            for (_, destination) in plan where FileManager.default.fileExists(atPath: destination.path) {
                throw ClientError.exists(destination.path)
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (file, destination) in plan {
                try await client.download(entry, file: file, to: destination)
                print("\(destination.path)  \(file.bytes) bytes  sha256 ok")
            }
        }
    }
}

/// `compe judge sync`.
struct JudgeSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Send the sheets kept while the server could not be reached; report each (stored, conflict, refused).",
        discussion: "A sheet is sent only to the server it was scored for, as a change of the revision it was based on: if the sheet changed on the server meanwhile (another device), it is reported as a conflict with both versions and nothing is overwritten.")
    @OptionGroup var target: JudgeTarget

    func run() async throws {
        let pending = try PendingSheets.load()
        if pending.isEmpty { return print("nothing to send") }
        try await target.with { client in
            guard let server = client.server else { throw fail("sync sends kept sheets to a server: log in first (compe judge login)") }
            var kept: [PendingSheet] = []
            for (i, sheet) in pending.enumerated() {
                guard sheet.server == server else {
                    print("\(sheet.ref): kept for \(sheet.server) (not sent to \(server); log in to that server to send it)")
                    kept.append(sheet)
                    continue
                }
                do {
                    var submission = sheet.submission
                    if submission.revision == nil {
                        // Scored offline before this computer ever saw the sheet: it may be sent
                        // only if nobody has scored it since.
                        let current = try await client.entry(sheet.ref).sheet
                        guard current.revision == 0 else { throw ClientError.stale(current: current.revision) }
                        submission.revision = 0
                    }
                    let receipt = try await client.score(sheet.ref, submission)
                    print("\(sheet.ref): stored (revision \(receipt.revision))")
                } catch ClientError.unreachable(let server, let reason) {
                    try PendingSheets.save(kept + pending[i...])
                    throw fail("cannot reach \(server) (\(reason)); \(kept.count + pending.count - i) sheet(s) still pending")
                } catch let error as ClientError {
                    if case .stale = error {
                        let theirs = (try? await client.entry(sheet.ref).sheet.values).map(Self.values) ?? "?"
                        print("\(sheet.ref): conflict: the sheet changed on the server since this one was kept; nothing was overwritten "
                              + "(server: \(theirs); kept here: \(Self.values(sheet.submission.values))); score it again with 'compe judge score \(sheet.ref)'")
                    } else {
                        print("\(sheet.ref): refused: \(error.description) (it held: \(Self.values(sheet.submission.values)))")
                    }
                }
                try PendingSheets.save(kept + pending[(i + 1)...])
            }
        }
    }

    static func values(_ values: [String: Int]) -> String {
        values.sorted { $0.key < $1.key }.map { "\(Terminal.line($0.key))=\($0.value)" }.joined(separator: " ")
    }
}

/// A file name safe to create in the judge's folder (`FileName`); `file-N` when nothing is left.
enum SafeName {
    static func of(_ name: String, n: Int, fallback: String? = nil) -> String { FileName.clean(name, fallback: fallback ?? "file-\(n)") }
}

/// Reading a token: from the terminal without echo, or one line from stdin.
enum TokenInput {
    static func read(prompt: String) throws -> String {
        var line: String?
        if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardError.write(Data(prompt.utf8))
            var old = termios()
            tcgetattr(STDIN_FILENO, &old)
            var quiet = old
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            line = readLine()
            tcsetattr(STDIN_FILENO, TCSANOW, &old)
            FileHandle.standardError.write(Data("\n".utf8))
        } else {
            line = readLine()
        }
        guard let token = line?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else { throw ClientError.noToken }
        return token
    }
}
