import Foundation

/// Where the data directory may live: never inside the folder the web server publishes.
///
/// `Data/` holds `compe.sqlite`, `secret.key` and every upload. Inside `Public/` the server
/// would serve them (and a plain file read of the database drops SQLite's locks), and
/// `compe build --clean` would delete them. Symbolic links are resolved before comparing.
public enum DataPlacement {
    /// Throws `StoreError.dataInsidePublic` when `data` is `publicDir` or lies below it.
    public static func check(data: URL, publicDir: URL) throws {
        let d = resolved(data), p = resolved(publicDir)
        if d == p || d.hasPrefix(p.hasSuffix("/") ? p : p + "/") {
            throw StoreError.dataInsidePublic(data: data.path, publicDir: publicDir.path)
        }
    }

    /// `url`'s path with every symbolic link resolved, dangling ones included; the part that
    /// does not exist yet (a directory still to be made) appended as written.
    static func resolved(_ url: URL) -> String {
        var path = url.standardizedFileURL.path
        for _ in 0..<40 {
            var existing = path, rest: [String] = []
            var info = stat()
            while lstat(existing, &info) != 0 && existing != "/" {
                rest.insert((existing as NSString).lastPathComponent, at: 0)
                existing = (existing as NSString).deletingLastPathComponent
            }
            let tail = rest.joined(separator: "/")
            if (info.st_mode & S_IFMT) == S_IFLNK, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: existing) {
                let base = target.hasPrefix("/") ? target : (existing as NSString).deletingLastPathComponent + "/" + target
                path = URL(fileURLWithPath: tail.isEmpty ? base : base + "/" + tail).standardizedFileURL.path
                continue
            }
            let real = URL(fileURLWithPath: existing).resolvingSymlinksInPath().path
            return tail.isEmpty ? real : (real.hasSuffix("/") ? real : real + "/") + tail
        }
        return path
    }
}
