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
        return lines.joined(separator: "\n")
    }

    /// One CSV row per ranked entry.
    static func csv(_ rows: [ResultRow]) -> String {
        (["rank,rank_low,rank_high,id,title,raw_mean,corrected,judges"] + rows.map { row in
            "\(row.rank),\(row.rankLow),\(row.rankHigh),\(row.id),\(CSV.field(row.title)),\(row.rawMean),\(row.corrected),\(row.judges)"
        }).joined(separator: "\n")
    }
}
