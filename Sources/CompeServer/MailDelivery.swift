import CompeContent
import CompeCore
import CompeMail
import CompeSite
import CompeStore
import Foundation
import Logging
import NIOSSL
import ServiceLifecycle

/// How `compe serve` mails entrants (`--smtp`, `--mail-from`, `COMPE_SMTP_PASSWORD`).
public struct MailSettings: Sendable {
    public var relay: SMTPRelay
    public var from: MailAddress
    public var password: String?
    /// Roots to trust for the relay's certificate instead of the system's (`--smtp-ca`).
    public var trustRoots: [NIOSSLCertificate]?
    /// First retry after this many seconds, doubling each time (capped at a day).
    public var retryBase: Double = 60
    /// A message still undelivered this long after it was queued is marked failed.
    public var giveUpAfter: Double = 86_400
    /// A relay's permanent refusal (5xx) is tried this many times before the message fails.
    public var permanentAttempts = 3
    /// Send mail carrying edit links over a relay that offers no TLS (`--smtp-insecure`): for a
    /// relay on the same machine or a private network the operator trusts.
    public var insecure = false

    public init(relay: SMTPRelay, from: MailAddress, password: String?, trustRoots: [NIOSSLCertificate]? = nil) {
        self.relay = relay
        self.from = from
        self.password = password
        self.trustRoots = trustRoots
    }
}

/// Makes the mail of an outbox row from the entry as it is now, in the entrant's language,
/// with the theme's `mail_<kind>` template: its first line is the subject, the rest the body.
struct MailComposer: Sendable {
    let pages: EntryPages
    let from: MailAddress

    func message(_ queued: OutboxMessage, entry: Entry, token: String, now: Date) -> MailMessage? {
        let language = entry.draft.language
        guard let contests = pages.contests[entry.draft.contest],
              let contest = contests[language] ?? contests[pages.config.defaultLanguage] ?? contests.values.first else { return nil }
        let display = DateDisplay(timeZone: pages.config.timeZone)
        let contestURL = pages.config.baseURL + pages.config.urlPath("contests/\(contest.slug)", language: language)
        var context: TemplateContext = [
            "ja": .bool(language == "ja"), "code": .text(entry.code), "contest_title": .text(contest.title),
            "entry_title": .text(entry.draft.title), "team_name": .text(entry.draft.teamName),
            "received_local": .text(display.local(entry.receivedAt, language: language)), "received_utc": .text(display.utc(entry.receivedAt)),
            "updated_local": .text(display.local(entry.updatedAt, language: language)), "updated_utc": .text(display.utc(entry.updatedAt)),
            "closes_local": .text(display.local(contest.closes, language: language)), "closes_utc": .text(display.utc(contest.closes)),
            "edit_link": .text(pages.config.baseURL + pages.entryURL(entry.code, token: token, language: language, fresh: false)),
            "files": .objects(entry.files.enumerated().map { ["name": .text(FileName.clean($1.name, fallback: "file-\($0 + 1)")), "bytes": .text(String($1.bytes)), "sha256": .text($1.sha256)] }),
            "contest_url": .text(contestURL), "results_url": .text(contestURL + "results/"),
        ]
        if queued.kind == .update {
            let all = pages.updates[contest.slug] ?? []
            guard let update = all.first(where: { $0.name == queued.detail && $0.language == language })
                ?? all.first(where: { $0.name == queued.detail && $0.language == pages.config.defaultLanguage }) else { return nil }
            context["update_title"] = .text(update.title)
            context["update_day"] = .text(update.day)
            context["update_text"] = .text(PlainText.clean(update.markdown).trimmingCharacters(in: .newlines))
            context["update_url"] = .text(contestURL + "#" + update.anchor)
        }
        let text = pages.chrome.text("mail_\(queued.kind.rawValue)", context: context)
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        // Entrant text can reach the subject (the title): line breaks there are folded to spaces;
        // validation refuses them in one-line fields anyway.
        let subject = String(lines.first ?? "").replacingOccurrences(of: "\r", with: " ").trimmingCharacters(in: .whitespaces)
        let body = lines.count > 1 ? String(lines[1]).trimmingCharacters(in: .newlines) + "\n" : ""
        return MailMessage(from: from, to: MailAddress(address: entry.draft.contactEmail), subject: subject, body: body,
                           messageID: queued.messageID, date: now)
    }
}

/// Delivers the outbox: every second, the mail that is due, one connection per message;
/// failures retried with exponential backoff (doubling from `retryBase`, capped at a day), a
/// message failed once it is older than `giveUpAfter` or refused for good `permanentAttempts`
/// times. Runs beside the HTTP server, so no answer ever waits for mail.
final class MailWorker: Service, Sendable {
    let store: EntryStore
    let composer: MailComposer
    let client: SMTPClient
    let settings: MailSettings
    let clock: @Sendable () -> Date
    let logger: Logger

    init(store: EntryStore, pages: EntryPages, settings: MailSettings, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        composer = MailComposer(pages: pages, from: settings.from)
        client = SMTPClient(relay: settings.relay, password: settings.password, trustRoots: settings.trustRoots,
                            heloName: URL(string: pages.config.baseURL)?.host ?? "localhost")
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.deliverDue()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func deliverDue() async {
        let due: [OutboxMessage]
        do {
            // Claimed for ten retry periods (at most 15 minutes): another server on the same
            // database leaves them alone meanwhile, and takes them over if this one dies.
            due = try await store.dueMail(now: Date(), lease: min(900, settings.retryBase * 10))
        } catch {
            logger.warning("mail: cannot read the outbox", metadata: ["error": "\(error)"])
            return
        }
        for queued in due { await deliver(queued) }
    }

    private func deliver(_ queued: OutboxMessage) async {
        let now = Date()
        do {
            guard let (entry, token) = try await store.mailSubject(queued),
                  let message = composer.message(queued, entry: entry, token: token, now: clock()) else {
                try await store.recordDelivery(queued.id, sent: false, error: "the entry or its contest no longer exists", now: now)
                return
            }
            do {
                // An edit link is a password to the entry: it crosses the network only encrypted.
                try await client.send(message, requireTLS: !settings.insecure && message.body.contains(token))
                try await store.recordDelivery(queued.id, sent: true, now: now)
                logger.info("mail sent", metadata: ["outbox": "\(queued.id)", "kind": "\(queued.kind.rawValue)", "entry": "\(entry.code)"])
            } catch {
                let mailError = error as? MailError ?? .connection(String(describing: error))
                let attempts = queued.attempts + 1
                let expired = now.timeIntervalSince(queued.createdAt) >= settings.giveUpAfter
                let refused = mailError.isPermanent && attempts >= settings.permanentAttempts
                let retryAt = expired || refused ? nil : now.addingTimeInterval(min(86_400, settings.retryBase * pow(2, Double(attempts - 1))))
                try await store.recordDelivery(queued.id, sent: false, error: mailError.description, retryAt: retryAt, now: now)
                logger.warning(retryAt == nil ? "mail failed" : "mail not delivered yet, will retry",
                               metadata: ["outbox": "\(queued.id)", "attempts": "\(attempts)", "error": "\(mailError)"])
            }
        } catch {
            logger.warning("mail: cannot update the outbox", metadata: ["outbox": "\(queued.id)", "error": "\(error)"])
        }
    }
}
