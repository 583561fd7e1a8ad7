import ArgumentParser
import CompeClient
import CompeServices
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
        abstract: "Download an entry's files and check each one's SHA-256 (a mismatch deletes it).")
    @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
    @Option(help: "Folder to write the files to (made if missing).") var out = "."
    @OptionGroup var target: JudgeTarget

    func run() async throws {
        let folder = directory(out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try await target.with { client in
            let view = try await client.entry(entry)
            for file in view.files {
                let destination = folder.appendingPathComponent(SafeName.of(file.name, n: file.n))
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
        abstract: "Send the sheets kept while the server could not be reached; report each (stored, conflict, refused).")
    @OptionGroup var target: JudgeTarget

    func run() async throws {
        var pending = try PendingSheets.load()
        if pending.isEmpty { return print("nothing to send") }
        try await target.with { client in
            while let sheet = pending.first {
                do {
                    let receipt = try await client.score(sheet.ref, sheet.submission)
                    print("\(sheet.ref): stored (revision \(receipt.revision))")
                } catch ClientError.unreachable(let server, let reason) {
                    try PendingSheets.save(pending)
                    throw fail("cannot reach \(server) (\(reason)); \(pending.count) sheet(s) still pending")
                } catch let error as ClientError {
                    let values = sheet.submission.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    let kind: String
                    if case .stale = error { kind = "conflict" } else { kind = "refused" }
                    print("\(sheet.ref): \(kind): \(error.description) (it held: \(values))")
                }
                pending.removeFirst()
                try PendingSheets.save(pending)
            }
        }
    }
}

/// A file name safe to create: the last path component, no control characters or leading dot.
enum SafeName {
    static func of(_ name: String, n: Int) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return clean.isEmpty || clean.hasPrefix(".") ? "file-\(n)" : clean
    }
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
