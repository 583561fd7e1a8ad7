import CompeContent
import CompeCore
import CompeServices
import CompeWire

/// What the judge's commands print: the same text whether the data came from the local store
/// or from the server.
enum JudgeText {
    /// `compe judge queue`: a line per assignment and a count.
    static func queue(_ items: [QueueItem], judge: String) -> String {
        var lines = items.isEmpty ? ["nothing assigned to \(judge)"] : []
        lines += items.map { "\($0.done ? "[x]" : "[ ]") \(Terminal.line($0.contest + ($0.stage.map { "/" + $0 } ?? "")))\t\(Terminal.line($0.ref))\t\(Terminal.line($0.title))" }
        lines.append("\(items.filter(\.done).count)/\(items.count) scored")
        return lines.joined(separator: "\n")
    }

    /// `compe judge show`: the entry, its files and the rubric with the judge's scores so far.
    static func entry(_ v: JudgeEntryView, remote: Bool = false) -> String {
        var lines = ["\(Terminal.line(v.ref))  \(Terminal.line(v.title))", "contest: \(Terminal.line(v.contest))" + (v.stage.map { ", stage: " + Terminal.line($0) } ?? "")]
        if let team = v.team {
            let members = (v.members ?? []).map(Terminal.line).joined(separator: ", ")
            lines.append("team: \(Terminal.line(team)) (\(members)), \(Terminal.line(v.country ?? ""))")
            if let link = v.link { lines.append("link: \(Terminal.line(link))") }
        }
        lines += ["", "SUMMARY", TerminalText.fromMarkdown(v.summary), "", "FILES"]
        for f in v.files {
            lines.append("  \(f.n). \(Terminal.line(f.name))  \(f.bytes) bytes  sha256 \(Terminal.line(f.sha256))")
            lines.append("     " + (remote ? "(compe judge fetch \(Terminal.line(v.ref)) downloads it)" : f.localPath ?? "(missing)"))
        }
        lines += ["", "RUBRIC"]
        for c in v.criteria {
            let current = v.sheet.values[c.id].map { "  (your score: \($0))" } ?? ""
            let scale = c.scale.count == 2 ? "\(c.scale[0])–\(c.scale[1])" : "?"
            lines.append("  \(Terminal.line(c.id)) — \(Terminal.line(c.name)), weight \(c.weight)%, scale \(scale)\(current)")
            if !c.rubric.isEmpty { lines.append("     \(PlainText.clean(c.rubric))") }
        }
        return lines.joined(separator: "\n")
    }
}
