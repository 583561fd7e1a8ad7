import CompeServices
import CompeTestSupport
import Foundation
import Testing

/// The site key and signed packages, checked by OpenBSD's own `signify` (Debian's
/// signify-openbsd): what compe signs, signify verifies; a key signify made, compe can use; one
/// changed byte, an added file, another key or an edited list is refused by both.
@Suite struct SignedPackageTests {
    static let signify = "signify-openbsd"

    /// A temp folder removed at the end.
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("compe-sign-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        var path: String { url.path }
    }

    /// A package of three files signed by a new key; the public key written as `site.pub` beside
    /// the folder.
    func signedPackage() throws -> (Folder, Folder, SiteKey) {
        let data = try Folder(), package = try Folder()
        let key = try SiteKey.create(data: data.url)
        try data.write("site.pub", key.publicKey.file)
        try package.write("datapackage.json", "{\"name\": \"bank\"}\n")
        try package.write("entries.csv", "id,email\r\nE-0001,a@example.org\r\n")
        try package.write("policy.jsonld", "{}\n")
        try SignedPackage.sign(folder: package.url, key: key)
        return (data, package, key)
    }

    func signifyChecks(_ package: Folder, publicKey: String) -> Result<String, Command.Failed> {
        do {
            return .success(try Command.run([Self.signify, "-C", "-p", publicKey, "-x", "SHA256.sig"], in: package.path))
        } catch let failed as Command.Failed {
            return .failure(failed)
        } catch {
            return .failure(Command.Failed(command: Self.signify, status: -1, stderr: "\(error)"))
        }
    }

    @Test func signifyVerifiesWhatCompeSigns() throws {
        let (data, package, key) = try signedPackage()
        let output = try signifyChecks(package, publicKey: data.path + "/site.pub").get()
        #expect(output.contains("Signature Verified"))
        for name in ["datapackage.json", "entries.csv", "policy.jsonld"] { #expect(output.contains("\(name): OK")) }
        let listed = try String(contentsOf: package.url.appendingPathComponent("SHA256"), encoding: .utf8)
        #expect(listed.hasPrefix("SHA256 (datapackage.json) = ") && listed.split(separator: "\n").count == 3)
        #expect(try SignedPackage.verify(folder: package.url, publicKey: key.publicKey, required: ["policy.jsonld"]).files.count == 3)
    }

    @Test func oneChangedByteIsRefusedByBoth() throws {
        let (data, package, key) = try signedPackage()
        try package.write("entries.csv", "id,email\r\nE-0001,b@example.org\r\n")
        guard case .failure(let failed) = signifyChecks(package, publicKey: data.path + "/site.pub") else {
            Issue.record("signify accepted a changed file")
            return
        }
        #expect(failed.stderr.contains("entries.csv"))
        #expect(throws: SignedPackage.Failure.changed("entries.csv")) {
            try SignedPackage.verify(folder: package.url, publicKey: key.publicKey)
        }
    }

    @Test func anAddedFileAnotherKeyOrAnEditedListIsRefused() throws {
        let (_, package, key) = try signedPackage()
        try package.write("extra.csv", "x\r\n")
        #expect(throws: SignedPackage.Failure.unlisted("extra.csv")) { try SignedPackage.verify(folder: package.url, publicKey: key.publicKey) }
        try FileManager.default.removeItem(at: package.url.appendingPathComponent("extra.csv"))
        #expect(throws: SignedPackage.Failure.required("results.csv")) {
            try SignedPackage.verify(folder: package.url, publicKey: key.publicKey, required: ["results.csv"])
        }

        let other = SiteKey()
        #expect(throws: SignedPackage.Failure.signature(.wrongKey)) { try SignedPackage.verify(folder: package.url, publicKey: other.publicKey) }

        // The embedded list edited to match a changed file: the signature no longer covers it.
        let sig = package.url.appendingPathComponent("SHA256.sig")
        var text = try String(contentsOf: sig, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("SHA256 (entries.csv)") })
        text = text.replacingOccurrences(of: String(line), with: "SHA256 (entries.csv) = " + String(repeating: "0", count: 64))
        try Data(text.utf8).write(to: sig)
        #expect(throws: SignedPackage.Failure.signature(.badSignature)) { try SignedPackage.verify(folder: package.url, publicKey: key.publicKey) }
    }

    @Test func aListNamingAPathOutsideTheFolderIsRefused() throws {
        let (_, package, key) = try signedPackage()
        let list = "SHA256 (../secret.key) = " + String(repeating: "a", count: 64) + "\n"
        try key.signEmbedded(Data(list.utf8)).write(to: package.url.appendingPathComponent("SHA256.sig"))
        try package.write("SHA256", list)
        #expect(throws: SignedPackage.Failure.unsafeName("../secret.key")) { try SignedPackage.verify(folder: package.url, publicKey: key.publicKey) }
    }

    /// Both ways: a key `signify -G -n` made signs here, and what it signs signify verifies.
    @Test func aKeySignifyMadeSignsHere() throws {
        let keys = try Folder(), package = try Folder()
        try Command.run([Self.signify, "-G", "-n", "-p", keys.path + "/made.pub", "-s", keys.path + "/made.sec"])
        let key = try SiteKey(secretFile: String(contentsOf: keys.url.appendingPathComponent("made.sec"), encoding: .utf8))
        let published = try SitePublicKey(file: String(contentsOf: keys.url.appendingPathComponent("made.pub"), encoding: .utf8))
        #expect(key.publicKey == published)
        try package.write("datapackage.json", "{}\n")
        try SignedPackage.sign(folder: package.url, key: key)
        _ = try signifyChecks(package, publicKey: keys.path + "/made.pub").get()
    }

    @Test func theSecretKeyIsPrivateAndNeverReplaced() throws {
        let data = try Folder()
        let key = try SiteKey.create(data: data.url)
        var info = stat()
        #expect(stat(data.path + "/site.sec", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(throws: SignatureError.keyExists(path: data.path + "/site.sec")) { try SiteKey.create(data: data.url) }
        #expect(try SiteKey.load(data: data.url).publicKey == key.publicKey)
        let empty = try Folder()
        #expect(throws: SignatureError.noKey(path: empty.path + "/site.sec")) { try SiteKey.load(data: empty.url) }
    }
}
