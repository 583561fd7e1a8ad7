import ArgumentParser
import CompeClient
import CompeServices
import CompeWire
import Foundation

/// Where `compe judge …` gets its answers: the judging service on this machine (`--judge` and
/// `--data`, as an organiser or a judge on the server), or the server over HTTPS with the
/// credentials `compe judge login` saved (overridden by `--server`, `--ca-file` and
/// `COMPE_JUDGE_TOKEN`).
struct JudgeTarget: ParsableArguments {
    @Option(help: "Your judge handle: work on --data on this machine instead of the server.") var judge: String?
    @Option(help: "The server's address (overrides the one saved by 'compe judge login').") var server: String?
    @Option(name: .customLong("ca-file"), help: "A PEM file of the private CA that signed the server's certificate.") var caFile: String?
    @OptionGroup var options: DataOptions

    /// The handle to name in messages.
    var who: String { judge ?? "you" }

    /// Runs `body` with the client in force; a remote client is closed afterwards.
    func with<T>(_ body: (any JudgeClient) async throws -> T) async throws -> T {
        if let judge { return try await body(LocalJudge(service: try options.service(), judge: judge)) }
        guard let credentials = try Credentials.effective(server: server, caFile: caFile) else {
            throw fail("not logged in: run 'compe judge login https://…' (or pass --judge <handle> to work on --data here)")
        }
        let remote = try RemoteJudge(credentials)
        do {
            let result = try await body(remote)
            await remote.shutdown()
            return result
        } catch {
            await remote.shutdown()
            throw error
        }
    }

    /// The server the remote client talks to (for pending sheets).
    func serverAddress() throws -> String? {
        try Credentials.effective(server: server, caFile: caFile).map(\.server)
    }
}
