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
    /// Most mails one address gets in a day (UTC), all kinds together (`--mail-cap`): entries
    /// typed with a stranger's address cannot make the contest's address flood it.
    public var dailyCap = 10
    /// Mail nothing to an address but a request to confirm it, until its owner does
    /// (`--confirm-email`); what waits meanwhile is sent once it is confirmed.
    public var confirmAddresses = false

    /// When a message queued at `queuedAt` is tried again after its `attempts`-th failure:
    /// doubling from `retryBase`, at most a day apart; nil once it is `giveUpAfter` old.
    func retryAt(attempts: Int, queuedAt: Date, now: Date) -> Date? {
        now.timeIntervalSince(queuedAt) >= giveUpAfter ? nil : now.addingTimeInterval(min(86_400, retryBase * pow(2, Double(attempts - 1))))
    }

    /// How long a server keeps the mail it took (ten retry periods, at most 15 minutes): another
    /// server on the same database leaves it alone meanwhile, and takes it over if this one dies.
    var lease: TimeInterval { min(900, retryBase * 10) }

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
    /// The entry API's pages as they are now (the content may be reloaded while mail waits).
    let currentPages: @Sendable () -> EntryPages
    let from: MailAddress

    /// The message, or nil when the content does not hold what it needs (yet): the contest, or
    /// the update being announced. `listed`: for a lost-link mail, every entry whose link it
    /// carries. Entrant text (title, team, file names) goes in inert (`MailText`): quoted by
    /// the templates, and never something a mail program turns into a link.
    func message(_ queued: OutboxMessage, entry: Entry, token: String, listed: [(entry: Entry, editToken: String)] = [],
                 stage sent: StageReceipt? = nil, now: Date) -> MailMessage? {
        let pages = currentPages()
        let language = entry.draft.language
        guard let contests = pages.contests[entry.draft.contest],
              let contest = contests[language] ?? contests[pages.config.defaultLanguage] ?? contests.values.first else { return nil }
        let display = DateDisplay(timeZone: pages.config.timeZone)
        let contestURL = pages.config.baseURL + pages.config.urlPath("contests/\(contest.slug)", language: language)
        var context: TemplateContext = [
            "ja": .bool(language == "ja"), "code": .text(entry.code), "contest_title": .text(contest.title),
            "entry_title": .text(MailText.inert(entry.draft.title)), "team_name": .text(MailText.inert(entry.draft.teamName)),
            "received_local": .text(display.local(entry.receivedAt, language: language)), "received_utc": .text(display.utc(entry.receivedAt)),
            "updated_local": .text(display.local(entry.updatedAt, language: language)), "updated_utc": .text(display.utc(entry.updatedAt)),
            "closes_local": .text(display.local(contest.closes, language: language)), "closes_utc": .text(display.utc(contest.closes)),
            "edit_link": .text(pages.editLink(entry.code, token: token, language: language)),
            "files": .objects(entry.files.enumerated().map {
                ["name": .text(MailText.inert(FileName.clean($1.name, fallback: "file-\($0 + 1)"))), "bytes": .text(String($1.bytes)),
                 "sha256": .text($1.sha256)]
            }),
            "entries": .objects(listed.map {
                ["code": .text($0.entry.code), "entry_title": .text(MailText.inert($0.entry.draft.title)),
                 "edit_link": .text(pages.editLink($0.entry.code, token: $0.editToken, language: language))]
            }),
            "contest_url": .text(contestURL), "results_url": .text(contestURL + "results/"),
        ]
        // The receipt's place in the entry log, with the leaf's data (its salt included), so the
        // mail alone lets the entrant check the entry later.
        if let logged = entry.log.first(where: { $0.leaf.event == .received }) {
            context["has_log"] = true
            context["log_index"] = .text(String(logged.index))
            context["log_leaf_hash"] = .text(logged.leafHash)
            context["log_leaf"] = .text(String(decoding: logged.leaf.data, as: UTF8.self))
        }
        if queued.kind == .update {
            let all = pages.updates[contest.slug] ?? []
            guard let update = all.first(where: { $0.name == queued.detail && $0.language == language })
                ?? all.first(where: { $0.name == queued.detail && $0.language == pages.config.defaultLanguage }) else { return nil }
            context["update_title"] = .text(update.title)
            context["update_day"] = .text(update.day)
            context["update_text"] = .text(PlainText.clean(update.markdown).trimmingCharacters(in: .newlines))
            context["update_url"] = .text(contestURL + "#" + update.anchor)
        }
        if queued.kind == .answer {
            guard let answer = pages.answer(contest.slug, code: queued.detail, language: language) else { return nil }
            context.merge(answerContext(answer, contestURL: contestURL)) { _, new in new }
        }
        if queued.kind == .stageReceipt {
            guard let sent, let stage = contest.stage(queued.detail) else { return nil }
            context["stage"] = .text(stage.name)
            context["stage_closes_local"] = .text(display.local(stage.closes, language: language))
            context["stage_closes_utc"] = .text(display.utc(stage.closes))
            context["updated_local"] = .text(display.local(sent.updatedAt, language: language))
            context["updated_utc"] = .text(display.utc(sent.updatedAt))
            context["stage_fields"] = .objects(stage.submission.fields.compactMap { f in
                sent.fields[f.id].map { ["label": .text(f.label), "value": .text(MailText.inert($0))] }
            })
            context["files"] = .objects(sent.files.enumerated().map {
                ["name": .text(MailText.inert(FileName.clean($1.name, fallback: "file-\($0 + 1)"))), "bytes": .text(String($1.bytes)),
                 "sha256": .text($1.sha256)]
            })
        }
        if queued.kind == .shortlisted || queued.kind == .notShortlisted {
            guard let stage = contest.stage(queued.detail), let next = contest.stage(after: stage.id) else { return nil }
            context["stage"] = .text(stage.name)
            context["next_stage"] = .text(next.name)
            context["next_closes_local"] = .text(display.local(next.closes, language: language))
            context["next_closes_utc"] = .text(display.utc(next.closes))
            context["asks"] = .bool(next.submission != .none)
            if let uploads = next.submission.uploads, uploads.maxFiles > 0 {
                context["max_files"] = .text(String(uploads.maxFiles))
                context["max_file_mb"] = .text(String(uploads.maxFileMB))
                context["types"] = .text(uploads.types.map(\.rawValue).joined(separator: ", "))
            }
            context["fields"] = .objects(next.submission.fields.map { ["label": .text($0.label)] })
            context["shortlist_url"] = .text(contestURL + "shortlist/")
        }
        return compose("mail_\(queued.kind.rawValue)", context, pages: pages, to: entry.draft.contactEmail, messageID: queued.messageID, now: now)
    }

    /// What the mails about a published answer say of it.
    private func answerContext(_ answer: AnswerSource, contestURL: String) -> TemplateContext {
        ["question_code": .text(answer.code), "question_text": .text(answer.question), "answered_day": .text(answer.answered),
         "answer_text": .text(PlainText.clean(answer.markdown).trimmingCharacters(in: .newlines)),
         "answer_url": .text(contestURL + "questions/#" + answer.anchor)]
    }

    /// The asker's one notice that `notice`'s answer is published, in the language the question
    /// was asked in; nil when the content the server has does not hold the answer (yet).
    func answerNotice(_ notice: AnswerNotice, now: Date) -> MailMessage? {
        let pages = currentPages()
        let code = QuestionID.code(notice.number)
        guard let contests = pages.contests[notice.contest],
              let contest = contests[notice.language] ?? contests[pages.config.defaultLanguage] ?? contests.values.first,
              let answer = pages.answer(notice.contest, code: code, language: contest.language) else { return nil }
        let contestURL = pages.config.baseURL + pages.config.urlPath("contests/\(contest.slug)", language: contest.language)
        var context = answerContext(answer, contestURL: contestURL)
        context["ja"] = .bool(contest.language == "ja")
        context["contest_title"] = .text(contest.title)
        let domain = String(from.address.split(separator: "@").last ?? "compe.invalid")
        return compose("mail_question_answered", context, pages: pages, to: notice.email,
                       messageID: "question-\(notice.contest)-\(notice.number)@\(domain)", now: now)
    }

    /// The request to confirm `address` (`--confirm-email`), in `language`, with `link`.
    func confirmation(to address: String, language: String, link: String, now: Date, domain: String) -> MailMessage {
        let pages = currentPages()
        let context: TemplateContext = ["ja": .bool(language == "ja"), "site_title": .text(pages.config.title(in: language)),
                                        "confirm_link": .text(link), "address": .text(MailText.inert(address))]
        return compose("mail_confirm", context, pages: pages, to: address, messageID: "\(UUID().uuidString.lowercased())@\(domain)", now: now)
    }

    /// A theme mail template's first line as the subject, the rest as the body.
    private func compose(_ template: String, _ context: TemplateContext, pages: EntryPages, to address: String, messageID: String,
                         now: Date) -> MailMessage {
        let text = pages.chrome.text(template, context: context)
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        // Entrant text can reach the subject (the title): line breaks there are folded to spaces;
        // validation refuses them in one-line fields anyway.
        let subject = String(lines.first ?? "").replacingOccurrences(of: "\r", with: " ").trimmingCharacters(in: .whitespaces)
        let body = lines.count > 1 ? String(lines[1]).trimmingCharacters(in: .newlines) + "\n" : ""
        return MailMessage(from: from, to: MailAddress(address: address), subject: subject, body: body, messageID: messageID, date: now)
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
    /// The domain of `Message-ID`s this worker makes (the sender's).
    var messageDomain: String { String(settings.from.address.split(separator: "@").last ?? "compe.invalid") }

    init(store: EntryStore, pages: @escaping @Sendable () -> EntryPages, settings: MailSettings, clock: @escaping @Sendable () -> Date,
         logger: Logger) {
        self.store = store
        composer = MailComposer(currentPages: pages, from: settings.from)
        client = SMTPClient(relay: settings.relay, password: settings.password, trustRoots: settings.trustRoots,
                            heloName: URL(string: pages().config.baseURL)?.host ?? "localhost")
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.deliverDue()
                await self.deliverNotices()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// The askers' notices that are due: each sent once, retried like other mail while the
    /// relay fails or the content does not hold the answer yet.
    func deliverNotices() async {
        let due: [AnswerNotice]
        do {
            due = try await store.dueAnswerNotices(now: Date(), lease: settings.lease)
        } catch {
            logger.warning("mail: cannot read the askers' notices", metadata: ["error": "\(error)"])
            return
        }
        for notice in due { await deliver(notice) }
    }

    private func deliver(_ notice: AnswerNotice) async {
        let now = Date()
        let id = "\(notice.contest) \(QuestionID.code(notice.number))"
        func retryAt(_ attempts: Int) -> Date? { settings.retryAt(attempts: attempts + 1, queuedAt: notice.queuedAt, now: now) }
        do {
            guard let message = composer.answerNotice(notice, now: clock()) else {
                let reason = "the answer \(id) is not in the content the server has"
                try await store.recordAnswerNotice(contest: notice.contest, number: notice.number, sent: false, error: reason,
                                                   retryAt: retryAt(notice.attempts), now: now)
                logger.notice("asker's notice waits: \(reason)")
                return
            }
            let recipient = try await store.mailRecipient(notice.email, now: now)
            // One mail, asked for by whoever typed the address: under the same rules as the
            // rest (confirmed first with --confirm-email, never past the day's limit).
            if settings.confirmAddresses && !recipient.confirmed {
                if recipient.sentToday < settings.dailyCap, recipient.confirmationSentAt.map({ now.timeIntervalSince($0) >= 86_400 }) ?? true {
                    await askConfirmation(of: notice.email, language: notice.language, now: now)
                }
                try await store.recordAnswerNotice(contest: notice.contest, number: notice.number, sent: false,
                                                   error: "waiting for the owner of the address to confirm it (--confirm-email)",
                                                   retryAt: retryAt(notice.attempts), now: now)
                return
            }
            if recipient.sentToday >= settings.dailyCap {
                let reason = "not sent: this address has had the day's limit of \(settings.dailyCap) mails"
                try await store.recordAnswerNotice(contest: notice.contest, number: notice.number, sent: false, error: reason, now: now)
                logger.warning("asker's notice \(reason)", metadata: ["question": "\(id)"])
                return
            }
            do {
                try await client.send(message, requireTLS: false)
                try await store.recordAnswerNotice(contest: notice.contest, number: notice.number, sent: true, now: now)
                try await store.countMail(to: notice.email, now: now)
                logger.info("mail sent", metadata: ["kind": "question_answered", "question": "\(id)"])
            } catch {
                let mailError = error as? MailError ?? .connection(String(describing: error))
                let refused = mailError.isPermanent && notice.attempts + 1 >= settings.permanentAttempts
                let next = refused ? nil : retryAt(notice.attempts)
                try await store.recordAnswerNotice(contest: notice.contest, number: notice.number, sent: false, error: mailError.description,
                                                   retryAt: next, now: now)
                logger.warning(next == nil ? "asker's notice failed" : "asker's notice not delivered yet, will retry",
                               metadata: ["question": "\(id)", "error": "\(mailError)"])
            }
        } catch {
            logger.warning("mail: cannot update an asker's notice", metadata: ["question": "\(id)", "error": "\(error)"])
        }
    }

    func deliverDue() async {
        let due: [OutboxMessage]
        do {
            due = try await store.dueMail(now: Date(), lease: settings.lease)
        } catch {
            logger.warning("mail: cannot read the outbox", metadata: ["error": "\(error)"])
            return
        }
        for queued in due { await deliver(queued) }
    }

    private func deliver(_ queued: OutboxMessage) async {
        let now = Date()
        do {
            guard let (entry, token) = try await store.mailSubject(queued) else {
                try await store.recordDelivery(queued.id, sent: false, error: "the entry no longer exists", now: now)
                return
            }
            let listed = queued.kind == .recover ? try await store.recoverySubjects(entryID: entry.id) : []
            let stage = queued.kind == .stageReceipt ? try await store.stageSubmission(entryID: entry.id, stage: queued.detail) : nil
            guard let message = composer.message(queued, entry: entry, token: token, listed: listed, stage: stage, now: clock()) else {
                // The content does not hold the contest or the update yet (announced before the
                // server saw the file): the mail waits and is tried again, like one the relay
                // could not take, until the content has it or the mail is a day old.
                let what = queued.kind == .update ? "the update '\(queued.detail)' of \(entry.draft.contest)"
                    : queued.kind == .answer ? "the answer \(queued.detail) of \(entry.draft.contest)" : "the contest \(entry.draft.contest)"
                try await wait(queued, now: now, because: "\(what) is not in the content the server has")
                return
            }
            let recipient = try await store.mailRecipient(entry.draft.contactEmail, now: now)
            if settings.confirmAddresses && !recipient.confirmed {
                // Nothing goes to an address its owner has not confirmed but one request a day
                // to confirm it; this mail waits for the answer.
                if recipient.sentToday < settings.dailyCap, recipient.confirmationSentAt.map({ now.timeIntervalSince($0) >= 86_400 }) ?? true {
                    await askConfirmation(of: entry.draft.contactEmail, language: entry.draft.language, now: now)
                }
                try await wait(queued, now: now, because: "waiting for the owner of the address to confirm it (--confirm-email)")
                return
            }
            if recipient.sentToday >= settings.dailyCap {
                try await store.recordDelivery(queued.id, sent: false, error: "not sent: this address has had the day's limit of \(settings.dailyCap) mails", now: now)
                logger.warning("mail not sent: the address reached its daily limit", metadata: ["outbox": "\(queued.id)", "entry": "\(entry.code)"])
                return
            }
            do {
                // An edit link is a password to the entry: it crosses the network only encrypted.
                try await client.send(message, requireTLS: !settings.insecure && (message.body.contains(token) || listed.contains { message.body.contains($0.editToken) }))
                try await store.recordDelivery(queued.id, sent: true, now: now)
                try await store.countMail(to: entry.draft.contactEmail, now: now)
                logger.info("mail sent", metadata: ["outbox": "\(queued.id)", "kind": "\(queued.kind.rawValue)", "entry": "\(entry.code)"])
            } catch {
                let mailError = error as? MailError ?? .connection(String(describing: error))
                let attempts = queued.attempts + 1
                let refused = mailError.isPermanent && attempts >= settings.permanentAttempts
                let retryAt = refused ? nil : settings.retryAt(attempts: attempts, queuedAt: queued.createdAt, now: now)
                try await store.recordDelivery(queued.id, sent: false, error: mailError.description, retryAt: retryAt, now: now)
                logger.warning(retryAt == nil ? "mail failed" : "mail not delivered yet, will retry",
                               metadata: ["outbox": "\(queued.id)", "attempts": "\(attempts)", "error": "\(mailError)"])
            }
        } catch {
            logger.warning("mail: cannot update the outbox", metadata: ["outbox": "\(queued.id)", "error": "\(error)"])
        }
    }

    /// Leaves `queued` pending with `reason`, to be tried again after the usual backoff (failed
    /// once it is older than `giveUpAfter`).
    private func wait(_ queued: OutboxMessage, now: Date, because reason: String) async throws {
        let retryAt = settings.retryAt(attempts: queued.attempts + 1, queuedAt: queued.createdAt, now: now)
        try await store.recordDelivery(queued.id, sent: false, error: reason, retryAt: retryAt, now: now)
        logger.notice(retryAt == nil ? "mail failed: \(reason)" : "mail waits: \(reason)", metadata: ["outbox": "\(queued.id)"])
    }

    /// Sends `address` a request to confirm it, with a new token (only its hash is kept).
    private func askConfirmation(of address: String, language: String, now: Date) async {
        let token = JudgeToken.generate().replacingOccurrences(of: JudgeToken.prefix, with: "cmc_")
        let pages = composer.currentPages()
        let link = pages.config.baseURL + "\(pages.apiPath)/mail/confirm?token=\(token)&lang=\(language)"
        let message = composer.confirmation(to: address, language: language, link: link, now: clock(), domain: messageDomain)
        do {
            try await client.send(message, requireTLS: !settings.insecure)
            try await store.askConfirmation(of: address, tokenHash: JudgeToken.hash(token), now: now)
            try await store.countMail(to: address, now: now)
            logger.info("mail: asked an address to confirm itself")
        } catch {
            logger.warning("mail: the request to confirm an address was not sent", metadata: ["error": "\(error)"])
        }
    }
}
