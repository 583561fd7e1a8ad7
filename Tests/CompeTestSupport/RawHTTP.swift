import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a POSIX socket to 127.0.0.1, so tests control
/// every byte (malformed bodies, slow senders) and see redirects as they are.
public enum RawHTTP {
    /// A parsed response.
    public struct Response: Sendable {
        /// Status code (0 when the server closed without answering).
        public var status: Int
        /// Header fields, names lowercased.
        public var headers: [String: String]
        /// The body bytes.
        public var body: Data
        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    /// Sends `head` + `body` and reads the answer until the server closes (requests say `Connection: close`).
    /// `chunkDelay` sends the body in pieces with pauses, like a slow client.
    public static func send(port: Int, head: String, body: Data = Data(), chunk: Int = 0, chunkDelay: TimeInterval = 0,
                            timeout: TimeInterval = 30) throws -> Response {
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var all = Data(head.utf8)
        if chunk == 0 {
            all.append(body)
            writeAll(fd, all)
        } else {
            writeAll(fd, all)
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + chunk)
                if !writeAll(fd, body[offset..<end]) { break }
                offset = end
                Thread.sleep(forTimeInterval: chunkDelay)
            }
        }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return parse(received)
    }

    /// A TCP socket connected to 127.0.0.1:`port`, from the loopback address `source` (another
    /// 127.x.y.z address makes another client as far as the server can tell).
    public static func connectLoopback(port: Int, from source: String? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw POSIXError(.EADDRNOTAVAIL)
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    static func parse(_ data: Data) -> Response {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { return Response(status: 0, headers: [:], body: Data()) }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var i = data.startIndex
        while let lineEnd = data[i...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            guard start + size <= data.endIndex else { break }
            out.append(data[start..<(start + size)])
            i = start + size + 2
        }
        return out
    }
}

/// One raw connection a test drives step by step: send some bytes, see what came back, see
/// whether the server closed it.
public final class RawConnection: @unchecked Sendable {
    /// The socket.
    public let fd: Int32
    /// Everything received so far.
    public private(set) var received = Data()
    /// Whether the server has closed its side (or reset the connection).
    public private(set) var closedByServer = false

    /// Connects to 127.0.0.1:`port` from `source`.
    public init(port: Int, from source: String? = nil) throws {
        fd = try RawHTTP.connectLoopback(port: port, from: source)
    }

    private var isOpen = true

    deinit { hangUp() }

    /// Closes the client's side.
    public func hangUp() {
        if isOpen { close(fd) }
        isOpen = false
    }

    /// Sends `data`; false when the connection is gone.
    @discardableResult
    public func send(_ data: Data) -> Bool { RawHTTP.writeAll(fd, data) }

    /// Sends `text`.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Data(text.utf8)) }

    /// Reads what arrives within `timeout` seconds (returns early when the server closes).
    public func read(for timeout: TimeInterval) { read(for: timeout, stoppingAtResponse: false) }

    /// Reads until a response's status line has arrived (or as `read(for:)`).
    public func readResponse(for timeout: TimeInterval) { read(for: timeout, stoppingAtResponse: true) }

    private func read(for timeout: TimeInterval, stoppingAtResponse: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !closedByServer && !(stoppingAtResponse && response.status != 0) {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { closedByServer = true } else { received.append(contentsOf: buffer[0..<n]) }
        }
    }

    /// The first response received, parsed (status 0 when none came).
    public var response: RawHTTP.Response { RawHTTP.parse(received) }
}

/// Builds `multipart/form-data` bodies byte by byte.
public struct MultipartBody {
    /// The boundary used.
    public var boundary = "compe-test-\(UUID().uuidString)"
    /// The bytes so far (without the closing boundary).
    public var data = Data()

    /// An empty body.
    public init() {}

    /// Adds a text field.
    public mutating func field(_ name: String, _ value: String) {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8))
        data.append(Data(value.utf8))
        data.append(Data("\r\n".utf8))
    }

    /// Adds a file part; `filename` is sent exactly as given.
    public mutating func file(_ name: String = "files", filename: String, contentType: String = "application/octet-stream", _ content: Data) {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"".utf8))
        data.append(Data(filename.utf8))
        data.append(Data("\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        data.append(content)
        data.append(Data("\r\n".utf8))
    }

    /// The finished body with its closing boundary.
    public var finished: Data { data + Data("--\(boundary)--\r\n".utf8) }

    /// A request head for POSTing this body to `path`.
    public func head(_ path: String, extra: [String] = [], length: Int? = nil) -> String {
        var lines = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                     "Content-Type: multipart/form-data; boundary=\(boundary)", "Content-Length: \(length ?? finished.count)"]
        lines += extra
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// A complete, valid entry for the test contest, with one PDF.
    public static func validEntry(title: String = "My design", pdf: Data = samplePDF()) -> MultipartBody {
        var body = MultipartBody()
        body.field("title", title)
        body.field("summary", "A **bold** idea.")
        body.field("team_name", "Team A")
        body.field("members", "Aiko\nBen")
        body.field("contact_email", "team@example.org")
        body.field("country", "JP")
        body.field("agree_terms", "yes")
        body.file(filename: "design.pdf", contentType: "application/pdf", pdf)
        return body
    }

    /// A small PDF-looking file with unique content.
    public static func samplePDF(_ extra: String = UUID().uuidString) -> Data {
        Data("%PDF-1.4\n% \(extra)\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)
    }
}

/// A listener on a Server-Sent Events stream at 127.0.0.1 that reads as events arrive.
public final class EventStreamClient {
    private let fd: Int32
    private var received = ""
    private var consumed: String.Index

    /// Opens `path` on `port` and sends the request.
    public init(port: Int, path: String) throws {
        fd = try RawHTTP.connectLoopback(port: port)
        consumed = received.startIndex
        RawHTTP.writeAll(fd, Data("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8))
    }

    deinit { close(fd) }

    /// Waits until `text` arrives after what earlier waits consumed; returns the text received
    /// up to and including the end of that event, or nil after `timeout`.
    public func waitFor(_ text: String, timeout: TimeInterval = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let hit = received.range(of: text, range: consumed..<received.endIndex) {
                let end = received.range(of: "\n\n", range: hit.upperBound..<received.endIndex)?.upperBound ?? received.endIndex
                let chunk = String(received[consumed..<end])
                consumed = end
                return chunk
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(left * 1000)) > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            let offset = received.distance(from: received.startIndex, to: consumed)
            received += String(decoding: buffer[0..<n], as: UTF8.self)
            consumed = received.index(received.startIndex, offsetBy: offset)
        }
    }
}
