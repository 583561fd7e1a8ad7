import CompeContent
import CompeCore
import CompeStore
import Crypto
import Foundation

/// Why `compe share` refused: every case is a rule of the agreement, said in one line.
public enum SharingError: Error, CustomStringConvertible, Equatable {
    case unknownPartner(String, known: [String])
    case notYet(partner: String, from: String)
    case ended(partner: String, until: String)
    case notCovered(partner: String, contest: String, covered: [String])
    case chooseContest(partner: String, covered: [String])
    case noConsents(partner: String)
    /// The agreement's file changed since the entrants consented: their consent was to an
    /// earlier version and does not carry over.
    case changedSinceConsent(partner: String, earlier: Int)
    case outputNotEmpty(String)

    public var description: String {
        switch self {
        case .unknownPartner(let p, let known):
            return "no agreement '\(p)' in sharing/" + (known.isEmpty ? " (there is none yet)" : " (agreements: \(known.joined(separator: ", ")))")
        case .notYet(let p, let from): return "the agreement with '\(p)' holds from \(from): nothing can be shared before"
        case .ended(let p, let until): return "the agreement with '\(p)' ended on \(until): nothing more can be shared under it"
        case .notCovered(let p, let c, let covered):
            return "the agreement with '\(p)' does not cover contest '\(c)' (it covers: \(covered.joined(separator: ", ")))"
        case .chooseContest(let p, let covered):
            return "the agreement with '\(p)' covers several contests: name one with --contest (\(covered.joined(separator: ", ")))"
        case .noConsents(let p): return "no entrant's consent to the current version of the agreement with '\(p)' stands: nothing to share"
        case .changedSinceConsent(let p, let n):
            return "the agreement with '\(p)' changed since \(n) \(n == 1 ? "entrant" : "entrants") consented to it, and nobody has consented to this version: "
                + "their consent does not carry over (restore the file, or ask them again)"
        case .outputNotEmpty(let path): return "\(path) is not empty: a package is written into a new or empty folder"
        }
    }
}

/// What `compe share` wrote.
public struct ShareReport: Sendable {
    public var record: ShareRecord
    /// The files written, in the package's folder.
    public var files: [String]
}

extension JudgingService {
    /// Writes the package `partner`'s agreement allows into `folder` (new or empty), with
    /// `policy.jsonld`, the checksum list and its signature, and records the share.
    ///
    /// Under `statistics`: the contest's open-data tables with the agreement's `k`, keeping
    /// only the agreed columns (and the pseudonyms that join them). The agreement must be in
    /// force at `now` and cover the contest.
    public func share(partner: String, contest: String?, folder: URL, display: String, key: SiteKey, by user: String,
                      now: Date = Date()) async throws -> ShareReport {
        guard let agreement = catalog.agreements[partner] else { throw SharingError.unknownPartner(partner, known: catalog.agreements.keys.sorted()) }
        switch agreement.period(at: now) {
        case .notYet: throw SharingError.notYet(partner: partner, from: agreement.from)
        case .ended: throw SharingError.ended(partner: partner, until: agreement.until)
        case .inForce: break
        }
        let covered = agreement.contests ?? catalog.contests.keys.sorted()
        let slug: String
        if let contest {
            _ = try catalog.contest(contest)
            guard agreement.covers(contest: contest) else { throw SharingError.notCovered(partner: partner, contest: contest, covered: covered) }
            slug = contest
        } else if covered.count == 1 {
            slug = covered[0]
        } else {
            throw SharingError.chooseContest(partner: partner, covered: covered)
        }
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw SharingError.outputNotEmpty(display)
        }

