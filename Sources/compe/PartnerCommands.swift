import ArgumentParser
import CompeCore
import CompeServices
import CompeStore
import Foundation

/// `compe partners`: the tokens partners fetch their packages with (`/api/partners/shares`),
/// and the log of their downloads.
struct Partners: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokens for partners to fetch their shared packages, and the log of their downloads.",
        subcommands: [Token.self, Revoke.self, Log.self]
    )

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a partner's token (printed once; replaces its old one; valid until the agreement ends).",
            discussion: """
                The partner lists its packages with 'curl -H "Authorization: Bearer cpt_…" https://…/api/partners/shares' and \
                fetches each file at /api/partners/shares/<id>/<file>. Only the token's SHA-256 is stored.
                """)
        @Argument(help: "The partner's handle (the agreement's file name without .yml).") var partner: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let service = try options.service()
            let (token, expires) = try await service.issuePartnerToken(partner: partner)
            print(token)
            let until = service.catalog.agreements[partner]?.until ?? DateParsing.ymd(expires, in: service.catalog.timeZone)
            FileHandle.standardError.write(Data("compe: token for \(partner), valid through \(until) (the agreement's end); it is not shown again\n".utf8))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a partner's token at once.")
        @Argument(help: "The partner's handle.") var partner: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let had = try await options.service().revokePartnerToken(partner: partner)
            say(had ? "token of \(partner) revoked" : "\(partner) had no token")
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every download by a partner: when, which file, from which address, how many bytes.")
        @Option(help: "Only this partner's downloads.") var partner: String?
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let accesses = try await options.store().accesses(partner: partner)
            if json { return try printJSON(accesses) }
            if accesses.isEmpty { return say("no downloads yet") }
            for a in accesses {
                say("\(UTCTimestamp.format(a.at, milliseconds: false))  \(Terminal.line(a.partner))  share #\(a.share)  \(Terminal.line(a.file))  "
                    + "\(a.bytes) bytes  from \(Terminal.line(a.address))")
            }
        }
    }
}
