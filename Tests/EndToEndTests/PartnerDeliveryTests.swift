import CompeCore
import CompeTestSupport
import Foundation
import Testing

/// Sharing with partners as an operator and a partner would do it, on the real binary: entrants
/// consent on the form, the operator shares and issues a token, the partner fetches its package
/// through nginx with TLS (a throwaway CA) and checks it with OpenBSD's signify; another
/// partner's share is 404, a revoked token 401, and after the agreement's end 410.
@Suite struct PartnerDeliveryTests {
    static func agreement(_ name: String, until: String) -> String {
        """
        partner: {ja: \(name), en: \(name)}
        kind: financial_institution
        contact: data@partner.example
        agreement: "MOU test"
        purpose: {ja: 融資の案内, en: Offering loans}
        basis: consent
        contests: [sme-support-ui]
        fields: [entries.team, entries.email]
        from: 2026-01-01
        until: \(until)

        """
    }

    @Test func aPartnerFetchesItsSignedPackageThroughNginx() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/signify-openbsd") || FileManager.default.isExecutableFile(atPath: "/usr/bin/signify") else {
            Issue.record("signify-openbsd is not installed (Scripts/test installs it)")
            return
        }
        let signify = FileManager.default.isExecutableFile(atPath: "/usr/bin/signify-openbsd") ? "/usr/bin/signify-openbsd" : "/usr/bin/signify"
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let agreementFile = dir.appendingPathComponent("Content/sharing/north-bank.yml")
        try Self.agreement("North Bank", until: "2099-12-31").write(to: agreementFile, atomically: true, encoding: .utf8)
        try Self.agreement("South Bank", until: "2099-12-31").write(to: dir.appendingPathComponent("Content/sharing/south-bank.yml"), atomically: true, encoding: .utf8)
        func compe(_ args: String...) throws -> CompeBinary.Result { try CompeBinary.run(args, in: dir) }
        #expect(try compe("keys", "init").status == 0)
        #expect(try compe("build").status == 0)
        var server = try CompeBinary.startServer(in: dir)
        defer { server.stop() }
        for i in 0..<4 {
            var body = MultipartBody()
            for (k, v) in [("title", "Design \(i)"), ("summary", "s"), ("team_name", "Team North\(i)"), ("members", "Member \(i)"),
                           ("contact_email", "north\(i)@entrant.example"), ("country", "JP"), ("agree_terms", "yes")] { body.field(k, v) }
            if i < 2 { body.field("consent_north-bank", "yes") }
            if i >= 1 { body.field("consent_south-bank", "yes") }
            body.file(filename: "design.pdf", contentType: "application/pdf", MultipartBody.samplePDF("north \(i)"))
            #expect(try RawHTTP.send(port: server.port, head: body.head("/api/contests/sme-support-ui/entries", extra: ["Accept: application/json"]),
                                     body: body.finished).status == 201)
        }
        let shared = try compe("share", "north-bank", "--out", "north-package")
        #expect(shared.status == 0 && shared.stdout.contains("entries.csv: 2 rows"), "\(shared.stderr)")
        #expect(try compe("share", "south-bank", "--out", "south-package").status == 0)
        let token = try compe("partners", "token", "north-bank")
        #expect(token.status == 0 && token.stdout.hasPrefix("cpt_") && token.stderr.contains("2099-12-31"), "\(token.stderr)")
        let north = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let south = try compe("partners", "token", "south-bank").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let log = try JSONSerialization.jsonObject(with: Data(try compe("share", "log", "--json").stdout.utf8)) as? [[String: Any]] ?? []
        let northID = try #require(log.first { $0["partner"] as? String == "north-bank" }?["id"] as? Int)
        let southID = try #require(log.first { $0["partner"] as? String == "south-bank" }?["id"] as? Int)

        let ca = try ThrowawayCA(in: dir.appendingPathComponent("tls"))
        let backend = server.port
        let nginx = try Nginx.tlsProxy(to: backend, ca: ca, in: dir.appendingPathComponent("nginx"))
        defer { nginx.stop() }
        let base = "https://127.0.0.1:\(nginx.port)/api/partners/shares"
        /// curl as the partner: (status, body).
        func fetch(_ path: String, _ token: String, to file: URL? = nil) throws -> (Int, String) {
            let out = file?.path ?? dir.appendingPathComponent("curl-body").path
            let status = try Shell.output("curl -sS --cacert '\(ca.caCertificate.path)' -H 'Authorization: Bearer \(token)' -o '\(out)' -w '%{http_code}' '\(base)\(path)'")
            return (Int(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        }

        let (status, listing) = try fetch("", north)
        #expect(status == 200)
        let shares = try #require(try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]])
        #expect(shares.map { $0["id"] as? Int } == [northID], "the bank sees its own share only")
        let names = (shares.first?["files"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let received = dir.appendingPathComponent("received")
        try FileManager.default.createDirectory(at: received, withIntermediateDirectories: true)
        for name in names { #expect(try fetch("/\(northID)/\(name)", north, to: received.appendingPathComponent(name)).0 == 200) }
        // The partner checks every file against the signed list with the site's public key.
        let check = try Shell.output("cd '\(received.path)' && \(signify) -C -p '\(dir.path)/Content/site.pub' -x SHA256.sig 2>&1")
        #expect(check.contains("entries.csv: OK") && check.contains("policy.jsonld: OK"), "\(check)")
        let csv = try String(contentsOf: received.appendingPathComponent("entries.csv"), encoding: .utf8)
        #expect(csv.contains("north0@entrant.example") && csv.contains("north1@entrant.example") && !csv.contains("north2@"))

        #expect(try fetch("/\(southID)/entries.csv", north).0 == 404, "another partner's share")
        #expect(try fetch("/\(southID)/entries.csv", south).0 == 200)
        let downloads = try JSONSerialization.jsonObject(with: Data(try compe("partners", "log", "--json").stdout.utf8)) as? [[String: Any]] ?? []
        #expect(downloads.count == names.count + 1 && downloads.allSatisfy { $0["address"] as? String == "127.0.0.1" && ($0["bytes"] as? Int ?? 0) > 0 })
        let nginxLog = (try? String(contentsOf: nginx.prefix.appendingPathComponent("logs/access.log"), encoding: .utf8)) ?? ""
        #expect(nginxLog.contains("GET /api/partners/shares/\(northID)/entries.csv") && !nginxLog.contains(north))

        #expect(try compe("partners", "revoke", "south-bank").stdout.contains("revoked"))
        #expect(try fetch("", south).0 == 401)

        // The agreement ended (its file now says so): the server, restarted on it, answers 410.
        server.stop()
        try Self.agreement("North Bank", until: "2026-06-30").write(to: agreementFile, atomically: true, encoding: .utf8)
        server = try CompeBinary.startServer(in: dir, port: backend)
        let (ended, body) = try fetch("", north)
        #expect(ended == 410 && body.contains("agreement_ended"), "\(ended) \(body)")
        #expect(try compe("partners", "token", "north-bank").stderr.contains("ended on 2026-06-30"))
    }
}
