import CompeStore
import Foundation
import NIOSSL
import PostgresNIO

/// A `--database` URL: `postgres://user[:password]@host[:port]/database[?sslmode=disable|require|verify-full]`
/// (`postgresql://` too). The password may be left out of the URL (it would show in `ps`) and
/// given in `PGPASSWORD`, as for psql. TLS: `disable` (the default, for a database on the same
/// machine or a private network), `require` (encrypted, certificate not checked) or
/// `verify-full` (encrypted, checked against the system's trusted CAs and the host name).
struct PostgresURL {
    let configuration: PostgresConnection.Configuration
    /// The URL without its password, for messages and logs.
    let display: String

    init(_ text: String, environment: [String: String]) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw PostgresURLError("'\(text)' is not a postgres:// URL (postgres://user@host:5432/database)")
        }
        guard let host = url.host, !host.isEmpty else { throw PostgresURLError("the database URL names no host") }
        guard let user = url.user, !user.isEmpty else { throw PostgresURLError("the database URL names no user (postgres://USER@host/database)") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw PostgresURLError("the database URL names no database (postgres://user@host/DATABASE)") }
        let port = url.port ?? 5432
        let password = url.password ?? environment["PGPASSWORD"]
        let mode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresConnection.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "require":
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .none
            tls = .require(try NIOSSLContext(configuration: config))
        case "verify-full":
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default:
            throw PostgresURLError("sslmode=\(mode) is not one of disable, require, verify-full")
        }
        configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        display = "postgres://\(user)@\(host):\(port)/\(database)"
    }
}

/// A `--database` URL that cannot be used, said in one line.
public struct PostgresURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
