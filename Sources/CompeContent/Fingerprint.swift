import CompeCore
import Crypto
import Foundation

/// A stable digest of everything one output depends on, the key of the build cache.
///
/// Stable across processes (SHA-256, never Swift's per-process seeded `Hasher`), so a key
/// written by one `compe build` is comparable in the next.
public enum Fingerprint {
    /// The digest of `parts`, each length-prefixed so that no two lists collide by concatenation.
    public static func of(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts {
            var count = UInt64(part.utf8.count).littleEndian
            withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
            var p = part
            p.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return Hex.encode(hasher.finalize().prefix(16))
    }

    /// A text form of any value that is the same in every process: dictionaries and sets are
    /// sorted (their iteration order is seeded per process), everything else follows
    /// `Mirror`'s field order.
    public static func stableText(_ value: Any) -> String {
        var out = ""
        describe(value, into: &out)
        return out
    }

    private static func describe(_ value: Any, into out: inout String) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .dictionary?, .set?:
            let items = mirror.children.map { child -> String in
                var s = ""
                describe(child.value, into: &s)
                return s
            }
            out += "{" + items.sorted().joined(separator: ",") + "}"
        case nil:
            out += String(reflecting: value)
        default:
            if mirror.children.isEmpty {
                out += String(reflecting: value)
                return
            }
            out += "\(mirror.subjectType)("
            for child in mirror.children {
                out += (child.label ?? "") + ":"
                describe(child.value, into: &out)
                out += ";"
            }
            out += ")"
        }
    }

    /// What identifies this compe program: its version and, for builds made from source, the
    /// executable's size and modification time, so a rebuilt compe never reuses output that
    /// its older self rendered.
    public static let generator: String = {
        var info = stat()
        let exe = stat("/proc/self/exe", &info) == 0 ? "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)" : "unknown"
        return "compe \(CompeVersion.current) \(exe)"
    }()
}

/// The version compe reports.
public enum CompeVersion {
    /// Semantic version of this release.
    public static let current = "0.1.0"
}
