import CompeStore
import Crypto
import Foundation

/// The digest an `Idempotency-Key` is bound to: the method, the contest, every field (name and
/// value) and every file's SHA-256 in order (the form's own, then the resumable uploads it
/// names). Two submissions that differ in any of them differ.
enum RequestDigest {
    static func of(_ contest: String, fields: [String: String], files: [StagedFile]) -> Data {
        var hasher = SHA256()
        func add(_ s: String) {
            hasher.update(data: Data("\(s.utf8.count):".utf8))
            hasher.update(data: Data(s.utf8))
        }
        add("POST")
        add(contest)
        for name in fields.keys.sorted() {
            add(name)
            add(fields[name] ?? "")
        }
        for file in files { add(file.upload.digest) }
        return Data(hasher.finalize())
    }
}
