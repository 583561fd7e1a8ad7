import ArgumentParser
import CompeServices
import Foundation

/// `compe shortlist [propose|publish]`: the entries that go on from one stage to the next.
struct Shortlist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose the entries that go on to a contest's next stage.",
        discussion: """
        'compe shortlist <contest>' ranks the stage being judged (as 'compe results' does) and writes
        Content/contests/<slug>/shortlist.md with its top entries (--top, the brief's 'advance' by
        default) or exactly --entries. Entries tied at the cut are all kept and named: settle the tie
        in the file. Review the file, then 'compe shortlist publish <contest>' freezes the stage's
        scores, sends the finalists on and queues the mails.
        """,
        subcommands: [Propose.self, Publish.self],
        defaultSubcommand: Propose.self)

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "propose", abstract: "Write the proposed shortlist for review (the default).")
        @Argument(help: "The contest slug.") var contest: String
        @Option(help: "How many go on (default: the brief's 'advance').") var top: Int?
        @Option(help: "Exactly these entries, comma-separated (E-0003,E-0007).") var entries: String?
        @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
        @OptionGroup var options: DataOptions

        func validate() throws {
            if let top, top < 1 { throw ValidationError("--top must be at least 1") }
            if top != nil && entries != nil { throw ValidationError("give --top or --entries, not both") }
        }

        func run() async throws {
            let list = entries?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }
            let p = try await options.service().proposeShortlist(contest: contest, top: top, entries: list, seed: seed)
            let s = p.shortlist
            print("wrote \(p.path): \(s.rows.count) of stage '\(s.stage)' go on to '\(s.next)' (\(p.places) places)")
            for row in s.rows {
                print(Terminal.row([row.id, row.rank.map { "rank \($0)" } ?? "-", row.corrected.map { String(format: "%.2f", $0) } ?? "-", row.title]))
            }
            if !s.tiedAtCut.isEmpty {
                print("tie at the cut: \(s.tiedAtCut.joined(separator: ", ")) share the last place; all are listed "
                      + "(\(s.rows.count) for \(p.places) places): remove entries from the file, or delete 'tied_at_cut' to send all on")
            }
            print("review it, then: compe shortlist publish \(contest)")
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish the reviewed shortlist: freeze the stage, send the finalists on, queue the mails.",
            discussion: "Finalists are told what to submit and by when, with their edit link; the others get a courteous note. --dry-run changes nothing.")
        @Argument(help: "The contest slug.") var contest: String
        @Flag(name: .customLong("dry-run"), help: "Show what would happen; change nothing.") var dryRun = false
        @Flag(help: "Publish before the stage's deadline, closing the stage now (the first stage: the entry window).") var force = false
        @Flag(help: "Do not ask on a terminal.") var yes = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let service = try options.service()
            let preview = try await service.publishShortlist(contest: contest, force: force, dryRun: true)
            let plan = "\(preview.finalists) entries of stage '\(preview.stage)' on to '\(preview.next)' (told by mail), "
                + "\(preview.others) told they did not go on; the scores of '\(preview.stage)' freeze"
            if dryRun { return print("dry run, nothing changed: would send \(plan)") }
            if !yes && isatty(STDIN_FILENO) == 1 {
                print("About to send \(plan). Publish? [y/N] ", terminator: "")
                let reply = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                guard reply == "y" || reply == "yes" else { throw fail("not published; nothing changed") }
            }
            let done = try await service.publishShortlist(contest: contest, force: force)
            print("published \(done.path): \(done.finalists) finalists go on to '\(done.next)'; \(done.finalists + done.others) mails queued "
                  + "(sent by 'compe serve --smtp …'); commit the file, and the next 'compe build' shows the shortlist")
        }
    }
}
