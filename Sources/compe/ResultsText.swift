import CompeCore
import CompeServices
import Foundation

/// What `compe results` prints for people and spreadsheets.
enum ResultsText {
    /// The ranking as an aligned table, ties marked `=`, and the agreement in words.
    static func table(_ r: ContestResults) -> String {
        let ties = Set(Dictionary(grouping: r.ranking.rows, by: \.rank).filter { $0.value.count > 1 }.keys)
        var lines = ["rank   90% interval  id       corrected  raw    judges  title"]
        for row in r.ranking.rows {
            let rank = (ties.contains(row.rank) ? "=" : " ") + String(row.rank)
            let cells = [Terminal.pad(rank, 6), Terminal.pad("\(row.rankLow)–\(row.rankHigh)", 13), Terminal.pad(EntryCode.format(row.entry), 8),
                         String(format: "%9.2f  %5.2f  %6d", row.corrected, row.rawMean, row.judges),
                         Terminal.line(r.entries[row.entry]?.draft.title ?? "")]
            lines.append(cells.joined(separator: " "))
        }
        let alpha = r.ranking.alpha.map { String(format: "%.3f", $0) } ?? "n/a"
        lines.append("\nKrippendorff's alpha (interval): \(alpha) — \(r.report.alphaReading)")
        if !r.excluded.isEmpty {
            lines.append("\(r.excluded.count) sheet(s) left out (kept in the audit trail): "
                         + r.excluded.map { "\($0.judge) on \(EntryCode.format($0.entryID)) — \($0.reason)" }.joined(separator: "; "))
        }
        let model = r.model
        if !model.connected {
            lines.append("warning: the judges form \(model.groups.count) groups that share no entry (\(groups(model))); offsets compare "
                         + "only within a group, and ranks across groups assume each group is fair on average. Link them with more "
                         + "judges per entry (compe assign --per-entry).")
        }
        return lines.joined(separator: "\n")
    }

    /// `--explain`: the model's variances, each judge's offset and each entry's raw vs corrected score.
    static func explanation(_ r: ContestResults) -> String {
        let model = r.model
        var lines = ["How the corrected score came about: score = quality + judge offset + noise, offsets estimated from the scores (REML)."]
        if model.exactFit {
            lines.append("variance ratio (offsets / noise): infinite — the scores fit the model exactly, offsets are removed in full")
        } else if let ratio = model.varianceRatio {
            let share = Int((model.judgeShare * 100).rounded())
            lines.append(String(format: "variance ratio (offsets / noise): %.3f — judges' offsets are %d%% of the variance that is not quality", ratio, share)
                         + (ratio == 0 ? " (no judge effect found: corrected = raw mean)" : ""))
        }
        if let noise = model.noiseSD {
            let offsetSD = model.offsetSD.map { String(format: "%.2f", $0) } ?? "n/a"
            lines.append(String(format: "noise s.d. %.2f, offset s.d. ", noise) + offsetSD + " (0–100 scale)")
        } else {
            lines.append("noise: not estimable (no entry has two complete sheets), so offsets are not estimated")
        }
        lines.append(model.connected ? "design: connected (every judge linked to every other through shared entries)"
                                     : "design: \(model.groups.count) separate groups (\(groups(model)))")
        lines.append("\nJudges (offset + lenient, − harsh, relative to the average judge of the group)")
        lines.append("judge           offset    s.e.  sheets  shared  group  flag")
        for o in r.offsets {
            let se = o.standardError.map { String(format: "%6.2f", $0) } ?? "   n/a"
            lines.append(Terminal.pad(Terminal.line(o.judge), 14) + String(format: " %+7.2f  ", o.offset) + se
                         + String(format: "  %6d  %6d  %5d  ", o.sheets, o.sharedEntries, o.group)
                         + (o.flagged ? (o.offset > 0 ? "lenient" : "harsh") + " beyond 2 s.e." : ""))
        }
        lines.append("\nEntries")
        lines.append("id        raw      corrected  change  judges")
        for row in r.ranking.rows {
            lines.append(Terminal.pad(EntryCode.format(row.entry), 8)
                         + String(format: "  %6.2f   %6.2f    %+6.2f  %6d", row.rawMean, row.corrected, row.corrected - row.rawMean, row.judges))
        }
        return lines.joined(separator: "\n")
    }

    private static func groups(_ model: ModelReport) -> String {
        model.groups.map { $0.joined(separator: ", ") }.joined(separator: " | ")
    }

    /// One CSV row per ranked entry.
    static func csv(_ rows: [ResultRow]) -> String {
        var table = CSVWriter([.init("rank", .number), .init("rank_low", .number), .init("rank_high", .number), .init("id"), .init("title"),
                               .init("raw_mean", .number), .init("corrected", .number), .init("judges", .number)])
        for row in rows {
            table.add([String(row.rank), String(row.rankLow), String(row.rankHigh), row.id, row.title, String(row.rawMean),
                       String(row.corrected), String(row.judges)])
        }
        return table.string
    }
}
