import CompeContent
import Foundation

/// What the last build wrote, kept in the output's `.compe-build` marker: for every generated
/// file the key of its inputs, its size and its internal links; for every `Static/` file the
/// size and modification time it was copied at. The next build re-renders only files whose key
/// changed and re-checks links of the others from this list, without reading their HTML.
public struct BuildManifest: Sendable, Equatable {
    /// One generated file.
    public struct Output: Sendable, Equatable {
        /// `Fingerprint` of the file's inputs.
        public var key: String
        /// Bytes written, to notice a file changed or removed by hand.
        public var size: Int
        /// Its `href`/`src` values, for the link check.
        public var links: [String]
    }

    /// The program that wrote it; another program's manifest is not trusted.
    public var generator: String
    /// Generated files by output path.
    public var outputs: [String: Output] = [:]
    /// Static files by path: the source's `SourceCache.stamp` when copied.
    public var statics: [String: String] = [:]
    /// The fingerprinted names pages link (the server's own pages link the same).
    public var assets = AssetNames()

    static let header = "compe-build-manifest 1"

    /// The manifest in `output`, or nil when there is none, it is unreadable, or another compe wrote it.
    public static func read(from output: URL) -> BuildManifest? {
        guard let data = FileManager.default.contents(atPath: output.appendingPathComponent(OutputWriter.marker).path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == header, String(lines[1]) == Fingerprint.generator else { return nil }
        var manifest = BuildManifest(generator: String(lines[1]))
        for line in lines.dropFirst(2) where !line.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            switch (f.first, f.count) {
            case ("o"?, 5):
                guard let size = Int(f[3]) else { return nil }
                manifest.outputs[String(f[1])] = Output(key: String(f[2]), size: size,
                                                        links: f[4].isEmpty ? [] : f[4].split(separator: "\u{1F}").map(String.init))
            case ("s"?, 3):
                manifest.statics[String(f[1])] = String(f[2])
            case ("a"?, 3):
                manifest.assets.names[String(f[1])] = String(f[2])
            default:
                return nil
            }
        }
        return manifest
    }

    /// The line of one output, as `text` writes it.
    func line(_ path: String) -> String {
        guard let o = outputs[path] else { return "" }
        return "o\t\(path)\t\(o.key)\t\(o.size)\t\(o.links.joined(separator: "\u{1F}"))\n"
    }

    /// The manifest as the marker file's text (sorted, so equal builds write equal bytes).
    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(outputs.count * 160)
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        put(Self.header + "\n" + generator + "\n")
        for (path, o) in outputs.sorted(by: { $0.key < $1.key }) {
            put("o\t"); put(path); put("\t"); put(o.key); put("\t"); put(String(o.size)); put("\t")
            for (i, link) in o.links.enumerated() {
                if i > 0 { out.append(0x1F) }
                put(link)
            }
            out.append(10)
        }
        for (path, stamp) in statics.sorted(by: { $0.key < $1.key }) { put("s\t\(path)\t\(stamp)\n") }
        for (path, name) in assets.names.sorted(by: { $0.key < $1.key }) { put("a\t\(path)\t\(name)\n") }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a path or link can be stored in the line format (no tabs, newlines or separators).
    static func storable(_ s: String) -> Bool {
        !s.utf8.contains { $0 == 9 || $0 == 10 || $0 == 0x1F }
    }


    /// The size of a file, or nil when it does not exist.
    static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }
}
