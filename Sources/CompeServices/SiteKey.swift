import CompeCore
import CompeStore
import Crypto
import Foundation

/// The site's Ed25519 signing key, kept in OpenBSD **signify**'s formats so partners and
/// entrants check what compe signs with a standard tool (`signify -C -p site.pub -x SHA256.sig`)
/// instead of trusting compe's own code.
///
/// The secret key lives under the data folder as `site.sec` (signify's secret-key file without a
/// passphrase: a server must sign unattended; the file is 0600 and goes into backups like
/// `secret.key`). The public key is `site.pub`, which `compe build` publishes at
/// `/data/site.pub`.
public struct SiteKey: Sendable {
    /// The 8 random bytes signify calls the key number: a signature names the key it needs.
    public let keyNumber: [UInt8]
    /// The Ed25519 seed (32 bytes); kept as bytes, the key type is not Sendable.
    let seed: Data

    var signing: Curve25519.Signing.PrivateKey {
        // The seed was checked when the key was made or read.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    /// File names under the data folder and in `Content/`.
    public static let secretName = DataFile.siteKey
    public static let publicName = "site.pub"

    /// A new random key.
    public init() {
        var number = [UInt8](repeating: 0, count: 8)
        var rng = SystemRandomNumberGenerator()
        for i in number.indices { number[i] = UInt8.random(in: 0...255, using: &rng) }
        self.init(keyNumber: number, signing: Curve25519.Signing.PrivateKey())
    }

    init(keyNumber: [UInt8], signing: Curve25519.Signing.PrivateKey) {
        self.keyNumber = keyNumber
        self.seed = signing.rawRepresentation
    }

    /// The public half.
    public var publicKey: SitePublicKey { SitePublicKey(keyNumber: keyNumber, key: signing.publicKey) }

    /// signify's secret-key file: `Ed`, `BK`, 0 KDF rounds (no passphrase), a zero salt, the
    /// first 8 bytes of SHA-512 of the 64-byte secret (seed ‖ public key) as a checksum, the key
    /// number and the secret.
    public var secretFile: String {
        let secret = Array(signing.rawRepresentation) + Array(signing.publicKey.rawRepresentation)
        var bytes = Array("EdBK".utf8) + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
        bytes += Array(SHA512.hash(data: secret).prefix(8)) + keyNumber + secret
        return SignifyFile.commentPrefix + SiteKey.secretComment + "\n" + Data(bytes).base64EncodedString() + "\n"
    }

    static let secretComment = "compe site secret key"

    /// Reads `site.sec` as `secretFile` writes it (or as `signify -G -n` does).
    public init(secretFile text: String) throws(SignatureError) {
        guard let bytes = SignifyFile.payload(text) else { throw .malformed("not a signify secret key file (a comment line, then base64)") }
        guard bytes.count == 104, bytes[0..<4].elementsEqual("EdBK".utf8) else { throw .malformed("not an Ed25519 signify secret key") }
        guard bytes[4..<8].allSatisfy({ $0 == 0 }) else {
            throw .malformed("the secret key has a passphrase; compe signs unattended and needs one without (signify -G -n)")
        }
        let secret = Array(bytes[40..<104])
        guard Array(SHA512.hash(data: secret).prefix(8)) == Array(bytes[24..<32]),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: secret[0..<32]),
              Array(key.publicKey.rawRepresentation) == Array(secret[32..<64]) else { throw .malformed("the secret key's checksum does not match: the file is damaged") }
        self.init(keyNumber: Array(bytes[32..<40]), signing: key)
    }

    /// A signature file with `message` embedded (`signify -S -e`): a comment line, the
    /// signature (`Ed`, key number, 64 bytes) in base64, then the message itself.
    public func signEmbedded(_ message: Data, comment: String = "verify with \(SiteKey.publicName)") throws -> Data {
        let signature = try signing.signature(for: message)
        let line = Data((Data("Ed".utf8) + keyNumber + signature).base64EncodedString().utf8)
        return Data((SignifyFile.commentPrefix + comment + "\n").utf8) + line + Data("\n".utf8) + message
    }

    /// The raw Ed25519 signature of `message`.
    public func signature(for message: Data) throws -> Data { try signing.signature(for: message) }

    /// The key in `data` (`site.sec`), or a clear error when there is none yet.
    public static func load(data: URL) throws(SignatureError) -> SiteKey {
        let path = data.appendingPathComponent(secretName).path
        guard let bytes = FileManager.default.contents(atPath: path) else { throw .noKey(path: path) }
        return try SiteKey(secretFile: String(decoding: bytes, as: UTF8.self))
    }