        var files: [(name: String, data: Data)]
        switch agreement.basis {
        case .statistics:
            files = try await openDataPackage(contest: slug, k: agreement.k, now: now, columns: SharedColumns.statistics(agreement.fields)).files
        case .consent:
            // Identified rows need a standing consent to this very version of the agreement.
            let consenting = try await storeErrors { try await store.standingConsents(partner: partner, version: agreement.version) }
            guard !consenting.isEmpty else {
                let earlier = try await storeErrors { try await store.standingConsents(partner: partner, otherThan: agreement.version) }
                throw earlier.isEmpty ? SharingError.noConsents(partner: partner) : SharingError.changedSinceConsent(partner: partner, earlier: earlier.count)
            }
            files = try await consentPackage(contest: slug, agreement: agreement, consenting: consenting, now: now)
        }
        let target = "urn:uuid:" + UUID().uuidString.lowercased()
        files.append(("policy.jsonld", try SharingPolicy(agreement: agreement, config: catalog.config, target: target, issued: now).json()))
        let list: String
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files { try file.data.write(to: folder.appendingPathComponent(file.name), options: .atomic) }
            list = try SignedPackage.sign(folder: folder, key: key)
        } catch {
            throw JudgingError.cannotWrite(display, underlying: error)
        }
        let rows = Dictionary(uniqueKeysWithValues: files.filter { $0.name.hasSuffix(".csv") }.map { file in
            (file.name, max(0, String(decoding: file.data, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count - 1))
        })
        // The package as written and signed, kept in the store for the partner API.
        let kept = try (files.map(\.name) + [SignedPackage.listName, SignedPackage.signatureName]).map { name in
            (name: name, data: try Data(contentsOf: folder.appendingPathComponent(name)))
        }
        let record = try await storeErrors {
            try await store.recordShare(ShareRecord(partner: partner, agreementVersion: agreement.version, contests: [slug], rows: rows,
                                                    manifestSHA256: Hex.encode(SHA256.hash(data: Data(list.utf8))), createdBy: user, createdAt: now),
                                        files: kept)
        }
        return ShareReport(record: record, files: files.map(\.name) + [SignedPackage.listName, SignedPackage.signatureName])
    }
}

extension JudgingService {
    /// The public register as of `now`: every agreement in `sharing/` with the shares made
    /// under any of its versions and the day of the last; partners of `previous` whose file is
    /// gone keep their line (their counts brought up to date), so none drops out of view.
    public func sharingRegister(previous: SharingRegister?, now: Date = Date()) async throws -> SharingRegister {
        let shares = try await storeErrors { try await store.shares() }
        let byPartner = Dictionary(grouping: shares, by: \.partner)
        func last(_ partner: String) -> String? {
            byPartner[partner]?.map(\.createdAt).max().map { DateParsing.ymd($0, in: catalog.timeZone) }
        }
        var lines = catalog.agreements.values.map { SharingRegister.Line($0, shares: byPartner[$0.id]?.count ?? 0, lastShare: last($0.id)) }
        for var old in previous?.partners ?? [] where catalog.agreements[old.partner] == nil {
            old.shares = byPartner[old.partner]?.count ?? old.shares
            old.lastShare = last(old.partner) ?? old.lastShare
            lines.append(old)
        }
        return SharingRegister(generated: UTCTimestamp.format(now, milliseconds: false), partners: lines)
    }

