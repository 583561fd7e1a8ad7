import ArgumentParser
import CompeCore
import CompeStore
import Foundation

/// `compe mail status|retry`: the outbox of mail to entrants.
struct Mail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mail to entrants: what is pending or failed, and sending a failed one again.",
        discussion: "Mail is queued when an entry is stored, changed or withdrawn, and sent by 'compe serve --smtp …' with retries.",
        subcommands: [Status.self, Retry.self], defaultSubcommand: Status.self)

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pending and failed mail with the last error (the default).")
        @Flag(help: "JSON for tools.") var json = false
        @Flag(help: "Include mail already sent.") var all = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let messages = try await options.store().outbox(includeSent: all)
            if json {
                try printJSON(messages.map(MailRow.init))
                return
            }
            if messages.isEmpty {
                print(all ? "the outbox is empty" : "no mail pending or failed")
                return
            }
            print("id      status   kind        entry    attempts  queued (UTC)          last error")
            for m in messages {
                let row = [Terminal.pad(String(m.id), 7), Terminal.pad(m.status.rawValue, 8), Terminal.pad(m.kind.rawValue, 11),
                           Terminal.pad(EntryCode.format(m.entryID), 8), Terminal.padLeft(String(m.attempts), 8) + "  ",
                           Terminal.pad(ISO8601DateFormatter().string(from: m.createdAt), 21), Terminal.line(m.lastError ?? "")]
                print(row.joined(separator: " "))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a failed mail again, due now (a running server sends it within seconds).")
        @Argument(help: "The mail's id (from 'compe mail status').") var id: Int64
        @OptionGroup var options: DataOptions

        func run() async throws {
            guard try await options.store().retryMail(id) else { throw ValidationError("no pending or failed mail with id \(id)") }
            print("mail \(id) is queued again")
        }
    }
}

/// One outbox row as `compe mail status --json` prints it.
struct MailRow: Encodable {
    var id: Int64
    var status: String
    var kind: String
    var entry: String
    var attempts: Int
    var queuedAt: String
    var nextAttemptAt: String
    @NullEncoded var lastError: String?
    @NullEncoded var sentAt: String?
    var messageID: String

    init(_ m: OutboxMessage) {
        let f = ISO8601DateFormatter()
        id = m.id
        status = m.status.rawValue
        kind = m.kind.rawValue
        entry = EntryCode.format(m.entryID)
        attempts = m.attempts
        queuedAt = f.string(from: m.createdAt)
        nextAttemptAt = f.string(from: m.nextAttemptAt)
        lastError = m.lastError
        sentAt = m.sentAt.map { f.string(from: $0) }
        messageID = m.messageID
    }

    enum CodingKeys: String, CodingKey {
        case id, status, kind, entry, attempts, queuedAt = "queued_at", nextAttemptAt = "next_attempt_at", lastError = "last_error",
             sentAt = "sent_at", messageID = "message_id"
    }

}
