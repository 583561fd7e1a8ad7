import Foundation
import Synchronization

/// Runs the real `compe` binary that `swift build` produced next to the test bundle.
enum CompeBinary {
    /// The package root (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `compe` executable in the same build folder as the tests.
    static var url: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("compe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/compe")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `compe args…` in `directory` and waits for it; `environment` is added to this
    /// process's, `input` is what it reads on stdin (nothing: stdin is empty).
    static func run(_ args: [String], in directory: URL, environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = args
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        // stderr is read on its own thread, so a full pipe on one side never blocks the other.
        let errors = ErrorsReader(err.fileHandleForReading)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = errors.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A temp copy of the sample `Content/` and `Static/`.
    static func sampleCopy() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compe-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["Content", "Static"] {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        return dir
    }

    /// Reads a pipe to its end on a thread of its own.
    final class ErrorsReader: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }

    /// A `compe serve` process on a free port.
    struct Server {
        var process: Process
        var port: Int

        /// Stops the server (SIGTERM) and waits for it; nothing when it already ended.
        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// Starts `compe serve --port 0` in `directory` (site in Public/, entries in Data/, no rate limit)
    /// and waits until it listens.
    /// `openFiles` runs it under `ulimit -n` (both limits); `log` receives what it logs.
    static func startServer(in directory: URL, extra: [String] = [], port: Int = 0, openFiles: Int? = nil, log: URL? = nil) throws -> Server {
        let process = Process()
        let arguments = ["serve", "--port", String(port), "--rate-limit", "0"] + extra
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", url.path] + arguments
        } else {
            process.executableURL = url
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        if let log {
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        // A server that has not reported its port within 30 s is stopped, so the read below ends.
        // Only then: a server that did report keeps running however long its test takes.
        let reported = PortReported()
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) {
            if !reported.isSet && process.isRunning { process.terminate() }
        }
        var buffer = ""
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw CocoaError(.fileReadUnknown) }
            buffer += String(decoding: chunk, as: UTF8.self)
            if let range = buffer.range(of: "http://127.0.0.1:"), let end = buffer[range.upperBound...].firstIndex(of: "/") {
                reported.set()
                // Keep reading what the server prints so a full pipe never blocks it.
                let reader = out.fileHandleForReading
                Thread.detachNewThread { while !reader.availableData.isEmpty {} }
                return Server(process: process, port: Int(buffer[range.upperBound..<end])!)
            }
        }
    }
}

/// A flag set once the server has printed its address (read from the watchdog's queue).
private final class PortReported: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
