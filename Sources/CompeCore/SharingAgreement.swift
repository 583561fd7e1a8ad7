import Foundation

/// An agreement to share a contest's data with a partner (a local government, a business body,
/// a bank, a research group), as the team reviewed and committed it in
/// `Content/sharing/<partner>.yml`.
///
/// What may leave compe is exactly what the agreement names: its `basis` says whose rows
/// (entrants who consented, or nobody's — pseudonymised tables only) and its `fields` which
/// columns. Its identity is the SHA-256 of the file's bytes, so any edit is a new version: a
/// consent given to one version does not carry over to another.
public struct SharingAgreement: Sendable, Hashable {
    /// What kind of body the partner is (shown on the public register).
    public enum Kind: String, Sendable, CaseIterable {
        case localGovernment = "local_government"
        case businessBody = "business_body"
        case financialInstitution = "financial_institution"
        case research
        case other
    }

    /// Why the data may be shared at all.
    public enum Basis: String, Sendable, CaseIterable {
        /// Identified rows, of entrants who ticked this agreement's box and have not withdrawn.
        case consent
        /// Pseudonymised tables with small groups merged (k-suppression); nobody identified.
        case statistics
    }

    /// Whether the partner may pass the data on.
    public enum Onward: Sendable, Hashable {
        case prohibited
        /// Allowed, for the stated reason (shown on the register and in the policy).
        case allowed(reason: String)
    }

    /// The file's name without `.yml`: the partner's handle in commands and URLs.
    public var id: String
    /// The file as the user named it, for messages.
    public var path: String
    /// The partner's name in every site language.
    public var partner: [String: String]
    public var kind: Kind
    /// Who answers for the data at the partner (an e-mail address).
    public var contact: String
    /// The signed document's reference ("MOU 2027-04").
    public var reference: String
    /// What the partner may use the data for, in every site language.
    public var purpose: [String: String]
    public var basis: Basis
    /// The contests covered; nil means all of them.
    public var contests: [String]?
    /// The columns that may leave compe.
    public var fields: [SharingField]
    /// Smallest group published on its own (statistics only; never below the site's).
    public var k: Int
    /// First and last day of the agreement, `YYYY-MM-DD` in the site's time zone.
    public var from: String
    public var until: String
    /// The first instant the agreement holds and the first it no longer does (the day after
    /// `until` begins), in the site's time zone.
    public var starts: Date
    public var ends: Date
    public var onward: Onward
    /// SHA-256 of the file's bytes, hex: the agreement's version.
    public var version: String

    public init(id: String, path: String, partner: [String: String], kind: Kind, contact: String, reference: String,
                purpose: [String: String], basis: Basis, contests: [String]?, fields: [SharingField], k: Int,
                from: String, until: String, starts: Date, ends: Date, onward: Onward, version: String) {
        self.id = id
        self.path = path
        self.partner = partner
        self.kind = kind
        self.contact = contact
        self.reference = reference
        self.purpose = purpose
        self.basis = basis
        self.contests = contests
        self.fields = fields
        self.k = k
        self.from = from
        self.until = until
        self.starts = starts
        self.ends = ends
        self.onward = onward
        self.version = version
    }

    /// True when the agreement covers `contest`.
    public func covers(contest: String) -> Bool { contests?.contains(contest) ?? true }

    /// Where `now` stands against the agreement's period.
    public func period(at now: Date) -> Period {
        now < starts ? .notYet : now >= ends ? .ended : .inForce
    }

    /// Before, during or after an agreement's period.
    public enum Period: Sendable, Equatable { case notYet, inForce, ended }
}

/// One column an agreement may share, from a fixed vocabulary: what each means is documented
/// once here and in the README, and a partner can be told exactly what they receive.
public struct SharingField: Sendable, Hashable, CustomStringConvertible {
    /// The table a field belongs to.
    public enum Table: String, Sendable, CaseIterable { case entries, scores }

    public var table: Table
    public var name: String

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let table = Table(rawValue: String(parts[0])),
              Self.vocabulary[table]?.contains(String(parts[1])) == true else { return nil }
        self.table = table
        self.name = String(parts[1])
    }

    public var description: String { "\(table.rawValue).\(name)" }

    /// Names a person or can be traced to one: only under `basis: consent`.
    public var isIdentifying: Bool { table == .entries && Self.identifying.contains(name) }

    /// Every field compe can share, per table, in the order packages lay them out.
    public static let vocabulary: [Table: [String]] = [
        .entries: ["id", "team", "members", "email", "country", "team_size", "received_day", "files", "bytes", "status", "stage_reached"],
        .scores: ["value", "criterion", "judge", "stage"],
    ]

    /// The entry fields that identify an entrant.
    public static let identifying: Set<String> = ["id", "team", "members", "email"]

    /// Every field as written in an agreement, in vocabulary order.
    public static var all: [String] {
        Table.allCases.flatMap { t in (vocabulary[t] ?? []).map { "\(t.rawValue).\($0)" } }
    }
}

/// An entrant's choice about one version of a consent agreement.
public struct ConsentChoice: Sendable, Hashable, Codable {
    /// The agreement's handle (its file name).
    public var partner: String
    /// The agreement's SHA-256: the version consented to.
    public var version: String

    public init(partner: String, version: String) {
        self.partner = partner
        self.version = version
    }
}

extension SharingAgreement {
    /// The name of the entry form's checkbox for this agreement: `consent_<partner>`.
    public var consentField: String { "consent_" + id }

    /// The version an entrant consents to by ticking this agreement's box.
    public var consentChoice: ConsentChoice { ConsentChoice(partner: id, version: version) }

    /// The agreements whose box the entry form of `contest` shows at `now`: consent agreements
    /// covering the contest that have not ended (one not yet in force may already be agreed to),
    /// by handle. Asking for consent to an ended agreement would ask for nothing.
    public static func consentOffers(_ agreements: [SharingAgreement], contest: String, at now: Date) -> [SharingAgreement] {
        agreements.filter { $0.basis == .consent && $0.covers(contest: contest) && $0.period(at: now) != .ended }.sorted { $0.id < $1.id }
    }
}
