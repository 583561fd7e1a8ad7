import CompeCore
import CompeStore
import Foundation

/// A folder of files with a signed checksum list, the way OpenBSD signs its releases: `SHA256`
/// holds one BSD-style line per file (`SHA256 (name) = hex`) and `SHA256.sig` is that list
/// signed by the site key with the list embedded, so a partner checks everything with
/// `signify -C -p site.pub -x SHA256.sig` and no compe code at all.
public enum SignedPackage {
    /// The checksum list and its signature.
    public static let listName = "SHA256"
    public static let signatureName = "SHA256.sig"

    /// Lists and signs every regular file of `folder` (sorted by name; the list and signature
    /// themselves excepted); returns the list's text.
    @discardableResult
    public static func sign(folder: URL, key: SiteKey) throws -> String {
        var list = ""
        for name in try files(in: folder) {
            list += "SHA256 (\(name)) = \(try FileHash.sha256(folder.appendingPathComponent(name).path))\n"
        }
        try Data(list.utf8).write(to: folder.appendingPathComponent(listName), options: .atomic)
        try key.signEmbedded(Data(list.utf8)).write(to: folder.appendingPathComponent(signatureName), options: .atomic)
        return list
    }

    /// What `verify` found in a package that checks.
    public struct Verified: Sendable, Equatable {
        /// The files the signed list names, in its order.
        public var files: [String]
    }

    /// Why a package does not check, one reason per case.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missing(String)
        case signature(SignatureError)
        case malformedLine(Int)
        case unsafeName(String)
        case changed(String)
        case unlisted(String)
        case required(String)

        public var description: String {
            switch self {
            case .missing(let name): return "\(name) is missing"
            case .signature(let e): return "\(SignedPackage.signatureName): \(e)"
            case .malformedLine(let n): return "\(SignedPackage.signatureName): line \(n) of the signed list is not 'SHA256 (file) = hex'"
            case .unsafeName(let name): return "the signed list names '\(PlainText.clean(name))', which is not a plain file name"
            case .changed(let name): return "\(name) does not match its SHA-256 in the signed list: it was changed after signing"
            case .unlisted(let name): return "\(name) is not in the signed list: it was added after signing"
            case .required(let name): return "\(name) is not in the signed list: a package needs it"
            }
        }
    }

    /// Checks `folder` against `publicKey`: the signature over the embedded list, every listed
    /// file's hash, no file beside them, and each of `required` listed. The list read is the
    /// signed one inside `SHA256.sig` (a `SHA256` file beside it must say the same).
    public static func verify(folder: URL, publicKey: SitePublicKey, required: [String] = []) throws(Failure) -> Verified {
        guard let signed = FileManager.default.contents(atPath: folder.appendingPathComponent(signatureName).path) else {
            throw .missing(signatureName)
        }
        let message: Data
        do { message = try publicKey.verifyEmbedded(signed) } catch { throw .signature(error) }
        var listed: [(name: String, hash: String)] = []
        for (i, line) in String(decoding: message, as: UTF8.self).split(separator: "\n").enumerated() {
            guard line.hasPrefix("SHA256 ("), let close = line.range(of: ") = ", options: .backwards) else { throw .malformedLine(i + 1) }
            let name = String(line[line.index(line.startIndex, offsetBy: 8)..<close.lowerBound])
            let hash = String(line[close.upperBound...])
            guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { throw .malformedLine(i + 1) }
            guard isPlainName(name) else { throw .unsafeName(name) }
            listed.append((name, hash))
        }
        if let plain = FileManager.default.contents(atPath: folder.appendingPathComponent(listName).path), plain != message {
            throw .changed(listName)
        }
        for (name, hash) in listed {
            let path = folder.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { throw .missing(name) }
            guard (try? FileHash.sha256(path)) == hash else { throw .changed(name) }
        }
        let names = Set(listed.map(\.name))
        let present: [String]
        do { present = try files(in: folder) } catch { throw .missing(folder.path) }
        if let extra = present.first(where: { !names.contains($0) }) { throw .unlisted(extra) }
        if let absent = required.first(where: { !names.contains($0) }) { throw .required(absent) }
        return Verified(files: listed.map(\.name))
    }

    /// The regular files of `folder` a list covers, sorted.
    static func files(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { name in
            guard name != listName, name != signatureName, !name.hasPrefix(".") else { return false }
            var info = stat()
            return lstat(folder.appendingPathComponent(name).path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }.sorted()
    }

    /// A name from a signed list must stay inside the folder: no separators, no `..`, no controls.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
