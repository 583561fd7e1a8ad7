import CompeContent
import CompeCore
import CompeServer
import CompeServices
import CompeStore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// The partner API on the real server: a partner lists and fetches its own packages with its
/// token; another's share is 404, a revoked token 401, and after the agreement's end 410.
@Suite struct PartnerAPITests {
    static func agreement(_ name: String, until: String) -> String {
        ConsentTests.bank.replacingOccurrences(of: "Example Bank", with: name).replacingOccurrences(of: "until: 2028-12-31", with: "until: \(until)")
    }

    @Test func aPartnerFetchesItsOwnPackagesUntilTheAgreementEnds() async throws {
        let site = try TestSite.minimal()
        try site.write("sharing/bank.yml", Self.agreement("Example Bank", until: "2027-06-30"))
        try site.write("sharing/union.yml", Self.agreement("Credit Union", until: "2028-12-31"))
        try await ServerFixture.with(site: site) { f async throws in
            var consents = MultipartBody.validEntry()
            consents.field("consent_bank", "yes")
            consents.field("consent_union", "yes")
            #expect(try await f.post(consents).status == 201)
            let store = try f.store()
            let catalog = try ContestCatalog.load(root: site.content, displayRoot: "Content")
            let service = JudgingService(store: store, catalog: catalog)
            let key = try SiteKey.create(data: f.data)
            let now = f.now.withLock { $0 }
            let bankShare = try await service.share(partner: "bank", contest: nil, folder: site.root.appendingPathComponent("bank"), display: "bank",
                                                    key: key, by: "test", now: now).record
            let unionShare = try await service.share(partner: "union", contest: nil, folder: site.root.appendingPathComponent("union"), display: "union",
                                                     key: key, by: "test", now: now).record
            let bank = try await service.issuePartnerToken(partner: "bank", now: now)
            let union = try await service.issuePartnerToken(partner: "union", now: now)
            #expect(bank.token.hasPrefix("cpt_") && bank.token.count >= 40)
            #expect(bank.expires == DateParsing.dateTime("2027-07-01T00:00:00+09:00"))

            func get(_ path: String, _ token: String?) async throws -> RawHTTP.Response {
                try await f.request("GET", path, headers: token.map { ["Authorization: Bearer \($0)"] } ?? [])
            }
            let list = try await get("/api/partners/shares", bank.token)
            #expect(list.status == 200)
            let shares = try #require(try JSONSerialization.jsonObject(with: list.body) as? [[String: Any]])
            #expect(shares.count == 1 && shares[0]["id"] as? Int == Int(bankShare.id) && shares[0]["contest"] as? String == "test")
            let names = (shares[0]["files"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["SHA256", "SHA256.sig", "datapackage.json", "entries.csv", "policy.jsonld"])

            // Every file as written and signed, byte for byte; each download logged.
            for name in names {
                let r = try await get("/api/partners/shares/\(bankShare.id)/\(name)", bank.token)
                let written = try Data(contentsOf: site.root.appendingPathComponent("bank/\(name)"))
                #expect(r.status == 200 && r.body == written, "\(name)")
                #expect(r.headers["content-disposition"]?.hasPrefix("attachment") == true && r.headers["cache-control"] == "no-store")
            }
            let log = try await store.accesses(partner: "bank")
            #expect(log.count == 5 && log.allSatisfy { $0.address == "127.0.0.1" && $0.share == bankShare.id } && log.map(\.file) == names)
            let csvBytes = try Data(contentsOf: site.root.appendingPathComponent("bank/entries.csv")).count
            #expect(log.first { $0.file == "entries.csv" }?.bytes == Int64(csvBytes))

            // Another partner's share is not there for the bank; nor is a file outside the package.
            #expect(try await get("/api/partners/shares/\(unionShare.id)/entries.csv", bank.token).status == 404)
            let outside = try await get("/api/partners/shares/\(bankShare.id)/..%2Fsecret.key", bank.token)
            #expect([400, 404].contains(outside.status) && !outside.text.contains("secret"), "\(outside.status) \(outside.text)")
            #expect(try await get("/api/partners/shares/\(unionShare.id)/entries.csv", union.token).status == 200)
            // No token, a wrong one, a judge's kind of token, a revoked one: 401.
            #expect(try await get("/api/partners/shares", nil).status == 401)
            #expect(try await get("/api/partners/shares", "cpt_" + String(repeating: "A", count: 43)).status == 401)
            #expect(try await service.revokePartnerToken(partner: "union"))
            #expect(try await get("/api/partners/shares", union.token).status == 401)
            #expect(try await store.accesses(partner: "union").count == 1, "refused requests download nothing")

            // After the bank's agreement ends (30 June 2027, Tokyo), its token gets 410.
            f.now.withLock { $0 = DateParsing.dateTime("2027-07-01T00:00:01+09:00")! }
            let gone = try await get("/api/partners/shares", bank.token)
            #expect(gone.status == 410 && gone.text.contains("agreement_ended"))
            #expect(try await get("/api/partners/shares/\(bankShare.id)/entries.csv", bank.token).status == 410)
        }
    }
}
