import Foundation

/// Runs programs from tests: the reference tools (signify, pg_ctl, …) that check compe's output.
public enum Command {
    /// Runs `arguments` (looked up on PATH) in `directory`; its standard output, trimmed. A
    /// failure carries its standard error. Started with posix_spawn and reaped with waitpid
    /// (Foundation's Process never saw the cluster script end once pg_ctl had started a server
    /// from it), output through files (a server started by pg_ctl would hold a pipe open).
    @discardableResult
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("compe-run-\(UUID().uuidString)").path
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = (["/usr/bin/env"] + (directory.map { ["-C", $0] } ?? []) + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failed(command: arguments.joined(separator: " "), status: -1, stderr: "posix_spawn: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = FileManager.default.contents(atPath: outPath) ?? Data()
        let error = FileManager.default.contents(atPath: errPath) ?? Data()
        guard status == 0 else {
            throw Failed(command: arguments.joined(separator: " "), status: status, stderr: String(decoding: error, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A program that exited with a failure.
    public struct Failed: Error, CustomStringConvertible {
        public var command: String
        public var status: Int32
        public var stderr: String

        public init(command: String, status: Int32, stderr: String) {
            self.command = command
            self.status = status
            self.stderr = stderr
        }

        public var description: String { "\(command) failed: \(stderr)" }
    }
}
