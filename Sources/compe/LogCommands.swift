import ArgumentParser
import CompeContent
import CompeCore
import CompeServices
import CompeStore
import Foundation

/// `compe log`: a contest's verifiable entry log (RFC 9162).
struct EntryLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "A contest's verifiable entry log: sign its current head and write what 'compe build' publishes.",
        subcommands: [Sign.self]
    )

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the current head of a contest's log and write Content/contests/<slug>/log/heads.json, leaves.json and events.json.",
            discussion: """
                The head {contest, root, size, time} is signed with the site key ('compe keys init'). Run it while the \
                contest is open (the systemd timer can run it hourly), then 'compe build' to publish the files at \
                /contests/<slug>/log/. When nothing was logged since the last head, that head is kept and not signed again.
                """)
        @Argument(help: "The contest's slug (every contest with a log when omitted: what the hourly timer runs).") var contest: String?
        @OptionGroup var options: DataOptions

        func run() async throws {
            let service = try options.service()
            let key = try SiteKey.load(data: directory(options.data))
            let log = EntryLogService(store: service.store)
            let contests: [String]
            if let contest {
                _ = try service.catalog.contest(contest)
                contests = [contest]
            } else {
                contests = try await service.store.loggedContests().filter { service.catalog.contests[$0] != nil }
                if contests.isEmpty { return say("no contest has an entry log yet") }
            }
            for contest in contests { try await sign(contest, log: log, key: key) }
        }

        func sign(_ contest: String, log: EntryLogService, key: SiteKey) async throws {
            let head = try await log.sign(contest: contest, key: key)
            let files = try await log.published(contest: contest)
            let folder = directory(options.content).appendingPathComponent("contests/\(contest)/log")
            let display = "\(options.content)/contests/\(contest)/log"
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try files.heads.write(to: folder.appendingPathComponent(EntryLogFiles.headsName), options: .atomic)
                try files.leaves.write(to: folder.appendingPathComponent(EntryLogFiles.leavesName), options: .atomic)
                try files.events.write(to: folder.appendingPathComponent(EntryLogFiles.eventsName), options: .atomic)
            } catch {
                throw JudgingError.cannotWrite(display, underlying: error)
            }
            say("head of \(contest): \(head.size) \(head.size == 1 ? "event" : "events"), root \(head.root), signed \(head.time)")
            say("wrote \(EntryLogFiles.names) in \(display); "
                + "'compe build' publishes them at /contests/\(contest)/log/")
        }
    }
}