    /// A consent agreement's package: one row per entrant of `contest` whose consent stands,
    /// with the agreed columns only, and their scores when the agreement names any. Judges are
    /// random pseudonyms (they are not party to the entrants' consent); an entry is named by its
    /// code only when `entries.id` is agreed, otherwise by a random pseudonym.
    func consentPackage(contest slug: String, agreement: SharingAgreement, consenting: Set<Int64>, now: Date) async throws -> [(name: String, data: Data)] {
        let contest = try catalog.contest(slug)
        let entries = try await storeErrors { try await store.entries(contest: slug) }.filter { consenting.contains($0.id) }
        var reached: [Int64: String] = [:]
        var sheets: [ScoreSheet] = []
        for stage in contest.stages {
            sheets += try await storeErrors { try await store.sheets(contest: slug, stage: stage.id) }.filter { consenting.contains($0.entryID) }
            if stage.id != contest.later.firstID {
                for id in try await storeErrors({ try await store.finalists(contest: slug, stage: stage.id) }) { reached[id] = stage.id }
            }
        }
        let fields = Set(agreement.fields.map(\.description))
        var rng = SystemRandomNumberGenerator()
        let named = fields.contains("entries.id")
        let alias = Dictionary(uniqueKeysWithValues: entries.shuffled(using: &rng).enumerated().map { ($1.id, named ? $1.code : "entry-\($0 + 1)") })
        let judges = Dictionary(uniqueKeysWithValues: Set(sheets.map(\.judge)).shuffled(using: &rng).enumerated().map { ($1, "judge-\($0 + 1)") })
        let zone = catalog.timeZone
        let columns = SharedTable.consentEntryColumns.filter { $0.name == "entry" || fields.contains("entries." + $0.name) }
        var entryTable = SharedTable(name: "entries", title: "Entrants who consented to this agreement", columns: columns, key: ["entry"])
        for e in entries.sorted(by: { alias[$0.id]! < alias[$1.id]! }) {
            let values: [String: String] = [
                "entry": alias[e.id]!, "team": e.draft.teamName, "members": e.draft.members.joined(separator: "; "), "email": e.draft.contactEmail,
                "country": e.draft.country, "team_size": String(e.draft.members.count), "received_day": DateParsing.ymd(e.receivedAt, in: zone),
                "files": String(e.files.count), "bytes": String(e.files.reduce(0) { $0 + $1.bytes }),
                "status": e.withdrawnAt == nil ? "active" : "withdrawn", "stage_reached": reached[e.id] ?? contest.later.firstID,
            ]
            entryTable.add(columns.map { values[$0.name] ?? "" })
        }
        var tables = [entryTable]
        let scoreFields = SharedTable.scoreColumns.filter { $0.name == "entry" || fields.contains("scores." + $0.name) }
        if scoreFields.count > 1 {
            var scoreTable = SharedTable(name: "scores", title: "Their scores", columns: scoreFields, key: [])
            for sheet in sheets.sorted(by: { (alias[$0.entryID]!, judges[$0.judge]!, $0.stage) < (alias[$1.entryID]!, judges[$1.judge]!, $1.stage) }) {
                for (criterion, value) in sheet.values.sorted(by: { $0.key < $1.key }) {
                    let values = ["entry": alias[sheet.entryID]!, "judge": judges[sheet.judge]!, "stage": sheet.stage, "criterion": criterion,
                                  "value": String(value)]
                    scoreTable.add(scoreFields.map { values[$0.name] ?? "" })
                }
            }
            tables.append(scoreTable)
        }
        let descriptor = SharedDescriptor(name: "compe-\(slug)-\(agreement.id)", title: "\(contest.title): shared with \(agreement.partner["en"] ?? agreement.id)",
                                          description: "Rows of entrants who consented to the agreement \(agreement.reference) (version \(agreement.version)); "
                                            + "shared under that agreement only: see policy.jsonld.",
                                          created: UTCTimestamp.format(now, milliseconds: false), resources: tables.map(\.resource))
        return [("datapackage.json", try JSONCoding.encoder(pretty: true).encode(descriptor) + Data("\n".utf8))]
            + tables.map { ("\($0.name).csv", Data($0.csv.bytes())) }
    }
}

/// A table of a shared package with its Frictionless schema.
struct SharedTable {
    struct Column {
        var name: String
        var type: String
        var description: String
        var kind: CSVWriter.Kind { type == "integer" ? .number : .text }
    }

    /// The entry columns a consent agreement may name (`entries.<name>`), in package order; the
    /// first, `entry`, joins the tables.
    static let consentEntryColumns: [Column] = [
        .init(name: "entry", type: "string", description: "The entry's code (with entries.id) or a random pseudonym"),
        .init(name: "team", type: "string", description: "Team name"),
        .init(name: "members", type: "string", description: "Team members, separated by '; '"),
        .init(name: "email", type: "string", description: "Contact e-mail address"),
        .init(name: "country", type: "string", description: "ISO 3166-1 alpha-2 code of the entrant's country"),
        .init(name: "team_size", type: "integer", description: "Number of team members"),
        .init(name: "received_day", type: "date", description: "Day the entry arrived (the site's time zone)"),
        .init(name: "files", type: "integer", description: "Files sent"),
        .init(name: "bytes", type: "integer", description: "Total size of the files in bytes"),
        .init(name: "status", type: "string", description: "active or withdrawn"),
        .init(name: "stage_reached", type: "string", description: "The last stage the entry went on to"),
    ]

    /// The score columns (`scores.<name>`); `entry` joins them to the entries.
    static let scoreColumns: [Column] = [
        .init(name: "entry", type: "string", description: "The entry, as in entries.csv"),
        .init(name: "judge", type: "string", description: "Judge pseudonym, random for each package"),
        .init(name: "stage", type: "string", description: "The stage the score was given in"),
        .init(name: "criterion", type: "string", description: "Criterion identifier"),
        .init(name: "value", type: "integer", description: "The score, on the criterion's scale"),
    ]

    var name: String
    var title: String
    var columns: [Column]
    var key: [String]
    var csv: CSVTable

