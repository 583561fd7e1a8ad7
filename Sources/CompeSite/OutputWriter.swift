import CompeContent
import CLinux
import CompeCore
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
        let staged = try stage()
        let failures = ParallelMap.map(files) { staged.write($0) }
        if let failure = failures.compactMap({ $0 }).first {
            staged.abandon()
            throw WriteError.io(failure)
        }
        try staged.finish(staticDir: staticDir, staticFiles: staticFiles, manifest: manifest)
    }

    /// Starts a complete output in a hidden sibling directory (refusing an output directory
    /// compe did not make). Files can be written into it from many threads while pages are
    /// still being rendered; `finish` swaps it into place, `abandon` removes it.
    public func stage() throws -> StagedOutput {
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
        let staged = StagedOutput(output: output, staging: parent.appendingPathComponent(".\(output.lastPathComponent).new-\(tag)"),
                                  retired: parent.appendingPathComponent(".\(output.lastPathComponent).old-\(tag)"))
        guard mkdir(staged.staging.path, 0o755) == 0 else {
            throw WriteError.io("cannot create \(staged.staging.path): \(String(cString: strerror(errno)))")
        }
        Self.markAsTopOfTree(staged.staging.path)
        return staged
    }

    /// Marks a new output tree as the top of a directory hierarchy (`chattr +T`). ext4 then
    /// places its thousands of folders across block groups instead of next to the output that
    /// a clean build (or `rm -rf Public`) has just deleted, where every new inode costs a scan
    /// past recently freed ones: on this project's test machine that cut the kernel time of
    /// creating 10,000 page folders about fourfold. Other file systems ignore or refuse the
    /// flag; either way nothing else changes.
    static func markAsTopOfTree(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = compe_mark_top_directory(fd)
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
        for file in changed {
            try replace(file.path, with: file.contents)
            if Compression.isCompressible(file.path) { try replace(file.path + ".gz", with: Compression.gzip(file.contents)) }
        }
        for path in staticFiles {
            guard let data = FileManager.default.contents(atPath: staticDir.appendingPathComponent(path).path) else {
                throw WriteError.io("cannot read \(staticDir.lastPathComponent)/\(path)")
            }
            try replace(path, with: data)
            if Compression.isCompressible(path) { try replace(path + ".gz", with: Compression.gzip(data)) }
        }
        for path in removed {
            unlink(root + "/" + path)
            unlink(root + "/" + path + ".gz")
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

/// A clean build's output while it is written: a hidden directory next to the output that
/// replaces it in one swap. Readers never see a half-written site, and a failed build leaves
/// the old output as it was.
public final class StagedOutput: Sendable {
    let output: URL
    let staging: URL
    let retired: URL

    init(output: URL, staging: URL, retired: URL) {
        self.output = output
        self.staging = staging
        self.retired = retired
    }

    /// Writes one file (creating its folders), and its `.gz` when it is text; safe from many
    /// threads. Returns the reason on failure.
    public func write(_ file: OutputFile) -> String? {
        let dir = (file.path as NSString).deletingLastPathComponent
        if !dir.isEmpty, let failure = ensureDirectory(dir) { return "cannot write \(file.path): \(failure)" }
        if let failure = OutputWriter.writeFile(file.contents, to: staging.path + "/" + file.path) { return "cannot write \(file.path): \(failure)" }
        guard Compression.isCompressible(file.path) else { return nil }
        return OutputWriter.writeFile(Compression.gzip(file.contents), to: staging.path + "/" + file.path + ".gz").map { "cannot write \(file.path).gz: \($0)" }
    }

    /// `mkdir -p` below the staging directory; concurrent callers may race on the same folder.
    private func ensureDirectory(_ relative: String) -> String? {
        if mkdir(staging.path + "/" + relative, 0o755) == 0 || errno == EEXIST { return nil }
        guard errno == ENOENT else { return String(cString: strerror(errno)) }
        let parent = (relative as NSString).deletingLastPathComponent
        if !parent.isEmpty, let failure = ensureDirectory(parent) { return failure }
        return mkdir(staging.path + "/" + relative, 0o755) == 0 || errno == EEXIST ? nil : String(cString: strerror(errno))
    }

    /// Copies the static files, writes the manifest, and swaps the staged site into place.
    public func finish(staticDir: URL, staticFiles: [String], manifest: String) throws {
        let fm = FileManager.default
        do {
            for path in staticFiles {
                let dir = (path as NSString).deletingLastPathComponent
                if !dir.isEmpty, let failure = ensureDirectory(dir) { throw OutputWriter.WriteError.io(failure) }
                try fm.copyItem(at: staticDir.appendingPathComponent(path), to: staging.appendingPathComponent(path))
                if Compression.isCompressible(path), let data = fm.contents(atPath: staticDir.appendingPathComponent(path).path),
                   let failure = OutputWriter.writeFile(Compression.gzip(data), to: staging.path + "/" + path + ".gz") {
                    throw OutputWriter.WriteError.io("cannot write \(path).gz: \(failure)")
                }
            }
            if let failure = OutputWriter.writeFile(Data(manifest.utf8), to: staging.appendingPathComponent(OutputWriter.marker).path) {
                throw OutputWriter.WriteError.io("cannot write \(OutputWriter.marker): \(failure)")
            }
            if fm.fileExists(atPath: output.path) {
                try fm.moveItem(at: output, to: retired)
            }
            try fm.moveItem(at: staging, to: output)
        } catch {
            abandon()
            if !fm.fileExists(atPath: output.path), fm.fileExists(atPath: retired.path) {
                try? fm.moveItem(at: retired, to: output)
            }
            if let e = error as? OutputWriter.WriteError { throw e }
            throw OutputWriter.WriteError.io("cannot write the site to \(output.path): \(error.localizedDescription)")
        }
        try? fm.removeItem(at: retired)
    }

    /// Removes the staged files; the output stays as it was.
    public func abandon() {
        try? FileManager.default.removeItem(at: staging)
    }
}
