import ArgumentParser
import CompeCore
import CompeServices
import Foundation

/// `compe announce <contest> <update>`.
struct Announce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mail a contest update, or a published answer, to every active entrant, once.",
        discussion: """
        The update is Content/contests/<slug>/updates/<YYYY-MM-DD>-<name>.md (shown on the contest
        page and in the feed after 'compe build'); each entrant gets it in their language. Running
        it again mails nobody twice. 'compe serve --smtp …' sends the mail; see 'compe mail status'.

        Given a question's id (Q-007), it mails the published answer (questions/007.md) instead,
        and the asker who left an address gets one "your question was answered" mail with the
        link; --asker-only sends that notice alone.
        """)
    @Argument(help: "The contest slug.") var contest: String
    @Argument(help: "The update's name (the file name without the date and .md), or a question's id such as Q-007.") var update: String
    @Flag(help: "For an answer: notify the asker only, not every entrant.") var askerOnly = false
    @OptionGroup var options: DataOptions

    func run() async throws {
        let service = try options.service()
        // Only the full form Q-007 names a question: an update may well be called "7".
        guard update.hasPrefix("Q-"), QuestionID.number(update) != nil else {
            if askerOnly { throw ValidationError("--asker-only is for an answer (a question's id such as Q-007)") }
            let report = try await service.announce(contest: contest, update: update)
            return print("queued \(report.queued) mails" + (report.before > 0 ? " (\(report.before) entrants had it already)" : ""))
        }
        let report = try await service.announceAnswer(contest: contest, id: update, askerOnly: askerOnly)
        if let entrants = report.entrants {
            print("queued \(entrants.queued) mails of the answer" + (entrants.before > 0 ? " (\(entrants.before) entrants had it already)" : ""))
        }
        switch report.asker {
        case .queued: print("the asker's notice is queued")
        case .before: print("the asker's notice was queued before (it is sent once)")
        case .noAddress: print("the asker left no address: no notice")
        case .noSuchQuestion: print("no stored question has this number: no asker to notify")
        case .dismissed: break
        }
    }
}
