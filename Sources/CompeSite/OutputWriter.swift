import CompeContent
import Foundation

/// Writes a finished build so that readers never see half of it.
///
/// Files go into a hidden sibling directory; when all are written the old output is moved
/// aside and the new one renamed into place, then the old one is deleted. A failure before the
/// swap leaves the previous output untouched.
public struct OutputWriter: Sendable {
    /// The output directory (`Public/`).
    public var output: URL

    /// A marker file that says a directory was made by `compe build` and may be replaced.
    public static let marker = ".compe-build"

    /// Creates a writer for `output`.
    public init(output: URL) { self.output = output }

    /// Errors that stop a write.
    public enum WriteError: Error, CustomStringConvertible {
        /// The output exists, is not empty and was not made by compe: refusing to replace it.
        case notOurs(String)
        /// A file system operation failed.
        case io(String)

        public var description: String {
            switch self {
            case .notOurs(let p): return "\(p) exists and was not made by compe build; remove it or choose another --out"
            case .io(let m): return m
            }
        }
    }

    /// Writes `files` and copies `staticFiles` from `staticDir`, then swaps the result into place.
    /// `manifest` becomes the marker's text.
    public func write(_ files: [OutputFile], staticDir: URL, staticFiles: [String], manifest: String = "") throws {
        let fm = FileManager.default
        let parent = output.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: output.path, isDirectory: &isDir) {
            let entries = (try? fm.contentsOfDirectory(atPath: output.path)) ?? []
            if !isDir.boolValue || (!entries.isEmpty && !entries.contains(Self.marker)) {
                throw WriteError.notOurs(output.path)
            }
        }
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).new-\(tag)")
        let retired = parent.appendingPathComponent(".\(output.lastPathComponent).old-\(tag)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            var dirs = Set<String>()
            for path in files.map(\.path) + staticFiles {
                var d = (path as NSString).deletingLastPathComponent
                while !d.isEmpty && dirs.insert(d).inserted { d = (d as NSString).deletingLastPathComponent }
            }
            for d in dirs.sorted() {
                try fm.createDirectory(at: staging.appendingPathComponent(d), withIntermediateDirectories: true)
            }
            for path in staticFiles {
                try fm.copyItem(at: staticDir.appendingPathComponent(path), to: staging.appendingPathComponent(path))
            }
            let failures = ParallelMap.map(files) { file -> String? in
                Self.writeFile(file.contents, to: staging.appendingPathComponent(file.path).path)
                    .map { "cannot write \(file.path): \($0)" }
            }
            if let failure = failures.compactMap({ $0 }).first { throw WriteError.io(failure) }
            if let failure = Self.writeFile(Data(manifest.utf8), to: staging.appendingPathComponent(Self.marker).path) {
                throw WriteError.io("cannot write \(Self.marker): \(failure)")
            }
            if fm.fileExists(atPath: output.path) {
                try fm.moveItem(at: output, to: retired)
            }
            try fm.moveItem(at: staging, to: output)
        } catch {
            try? fm.removeItem(at: staging)
            if !fm.fileExists(atPath: output.path), fm.fileExists(atPath: retired.path) {
                try? fm.moveItem(at: retired, to: output)
            }
            if let e = error as? WriteError { throw e }
            throw WriteError.io("cannot write the site to \(output.path): \(error.localizedDescription)")
        }
        try? fm.removeItem(at: retired)
    }

    /// Updates an existing output in place: writes `changed` files and copies `staticFiles` (each
    /// to a temporary name, then renamed over the old one, so a reader sees the old file or the
    /// new one, never half), deletes `removed` paths, and writes the manifest (if given) last.
    public func update(_ changed: [OutputFile], staticDir: URL, staticFiles: [String], removed: [String], manifest: String?) throws {
        let root = output.path
        var made = Set<String>()
        func ensureParent(_ path: String) {
            var dirs: [String] = []
            var d = (path as NSString).deletingLastPathComponent
            while !d.isEmpty && !made.contains(d) { dirs.append(d); d = (d as NSString).deletingLastPathComponent }
            for dir in dirs.reversed() {
                mkdir(root + "/" + dir, 0o755)
                made.insert(dir)
            }
        }
        func replace(_ path: String, with data: Data) throws {
            ensureParent(path)
            let final = root + "/" + path
            let temp = root + "/" + (path as NSString).deletingLastPathComponent + "/.compe-tmp-\((path as NSString).lastPathComponent)"
            if let failure = Self.writeFile(data, to: temp) { throw WriteError.io("cannot write \(path): \(failure)") }
            guard rename(temp, final) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temp)
                throw WriteError.io("cannot write \(path): \(reason)")
            }
        }
        for file in changed { try replace(file.path, with: file.contents) }
        for path in staticFiles {
            guard let data = FileManager.default.contents(atPath: staticDir.appendingPathComponent(path).path) else {
                throw WriteError.io("cannot read \(staticDir.lastPathComponent)/\(path)")
            }
            try replace(path, with: data)
        }
        for path in removed {
            unlink(root + "/" + path)
            var d = (path as NSString).deletingLastPathComponent
            while !d.isEmpty && rmdir(root + "/" + d) == 0 { d = (d as NSString).deletingLastPathComponent }
        }
        if let manifest { try replace(Self.marker, with: Data(manifest.utf8)) }
    }

    /// Adds lines to the manifest (later lines win over earlier ones for the same path), so
    /// a one-page rebuild does not rewrite the whole list.
    public func appendToManifest(_ lines: String) throws {
        let fd = open(output.path + "/" + Self.marker, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw WriteError.io("cannot update \(Self.marker): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(lines.utf8)
        guard Foundation.write(fd, bytes, bytes.count) == bytes.count else {
            throw WriteError.io("cannot update \(Self.marker): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `data` to a new file at `path` with plain POSIX calls, returning the reason on
    /// failure. No fsync: a build is reproducible, and the swap (or per-file rename) is what
    /// keeps readers from seeing a half-written site. Foundation's `Data.write` syncs every
    /// file, which made writing 10,000 pages most of a build's wall time.
    static func writeFile(_ data: Data, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        return data.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
    }
}
