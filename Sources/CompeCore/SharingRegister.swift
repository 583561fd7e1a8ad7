import Foundation

/// The public register of data sharing (`Content/sharing/register.json`): every agreement
/// with the number of shares made under it and the last day, written by `compe share publish`
/// from the store's share log, reviewed and committed like results, rendered by `compe build`
/// at `/data/sharing/` and published beside it for tools. It is what an entrant reads to see
/// where their data goes; the store's log is private (who ran each share, hashes).
public struct SharingRegister: Codable, Sendable, Hashable {
    /// One partner's line.
    public struct Line: Codable, Sendable, Hashable {
        /// The agreement's handle (its file name).
        public var partner: String
        public var name: [String: String]
        public var kind: String
        /// The signed document's reference.
        public var agreement: String
        public var purpose: [String: String]
        public var basis: String
        /// The contests covered; nil for all.
        public var contests: [String]?
        public var fields: [String]
        /// The smallest group of a statistics agreement.
        public var k: Int?
        public var from: String
        public var until: String
        /// "prohibited", or the reason the partner may pass the data on.
        public var onward: String
        public var onwardAllowed: Bool
        /// The current version (SHA-256 of the agreement file).
        public var version: String
        /// Shares made with this partner, under any version.
        public var shares: Int
        /// The day of the last share (`YYYY-MM-DD`, the site's time zone), if any.
        public var lastShare: String?

        enum CodingKeys: String, CodingKey {
            case partner, name, kind, agreement, purpose, basis, contests, fields, k, from, until, onward
            case onwardAllowed = "onward_allowed", version, shares, lastShare = "last_share"
        }

        /// The line of `agreement`, with `shares` made and the last on `lastShare`.
        public init(_ a: SharingAgreement, shares: Int, lastShare: String?) {
            partner = a.id
            name = a.partner
            kind = a.kind.rawValue
            agreement = a.reference
            purpose = a.purpose
            basis = a.basis.rawValue
            contests = a.contests
            fields = a.fields.map(\.description)
            k = a.basis == .statistics ? a.k : nil
            from = a.from
            until = a.until
            switch a.onward {
            case .prohibited: onward = "prohibited"; onwardAllowed = false
            case .allowed(let reason): onward = reason; onwardAllowed = true
            }
            version = a.version
            self.shares = shares
            self.lastShare = lastShare
        }
    }

    /// When the register was written (RFC 3339, UTC).
    public var generated: String
    /// One line per partner, by handle.
    public var partners: [Line]

    public init(generated: String, partners: [Line]) {
        self.generated = generated
        self.partners = partners.sorted { $0.partner < $1.partner }
    }

    /// The register's text: sorted keys, indented, one trailing newline (stable for review).
    public func json() throws -> Data {
        try JSONCoding.encoder(pretty: true).encode(self) + Data("\n".utf8)
    }

    /// What the page shows: every current agreement (its terms from its file, its counts from
    /// the register), then the register's lines of partners whose agreement file is gone, so a
    /// past recipient never disappears from view.
    public static func lines(agreements: [SharingAgreement], register: SharingRegister?) -> [Line] {
        let recorded = Dictionary((register?.partners ?? []).map { ($0.partner, $0) }, uniquingKeysWith: { a, _ in a })
        let current = agreements.sorted { $0.id < $1.id }.map { a in
            Line(a, shares: recorded[a.id]?.shares ?? 0, lastShare: recorded[a.id]?.lastShare)
        }
        let handles = Set(agreements.map(\.id))
        return current + (register?.partners ?? []).filter { !handles.contains($0.partner) }
    }
}
