import CompeCore
import Foundation
import Logging
import Synchronization

/// A log handler for the server's busy path: lines go to a buffer that a background thread
/// writes to stderr every 100 ms (or at once past 64 KiB), so a request never waits on a write
/// to the terminal or the journal. The format is swift-log's own
/// (`2027-01-20T03:00:00Z info compe: key=value … message`). `BufferedLog.flush()` writes what
/// is left (the server calls it when it stops); a process killed with SIGKILL loses at most the
/// last 100 ms of lines.
public struct BufferedLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String

    /// A handler for `label` writing to the shared buffer.
    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var all = metadata
        if let explicit { all = all.isEmpty ? explicit : all.merging(explicit) { $1 } }
        // Bytes appended piece by piece: string interpolation of `Metadata.Value`s and a fresh
        // timestamp per line were a tenth of a cached file's answer.
        var text = [UInt8]()
        text.reserveCapacity(160)
        LogClock.append(to: &text)
        text.append(32)
        text.append(contentsOf: level.rawValue.utf8)
        text.append(32)
        text.append(contentsOf: label.utf8)
        text.append(58)
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            text.append(32)
            text.append(contentsOf: key.utf8)
            text.append(61)
            switch value {
            case .string(let s): text.append(contentsOf: s.utf8)
            case .stringConvertible(let c): text.append(contentsOf: c.description.utf8)
            default: text.append(contentsOf: value.description.utf8)
            }
        }
        text.append(32)
        text.append(contentsOf: message.description.utf8)
        text.append(10)
        BufferedLog.shared.append(text, urgent: level >= .error)
    }
}

/// The log line's time, `2027-01-20T03:04:05.678Z`: the part up to the seconds is made once a
/// second and shared.
enum LogClock {
    private static let second = Mutex<(second: Int, text: [UInt8])>((-1, []))

    static func append(to bytes: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let prefix = second.withLock { cache in
            if cache.second != now.tv_sec {
                let text = UTCTimestamp.format(Date(timeIntervalSince1970: Double(now.tv_sec)), milliseconds: false)
                cache = (now.tv_sec, Array(text.utf8.dropLast()))   // without the "Z"
            }
            return cache.text
        }
        let ms = now.tv_nsec / 1_000_000
        bytes.append(contentsOf: prefix)
        bytes.append(46)
        bytes.append(UInt8(48 + ms / 100))
        bytes.append(UInt8(48 + ms / 10 % 10))
        bytes.append(UInt8(48 + ms % 10))
        bytes.append(90)
    }
}

/// The buffer behind `BufferedLogHandler`.
public final class BufferedLog: Sendable {
    static let shared = BufferedLog()
    private let pending = Mutex([UInt8]())
    /// Held while writing, so chunks reach stderr in the order they were logged.
    private let writing = Mutex(())

    private init() {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                write()
            }
        }
        thread.name = "compe-log"
        thread.start()
    }

    func append(_ line: [UInt8], urgent: Bool) {
        let full = pending.withLock { buffer -> Bool in
            buffer.append(contentsOf: line)
            return buffer.count > 64 * 1024
        }
        if full || urgent { write() }
    }

    private func write() {
        writing.withLock { _ in
            let bytes = pending.withLock { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            guard !bytes.isEmpty else { return }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { if errno == EINTR { continue } else { return } }
                    offset += n
                }
            }
        }
    }

    /// Writes every buffered line now.
    public static func flush() { shared.write() }
}
