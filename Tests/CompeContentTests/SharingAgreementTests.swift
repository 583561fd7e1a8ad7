import CompeContent
import CompeCore
import CompeTestSupport
import Crypto
import Foundation
import Testing

/// `Content/sharing/<partner>.yml`: an agreement reads with every field, its version is the
/// file's SHA-256, its period is in the site's time zone, and each mistake — above all one that
/// would let identifying data out under a statistics agreement — is reported at `path:line:col`.
@Suite struct SharingAgreementTests {
    static let bank = """
        partner: {ja: 例示銀行, en: Example Bank}
        kind: financial_institution
        contact: data@bank.example
        agreement: "MOU 2027-04"
        purpose: {ja: 創業支援の融資審査の参考, en: Reference for start-up loan reviews}
        basis: consent
        contests: [test]
        fields: [entries.team, entries.email, entries.country, scores.value]
        from: 2027-04-01
        until: 2028-03-31

        """

    static let city = """
        partner: {ja: 例示市, en: Example City}
        kind: local_government
        contact: dx@city.example
        agreement: "協定 2027-01"
        purpose: {ja: 施策の評価, en: Evaluating the programme}
        basis: statistics
        contests: all
        fields: [entries.country, entries.team_size, entries.received_day, scores.value, scores.criterion]
        k: 7
        from: 2027-01-01
        until: 2027-12-31
        onward: {allowed: "published in the city's annual report as totals"}

        """

    /// The bank's agreement with one line replaced.
    func site(bank replacing: String? = nil, with line: String = "") throws -> TestSite {
        let site = try TestSite.minimal()
        var text = Self.bank
        if let replacing { text = text.replacingOccurrences(of: replacing, with: line) }
        try site.write("sharing/bank.yml", text)
        return site
    }

