import ArgumentParser
import CompeContent
import CompeCore
import CompeStore
import Foundation

/// `compe judge …`: what a judge does in a scoring session.
struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Score entries: your queue, an entry, your scores, the panel's progress.",
        subcommands: [Queue.self, Show.self, Score.self, Progress.self]
    )

    /// Finds the judge's assignment for `reference`; in a blind contest only the blind code works.
    static func assignment(_ store: EntryStore, options: DataOptions, judge: String, reference: String) async throws -> (Assignment, Contest) {
        // One message for "not yours" and "an entry id in a blind contest": the answer must not
        // tell a judge which entry ids hide behind their blind codes.
        let notInQueue = "'\(reference)' is not in \(judge)'s queue (blind contests take the blind code that 'compe judge queue --judge \(judge)' shows)"
        guard let a = try await store.assignment(judge: judge, reference: reference) else { throw fail(notInQueue) }
        let contest = try options.contest(a.entry.draft.contest)
        if contest.judging.blind && EntryCode.parse(reference) != nil { throw fail(notInQueue) }
        return (a, contest)
    }

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your assigned entries and whether each is scored.")
        @Option(help: "Your judge handle.") var judge: String
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let store = try options.store()
            let items = try await store.assignments(judge: judge)
            var rows: [[String: Any]] = []
            var contests: [String: Contest] = [:]   // reading Content/ once per contest, not per assignment
            for (slug, a) in items {
                let contest = try contests[slug] ?? options.contest(slug)
                contests[slug] = contest
                let sheet = try await store.sheet(entryID: a.entry.id, judge: judge)
                let done = contest.criteria.allSatisfy { sheet.values[$0.id] != nil }
                rows.append(["contest": slug, "entry": contest.judging.blind ? a.blindCode : a.entry.code,
                             "title": TerminalText.clean(a.entry.draft.title), "done": done])
            }
            if json {
                try printJSON(rows)
                return
            }
            if rows.isEmpty { print("nothing assigned to \(judge)") }
            for r in rows {
                print("\(r["done"] as! Bool ? "[x]" : "[ ]") \(r["contest"]!)\t\(r["entry"]!)\t\(r["title"]!)")
            }
            let done = rows.filter { $0["done"] as! Bool }.count
            print("\(done)/\(rows.count) scored")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an entry: title, summary, files, and the rubric. No entrant identity in a blind contest.")
        @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
        @Option(help: "Your judge handle.") var judge: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let store = try options.store()
            let (a, contest) = try await JudgeCommand.assignment(store, options: options, judge: judge, reference: entry)
            let e = a.entry
            var lines = ["\(contest.judging.blind ? a.blindCode : e.code)  \(TerminalText.clean(e.draft.title))", "contest: \(contest.slug)"]
            if !contest.judging.blind {
                lines.append("team: \(TerminalText.clean(e.draft.teamName)) (\(e.draft.members.map(TerminalText.clean).joined(separator: ", "))), \(TerminalText.clean(e.draft.country))")
                if let link = e.draft.link { lines.append("link: \(TerminalText.clean(link))") }
            }
            lines += ["", "SUMMARY", TerminalText.fromMarkdown(e.draft.summary), "", "FILES"]
            for (i, f) in e.files.enumerated() {
                let path = store.uploads.file(sha256: f.sha256)?.path ?? "(missing)"
                lines.append("  \(i + 1). \(contest.judging.blind ? "file-\(i + 1).\(f.kind)" : TerminalText.clean(f.name))  \(f.bytes) bytes  sha256 \(f.sha256)")
                lines.append("     \(path)")
            }
            lines += ["", "RUBRIC"]
            let sheet = try await store.sheet(entryID: e.id, judge: judge)
            for c in contest.criteria {
                let current = sheet.values[c.id].map { "  (your score: \($0))" } ?? ""
                lines.append("  \(c.id) — \(c.name), weight \(c.weight)%, scale \(c.scaleMin)–\(c.scaleMax)\(current)")
                if !c.rubric.isEmpty { lines.append("     \(c.rubric)") }
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score an entry.",
            discussion: "Give --set criterion=value for each criterion; on a terminal, compe asks for the ones you leave out, showing the rubric and scale, and shows a summary before saving. You may rescore until results are published; every change is kept.")
        @Argument(help: "The blind code (or entry id in a contest that is not blind).") var entry: String
        @Option(help: "Your judge handle.") var judge: String
        @Option(name: .customLong("set"), help: "criterion=value, repeatable.") var sets: [String] = []
        @Option(help: "A comment for the record (shown to nobody but the panel).") var comment: String?
        @OptionGroup var options: DataOptions

        func validate() throws {
            for s in sets where s.split(separator: "=").count != 2 || Int(s.split(separator: "=").last ?? "") == nil {
                throw ValidationError("--set takes criterion=number, e.g. --set usability=8 (got '\(s)')")
            }
        }

        func run() async throws {
            let store = try options.store()
            let (a, contest) = try await JudgeCommand.assignment(store, options: options, judge: judge, reference: entry)
            var values: [String: Int] = [:]
            for s in sets {
                let parts = s.split(separator: "=")
                values[String(parts[0])] = Int(parts[1])!
            }
            for (id, v) in values {
                guard let c = contest.criteria.first(where: { $0.id == id }) else {
                    throw fail("unknown criterion '\(id)' (criteria: \(contest.criteria.map(\.id).joined(separator: ", ")))")
                }
                if !(c.scaleMin...c.scaleMax).contains(v) { throw fail("\(id)=\(v) is outside the scale \(c.scaleMin)–\(c.scaleMax)") }
            }
            var note = comment
            let missing = contest.criteria.filter { values[$0.id] == nil }
            if !missing.isEmpty && isatty(STDIN_FILENO) == 1 {
                guard let answers = Prompter.ask(missing, code: contest.judging.blind ? a.blindCode : a.entry.code) else { throw fail("scoring cancelled; nothing saved") }
                values.merge(answers.values) { $1 }
                if note == nil, let c = answers.comment, !c.isEmpty { note = c }
                print("\nSummary for \(contest.judging.blind ? a.blindCode : a.entry.code):")
                for c in contest.criteria { print("  \(c.id) = \(values[c.id].map(String.init) ?? "-")") }
                if let note { print("  comment: \(TerminalText.clean(note))") }
                print("Save? [Y/n] ", terminator: "")
                let reply = (readLine() ?? "n").trimmingCharacters(in: .whitespaces).lowercased()
                if !(reply.isEmpty || reply == "y" || reply == "yes") { throw fail("not saved") }
            }
            if values.isEmpty && note == nil { throw fail("nothing to save: give --set criterion=value (criteria: \(contest.criteria.map(\.id).joined(separator: ", ")))") }
            try await userErrors { try await store.saveScores(contest: contest, assignment: a, values: values, comment: note) }
            let sheet = try await store.sheet(entryID: a.entry.id, judge: judge)
            let left = contest.criteria.filter { sheet.values[$0.id] == nil }.map(\.id)
            print("saved" + (left.isEmpty ? "" : "; still to score: \(left.joined(separator: ", "))"))
        }
    }

    struct Progress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Judges × scored/assigned for a contest.")
        @Argument(help: "The contest slug.") var contest: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let c = try options.contest(contest)
            let store = try options.store()
            let assignments = try await store.assignments(contest: contest).filter { $0.entry.withdrawnAt == nil }
            let sheets = try await store.sheets(contest: contest)
            let complete = Set(sheets.filter { s in c.criteria.allSatisfy { s.values[$0.id] != nil } }.map { "\($0.entryID)|\($0.judge)" })
            var totalDone = 0
            for (judge, list) in Dictionary(grouping: assignments, by: \.judge).sorted(by: { $0.key < $1.key }) {
                let done = list.filter { complete.contains("\($0.entry.id)|\(judge)") }.count
                totalDone += done
                print("\(judge)\t\(done)/\(list.count)")
            }
            print("all\t\(totalDone)/\(assignments.count)")
        }
    }
}

/// Asks for scores criterion by criterion on a terminal, re-asking until each answer is valid.
enum Prompter {
    static func ask(_ criteria: [Criterion], code: String) -> (values: [String: Int], comment: String?)? {
        var values: [String: Int] = [:]
        print("Scoring \(code). Press Enter on an empty line to cancel.")
        for c in criteria {
            print("\n\(c.name) (\(c.id)), weight \(c.weight)%")
            if !c.rubric.isEmpty { print("  \(c.rubric)") }
            while true {
                print("  score \(c.scaleMin)–\(c.scaleMax): ", terminator: "")
                guard let line = readLine() else { return nil }
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { return nil }
                if let v = Int(text), (c.scaleMin...c.scaleMax).contains(v) {
                    values[c.id] = v
                    break
                }
                print("  '\(text)' is not a whole number from \(c.scaleMin) to \(c.scaleMax); try again")
            }
        }
        print("\nComment (optional, one line): ", terminator: "")
        let comment = readLine()?.trimmingCharacters(in: .whitespaces)
        return (values, comment)
    }
}
