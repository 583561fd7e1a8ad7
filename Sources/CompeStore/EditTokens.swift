import Crypto
import Foundation

/// Edit tokens: 256-bit values an entrant uses to view, edit or withdraw their entry.
///
/// A token is `HMAC-SHA256(server secret, entry id ‖ per-entry random salt)`, base64url. The
/// database keeps only the salt and `SHA-256(token)`; the secret lives in `Data/secret.key`
/// (mode 0600), apart from the database. This is what lets an `Idempotency-Key` replay return
/// the same token as the first response without the token ever being stored.
public struct EditTokens: Sendable {
    private let secret: Data

    /// Loads `secret.key` from `dataDirectory`, creating it (32 random bytes) on first use.
    public init(dataDirectory: URL) throws {
        let url = dataDirectory.appendingPathComponent("secret.key")
        if let data = FileManager.default.contents(atPath: url.path), data.count == 32 {
            secret = data
            return
        }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let tmp = dataDirectory.appendingPathComponent("secret.key.tmp-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.fileSystem(.create, path: tmp.path, errno: errno)
        }
        // Another process may have won the race: keep whichever file landed first.
        if link(tmp.path, url.path) != 0 {
            unlink(tmp.path)
            guard let existing = FileManager.default.contents(atPath: url.path), existing.count == 32 else {
                throw StoreError.fileSystem(.create, path: url.path, errno: errno)
            }
            secret = existing
            return
        }
        unlink(tmp.path)
        secret = data
    }

    /// A fresh random salt (128 bits).
    public static func newSalt() -> Data {
        Data((0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    /// The token of entry `id` with `salt`.
    public func token(entryID: Int64, salt: Data) -> String {
        var message = Data("compe-edit-token:\(entryID):".utf8)
        message.append(salt)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        // base64url without padding.
        let bytes = Data(mac).base64EncodedString().utf8.compactMap { b -> UInt8? in
            switch b {
            case UInt8(ascii: "+"): return UInt8(ascii: "-")
            case UInt8(ascii: "/"): return UInt8(ascii: "_")
            case UInt8(ascii: "="): return nil
            default: return b
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What the database stores for a token.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Compares a presented token with a stored hash in constant time.
    public static func matches(_ token: String, hash: Data) -> Bool {
        ConstantTime.equal(Self.hash(token), hash)
    }
}
