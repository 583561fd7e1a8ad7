import CompeTestSupport
import Foundation
import Testing

/// The shipped `Scripts/deploy/nginx.conf` (only its marked values changed) terminating TLS in
/// front of the real `compe serve --trusted-proxy 127.0.0.1`, with a throwaway CA.
@Suite struct NginxDeploymentTests {
    /// The shipped configuration with test paths and ports; fails when a marked value is gone.
    static func shippedConfiguration(publicDir: URL, ca: ThrowawayCA, compePort: Int, plainPort: Int) throws -> String {
        var text = try String(contentsOf: CompeBinary.packageRoot.appendingPathComponent("Scripts/deploy/nginx.conf"), encoding: .utf8)
        let substitutions = [
            ("listen 443 ssl http2;", "listen 127.0.0.1:{{port}} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("listen 80;", "listen 127.0.0.1:\(plainPort);"),
            ("listen [::]:80;", ""),
            ("contest.example.go.jp", "localhost"),
            ("/etc/ssl/compe/fullchain.pem", ca.certificate.path),
            ("/etc/ssl/compe/privkey.pem", ca.key.path),
            ("/srv/compe/Public", publicDir.path),
            ("127.0.0.1:8080", "127.0.0.1:\(compePort)"),
            ("/var/log/nginx/access.log", "logs/access.log"),
        ]
        for (value, replacement) in substitutions {
            #expect(text.contains(value), "Scripts/deploy/nginx.conf no longer has '\(value)'")
            text = text.replacingOccurrences(of: value, with: replacement)
        }
        return text
    }

    struct Curl {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// `curl` from the loopback address `from` (so the proxy sees a client that is not itself).
    static func curl(_ arguments: [String], from: String = "127.0.0.2", ca: ThrowawayCA) throws -> Curl {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("compe-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "--max-time", "20", "--interface", from, "--cacert", ca.caCertificate.path,
                             "-D", folder.appendingPathComponent("h").path, "-o", folder.appendingPathComponent("b").path] + arguments
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ShellError(message: "curl \(arguments): \(message)") }
        let head = (try? String(contentsOf: folder.appendingPathComponent("h"), encoding: .utf8)) ?? ""
        var headers: [String: String] = [:]
        var status = 0
        for line in head.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") { status = Int(line.split(separator: " ")[1]) ?? 0; headers = [:]; continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Curl(status: status, headers: headers, body: (try? Data(contentsOf: folder.appendingPathComponent("b"))) ?? Data())
    }

    @Test(.enabled(if: Nginx.binary != nil, "nginx is not installed (Scripts/test installs it)"))
    func theShippedConfigurationServesTheSiteAndPassesEntriesOverTLS() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let log = dir.appendingPathComponent("compe.log")
        let server = try CompeBinary.startServer(in: dir, extra: ["--trusted-proxy", "127.0.0.1", "--rate-limit", "2"], log: log)
        defer { server.stop() }
        let ca = try ThrowawayCA(in: dir.appendingPathComponent("tls"))
        let plainPort = try Shell.freePort()
        let nginx = try Nginx(http: try Self.shippedConfiguration(publicDir: dir.appendingPathComponent("Public"), ca: ca,
                                                                  compePort: server.port, plainPort: plainPort),
                              in: dir.appendingPathComponent("nginx"))
        defer { nginx.stop() }
        let base = "https://localhost:\(nginx.port)"

        // Plain http is sent to https.
        let redirect = try Self.curl(["http://127.0.0.1:\(plainPort)/about/"], ca: ca)
        #expect(redirect.status == 301 && redirect.headers["location"]?.hasPrefix("https://") == true)

        // Pages from Public/ by nginx: the build's .gz, the security headers, no-cache; the
        // fingerprinted assets immutable; the 404 page with its headers.
        let page = try Self.curl(["-H", "Accept-Encoding: gzip", "\(base)/contests/sme-support-ui/"], ca: ca)
        #expect(page.status == 200)
        #expect(page.headers["content-encoding"] == "gzip")
        let plain = try Self.curl(["\(base)/contests/sme-support-ui/"], ca: ca)
        #expect(plain.text.contains("<html lang=\"ja\">") && plain.headers["content-encoding"] == nil)
        for r in [page, plain] {
            #expect(r.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
            #expect(r.headers["x-content-type-options"] == "nosniff")
            #expect(r.headers["strict-transport-security"] != nil)
            #expect(r.headers["cache-control"] == "no-cache")
        }
        let stylesheet = try #require(plain.text.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            .first { $0.hasPrefix("/assets/compe.") })
        #expect(try Self.curl(["\(base)\(stylesheet)"], ca: ca).headers["cache-control"] == "public, max-age=31536000, immutable")
        let missing = try Self.curl(["\(base)/no/such/page/"], ca: ca)
        #expect(missing.status == 404 && missing.text.contains("ページが見つかりません") && missing.headers["content-security-policy"] != nil)
        // The build's own hidden files stay private, as compe keeps them.
        for hidden in ["/.compe-build", "/.compe-sources", "/contests/.compe-tmp-x"] {
            let r = try Self.curl(["\(base)\(hidden)"], ca: ca)
            #expect(r.status == 404 && r.headers["content-security-policy"] != nil, "\(hidden)")
        }

        // An entry over TLS, through nginx to compe: compe's answer and headers come back whole.
        func submit(from client: String, forwardedFor: String? = nil, title: String) throws -> Curl {
            var args = ["-H", "Accept: application/json", "-H", "Origin: \(base)"]
            if let forwardedFor { args += ["-H", "X-Forwarded-For: \(forwardedFor)"] }
            let pdf = dir.appendingPathComponent("design-\(UUID().uuidString).pdf")
            try MultipartBody.samplePDF(title).write(to: pdf)
            for (name, value) in [("title", title), ("summary", "Over TLS"), ("team_name", "Team T"), ("members", "Aiko"),
                                  ("contact_email", "t@example.org"), ("country", "JP"), ("agree_terms", "yes")] {
                args += ["-F", "\(name)=\(value)"]
            }
            args += ["-F", "files=@\(pdf.path);type=application/pdf", "\(base)/api/contests/sme-support-ui/entries"]
            return try Self.curl(args, from: client, ca: ca)
        }
        let first = try submit(from: "127.0.0.2", forwardedFor: "192.0.2.1", title: "first")
        #expect(first.status == 201, "\(first.status) \(first.text)")
        #expect((try JSONSerialization.jsonObject(with: first.body) as? [String: Any])?["edit_token"] != nil)
        #expect(first.headers["strict-transport-security"] != nil, "compe saw https through the proxy")

        // The rate limiter sees the real client: spoofed X-Forwarded-For values do not make
        // new clients, and another address has its own limit.
        #expect(try submit(from: "127.0.0.2", forwardedFor: "192.0.2.2", title: "second").status == 201)
        #expect(try submit(from: "127.0.0.2", forwardedFor: "192.0.2.3", title: "third").status == 429)
        #expect(try submit(from: "127.0.0.3", title: "other client").status == 201)
        // compe writes its log every 100 ms: wait for the last request's line.
        var logged = ""
        for _ in 0..<50 {
            logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if logged.contains("client=127.0.0.3") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(logged.contains("client=127.0.0.2") && logged.contains("client=127.0.0.3"), "\(logged)")
        #expect(!logged.contains("client=192.0.2."), "a spoofed address reached compe's log")

        // An edit link opened through nginx: the token becomes a cookie (HttpOnly, Secure,
        // SameSite=Strict, scoped to the entry), the page moves on to an address without it,
        // nothing on the way sends it as a referrer, and nginx's log holds the path only.
        let receipt = try JSONSerialization.jsonObject(with: first.body) as? [String: Any] ?? [:]
        let (entryID, editToken) = (receipt["id"] as? String ?? "", receipt["edit_token"] as? String ?? "")
        let opened = try Self.curl(["-H", "Accept: text/html", "\(base)/api/entries/\(entryID)?token=\(editToken)&lang=en"], ca: ca)
        #expect(opened.status == 200 && opened.headers["referrer-policy"] == "no-referrer", "\(opened.status) \(opened.headers)")
        let cookie = try #require(opened.headers["set-cookie"])
        #expect(cookie.hasPrefix("compe_edit=\(editToken);") && cookie.contains("HttpOnly") && cookie.contains("Secure")
                && cookie.contains("SameSite=Strict") && cookie.contains("Path=/api/entries/\(entryID)"), "\(cookie)")
        #expect(opened.text.contains("url=/api/entries/\(entryID)?lang=en") && !opened.text.contains("stylesheet"), "\(opened.text)")
        let view = try Self.curl(["-H", "Accept: text/html", "-H", "Cookie: compe_edit=\(editToken)", "\(base)/api/entries/\(entryID)?lang=en"], ca: ca)
        #expect(view.status == 200 && view.text.contains(entryID) && view.headers["referrer-policy"] == "strict-origin-when-cross-origin")
        #expect(!view.text.contains("action=\"/api/entries/\(entryID)?token="), "a form posts the token in its address")
        #expect(try Self.curl(["-H", "Accept: text/html", "\(base)/api/entries/\(entryID)?lang=en"], ca: ca).status == 404)
        var access = ""
        for _ in 0..<50 {
            access = (try? String(contentsOf: nginx.prefix.appendingPathComponent("logs/access.log"), encoding: .utf8)) ?? ""
            if access.contains("/api/entries/\(entryID)") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(access.contains("GET /api/entries/\(entryID) HTTP") && !access.contains(editToken), "\(access.suffix(600))")

        // /healthz through nginx; /metrics for this machine only.
        #expect(try Self.curl(["\(base)/healthz"], ca: ca).text == "ok\n")
        #expect(try Self.curl(["\(base)/metrics"], from: "127.0.0.2", ca: ca).status == 403)
        let metrics = try Self.curl(["\(base)/metrics"], from: "127.0.0.1", ca: ca)
        #expect(metrics.status == 200 && metrics.text.contains("compe_entries_accepted_total 3"), "\(metrics.text.prefix(300))")
    }
}
