import CompeContent
import CompeCore
import Foundation

/// The statistics page's charts, drawn like the backlog's (`Charts`): inline SVG with a title
/// and a description; the page puts the numbers in a table under each.
extension Charts {
    /// Cumulative entries per day, a line with a dot per day.
    static func cumulative(_ days: [ContestStats.Day], t: UIText) -> String {
        let maxValue = max(1, days.last?.cumulative ?? 1)
        let (gridSVG, y) = grid(maxValue: maxValue)
        let span = Double(max(1, days.count - 1))
        let x: (Int) -> Double = { i in left + (width - left - right) * Double(i) / span }
        let desc = days.isEmpty ? "" : "\(days.first!.day) – \(days.last!.day): \(days.last!.cumulative)"
        var s = open("cumulative", title: t[.cumulativeEntries], desc: desc) + gridSVG
        let labelEvery = max(1, days.count / 8)
        for (i, d) in days.enumerated() where i % labelEvery == 0 || i == days.count - 1 {
            s += "<text x=\"\(fmt(x(i)))\" y=\"\(fmt(y(0) + 16))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(HTML.escape(String(d.day.dropFirst(5))))</text>"
        }
        let points = days.enumerated().map { "\(fmt(x($0.offset))),\(fmt(y(Double($0.element.cumulative))))" }
        s += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#0050a0\" stroke-width=\"2.5\"/>"
        for (i, d) in days.enumerated() {
            s += "<circle cx=\"\(fmt(x(i)))\" cy=\"\(fmt(y(Double(d.cumulative))))\" r=\"3\" fill=\"#0050a0\"><title>\(HTML.escape(d.day)): \(d.cumulative)</title></circle>"
        }
        return s + "</svg>"
    }

    /// One horizontal bar per category, largest first (`other` as the page's word for it).
    static func bars(_ id: String, _ counts: [ContestStats.Count], title: String, t: UIText) -> String {
        let rowHeight = 24.0
        let h = top + rowHeight * Double(max(1, counts.count)) + 24
        let maxValue = Double(max(1, counts.map(\.entries).max() ?? 1))
        let labelWidth = 150.0
        let barX = left + labelWidth, barSpace = width - barX - right - 40
        let desc = counts.map { "\(label($0.label, t)): \($0.entries)" }.joined(separator: "; ")
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(h))\" width=\"100%\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(desc))</desc>"
        for (i, c) in counts.enumerated() {
            let y = top + rowHeight * Double(i)
            let w = barSpace * Double(c.entries) / maxValue
            s += "<text x=\"\(fmt(barX - 8))\" y=\"\(fmt(y + 16))\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">\(HTML.escape(String(label(c.label, t).prefix(22))))</text>"
            s += "<rect x=\"\(fmt(barX))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(max(1, w)))\" height=\"\(fmt(rowHeight - 8))\" fill=\"\(c.label == SmallCells.other ? "#9aa5b1" : "#0050a0")\"/>"
            s += "<text x=\"\(fmt(barX + w + 6))\" y=\"\(fmt(y + 16))\" font-size=\"12\" fill=\"#1a1a1a\">\(c.entries)</text>"
        }
        return s + "</svg>"
    }

    /// A category's label as the page shows it (`other` in the page's language).
    static func label(_ raw: String, _ t: UIText) -> String {
        if raw == SmallCells.other { return t[.other] }
        return Country.isCode(raw) ? Country.name(raw, language: t.language) : raw   // countries are ISO codes
    }
}
