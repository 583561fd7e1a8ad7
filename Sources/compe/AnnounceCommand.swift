import ArgumentParser
import CompeServices
import Foundation

/// `compe announce <contest> <update>`.
struct Announce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mail a contest update to every active entrant, once.",
        discussion: """
        The update is Content/contests/<slug>/updates/<YYYY-MM-DD>-<name>.md (shown on the contest
        page and in the feed after 'compe build'); each entrant gets it in their language. Running
        it again mails nobody twice. 'compe serve --smtp …' sends the mail; see 'compe mail status'.
        """)
    @Argument(help: "The contest slug.") var contest: String
    @Argument(help: "The update's name (the file name without the date and .md).") var update: String
    @OptionGroup var options: DataOptions

    func run() async throws {
        let report = try await options.service().announce(contest: contest, update: update)
        print("queued \(report.queued) mails" + (report.before > 0 ? " (\(report.before) entrants had it already)" : ""))
    }
}
