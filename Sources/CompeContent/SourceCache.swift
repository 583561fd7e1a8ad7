import CompeCore
import Foundation
import Synchronization

/// Pages parsed by earlier loads, keyed by path and by the file's size, modification time and
/// inode, so a long-running process (the dev server) re-reads only files that changed.
public final class SourceCache: Sendable {
    typealias Entry = (stamp: String, page: PageSource?, diags: Diagnostics)
    private struct State {
        var pages: [String: Entry] = [:]
        var verified: Set<String> = []
        var watched = false
    }
    private let state = Mutex(State())

    /// An empty cache.
    public init() {}

    /// The entries, read once per load (no lock per file).
    func snapshot() -> (entries: [String: Entry], verified: Set<String>) {
        state.withLock { ($0.pages, $0.watched ? $0.verified : []) }
    }

    /// Remembers parses of files (by path relative to `Content/`).
    func store(_ new: [(path: String, entry: Entry)]) {
        state.withLock { s in
            for (path, entry) in new {
                s.pages[path] = entry
                if s.watched { s.verified.insert(path) }
            }
        }
    }

    /// Called by a file watcher that sees every change: entries stay trusted without a `stat`
    /// until `changed` (absolute paths under `root`) names them. Pass nil when the watcher lost
    /// events, to check every file again.
    public func invalidate(_ changed: [String]?, root: String) {
        state.withLock { s in
            s.watched = true
            guard let changed else { s.verified = []; return }
            let prefix = root.hasSuffix("/") ? root : root + "/"
            for path in changed where path.hasPrefix(prefix) {
                let relative = String(path.dropFirst(prefix.count))
                s.verified.remove(relative)
                // A renamed or removed directory: forget everything below it.
                let below = relative + "/"
                if s.verified.contains(where: { $0.hasPrefix(below) }) { s.verified = s.verified.filter { !$0.hasPrefix(below) } }
            }
        }
    }

    /// Size, modification time (ns) and inode of a file: editors that save by rename change the inode.
    public static func stamp(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
    }
}

/// Lists files with `opendir`/`readdir` (Foundation's enumerator costs a URL and a stat per entry).
public enum DirectoryWalk {
    /// Paths relative to `dir` of every regular file below it (symbolic links are followed
    /// for files, not for directories); hidden entries are skipped. Empty when `dir` is missing.
    public static func files(under dir: String) -> [String] {
        var out: [String] = []
        walk(dir, prefix: "", into: &out, depth: 0)
        return out
    }

    private static func walk(_ dir: String, prefix: String, into out: inout [String], depth: Int) {
        guard depth < 32, let handle = opendir(dir) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let full = dir + "/" + name
            var type = Int32(entry.pointee.d_type)
            if type == Int32(DT_UNKNOWN) || type == Int32(DT_LNK) {
                var info = stat()
                guard stat(full, &info) == 0 else { continue }
                type = (info.st_mode & S_IFMT) == S_IFDIR ? (type == Int32(DT_LNK) ? -1 : Int32(DT_DIR)) : Int32(DT_REG)
            }
            if type == Int32(DT_DIR) {
                walk(full, prefix: prefix + name + "/", into: &out, depth: depth + 1)
            } else if type == Int32(DT_REG) {
                out.append(prefix + name)
            }
        }
    }
}
