import Foundation

/// A throwaway certificate authority and a certificate for 127.0.0.1 and localhost, made with
/// the `openssl` command in a temp folder.
struct ThrowawayCA {
    let folder: URL
    var caCertificate: URL { folder.appendingPathComponent("ca.pem") }
    var certificate: URL { folder.appendingPathComponent("server.pem") }
    var key: URL { folder.appendingPathComponent("server.key") }

    init(in folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let extensions = folder.appendingPathComponent("san.cnf")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            .write(to: extensions, atomically: true, encoding: .utf8)
        let f = folder.path
        for command in [
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout \(f)/ca.key -out \(f)/ca.pem -days 2 -subj /CN=compe-test-ca",
            "openssl req -newkey rsa:2048 -nodes -keyout \(f)/server.key -out \(f)/server.csr -subj /CN=127.0.0.1",
            "openssl x509 -req -in \(f)/server.csr -CA \(f)/ca.pem -CAkey \(f)/ca.key -CAcreateserial -out \(f)/server.pem -days 2 -extfile \(f)/san.cnf",
        ] {
            try Shell.run(command)
        }
    }
}

/// Debian's nginx, started by a test on a loopback port with a configuration the test writes,
/// in the foreground, stopped at the end.
final class Nginx {
    let process: Process
    let port: Int
    let prefix: URL

    /// Where Debian installs it.
    static let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts nginx with `http` as the body of its `http { }` block; `{{port}}` in it becomes a
    /// free port, which nginx listens on.
    init(http: String, in prefix: URL) throws {
        guard let binary = Self.binary else { throw ShellError(message: "nginx is not installed (Scripts/test installs it)") }
        self.prefix = prefix
        port = try Shell.freePort()
        for folder in ["logs", "tmp"] { try FileManager.default.createDirectory(at: prefix.appendingPathComponent(folder), withIntermediateDirectories: true) }
        let conf = """
        daemon off;
        master_process off;
        worker_processes 1;
        pid \(prefix.path)/nginx.pid;
        error_log \(prefix.path)/logs/error.log warn;
        events { worker_connections 256; }
        http {
            access_log \(prefix.path)/logs/access.log;
            client_body_temp_path \(prefix.path)/tmp/body;
            proxy_temp_path \(prefix.path)/tmp/proxy;
            fastcgi_temp_path \(prefix.path)/tmp/fastcgi;
            uwsgi_temp_path \(prefix.path)/tmp/uwsgi;
            scgi_temp_path \(prefix.path)/tmp/scgi;
        \(http.replacingOccurrences(of: "{{port}}", with: String(port)))
        }
        """
        let file = prefix.appendingPathComponent("nginx.conf")
        try conf.write(to: file, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", prefix.path, "-c", file.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? Shell.connect(port: port)) == true { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let log = (try? String(contentsOf: prefix.appendingPathComponent("logs/error.log"), encoding: .utf8)) ?? ""
        stop()
        throw ShellError(message: "nginx did not start: \(log)")
    }

    /// nginx terminating TLS with `ca`'s certificate on a loopback port and passing everything
    /// to compe on `backend`, with the forwarding headers a deployment sets.
    static func tlsProxy(to backend: Int, ca: ThrowawayCA, in prefix: URL) throws -> Nginx {
        try Nginx(http: """
            server {
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate \(ca.certificate.path);
                ssl_certificate_key \(ca.key.path);
                location / {
                    proxy_pass http://127.0.0.1:\(backend);
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                }
            }
            """, in: prefix)
    }

    /// Stops nginx: SIGTERM, then SIGKILL after two seconds (a child of the test process may
    /// inherit a signal mask that holds SIGTERM back).
    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct ShellError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

enum Shell {
    /// Runs `command` with /bin/sh; throws with its output when it fails.
    static func run(_ command: String) throws { _ = try output(command) }

    /// Runs `command` with /bin/sh and returns what it printed; throws with it when it fails.
    @discardableResult
    static func output(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ShellError(message: "\(command): \(text)") }
        return text
    }

    /// A TCP port nobody listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether something listens on 127.0.0.1:`port`.
    static func connect(port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