    @Test func bothAgreementsReadWithEveryField() throws {
        let site = try TestSite.minimal()
        try site.write("sharing/bank.yml", Self.bank)
        try site.write("sharing/city.yml", Self.city)
        try site.write("sharing/register.json", #"{"generated": "2026-12-03T00:00:00Z", "partners": []}"#)   // `compe share publish`'s, not an agreement
        let agreements = try site.load().agreements
        #expect(agreements.map(\.id) == ["bank", "city"])
        let bank = agreements[0], city = agreements[1]
        #expect(bank.partner == ["ja": "例示銀行", "en": "Example Bank"])
        #expect(bank.kind == .financialInstitution && bank.basis == .consent && bank.contact == "data@bank.example")
        #expect(bank.reference == "MOU 2027-04" && bank.contests == ["test"] && bank.onward == .prohibited)
        #expect(bank.fields.map(\.description) == ["entries.team", "entries.email", "entries.country", "scores.value"])
        #expect(bank.k == 5)   // the site's
        #expect(bank.version == Hex.encode(SHA256.hash(data: Data(Self.bank.utf8))))
        #expect(city.contests == nil && city.covers(contest: "anything") && !bank.covers(contest: "other"))
        #expect(city.k == 7 && city.kind == .localGovernment && city.basis == .statistics)
        #expect(city.onward == .allowed(reason: "published in the city's annual report as totals"))
    }

    /// The register keeps a partner whose agreement file is gone, takes a current agreement's
    /// terms from its file, and a register that does not read is an error at its path.
    @Test func theRegisterKeepsPastPartnersAndReportsABrokenFile() throws {
        let site = try TestSite.minimal()
        try site.write("sharing/bank.yml", Self.bank)
        let bank = try #require(try site.load().agreements.first)
        var old = SharingRegister.Line(bank, shares: 3, lastShare: "2027-05-01")
        old.partner = "gone"
        var stale = SharingRegister.Line(bank, shares: 2, lastShare: "2027-04-01")
        stale.purpose = ["en": "an older purpose"]
        let register = SharingRegister(generated: "2027-06-01T00:00:00Z", partners: [stale, old])
        try site.write("sharing/register.json", String(decoding: try register.json(), as: UTF8.self))
        let content = try site.load()
        #expect(content.register == register)
        let lines = SharingRegister.lines(agreements: content.agreements, register: content.register)
        #expect(lines.map(\.partner) == ["bank", "gone"])
        #expect(lines[0].shares == 2 && lines[0].lastShare == "2027-04-01" && lines[0].purpose == bank.purpose)
        #expect(lines[1].shares == 3)
        try site.write("sharing/register.json", #"{"generated": "x", "partners": [{"partner": 1}]}"#)
        #expect(throws: (any Error).self) { try site.load() }
        do { _ = try site.load() } catch { #expect("\(error)".contains("Content/sharing/register.json") && "\(error)".contains("partners.0.partner")) }
    }

    /// from/until are whole days in the site's time zone (Tokyo, +09:00).
    @Test func thePeriodIsWholeDaysInTheSiteTimeZone() throws {
        let bank = try #require(try site().load().agreements.first)
        let start = try #require(DateParsing.dateTime("2027-04-01T00:00:00+09:00"))
        let end = try #require(DateParsing.dateTime("2028-04-01T00:00:00+09:00"))
        #expect(bank.starts == start && bank.ends == end)
        #expect(bank.period(at: start.addingTimeInterval(-1)) == .notYet)
        #expect(bank.period(at: start) == .inForce)
        #expect(bank.period(at: end.addingTimeInterval(-1)) == .inForce)
        #expect(bank.period(at: end) == .ended)
    }

    @Test func anEditIsANewVersion() throws {
        let before = try #require(try site().load().agreements.first).version
        let after = try #require(try site(bank: "MOU 2027-04", with: "MOU 2027-05").load().agreements.first).version
        #expect(before != after && before.count == 64)
    }

    @Test func identifyingFieldsNeedConsent() throws {
        let site = try site(bank: "basis: consent", with: "basis: statistics")
        #expect(site.problems() == [
            "Content/sharing/bank.yml:8:10: error: 'entries.team' identifies an entrant: a statistics agreement shares pseudonymised tables only (use basis: consent)",
            "Content/sharing/bank.yml:8:24: error: 'entries.email' identifies an entrant: a statistics agreement shares pseudonymised tables only (use basis: consent)",
        ])
    }

    @Test func eachMistakeIsReportedWhereItIs() throws {
        let cases: [(String, String, String)] = [
            ("kind: financial_institution", "kind: bank",
             "Content/sharing/bank.yml:2:7: error: 'kind' is 'bank'; it must be one of local_government, business_body, financial_institution, research, other"),
            ("contact: data@bank.example", "contact: the data team",
             "Content/sharing/bank.yml:3:10: error: 'contact' must be an e-mail address, e.g. data@partner.example"),
            ("contests: [test]", "contests: [test, tset]",
             "Content/sharing/bank.yml:7:18: error: no contest 'tset' (contests: test)"),
            ("entries.country", "entries.contry",
             "Content/sharing/bank.yml:8:39: error: unknown field 'entries.contry'; did you mean 'entries.country'? (fields: \(SharingField.all.joined(separator: ", ")))"),
            ("purpose: {ja: 創業支援の融資審査の参考, en: Reference for start-up loan reviews}", "purpose: {ja: 創業支援の融資審査の参考}",
             "Content/sharing/bank.yml:5:10: error: 'purpose' needs every site language: add en"),
            ("until: 2028-03-31", "until: 2027-03-31",
             "Content/sharing/bank.yml:10:8: error: 'until' (2027-03-31) is before 'from' (2027-04-01)"),
            ("from: 2027-04-01", "from: 2027-04-31",
             "Content/sharing/bank.yml:9:7: error: 'from' must be a day written YYYY-MM-DD, e.g. 2027-04-01"),
            ("basis: consent", "basis: consent\nk: 3",
             "Content/sharing/bank.yml:7:4: error: 'k' applies to statistics agreements only: a consent agreement shares whole rows"),
            ("until: 2028-03-31", "until: 2028-03-31\nonward: {allowed: \"\"}",
             "Content/sharing/bank.yml:11:19: error: 'allowed' must not be empty"),
            ("until: 2028-03-31", "until: 2028-03-31\nonward: maybe",
             "Content/sharing/bank.yml:11:9: error: 'onward' must be 'prohibited' or {allowed: \"the reason\"}"),
            ("agreement: \"MOU 2027-04\"\n", "",
             "Content/sharing/bank.yml:1:1: error: the agreement is missing required key 'agreement'"),
            ("until: 2028-03-31", "until: 2028-03-31\nonwards: prohibited",
             "Content/sharing/bank.yml:11:1: error: unknown key 'onwards' in the agreement; did you mean 'onward'? (allowed: partner, kind, contact, agreement, purpose, basis, contests, fields, k, from, until, onward)"),
        ]
        for (old, new, expected) in cases {
            #expect((try site(bank: old, with: new)).problems() == [expected], "\(new)")
        }
    }

    @Test func kIsNeverBelowTheSite() throws {
        let site = try TestSite.minimal()
        try site.write("site.yml", TestSite.siteYML + "k: 10\n")
        try site.write("sharing/city.yml", Self.city)
        #expect(site.problems() == ["Content/sharing/city.yml:9:4: error: 'k' is 7, below the site's 10 (site.yml 'k'): an agreement may only suppress more"])
        try site.write("sharing/city.yml", Self.city.replacingOccurrences(of: "k: 7\n", with: ""))
        #expect(try site.load().agreements.first?.k == 10)
    }

    @Test func aFileNameMustBeAHandle() throws {
        let site = try TestSite.minimal()
        try site.write("sharing/Example Bank.yml", Self.bank)
        #expect(site.problems() == ["Content/sharing/Example Bank.yml:1:1: error: agreement file 'Example Bank.yml' must be named with a-z, 0-9, '-' and '_' (the name is the partner's handle)"])
    }
}
