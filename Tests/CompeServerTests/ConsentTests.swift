import CompeContent
import CompeCore
import CompeServer
import CompeServices
import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// Consent to a data-sharing agreement through the real server: the entry form's box, the
/// entrant's page's form (withdrawal at any time, after the deadline too), and what a partner's
/// package then holds.
@Suite struct ConsentTests {
    static let bank = """
        partner: {ja: 例示銀行, en: Example Bank}
        kind: financial_institution
        contact: data@bank.example
        agreement: "MOU 2027-04"
        purpose: {ja: 融資の案内, en: Offering loans}
        basis: consent
        contests: [test]
        fields: [entries.team, entries.email]
        from: 2026-01-01
        until: 2028-12-31

        """

    static func entry(_ i: Int, consent: Bool) -> MultipartBody {
        var body = MultipartBody()
        for (name, value) in [("title", "Design \(i)"), ("summary", "s"), ("team_name", "Team Zeta\(i)"), ("members", "Member Zeta\(i)"),
                              ("contact_email", "entrant\(i)@zeta\(i).example"), ("country", "JP"), ("agree_terms", "yes")] {
            body.field(name, value)
        }
        if consent { body.field("consent_bank", "yes") }
        body.file(filename: "design.pdf", contentType: "application/pdf", MultipartBody.samplePDF())
        return body
    }

    @Test func twentyEntriesSevenConsentTwoWithdrawFiveAreShared() async throws {
        let site = try TestSite.minimal()
        try site.write("sharing/bank.yml", Self.bank)
        try await ServerFixture.with(site: site) { f async throws in
            var tokens: [Int: String] = [:]
            let consenting: Set<Int> = [1, 3, 4, 8, 11, 15, 19]
            for i in 1...20 {
                let r = try await f.post(Self.entry(i, consent: consenting.contains(i)))
                #expect(r.status == 201, "\(r.text)")
                tokens[i] = try #require(r.json?["edit_token"] as? String)
            }
            // A box the form does not offer is refused like any unknown field.
            var stray = Self.entry(21, consent: false)
            stray.field("consent_other", "yes")
            let refused = try await f.post(stray)
            #expect(refused.status == 400 && refused.text.contains("consent_other"))

            // The entrant's view shows the choice; the page has the consent form with the box ticked.
            let view = try await f.request("GET", "/api/entries/E-0003", headers: ["Accept: application/json", "Authorization: Bearer \(tokens[3]!)"])
            let sharing = try #require(view.json?["data_sharing"] as? [[String: Any]])
            #expect(sharing.count == 1 && sharing[0]["partner"] as? String == "bank" && sharing[0]["consent"] as? Bool == true)
            let page = try await f.request("GET", "/api/entries/E-0003?lang=en", headers: ["Authorization: Bearer \(tokens[3]!)"])
            #expect(page.text.contains("id=\"e-consent-bank\" name=\"consent_bank\" type=\"checkbox\" value=\"yes\" aria-describedby=\"e-consent-bank-help\" checked"))
            #expect(page.text.contains("action=\"/api/entries/E-0003/consent?lang=en\""))

            // Two withdraw from their page: one while the contest is open, one after it closed.
            var form = MultipartBody()
            form.field("lang", "en")
            let first = try await f.post(form, path: "/api/entries/E-0003/consent", headers: ["Authorization: Bearer \(tokens[3]!)"])
            #expect(first.status == 303 && first.headers["location"] == "/api/entries/E-0003?lang=en#sharing")
            f.now.withLock { $0 = DateParsing.dateTime("2027-03-01T12:00:00+09:00")! }
            let late = try await f.post(form, path: "/api/entries/E-0011/consent", headers: ["Accept: application/json", "Authorization: Bearer \(tokens[11]!)"])
            #expect(late.status == 200 && (late.json?["consents"] as? [Any])?.isEmpty == true, "\(late.text)")
            // A wrong token changes nothing.
            let stranger = try await f.post(form, path: "/api/entries/E-0004/consent", headers: ["Authorization: Bearer \(tokens[5]!)"])
            #expect(stranger.status == 404)

            // Every choice is kept: 7 given, 2 withdrawn; 5 stand.
            let store = try f.store()
            let catalog = try ContestCatalog.load(root: site.content, displayRoot: "Content")
            let version = try #require(catalog.agreements["bank"]).version
            #expect(try await store.standingConsents(partner: "bank", version: version) == Set([1, 4, 8, 15, 19].map(Int64.init)))
            let key = try SiteKey.create(data: f.data)
            let out = site.root.appendingPathComponent("bank-package")
            let report = try await JudgingService(store: store, catalog: catalog)
                .share(partner: "bank", contest: nil, folder: out, display: "bank-package", key: key, by: "test", now: f.now.withLock { $0 })
            #expect(report.record.rows == ["entries.csv": 5])
            let blob = try FileManager.default.contentsOfDirectory(atPath: out.path).map {
                String(decoding: try Data(contentsOf: out.appendingPathComponent($0)), as: UTF8.self)
            }.joined()
            for i in 1...20 {
                #expect(blob.contains("entrant\(i)@zeta\(i).example") == [1, 4, 8, 15, 19].contains(i), "entrant \(i)")
                #expect(blob.contains("Team Zeta\(i),") == [1, 4, 8, 15, 19].contains(i), "team \(i)")
            }
            #expect(!blob.contains("Member Zeta"))
        }
    }
}
