import ArgumentParser
import CompeContent
import CompeCore
import CompeSite
import CompeStore
import Foundation

/// Options shared by the commands that work on the data and content directories.
struct DataOptions: ParsableArguments {
    @Option(help: "The data directory (entries, judges, scores).") var data = "Data"
    @Option(help: "The content directory (contest briefs).") var content = "Content"

    /// Opens the store; a missing data directory is a user error, not a new empty store.
    func store() throws -> EntryStore {
        guard FileManager.default.fileExists(atPath: directory(data).appendingPathComponent("compe.sqlite").path) else {
            throw fail("no entry store in '\(data)/' (run 'compe serve' to receive entries, or pass --data)")
        }
        return try EntryStore(dataDirectory: directory(data))
    }

    /// The default-language contest `slug` from the briefs.
    func contest(_ slug: String) throws -> Contest {
        let loader = ContentLoader(root: directory(content), displayRoot: content, knownTemplates: Theme.templateNames)
        let site: SiteContent
        do { site = try loader.load() } catch let e as DiagnosticError {
            printDiagnostics(e.diagnostics)
            throw fail("the content has errors")
        }
        guard let c = site.contests.first(where: { $0.contest.slug == slug && $0.contest.language == site.config.defaultLanguage }) else {
            throw fail("no contest '\(slug)' in \(content)/contests/ (have: \(Set(site.contests.map(\.contest.slug)).sorted().joined(separator: ", ")))")
        }
        return c.contest
    }
}

/// Turns store errors into one-line reasons with exit code 1.
func userErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as StoreError { throw fail(e.description) }
}

struct Judges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register and list judges.", subcommands: [Add.self, List.self])

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
            let store = try options.store()
            try await userErrors { try await store.addJudge(Judge(handle: handle, name: name, email: email, organisation: organisation)) }
            print("added judge \(handle)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List judges.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            let judges = try await options.store().judges()
            if judges.isEmpty { print("no judges yet: add one with 'compe judges add <handle> --name …'") }
            for j in judges {
                print([j.handle, j.name, j.email ?? "-", j.organisation ?? "-"].joined(separator: "\t"))
            }
        }
    }
}

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
            let store = try options.store()
            try await userErrors { try await store.addConflict(judge: judge, entryCode: entry, reason: reason) }
            print("conflict recorded: \(judge) will not judge \(entry)")
        }
    }
}

struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assign judges to a contest's entries: balanced, never a conflicted pair.",
        discussion: "Keeps existing assignments and adds what is missing (run again when late entries arrive). The same --seed gives the same result.")
    @Argument(help: "The contest slug.") var contest: String
    @Option(name: .customLong("per-entry"), help: "Judges per entry (default: the brief's judges_per_entry).") var perEntry: Int?
    @Option(help: "Seed for tie-breaking.") var seed: UInt64 = 1
    @OptionGroup var options: DataOptions

    func validate() throws {
        if let perEntry, perEntry < 1 { throw ValidationError("--per-entry must be at least 1") }
    }

    func run() async throws {
        let c = try options.contest(contest)
        let store = try options.store()
        let n = perEntry ?? c.judging.judgesPerEntry
        do {
            let added = try await store.assign(contest: contest, perEntry: n, seed: seed)
            let all = try await store.assignments(contest: contest)
            let load = Dictionary(grouping: all, by: \.judge).mapValues(\.count)
            print("\(added.count) new assignments (\(all.count) in all, \(n) per entry)")
            for (judge, count) in load.sorted(by: { $0.key < $1.key }) { print("  \(judge)\t\(count)") }
        } catch let s as AssignmentPlanner.Shortage {
            throw fail("entry \(EntryCode.format(s.entry)) needs \(s.needed) more judge(s) but only \(s.eligible) are free of conflicts; add judges or lower --per-entry")
        }
    }
}

struct Entries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a contest's entries.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the entries of a contest (withdrawn ones marked).")
        @Argument(help: "The contest slug.") var contest: String
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            _ = try options.contest(contest)
            let entries = try await options.store().entries(contest: contest)
            if json {
                let rows: [[String: Any]] = entries.map { e in
                    ["id": e.code, "title": e.draft.title, "team_name": e.draft.teamName, "country": e.draft.country,
                     "files": e.files.count, "received_at": DateParsing.ymd(e.receivedAt), "withdrawn": e.withdrawnAt != nil]
                }
                try printJSON(rows)
                return
            }
            if entries.isEmpty { print("no entries yet") }
            for e in entries {
                print([e.code, e.withdrawnAt == nil ? "" : "(withdrawn)", e.draft.title, e.draft.teamName, "\(e.files.count) file(s)"]
                    .filter { !$0.isEmpty }.joined(separator: "\t"))
            }
        }
    }
}
