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

    /// Size, modification time, change time (ns) and inode of a file: editors that save by
    /// rename change the inode, and a write that puts the old size and modification time back
    /// still moves the change time, which no program can set.
    public static func stamp(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec):\(info.st_ino)"
    }

    /// Whether nothing has been parsed yet.
    public var isEmpty: Bool { state.withLock { $0.pages.isEmpty } }

    /// Takes the pages of `other` (a cache read from disk) as this one's starting point.
    public func adopt(_ other: SourceCache) {
        let pages = other.state.withLock { $0.pages }
        state.withLock { $0.pages.merge(pages) { mine, _ in mine } }
    }

    /// Forgets files that are no longer there (by path relative to `Content/`).
    func retain(only paths: Set<String>) {
        state.withLock { s in
            if s.pages.count > paths.count || s.pages.keys.contains(where: { !paths.contains($0) }) {
                s.pages = s.pages.filter { paths.contains($0.key) }
            }
        }
    }

    // MARK: kept between runs

    /// The file beside the build manifest that keeps the cache for the next `compe build`.
    public static let fileName = ".compe-sources"
    static let header = "compe-sources 1"

    /// Whether a stamp taken during a build that started at `since` (seconds) can be trusted by
    /// a later one: not when the file was modified or changed in that second or after it, since
    /// a second write in the same clock tick can leave size and times as they were (git's "racy"
    /// rule). Such files are read again.
    static func trusted(_ stamp: String, since: Int) -> Bool {
        // Read from the bytes without splitting: it runs once per page of the site (50,000
        // pages: split strings were a tenth of a build with nothing changed).
        var utf8 = stamp.utf8[...]
        if let bar = utf8.lastIndex(of: UInt8(ascii: "|")) { utf8 = utf8[utf8.index(after: bar)...] }
        var seconds: [Int] = []   // size, mtime s, ctime s, inode
        var field = 0, value = 0, digits = 0, inFraction = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if !inFraction { value = value &* 10 &+ Int(byte - UInt8(ascii: "0")); digits += 1 }
            case UInt8(ascii: "."):
                guard field == 1 || field == 2, !inFraction, digits > 0 else { return false }
                inFraction = true
            case UInt8(ascii: ":"):
                guard digits > 0 else { return false }
                seconds.append(value)
                field += 1; value = 0; digits = 0; inFraction = false
            default:
                return false
            }
        }
        guard digits > 0 else { return false }
        seconds.append(value)
        guard seconds.count == 4 else { return false }
        return max(seconds[1], seconds[2]) < since
    }

    /// The cache as `write` left it in `file`, pages' bodies to be read from under `contentRoot`;
    /// an empty cache when there is none, it is damaged, or another compe program wrote it.
    public static func read(from file: String, contentRoot: String) -> SourceCache {
        let cache = SourceCache()
        guard let data = FileManager.default.contents(atPath: file) else { return cache }
        var reader = FieldReader(bytes: [UInt8](data))
        guard reader.field() == header, reader.field() == Fingerprint.generator, let since = reader.field().flatMap({ Int($0) }),
              let count = reader.field().flatMap({ Int($0) }), count >= 0 else { return cache }
        var pages: [String: Entry] = Dictionary(minimumCapacity: count)
        for _ in 0..<count {
            guard let f = reader.fields(14) else { return cache }
            guard trusted(f[1], since: since), let weight = Int(f[9]), let firstLine = Int(f[11]) else { continue }
            let page = PageSource(path: f[2], name: f[3], language: f[4], title: f[5], description: f[6], draft: f[7] == "1",
                                  menu: f[8] == "1", weight: weight, template: f[10], body: nil, file: contentRoot + "/" + f[0],
                                  bodyFirstLine: firstLine, url: f[12], digest: f[13])
            pages[f[0]] = (f[1], page, Diagnostics())
        }
        cache.state.withLock { $0.pages = pages }
        return cache
    }

    /// Writes the pages parsed without a problem to `file` (replaced in one rename), for a build
    /// that started at `since` (seconds since 1970). Drafts are left out (read again each time):
    /// the file sits in the output folder, and a draft's title is not published yet.
    public func write(to file: String, since: Int) throws {
        let pages = state.withLock { $0.pages }.filter { $0.value.page.map { !$0.draft } == true && $0.value.diags.all.isEmpty }
        var out: [UInt8] = []
        out.reserveCapacity(pages.count * 256)
        func put(_ s: String) {
            var s = s
            s.withUTF8 { bytes in
                var n = UInt32(bytes.count).littleEndian
                withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
                out.append(contentsOf: bytes)
            }
        }
        put(Self.header); put(Fingerprint.generator); put(String(since)); put(String(pages.count))
        for (relative, entry) in pages.sorted(by: { $0.key < $1.key }) {
            let p = entry.page!
            for field in [relative, entry.stamp, p.path, p.name, p.language, p.title, p.description, p.draft ? "1" : "0", p.menu ? "1" : "0",
                          String(p.weight), p.template, String(p.bodyFirstLine), p.url, p.digest] { put(field) }
        }
        let temporary = file + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(out)), rename(temporary, file) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }
}

/// Reads the length-prefixed fields `SourceCache.write` puts out.
private struct FieldReader {
    let bytes: [UInt8]
    var at = 0

    mutating func field() -> String? {
        guard at + 4 <= bytes.count else { return nil }
        let n = Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        at += 4
        guard n <= bytes.count - at else { return nil }
        defer { at += n }
        return String(decoding: bytes[at..<at + n], as: UTF8.self)
    }

    mutating func fields(_ count: Int) -> [String]? {
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let f = field() else { return nil }
            out.append(f)
        }
        return out
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
