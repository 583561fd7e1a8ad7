import Crypto
import Foundation

/// One event of a contest's entry log, as its leaf commits to it: what happened, when, the
/// SHA-256 of every file, a hash of the form's fields, and a 256-bit salt that only the entrant
/// (from the receipt) and the store know. The public log holds the leaf's hash alone, and
/// without the salt nobody can test a guess of a title or an address against it; with the
/// receipt, the entrant can recompute the hash and find it in the log.
public struct LogLeaf: Sendable, Hashable, Codable {
    /// What the leaf records.
    public enum Event: String, Sendable, Codable, CaseIterable {
        /// A new entry.
        case received
        /// An entry's fields or files changed.
        case replaced
        /// Files and fields sent for a later stage.
        case stage
        /// The entrant withdrew the entry.
        case withdrawn
    }

    public var contest: String
    public var event: Event
    /// SHA-256 (hex) of each of the entry's files, in the entry's order.
    public var files: [String]
    /// SHA-256 (hex) of the form's fields (`fieldsHash`).
    public var fields: String
    /// 64 hex digits: 256 random bits.
    public var salt: String
    /// RFC 3339 UTC with seconds.
    public var time: String

    public init(contest: String, event: Event, files: [String], fields: String, salt: String, time: String) {
        self.contest = contest
        self.event = event
        self.files = files
        self.fields = fields
        self.salt = salt
        self.time = time
    }

    /// The leaf's data: canonical JSON, keys sorted, no spaces, UTF-8.
    public var data: [UInt8] {
        let encoder = JSONCoding.encoder()   // canonical: keys sorted, no spaces, "/" as is
        // Encoding strings and arrays of strings cannot fail.
        return [UInt8]((try? encoder.encode(self)) ?? Data())
    }

    /// `SHA-256(0x00 ‖ data)`: the hash the log holds.
    public var hash: MerkleTree.Hash { MerkleTree.leafHash(data) }

    /// A new 256-bit salt, hex.
    public static func newSalt() -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// SHA-256 (hex) of the canonical JSON of an entry's fields (members joined by line breaks,
    /// an absent link as ""), so a receipt proves what was sent without the log showing it.
    public static func fieldsHash(_ draft: EntryDraft) -> String {
        fieldsHash(["title": draft.title, "summary": draft.summary, "team_name": draft.teamName, "members": draft.members.joined(separator: "\n"),
                    "contact_email": draft.contactEmail, "country": draft.country, "link": draft.link ?? ""])
    }

    /// The same for a later stage's fields (by id).
    public static func fieldsHash(_ fields: [String: String]) -> String {
        let encoder = JSONCoding.encoder()   // canonical: keys sorted, no spaces, "/" as is
        let data = (try? encoder.encode(fields)) ?? Data()
        return Hex.encode(SHA256.hash(data: data))
    }
}

/// An event's place in its contest's log, as a receipt carries it: the leaf's index, its data
/// (with the salt) and its hash, so the entrant can recompute the hash and ask for its proof.
public struct LogReceipt: Sendable, Hashable, Codable {
    public var index: Int64
    public var leaf: LogLeaf
    /// Hex of `leaf.hash`.
    public var leafHash: String

    public init(index: Int64, leaf: LogLeaf) {
        self.index = index
        self.leaf = leaf
        leafHash = Hex.encode(leaf.hash)
    }

    enum CodingKeys: String, CodingKey { case index, leaf, leafHash = "leaf_hash" }
}

/// What an entrant keeps to check their entry against the published log, and what
/// `compe verify receipt` reads: the entry's code, its contest and its log events. The entry
/// API's JSON receipt (a single `log` object) reads the same way.
public struct LogReceiptFile: Sendable, Hashable, Codable {
    public var id: String
    public var contest: String
    public var log: [LogReceipt]

    public init(id: String, contest: String, log: [LogReceipt]) {
        self.id = id
        self.contest = contest
        self.log = log
    }

    enum CodingKeys: String, CodingKey { case id, contest, log }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        if let list = try? c.decode([LogReceipt].self, forKey: .log) {
            log = list
        } else {
            log = [try c.decode(LogReceipt.self, forKey: .log)]
        }
        contest = try c.decodeIfPresent(String.self, forKey: .contest) ?? log.first?.leaf.contest ?? ""
    }

    /// The entrant's file for `entry`, indented JSON with sorted keys.
    public static func json(_ entry: Entry) -> String {
        let encoder = JSONCoding.encoder(pretty: true)
        let file = LogReceiptFile(id: entry.code, contest: entry.draft.contest, log: entry.log)
        return String(decoding: (try? encoder.encode(file)) ?? Data(), as: UTF8.self)
    }
}

/// A signed tree head: the size and root of a contest's log at a time, signed with the site's
/// Ed25519 key over the canonical JSON of `{contest, root, size, time}` (keys sorted, no
/// spaces). Published oldest first in `/contests/<slug>/log/heads.json`.
public struct SignedHead: Sendable, Hashable, Codable {
    public var contest: String
    /// The tree's root, hex.
    public var root: String
    public var size: Int64
    /// RFC 3339 UTC with seconds.
    public var time: String
    /// Base64 of the Ed25519 signature of `body`.
    public var signature: String

    public init(contest: String, root: String, size: Int64, time: String, signature: String) {
        self.contest = contest
        self.root = root
        self.size = size
        self.time = time
        self.signature = signature
    }

    /// What is signed: `{"contest":…,"root":…,"size":…,"time":…}`.
    public var body: Data { Self.body(contest: contest, root: root, size: size, time: time) }

    public static func body(contest: String, root: String, size: Int64, time: String) -> Data {
        struct Body: Encodable { var contest: String; var root: String; var size: Int64; var time: String }
        let encoder = JSONCoding.encoder()   // canonical: keys sorted, no spaces, "/" as is
        return (try? encoder.encode(Body(contest: contest, root: root, size: size, time: time))) ?? Data()
    }
}
