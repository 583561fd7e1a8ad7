import ArgumentParser
import CompeCore
import CompeMail
import CompeServer
import Foundation
import NIOSSL

/// What `compe serve` is told: where things are, and the limits an operator may set.
struct ServeOptions: ParsableArguments {
    @Option(help: "TCP port (0 picks a free one).") var port = 8080
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("public"), help: "The built site.") var publicDir = "Public"
    @Option(help: "Where entries are stored (SQLite and uploads; with --database, the uploads and secret.key every instance shares).") var data = "Data"
    @Option(help: databaseHelp) var database: String?
    @Option(help: "The content directory (contest briefs).") var content = "Content"
    @Option(name: .customLong("static"), help: "Static files (watched with --watch).") var staticDir = "Static"
    @Option(name: .customLong("rate-limit"), help: "Entry posts per client address per minute; 0 disables the limit.") var rateLimit = 30
    @Option(name: .customLong("max-connections"), help: "Open connections in all (at most half the open-file limit); others wait.")
    var maxConnections = 4096
    @Option(name: .customLong("max-connections-per-client"), help: "Open connections one client address may hold; more are closed.")
    var maxPerClient = 64
    @Option(name: .customLong("trusted-proxy"), help: "A proxy (address or CIDR) whose X-Forwarded-For/-Proto/-Host are believed; repeatable.")
    var trustedProxies: [String] = []
    @Option(name: .customLong("min-free-mb"), help: "Below this many MiB free on the data disk, uploads wait (503) and /healthz says degraded; 0 disables.")
    var minFreeMB = 512
    @Option(name: .customLong("upload-budget-mb"), help: "MiB of uploads one client address may send per hour (429 past it); 0 disables.")
    var uploadBudgetMB = 2048
    @Option(name: .customLong("total-upload-budget-mb"), help: "MiB of uploads all clients together may send per hour; 0 disables.")
    var totalUploadBudgetMB = 20480
    @Option(name: .customLong("upload-expiry-hours"), help: "Hours a resumable upload may stay unfinished, or finished and unused, before it is removed.")
    var uploadExpiryHours = 24
    @Option(name: .customLong("uploads-per-client"), help: "Unfinished resumable uploads one client address may have at once (429 past it).")
    var uploadsPerClient = 8
    @Option(name: .customLong("uploads-in-flight-mb"), help: "MiB still to come of one client address's unfinished resumable uploads (429 past it).")
    var uploadsInFlightMB = 4096
    @Option(name: .customLong("total-uploads-in-flight-mb"), help: "MiB still to come of all unfinished resumable uploads together (429 past it).")
    var totalUploadsInFlightMB = 65536
    @Option(help: "Mail entrants through this relay: smtp://[user@]host:port (STARTTLS when offered) or smtps://…; the password comes from COMPE_SMTP_PASSWORD.")
    var smtp: String?
    @Option(name: .customLong("mail-from"), help: "The sender of mail to entrants, e.g. \"Contests <noreply@example.go.jp>\" (needed with --smtp).")
    var mailFrom: String?
    @Option(name: .customLong("smtp-ca"), help: "Trust the relay's certificate from this PEM file (a private CA) instead of the system's roots.")
    var smtpCA: String?
    @Flag(name: .customLong("smtp-insecure"), help: "Also send mail carrying edit links when the relay offers no TLS (a relay on this machine or a trusted private network).")
    var smtpInsecure = false
    @Flag(name: .customLong("confirm-email"), help: "Mail an address nothing but a request to confirm it until its owner does; what waits is sent then.")
    var confirmEmail = false
    @Option(name: .customLong("mail-cap"), help: "Most mails one address gets a day, all kinds together (more are not sent).")
    var mailCap = 10
    @Option(name: .customLong("mail-retry"), help: ArgumentHelp("Seconds before the first retry of undelivered mail (doubling after).", visibility: .hidden))
    var mailRetry: Double = 60
    @Option(help: ArgumentHelp("Pretend the time is this (RFC 3339), for demos and tests.", visibility: .hidden)) var now: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 or more") }
        guard maxConnections >= 1, maxPerClient >= 1 else { throw ValidationError("--max-connections and --max-connections-per-client must be at least 1") }
        guard minFreeMB >= 0 else { throw ValidationError("--min-free-mb must be 0 or more") }
        guard uploadBudgetMB >= 0, totalUploadBudgetMB >= 0 else { throw ValidationError("--upload-budget-mb and --total-upload-budget-mb must be 0 or more") }
        guard uploadExpiryHours >= 1, uploadsPerClient >= 1, uploadsInFlightMB >= 1, totalUploadsInFlightMB >= 1 else {
            throw ValidationError("--upload-expiry-hours, --uploads-per-client, --uploads-in-flight-mb and --total-uploads-in-flight-mb must be 1 or more")
        }
        for proxy in trustedProxies where TrustedProxies.Network(proxy) == nil {
            throw ValidationError("--trusted-proxy '\(proxy)' is not an address or network such as 10.0.0.0/8 or ::1")
        }
        if let now, DateParsing.dateTime(now) == nil { throw ValidationError("--now must be a date-time such as 2027-01-20T12:00:00+09:00") }
        if let smtp {
            guard SMTPRelay(url: smtp) != nil else { throw ValidationError("--smtp must be smtp://host:port or smtps://host:port (a user may go before the host)") }
            guard let mailFrom, MailAddress(parsing: mailFrom) != nil else {
                throw ValidationError("--smtp needs --mail-from with an address, e.g. --mail-from \"Contests <noreply@example.go.jp>\"")
            }
            if let smtpCA, (try? NIOSSLCertificate.fromPEMFile(smtpCA))?.isEmpty != false {
                throw ValidationError("--smtp-ca '\(smtpCA)' holds no PEM certificate")
            }
        } else if mailFrom != nil || smtpCA != nil || smtpInsecure || confirmEmail {
            throw ValidationError("--mail-from, --smtp-ca, --smtp-insecure and --confirm-email only apply with --smtp")
        }
        guard mailCap >= 1 else { throw ValidationError("--mail-cap must be at least 1") }
        guard mailRetry > 0 else { throw ValidationError("--mail-retry must be more than 0") }
        _ = try openDatabase(database)
    }

    /// The mail settings, with the CA file read; nil without --smtp.
    func mailSettings() throws -> MailSettings? {
        guard let smtp, let relay = SMTPRelay(url: smtp), let mailFrom, let from = MailAddress(parsing: mailFrom) else { return nil }
        var roots: [NIOSSLCertificate]?
        if let smtpCA {
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(smtpCA), !certificates.isEmpty else {
                throw ValidationError("--smtp-ca '\(smtpCA)' holds no PEM certificate")
            }
            roots = certificates
        }
        let password = ProcessInfo.processInfo.environment["COMPE_SMTP_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        var settings = MailSettings(relay: relay, from: from, password: password, trustRoots: roots)
        settings.retryBase = mailRetry
        settings.insecure = smtpInsecure
        settings.dailyCap = mailCap
        settings.confirmAddresses = confirmEmail
        return settings
    }

    /// The server's configuration.
    func configuration(clock: @escaping @Sendable () -> Date) throws -> ServerConfiguration {
        var config = ServerConfiguration(host: host, port: port, publicDir: directory(publicDir), dataDir: directory(data),
                                         contentDir: directory(content), rateLimit: rateLimit, clock: clock)
        config.connections.total = maxConnections
        config.connections.perClient = maxPerClient
        config.trustedProxies = TrustedProxies(trustedProxies.compactMap(TrustedProxies.Network.init))
        config.minFreeMB = minFreeMB
        config.uploadBudgetMB = uploadBudgetMB
        config.totalUploadBudgetMB = totalUploadBudgetMB
        config.resumableUploads.expiry = TimeInterval(uploadExpiryHours) * 3600
        config.resumableUploads.perClient = uploadsPerClient
        config.resumableUploads.clientMB = uploadsInFlightMB
        config.resumableUploads.totalMB = totalUploadsInFlightMB
        config.mail = try? mailSettings()
        config.database = try openDatabase(database)
        return config
    }
}