    init(name: String, title: String, columns: [Column], key: [String]) {
        self.name = name
        self.title = title
        self.columns = columns
        self.key = key
        csv = CSVTable(columns.map { CSVWriter.Column($0.name, $0.kind) })
    }

    mutating func add(_ values: [String]) { csv.add(values) }

    var resource: SharedDescriptor.Resource {
        .init(name: name, path: "\(name).csv", title: title,
              schema: .init(fields: columns.map { .init(name: $0.name, type: $0.type, description: $0.description) }, primaryKey: key.isEmpty ? nil : key))
    }
}

/// `datapackage.json` of a consent package (Frictionless Tabular Data Package).
struct SharedDescriptor: Encodable {
    struct Field: Encodable { var name, type, description: String }
    struct Schema: Encodable {
        var fields: [Field]
        var primaryKey: [String]?
        var missingValues = [""]
    }
    struct Resource: Encodable {
        var profile = "tabular-data-resource"
        var name, path, title: String
        var format = "csv", mediatype = "text/csv", encoding = "utf-8"
        var schema: Schema
    }
    var profile = "tabular-data-package"
    var name, title, description, created: String
    var resources: [Resource]
}

/// The files and columns of a package that an agreement's fields allow.
enum SharedColumns {
    /// A statistics agreement's choice of the open-data tables: the contest as published, and
    /// of entries and scores the pseudonym that joins them plus each agreed column; the judges'
    /// pseudonyms and the criteria only when scores name them.
    static func statistics(_ fields: [SharingField]) -> [String: ColumnChoice] {
        let entries = fields.filter { $0.table == .entries }.map(\.name)
        let scores = Set(fields.filter { $0.table == .scores }.map(\.name))
        var choice: [String: ColumnChoice] = ["contest": .all, "entries": .only(Set(["entry"] + entries))]
        if !scores.isEmpty { choice["scores"] = .only(scores.union(["entry"])) }
        if scores.contains("judge") { choice["judges"] = .all }
        if scores.contains("criterion") { choice["criteria"] = .all }
        return choice
    }
}

/// One package in the partner API's list (`GET /api/partners/shares`).
public struct PartnerShare: Sendable, Codable, Hashable {
    public var id: Int64
    public var contest: String
    /// RFC 3339, UTC.
    public var created: String
    /// The agreement version it was shared under.
    public var agreementVersion: String
    public var files: [ShareFile]

    enum CodingKeys: String, CodingKey { case id, contest, created, agreementVersion = "agreement_version", files }
}

extension JudgingService {
    /// Issues `partner`'s token (replacing any earlier one), valid until the agreement ends;
    /// returns it (shown once) and its end. Refused for an unknown or ended agreement.
    public func issuePartnerToken(partner: String, now: Date = Date()) async throws -> (token: String, expires: Date) {
        let agreement = try agreementForDelivery(partner, now: now)
        let token = PartnerToken.generate()
        try await storeErrors { try await store.setPartnerToken(token, partner: partner, expires: agreement.ends, now: now) }
        return (token, agreement.ends)
    }

    /// Revokes `partner`'s token; false when it had none.
    public func revokePartnerToken(partner: String) async throws -> Bool {
        guard catalog.agreements[partner] != nil else { throw SharingError.unknownPartner(partner, known: catalog.agreements.keys.sorted()) }
        return try await storeErrors { try await store.revokePartnerToken(partner: partner) }
    }

    /// Every package shared with `partner`, oldest first, with its files.
    public func partnerShares(partner: String) async throws -> [PartnerShare] {
        try await storeErrors {
            var list: [PartnerShare] = []
            for share in try await store.shares(partner: partner) {
                list.append(PartnerShare(id: share.id, contest: share.contests.joined(separator: ","), created: UTCTimestamp.format(share.createdAt, milliseconds: false),
                                         agreementVersion: share.agreementVersion, files: try await store.shareFiles(share.id)))
            }
            return list
        }
    }

    /// The agreement a partner's token may be issued under: known and not ended.
    func agreementForDelivery(_ partner: String, now: Date) throws -> SharingAgreement {
        guard let agreement = catalog.agreements[partner] else { throw SharingError.unknownPartner(partner, known: catalog.agreements.keys.sorted()) }
        if agreement.period(at: now) == .ended { throw SharingError.ended(partner: partner, until: agreement.until) }
        return agreement
    }
}
