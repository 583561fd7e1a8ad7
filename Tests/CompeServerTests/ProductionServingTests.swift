@testable import CompeServer
import CompeTestSupport
import Foundation
import Testing

/// What `compe serve` does for an operator on the internet: forwarded headers believed only
/// from trusted proxies, security headers on every answer, and metrics for loopback only.
@Suite struct ProductionServingTests {
    func post(_ f: ServerFixture, forwardedFor: String?, proto: String? = nil) async throws -> RawHTTP.Response {
        var headers = ["Accept: application/json"]
        if let forwardedFor { headers.append("X-Forwarded-For: \(forwardedFor)") }
        if let proto { headers.append("X-Forwarded-Proto: \(proto)") }
        return try await f.post(MultipartBody.validEntry(), headers: headers)
    }

    @Test func aSpoofedForwardedForChangesNothingWithoutATrustedProxy() async throws {
        try await ServerFixture.with(rateLimit: 2) { f in
            // Each post claims another client; the server sees one peer and limits it.
            let statuses = try await (1...3).asyncMap { n in try await post(f, forwardedFor: "198.51.100.\(n)").status }
            #expect(statuses == [201, 201, 429])
            let lines = f.logs.all.filter { $0.contains("path=/api/contests/test/entries") }
            #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("client=127.0.0.1") && !$0.contains("198.51.100") }, "\(lines)")
            // Nor does a forwarded https make it send HSTS.
            let r = try await f.request("GET", "/", headers: ["X-Forwarded-Proto: https"])
            #expect(r.headers["strict-transport-security"] == nil)
        }
    }

    @Test func behindATrustedProxyTheRightmostUntrustedHopIsTheClient() async throws {
        try await ServerFixture.with(rateLimit: 2, configure: { $0.trustedProxies = TrustedProxies([TrustedProxies.Network("127.0.0.0/8")!]) }) { f in
            // Two clients behind the proxy have a limit each.
            #expect(try await post(f, forwardedFor: "203.0.113.7").status == 201)
            #expect(try await post(f, forwardedFor: "203.0.113.7").status == 201)
            #expect(try await post(f, forwardedFor: "203.0.113.8").status == 201)
            // What a client writes to the left of what the proxy appended does not help it.
            #expect(try await post(f, forwardedFor: "192.0.2.99, 203.0.113.7").status == 429)
            #expect(f.logs.contains("client=203.0.113.8"))
            #expect(!f.logs.contains("client=192.0.2.99"))
            // https at the proxy: HSTS; plain http at the proxy: none.
            let secure = try await f.request("GET", "/", headers: ["X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https"])
            #expect(secure.headers["strict-transport-security"]?.hasPrefix("max-age=") == true)
            let plain = try await f.request("GET", "/", headers: ["X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: http"])
            #expect(plain.headers["strict-transport-security"] == nil)
            // Metrics are for the operator's side only: not for a public client behind the proxy.
            let outside = try await f.request("GET", "/metrics", headers: ["X-Forwarded-For: 203.0.113.9"])
            #expect(outside.status == 403)
            #expect(try await f.request("GET", "/metrics").status == 200)
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await ServerFixture.with { f in
            let entry = try await post(f, forwardedFor: nil)
            var answers: [(String, RawHTTP.Response)] = [
                ("page", try await f.request("GET", "/")),
                ("404", try await f.request("GET", "/no/such/page")),
                ("healthz", try await f.request("GET", "/healthz")),
                ("metrics", try await f.request("GET", "/metrics")),
                ("entry created", entry),
                ("entry error", try await f.post(MultipartBody(), headers: ["Accept: application/json"])),
                ("entry page", try await f.request("GET", "/api/entries/\(entry.json?["id"] as? String ?? "")?token=\(entry.json?["edit_token"] as? String ?? "")", headers: [])),
                ("judge 401", try await f.request("GET", "/api/judge/queue", headers: ["Authorization: Bearer cjt_wrong"])),
                ("bad path", try await f.request("GET", "/%2e%2e/etc/passwd")),
            ]
            answers.append(("head", try await f.request("HEAD", "/")))
            for (name, r) in answers {
                let csp = r.headers["content-security-policy"] ?? ""
                #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "\(name): \(csp)")
                #expect(!csp.contains("unsafe-inline"), "\(name)")
                #expect(r.headers["x-content-type-options"] == "nosniff", "\(name)")
                #expect(r.headers["referrer-policy"] != nil, "\(name)")
                #expect(r.headers["strict-transport-security"] == nil, "\(name): HSTS over plain http")
            }
        }
    }

    @Test func metricsCountRequestsEntriesRefusalsAndBytes() async throws {
        try await ServerFixture.with { f in
            let pdf = MultipartBody.samplePDF("metrics")
            #expect(try await f.post(MultipartBody.validEntry(pdf: pdf)).status == 201)
            var untitled = MultipartBody()
            untitled.field("title", "")
            #expect(try await f.post(untitled).status == 400)
            _ = try await f.request("GET", "/")
            _ = try await f.request("GET", "/nothing-here")
            let r = try await f.request("GET", "/metrics")
            #expect(r.status == 200)
            #expect(r.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = r.text
            func value(_ series: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect(value(#"compe_http_requests_total{route="/api/contests/{slug}/entries",status="201"}"#) == 1)
            #expect(value(#"compe_http_requests_total{route="/api/contests/{slug}/entries",status="400"}"#) == 1)
            #expect(value(#"compe_http_requests_total{route="files",status="200"}"#) == 1)
            #expect(value(#"compe_http_requests_total{route="NotFound",status="404"}"#) == 1)
            #expect(value("compe_entries_accepted_total") == 1)
            #expect(value(#"compe_entries_rejected_total{reason="required"}"#) == 1)
            #expect(value("compe_upload_bytes_total") == Double(pdf.count))
            #expect((value("compe_data_disk_free_bytes") ?? 0) > 0)
            #expect(text.contains(#"compe_http_request_duration_seconds_bucket{route="files",le="+Inf"} 1"#))
            // No path, query or typed value becomes a label.
            #expect(!text.contains("nothing-here") && !text.contains("team@example.org"))
        }
    }
}

extension Sequence {
    /// `map` with an async transform, one element at a time, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