    /// `compe keys init`: a new key, its secret in `data` and its public half as `site.pub` in
    /// `content` (for the team to commit; `compe build` publishes it). Refused when either is
    /// there already: a `site.pub` without its secret would be replaced by a key that does not
    /// verify what was signed before.
    @discardableResult
    public static func initialise(data: URL, content: URL) throws(SignatureError) -> SiteKey {
        let secret = data.appendingPathComponent(secretName).path, published = content.appendingPathComponent(publicName)
        guard !FileManager.default.fileExists(atPath: secret) else { throw .keyExists(path: secret) }
        guard !FileManager.default.fileExists(atPath: published.path) else { throw .publicKeyWithoutSecret(published: published.path, secret: secret) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: content.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .unwritable(path: content.path)
        }
        let key = try create(data: data)
        do {
            try Data(key.publicKey.file.utf8).write(to: published, options: .atomic)
        } catch {
            throw .unwritable(path: published.path)
        }
        return key
    }

    /// Creates `site.sec` under `data` (0600, written whole or not at all) and returns the key;
    /// refuses to replace one: everything signed so far names it.
    public static func create(data: URL) throws(SignatureError) -> SiteKey {
        let path = data.appendingPathComponent(secretName).path
        guard !FileManager.default.fileExists(atPath: path) else { throw .keyExists(path: path) }
        do {
            // Private like the rest of the data folder (the store makes it 0700 too).
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: data.path)
        }
        let key = SiteKey()
        let partial = path + ".part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unwritable(path: partial) }
        let bytes = Array(key.secretFile.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, link(partial, path) == 0 else {
            unlink(partial)
            throw FileManager.default.fileExists(atPath: path) ? .keyExists(path: path) : .unwritable(path: path)
        }
        unlink(partial)
        return key
    }
}

/// The site's public key, as signify writes it (`site.pub`).
public struct SitePublicKey: Sendable, Equatable {
    public let keyNumber: [UInt8]
    /// The 32-byte Ed25519 key (bytes: the key type is not Sendable).
    let raw: Data

    var key: Curve25519.Signing.PublicKey {
        // Checked when the key was read.
        try! Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    /// signify's public-key file: `Ed`, the key number, the 32-byte key.
    public var file: String {
        SignifyFile.commentPrefix + "compe site public key\n" + (Data("Ed".utf8) + keyNumber + raw).base64EncodedString() + "\n"
    }

    /// Reads a public-key file (compe's or signify's).
    public init(file text: String) throws(SignatureError) {
        guard SignifyFile.payload(text) != nil else { throw .malformed("not a signify public key file (a comment line, then base64)") }
        guard let (number, raw) = SignifyFile.publicKey(text),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw .malformed("not an Ed25519 signify public key") }
        self.init(keyNumber: number, key: key)
    }

    init(keyNumber: [UInt8], key: Curve25519.Signing.PublicKey) {
        self.keyNumber = keyNumber
        self.raw = key.rawRepresentation
    }

    /// The public-key file at `path` (a partner's copy of `/data/site.pub`).
    public static func load(_ path: URL) throws(SignatureError) -> SitePublicKey {
        guard let bytes = FileManager.default.contents(atPath: path.path) else { throw .noPublicKey(path: path.path) }
        return try SitePublicKey(file: String(decoding: bytes, as: UTF8.self))
    }

    /// True when `signature` (raw, 64 bytes) is this key's over `message`.
    public func isValid(_ signature: Data, for message: Data) -> Bool { key.isValidSignature(signature, for: message) }

    /// The message of an embedded signature file, once its signature checks against this key.
    public func verifyEmbedded(_ file: Data) throws(SignatureError) -> Data {
        let lines = file.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count == 3, lines[0].starts(with: Array(SignifyFile.commentPrefix.utf8)),
              let bytes = Data(base64Encoded: Data(lines[1])), bytes.count == 74, bytes.prefix(2).elementsEqual("Ed".utf8) else {
            throw .malformed("not a signify signature with an embedded message")
        }
        guard Array(bytes[2..<10]) == keyNumber else { throw .wrongKey }
        let message = Data(lines[2])
        guard isValid(bytes[10..<74], for: message) else { throw .badSignature }
        return message
    }

}

/// Why a key could not be made or read, or a signature did not check.
public enum SignatureError: Error, Equatable, CustomStringConvertible {
    case noKey(path: String)
    case keyExists(path: String)
    case publicKeyWithoutSecret(published: String, secret: String)
    case noPublicKey(path: String)
    case unwritable(path: String)
    case malformed(String)
    case wrongKey
    case badSignature

    public var description: String {
        switch self {
        case .noKey(let path): return "no signing key at \(path): create it with 'compe keys init'"
        case .keyExists(let path): return "\(path) exists: compe never replaces the site's key, as everything signed so far names it"
        case .publicKeyWithoutSecret(let published, let secret):
            return "\(published) exists but \(secret) does not: restore the key from a backup of the data folder, "
                + "or remove site.pub to start over with a new key (packages signed before will no longer verify)"
        case .noPublicKey(let path): return "no public key at \(path): download the site's /data/site.pub and name it with --key"
        case .unwritable(let path): return "cannot write \(path)"
        case .malformed(let what): return what
        case .wrongKey: return "signed with another key than this site's (the key numbers differ)"
        case .badSignature: return "the signature does not match: the list was changed after it was signed, or signed by another key"
        }
    }
}
