import Foundation
import Synchronization

/// Watches directory trees with Linux inotify and reports changes in batches.
///
/// Every directory under the roots is watched (new ones as they appear). After the first
/// event the watcher waits until the tree has been quiet for `quiet` so that an editor's
/// save (write to a temporary file, rename) is one batch, not three.
public final class FileWatcher: @unchecked Sendable {
    private let fd: Int32
    private let quietMilliseconds: Int32
    private let onChange: @Sendable ([String]?) -> Void
    private var directories: [Int32: String] = [:]
    private let stopped = Mutex(false)
    private var thread: Thread?

    /// Errors starting the watcher.
    public struct WatchError: Error, CustomStringConvertible {
        /// Why it failed.
        public var description: String
    }

    /// Watches `roots` (missing ones are skipped); `onChange` runs on the watcher's own thread
    /// with the changed paths of one batch, or nil when the kernel dropped events (anything may
    /// have changed).
    public init(roots: [URL], quiet: Duration = .milliseconds(15), onChange: @escaping @Sendable ([String]?) -> Void) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(description: "cannot watch files: \(String(cString: strerror(errno)))") }
        quietMilliseconds = Int32(quiet.components.seconds * 1000 + quiet.components.attoseconds / 1_000_000_000_000_000)
        self.onChange = onChange
        for root in roots { addTree(root.path) }
    }

    deinit { close(fd) }

    private static let mask = UInt32(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB)

    private func addTree(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return }
        let wd = inotify_add_watch(fd, path, Self.mask)
        if wd >= 0 { directories[wd] = path }
        guard let handle = opendir(path) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            if entry.pointee.d_type == UInt8(DT_DIR) { addTree(path + "/" + name) }
        }
    }

    /// Starts watching on a background thread.
    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "compe-watch"
        self.thread = thread
        thread.start()
    }

    /// Whether `path` is an editor's swap, backup or hidden file rather than content.
    public static func isEditorScratch(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return name.hasPrefix(".") || name.hasSuffix("~") || name.hasSuffix(".swp")
    }

    /// Stops the background thread (within about 100 ms).
    public func stop() { stopped.withLock { $0 = true } }

    private var shouldStop: Bool { stopped.withLock { $0 } }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var pending: [String] = []
        var overflowed = false
        while !shouldStop {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, pending.isEmpty ? 100 : quietMilliseconds)
            if ready > 0 {
                let n = read(fd, &buffer, buffer.count)
                if n > 0 {
                    let (paths, lost) = parse(buffer, count: n)
                    pending += paths
                    overflowed = overflowed || lost
                }
                continue
            }
            if ready == 0, !pending.isEmpty || overflowed {
                let batch = pending
                pending = []
                onChange(overflowed ? nil : batch)
                overflowed = false
            }
        }
    }

    /// Paths named by the events in `buffer`; new directories are watched as they appear.
    private func parse(_ buffer: [UInt8], count: Int) -> (paths: [String], lost: Bool) {
        var out: [String] = []
        var lost = false
        var offset = 0
        buffer.withUnsafeBytes { raw in
            while offset + MemoryLayout<inotify_event>.size <= count {
                let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let nameBytes = raw[nameStart..<min(count, nameStart + Int(event.len))].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 { lost = true }
                if let dir = directories[event.wd] {
                    let path = name.isEmpty ? dir : dir + "/" + name
                    out.append(path)
                    if event.mask & UInt32(IN_ISDIR) != 0, event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { addTree(path) }
                }
                offset = nameStart + Int(event.len)
            }
        }
        return (out, lost)
    }
}
