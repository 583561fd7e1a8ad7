import CompeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Slow clients against the real binary with few descriptors: they must not take the server
/// down for anyone else.
@Suite struct SlowClientTests {
    /// CPU seconds (user + system) the process `pid` has used.
    func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
    }

    @Test func threeHundredSlowClientsLeaveHealthzAnswering() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        let log = dir.appendingPathComponent("server.log")
        let server = try CompeBinary.startServer(in: dir, openFiles: 256, log: log)
        defer { server.stop() }
        // 300 connections from one address: half trickle their headers, half announce a
        // megabyte body for a page that takes none and trickle it, a byte a second each.
        var slow: [RawConnection] = []
        for i in 0..<300 {
            guard let c = try? RawConnection(port: server.port) else { continue }
            c.send(i % 2 == 0 ? "GET /about/ HTTP/1.1\r\nX-Slow: " : "POST /about/ HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n")
            slow.append(c)
        }
        let cpuBefore = cpuSeconds(server.process.processIdentifier)
        let start = Date()
        var worst = 0.0, failures = 0
        while Date().timeIntervalSince(start) < 10 {
            for c in slow where !c.closedByServer { c.send("a") }
            let asked = Date()
            let probe = try RawConnection(port: server.port, from: "127.0.0.2")
            probe.send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            probe.read(for: 1)
            if probe.response.status == 200 { worst = max(worst, Date().timeIntervalSince(asked)) } else { failures += 1 }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let cpu = (cpuSeconds(server.process.processIdentifier) - cpuBefore) / Date().timeIntervalSince(start)
        #expect(failures == 0, "/healthz went unanswered \(failures) times")
        #expect(worst < 1, "/healthz took \(worst) s")
        #expect(cpu < 0.5, "the server used \(Int(cpu * 100))% of a core while slow clients waited")
        for c in slow { c.read(for: 0.01) }
        let answered = slow.filter { $0.response.status == 404 }.count
        #expect(answered > 0, "no early answer reached a slow client")
        let logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(logged.contains("too many connections from one client"))
    }
}
