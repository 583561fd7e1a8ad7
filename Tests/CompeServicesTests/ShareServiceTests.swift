import CompeContent
import CompeCore
@testable import CompeServices
import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// `compe share` under a consent agreement: only entrants whose consent to this version stands
/// are in the package, with the agreed columns only; an edited agreement (a new version) has no
/// consents until entrants give them again; the package is signed and logged.
@Suite struct ShareServiceTests {
    static let bank = """
        partner: {ja: 例示銀行, en: Example Bank}
        kind: financial_institution
        contact: data@bank.example
        agreement: "MOU 2027-04"
        purpose: {ja: 融資審査の参考, en: Reference for loan reviews}
        basis: consent
        contests: [test]
        fields: [entries.team, entries.email, entries.received_day]
        from: 2026-01-01
        until: 2028-12-31

        """

    func service(_ site: TestSite, store: EntryStore) throws -> JudgingService {
        JudgingService(store: store, catalog: try ContestCatalog.load(root: site.content, displayRoot: "Content"))
    }

    @Test func onlyStandingConsentsToThisVersionAreShared() async throws {
        let site = try TestSite.minimal()
        try site.write("sharing/bank.yml", Self.bank)
        let store = try EntryStore(dataDirectory: site.root.appendingPathComponent("Data"))
        for i in 1...4 {
            _ = try await store.create(EntryDraft(contest: "test", title: "Entry \(i)", summary: "s", teamName: "Team Number\(i)", members: ["Member \(i)"],
                                                  contactEmail: "e\(i)@team\(i).example", country: "JP", link: nil, language: "en"),
                                       files: [], idempotency: nil)
        }
        var service = try service(site, store: store)
        let version = try #require(service.catalog.agreements["bank"]).version
        let key = try SiteKey.create(data: site.root.appendingPathComponent("Data"))
        let out = site.root.appendingPathComponent("bank-package")
        await #expect(throws: SharingError.noConsents(partner: "bank")) {
            try await service.share(partner: "bank", contest: nil, folder: out, display: "bank-package", key: key, by: "ito")
        }
        for (entry, given) in [(1, true), (2, true), (2, false), (3, true)] {
            try await store.recordConsent(entryID: Int64(entry), partner: "bank", version: version, given: given)
        }
        let report = try await service.share(partner: "bank", contest: nil, folder: out, display: "bank-package", key: key, by: "ito")
        #expect(report.record.rows == ["entries.csv": 2] && report.record.createdBy == "ito" && report.record.agreementVersion == version)
        let entries = try String(contentsOf: out.appendingPathComponent("entries.csv"), encoding: .utf8)
        #expect(entries.hasPrefix("entry,team,email,received_day\r\n"))
        #expect(entries.contains("Team Number1") && entries.contains("e3@team3.example"))
        let blob = try FileManager.default.contentsOfDirectory(atPath: out.path).map {
            String(decoding: try Data(contentsOf: out.appendingPathComponent($0)), as: UTF8.self)
        }.joined()
        for absent in ["Team Number2", "e2@team2", "Team Number4", "e4@team4", "Member 1", "E-0001", "JP"] {
            #expect(!blob.contains(absent), "\(absent) is in the package")
        }
        #expect(try SignedPackage.verify(folder: out, publicKey: key.publicKey, required: ["datapackage.json", "policy.jsonld"]).files == ["datapackage.json", "entries.csv", "policy.jsonld"])
        #expect(try await store.shares(partner: "bank").map(\.id) == [report.record.id])
        // The Frictionless validator (PyPI, as Scripts/test installs it) accepts the package.
        let validated = Result { try Command.run(["python3", "-m", "frictionless", "validate", "datapackage.json"], in: out.path) }
        if case .failure(let failure) = validated { Issue.record("frictionless validate: \(failure)") }

        // Edited: a new version, to which nobody has consented yet; the two whose consent to the
        // earlier one stands are not carried over, and the refusal says why.
        try site.write("sharing/bank.yml", Self.bank.replacingOccurrences(of: "MOU 2027-04", with: "MOU 2027-04 rev. 2"))
        service = try self.service(site, store: store)
        await #expect(throws: SharingError.changedSinceConsent(partner: "bank", earlier: 2)) {
            try await service.share(partner: "bank", contest: nil, folder: site.root.appendingPathComponent("again"), display: "again", key: key, by: "ito")
        }
        // Outside its period, and into a folder that is not empty.
        let after = try #require(DateParsing.dateTime("2029-01-01T00:00:00+09:00"))
        await #expect(throws: SharingError.ended(partner: "bank", until: "2028-12-31")) {
            try await service.share(partner: "bank", contest: nil, folder: site.root.appendingPathComponent("late"), display: "late", key: key, by: "ito", now: after)
        }
        await #expect(throws: SharingError.outputNotEmpty("bank-package")) {
            try await service.share(partner: "bank", contest: nil, folder: out, display: "bank-package", key: key, by: "ito")
        }
        await #expect(throws: SharingError.unknownPartner("bnak", known: ["bank"])) {
            try await service.share(partner: "bnak", contest: nil, folder: out, display: "x", key: key, by: "ito")
        }
    }
}
