import ArgumentParser
import CompeServices
import CompeStore
import Foundation

/// `compe judges add|list`.
struct Judges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register judges, list them, give them tokens.", subcommands: [Add.self, List.self, Token.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a judge.",
            discussion: "The email domain and organisation are compared with entrants' to find conflicts of interest.")
        @Argument(help: "Short handle, e.g. sato.") var handle: String
        @Option(help: "Full name.") var name: String
        @Option(help: "Email address.") var email: String?
        @Option(name: .customLong("org"), help: "Organisation the judge belongs to.") var organisation: String?
        @OptionGroup var options: DataOptions

        func validate() throws {
            if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
            if let email, !email.contains("@") { throw ValidationError("--email must be an email address") }
        }

        func run() async throws {
            try await options.service().addJudge(Judge(handle: handle, name: name, email: email, organisation: organisation))
            print("added judge \(handle)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List judges.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            let judges = try await options.service().judges()
            if judges.isEmpty { print("no judges yet: add one with 'compe judges add <handle> --name …'") }
            for j in judges { print([j.handle, j.name, j.email ?? "-", j.organisation ?? "-"].joined(separator: "\t")) }
        }
    }
}

/// `compe conflicts add`.
struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Declare conflicts of interest.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare that a judge must not judge an entry (any assignment of the pair is removed).",
            discussion: "Conflicts are also inferred from a judge's email domain or organisation matching an entrant's.")
        @Argument(help: "The judge's handle.") var judge: String
        @Argument(help: "The entry id, e.g. E-0007.") var entry: String
        @Option(help: "Why (kept in the record).") var reason = "declared"
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await options.service().addConflict(judge: judge, entry: entry, reason: reason)
            print("conflict recorded: \(judge) will not judge \(entry)")
        }
    }
}

/// `compe assign`.
struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assign judges to a contest's entries: balanced, never a conflicted pair.",
        discussion: "Keeps existing assignments and adds what is missing (run again when late entries arrive). The same --seed gives the same result.")
    @Argument(help: "The contest slug.") var contest: String
    @Option(name: .customLong("per-entry"), help: "Judges per entry (default: the brief's judges_per_entry).") var perEntry: Int?
    @Option(help: "Seed for tie-breaking.") var seed: UInt64 = 1
    @Option(help: "The stage (a contest in stages; default: the one being judged now). A later stage assigns its finalists.") var stage: String?
    @OptionGroup var options: DataOptions

    func validate() throws {
        if let perEntry, perEntry < 1 { throw ValidationError("--per-entry must be at least 1") }
    }

    func run() async throws {
        let report = try await options.service().assign(contest: contest, stage: stage, perEntry: perEntry, seed: seed)
        print("\(report.added) new assignments (\(report.total) in all, \(report.perEntry) per entry)")
        for (judge, count) in report.load { print("  \(judge)\t\(count)") }
    }
}

/// `compe entries list`.
struct Entries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a contest's entries.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the entries of a contest (withdrawn ones marked).")
        @Argument(help: "The contest slug.") var contest: String
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let entries = try await options.service().entries(contest: contest)
            if json { return try printJSON(entries) }
            if entries.isEmpty { print("no entries yet") }
            for e in entries { print(Terminal.row([e.id, e.withdrawn ? "(withdrawn)" : "", e.title, e.teamName, "\(e.files) file(s)"])) }
        }
    }
}
