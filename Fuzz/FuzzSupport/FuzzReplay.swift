import Foundation

/// Runs a fuzz target's body over files, without libFuzzer: the seed corpus and every saved
/// crash become regression inputs that the normal test run replays.
public enum FuzzReplay {
    /// Calls `body` with the bytes of each file named in `paths` (folders: every file inside).
    /// Returns the number of inputs run.
    @discardableResult
    public static func run(_ paths: [String], _ body: (UnsafeRawBufferPointer) -> Void) -> Int {
        var count = 0
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            let files = isDir.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                data.withUnsafeBytes(body)
                count += 1
            }
        }
        return count
    }
}
