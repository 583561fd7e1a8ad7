import CompeCore
@testable import CompeServer
import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// Slow clients, early answers and connection caps, against a real server on 127.0.0.1 with
/// raw sockets (the second hardening round).
@Suite struct SlowAndEarlyTests {
    /// A connection's raw steps run off Swift's cooperative pool (the server needs it).
    func raw<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T { try await offPool(work) }

    @Test func anAnswerSentBeforeTheBodyClosesTheConnection() async throws {
        try await ServerFixture.with { f async throws in
            let port = f.port
            // A 404 for a page that takes no body, while a million-byte body is announced.
            let c = try await raw {
                let c = try RawConnection(port: port)
                c.send("POST /about/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\nfirst bytes")
                c.read(for: 10)
                return c
            }
            #expect(c.response.status == 404)
            #expect(c.response.headers["connection"]?.lowercased() == "close")
            #expect(c.closedByServer, "the server kept the connection open to drain a body it will never use")
            // 413 from Content-Length alone: answered and closed; what the client sends after is not read.
            let big = try await raw {
                let c = try RawConnection(port: port)
                c.send("POST /api/contests/test/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 10000000000\r\n\r\n")
                c.send(Data(repeating: 0x41, count: 64 * 1024))
                c.read(for: 10)
                return c
            }
            #expect(big.response.status == 413 && big.closedByServer)
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func aPipelinedRequestAfterAClosingAnswerNeverRuns() async throws {
        try await ServerFixture.with { f async throws in
            let created = try await f.post(.validEntry())
            let id = try #require(created.json?["id"] as? String), token = try #require(created.json?["edit_token"] as? String)
            let port = f.port
            // A complete request refused with Connection: close (not multipart), and a withdrawal
            // pipelined behind it in the same packet.
            let c = try await raw {
                let c = try RawConnection(port: port)
                c.send("POST /api/contests/test/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
                       + "DELETE /api/entries/\(id)?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n")
                c.read(for: 10)
                return c
            }
            #expect(c.response.status == 400 && c.closedByServer)
            #expect(String(decoding: c.received, as: UTF8.self).components(separatedBy: "HTTP/1.1 ").count == 2, "a second answer came back")
            #expect(try await f.store().entries(contest: "test").allSatisfy { $0.withdrawnAt == nil }, "the pipelined withdrawal ran")
            // Pipelining itself still works when nothing closes: both answers, in order.
            let ok = try await raw {
                let c = try RawConnection(port: port)
                c.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                c.read(for: 15)
                return c
            }
            #expect(String(decoding: ok.received, as: UTF8.self).components(separatedBy: "HTTP/1.1 200").count == 3)
        }
    }

    @Test func headersMustBeCompleteInTime() async throws {
        var policy = ConnectionPolicy()
        policy.headerTimeout = .seconds(2)
        try await ServerFixture.with(idleTimeout: 30, connections: policy) { f async throws in
            let port = f.port
            // One header byte every 300 ms for up to 9 s: never idle, never complete. Timed from
            // the first byte (not from when a loaded machine got round to the test), to the close.
            let (c, seconds) = try await raw {
                let c = try RawConnection(port: port)
                c.send("GET / HTTP/1.1\r\nX-Slow: ")
                let start = Date()
                for _ in 0..<30 where !c.closedByServer {
                    if !c.send("a") { break }
                    c.read(for: 0.3)
                }
                return (c, Date().timeIntervalSince(start))
            }
            // The idle timer (30 s) restarts on every byte: only the 2 s header deadline closes it
            // before the bytes run out.
            #expect(c.closedByServer, "the header deadline did not hold (the idle timer restarts on every byte)")
            #expect(seconds < 8, "closed only after \(seconds) s")
        }
    }

    @Test func everyBodyMustKeepARate() async throws {
        var policy = ConnectionPolicy()
        policy.bodyGrace = .seconds(2)
        try await ServerFixture.with(idleTimeout: 30, connections: policy) { f async throws in
            let created = try await f.post(.validEntry())
            let id = try #require(created.json?["id"] as? String)
            let port = f.port
            // Not an upload: an edit whose token is in the body (fields only), trickled at ~100 B/s.
            let start = Date()
            let c = try await raw {
                let c = try RawConnection(port: port)
                c.send("POST /api/entries/\(id) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n")
                // Up to a minute; the rate rule closes it after its 2 s grace (seconds more when
                // the whole suite loads the machine), long before the 30 s idle timeout would.
                for _ in 0..<200 where !c.closedByServer {
                    if !c.send(String(repeating: "x", count: 30)) { break }
                    c.read(for: 0.3)
                }
                return c
            }
            #expect(c.closedByServer)
            #expect(Date().timeIntervalSince(start) < 25)
            #expect(f.logs.contains("request body too slow"))
            #expect(f.stagingFiles().isEmpty)
        }
    }

    @Test func oneClientCannotHoldEveryConnection() async throws {
        var policy = ConnectionPolicy()
        policy.perClient = 4
        try await ServerFixture.with(connections: policy) { f async throws in
            let port = f.port
            // Each held connection is answered once, so the server has counted it before the
            // fifth arrives (connections start on two event loops, in either order).
            let held = try await raw {
                try (0..<4).map { _ in
                    let c = try RawConnection(port: port)
                    c.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
                    c.readResponse(for: 10)
                    return c
                }
            }
            #expect(held.allSatisfy { $0.response.status == 200 && !$0.closedByServer })
            let fifth = try await raw {
                let c = try RawConnection(port: port)
                c.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
                c.read(for: 5)
                return c
            }
            #expect(fifth.closedByServer && fifth.response.status == 0, "a fifth connection from one address was served")
            let other = try await raw {
                let c = try RawConnection(port: port, from: "127.0.0.3")
                c.send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                c.read(for: 15)
                return c
            }
            #expect(other.response.status == 200, "another client was refused")
            #expect(f.logs.contains("too many connections from one client"))
            _ = held
        }
    }

    @Test func theServerTakesAtMostItsTotalAndThenWaits() async throws {
        var policy = ConnectionPolicy()
        policy.total = 8
        try await ServerFixture.with(connections: policy) { f async throws in
            let port = f.port
            let held = try await raw { try (0..<8).map { try RawConnection(port: port, from: "127.0.0.\(10 + $0)") } }
            try await Task.sleep(for: .milliseconds(300))
            let waiting = try await raw {
                let c = try RawConnection(port: port, from: "127.0.0.20")
                c.send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                c.read(for: 1)
                return c
            }
            #expect(waiting.response.status == 0, "a seventh connection was served past the limit")
            held[0].hangUp()
            try await raw { waiting.read(for: 15) }
            #expect(waiting.response.status == 200, "the waiting client was not served once a slot freed")
            #expect(f.logs.contains("connection limit reached"))
        }
    }
}
