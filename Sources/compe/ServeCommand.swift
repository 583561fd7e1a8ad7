import ArgumentParser
import CompeServer
import Foundation
import Logging

/// `compe serve`: the built site (and, later, the entry API) on one port.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the built site on localhost.",
        discussion: "Serves Public/ with clean URLs (/about/ → about/index.html), 404.html for unknown paths, and /healthz."
    )

    @Option(help: "TCP port.") var port = 8080
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("public"), help: "The built site.") var publicDir = "Public"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let dir = directory(publicDir)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.html").path) else {
            throw fail("\(publicDir)/index.html not found: run 'compe build' first")
        }
        var logger = Logger(label: "compe")
        logger.logLevel = .info
        let app = SiteServer.application(ServerConfiguration(host: host, port: port, publicDir: dir), logger: logger) { bound in
            // Written unbuffered: scripts and tests read the bound port from this line.
            FileHandle.standardOutput.write(Data("serving \(dir.path) on http://\(host):\(bound)/\n".utf8))
        }
        try await app.runService()
    }
}
