import ArgumentParser
import CompeCore
import CompeServices
import CompeWire
import Foundation

/// Completes a score sheet on a terminal: asks for the criteria the flags left out, criterion
/// by criterion (re-asking until each answer is on the scale), then shows a summary to confirm.
enum Prompter {
    /// The values and comment to save for `view`: the flags, plus answers when stdin is a
    /// terminal and criteria are missing. Nil when the judge cancels. Flags that break the
    /// brief's rules are refused before anything is asked.
    static func complete(_ view: JudgeEntryView, given: [ScoreSetting], comment: String?) throws -> (values: [String: Int], comment: String?)? {
        var values = Dictionary(given.map { ($0.criterion, $0.value) }, uniquingKeysWith: { $1 })
        // The scale as the server sent it, ordered (a hostile server's reversed scale must not
        // crash the judge's command line).
        let criteria = view.criteria.map { c in
            let lo = c.scale.min() ?? 0, hi = c.scale.max() ?? 0
            return Criterion(id: c.id, name: c.name, weight: c.weight, scaleMin: lo, scaleMax: hi, rubric: c.rubric)
        }
        if let problem = Criterion.validate(scores: values, against: criteria).first { throw fail(problem.description) }
        let missing = criteria.filter { values[$0.id] == nil }
        guard !missing.isEmpty, isatty(STDIN_FILENO) == 1 else { return (values, comment) }
        guard let answers = ask(missing, ref: view.ref) else { return nil }
        values.merge(answers.values) { $1 }
        let note = comment ?? answers.comment.flatMap { $0.isEmpty ? nil : $0 }
        print("\nSummary for \(view.ref):")
        for c in criteria { print("  \(c.id) = \(values[c.id].map(String.init) ?? "-")") }
        if let note { print("  comment: \(PlainText.clean(note))") }
        print("Save? [Y/n] ", terminator: "")
        let reply = (readLine() ?? "n").trimmingCharacters(in: .whitespaces).lowercased()
        guard reply.isEmpty || reply == "y" || reply == "yes" else { throw fail("not saved") }
        return (values, note)
    }

    static func ask(_ criteria: [Criterion], ref: String) -> (values: [String: Int], comment: String?)? {
        var values: [String: Int] = [:]
        print("Scoring \(ref). Press Enter on an empty line to cancel.")
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
        return (values, readLine()?.trimmingCharacters(in: .whitespaces))
    }
}
