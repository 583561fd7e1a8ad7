import ArgumentParser
import CompeCore
import CompeServices
import Foundation

/// `compe panel add|remove|list`: who judges which contest.
struct Panel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose the judges of a contest (assign draws only from its panel).",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put registered judges on a contest's panel.")
        @Argument(help: "The contest slug.") var contest: String
        @Argument(help: "Judge handles.") var judges: [String]
        @Option(help: "The stage (a contest in stages; default: the one being judged now).") var stage: String?
        @OptionGroup var options: DataOptions

        func validate() throws { if judges.isEmpty { throw ValidationError("name at least one judge handle") } }

        func run() async throws {
            try await options.service().addToPanel(contest: contest, stage: stage, judges: judges)
            print("panel of \(contest)\(stage.map { " (stage \($0))" } ?? ""): added \(judges.joined(separator: ", "))")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a judge off a contest's panel, with the judge's assignments in it.",
            discussion: "The judge's scores in the contest stop counting (they stay in the audit trail; 'compe results' says how many were left out). Run 'compe assign' to give the entries other judges.")
        @Argument(help: "The contest slug.") var contest: String
        @Argument(help: "The judge's handle.") var judge: String
        @Option(help: "The stage (a contest in stages; default: the one being judged now).") var stage: String?
        @OptionGroup var options: DataOptions

        func run() async throws {
            let removed = try await options.service().removeFromPanel(contest: contest, stage: stage, judge: judge)
            print("panel of \(contest): removed \(judge)"
                  + (removed > 0 ? " and \(removed) assignment(s); run 'compe assign \(contest)' to give those entries other judges" : ""))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a contest's panel.")
        @Argument(help: "The contest slug.") var contest: String
        @Option(help: "The stage (a contest in stages; default: the one being judged now).") var stage: String?
        @OptionGroup var options: DataOptions

        func run() async throws {
            let panel = try await options.service().panel(contest: contest, stage: stage)
            if panel.isEmpty { print("no panel for \(contest) yet: add judges with 'compe panel add \(contest) <handle>…'") }
            for j in panel { print(Terminal.row([j.handle, j.name, j.email ?? "-", j.organisation ?? "-"])) }
        }
    }
}

extension Judges {
    /// `compe judges token <handle>`.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new personal token for a judge (printed once; replaces the judge's old one).",
            discussion: "Send it to the judge by a channel you trust; they run 'compe judge login https://…' and paste it. Only its SHA-256 is stored.")
        @Argument(help: "The judge's handle.") var handle: String
        @Option(help: "Last day the token works (YYYY-MM-DD, the site's time zone); no expiry by default.") var expires: String?
        @OptionGroup var options: DataOptions

        func validate() throws {
            if let expires, DateParsing.day(expires) == nil { throw ValidationError("--expires must be a day such as 2027-03-31") }
        }

        func run() async throws {
            let token = try await options.service().issueToken(judge: handle, lastDay: expires)
            print(token)
            FileHandle.standardError.write(Data("compe: token for \(handle)\(expires.map { ", valid through \($0)" } ?? ""); it is not shown again\n".utf8))
        }
    }

    /// `compe judges revoke <handle>`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a judge's token at once.")
        @Argument(help: "The judge's handle.") var handle: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let had = try await options.service().revokeToken(judge: handle)
            print(had ? "token of \(handle) revoked" : "\(handle) had no token")
        }
    }
}
