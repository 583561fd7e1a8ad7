import CompeContent
import CompeCore
import Foundation

/// Inline SVG charts made at build time: readable without JavaScript, with a title and a
/// description for screen readers (each chart's page also carries the numbers as a table).
enum Charts {
    static let width = 640.0, height = 280.0
    static let left = 44.0, right = 16.0, top = 16.0, bottom = 40.0

    static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    /// Y axis grid with about five ticks up to `maxValue`.
    static func grid(maxValue: Int) -> (svg: String, scale: (Double) -> Double) {
        let step = max(1, Int((Double(maxValue) / 5).rounded(.up)))
        let top = max(step, Int((Double(maxValue) / Double(step)).rounded(.up)) * step)
        let plot = height - Self.top - bottom
        let y: (Double) -> Double = { v in Self.top + plot * (1 - v / Double(top)) }
        var s = ""
        for v in stride(from: 0, through: top, by: step) {
            s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y(Double(v))))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(y(Double(v))))\" stroke=\"#d0d4da\" stroke-width=\"1\"/>"
            s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y(Double(v)) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">\(v)</text>"
        }
        return (s, y)
    }

    static func open(_ id: String, title: String, desc: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(desc))</desc>"
    }

    static func legend(_ items: [(color: String, label: String, dashed: Bool)]) -> String {
        var s = ""
        var x = left
        for item in items {
            s += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(height - 10))\" x2=\"\(fmt(x + 18))\" y2=\"\(fmt(height - 10))\" stroke=\"\(item.color)\" stroke-width=\"4\"\(item.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            s += "<text x=\"\(fmt(x + 24))\" y=\"\(fmt(height - 6))\" font-size=\"12\" fill=\"#1a1a1a\">\(HTML.escape(item.label))</text>"
            x += 34 + Double(item.label.count) * (item.label.unicodeScalars.contains { $0.value > 0x2E80 } ? 12 : 7)
        }
        return s
    }

    /// Committed vs completed points per iteration, with the rolling average of the last three.
    static func velocity(_ rows: [Velocity.Row], t: UIText) -> String {
        let maxValue = max(1, rows.map { max($0.committed, $0.completed) }.max() ?? 1)
        let (gridSVG, y) = grid(maxValue: maxValue)
        let band = (width - left - right) / Double(max(1, rows.count))
        let barWidth = min(28, band / 3)
        let desc = rows.map { String(format: t[.velocityDescRow], $0.number, $0.committed, $0.completed, $0.rollingAverage) }.joined(separator: " ")
        var s = open("velocity", title: t[.velocityChart], desc: desc) + gridSVG
        var avg: [String] = []
        for (i, r) in rows.enumerated() {
            let cx = left + band * (Double(i) + 0.5)
            s += "<rect x=\"\(fmt(cx - barWidth - 2))\" y=\"\(fmt(y(Double(r.committed))))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(y(0) - y(Double(r.committed))))\" fill=\"#9aa5b1\"><title>\(r.committed)</title></rect>"
            s += "<rect x=\"\(fmt(cx + 2))\" y=\"\(fmt(y(Double(r.completed))))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(y(0) - y(Double(r.completed))))\" fill=\"#0050a0\"><title>\(r.completed)</title></rect>"
            s += "<text x=\"\(fmt(cx))\" y=\"\(fmt(y(0) + 16))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#1a1a1a\">#\(r.number)</text>"
            avg.append("\(fmt(cx)),\(fmt(y(r.rollingAverage)))")
        }
        s += "<polyline points=\"\(avg.joined(separator: " "))\" fill=\"none\" stroke=\"#c25400\" stroke-width=\"2.5\"/>"
        for p in avg {
            let xy = p.split(separator: ",")
            s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3.5\" fill=\"#c25400\"/>"
        }
        s += legend([("#9aa5b1", t[.committed], false), ("#0050a0", t[.completed], false), ("#c25400", t[.rollingAverage], false)])
        return s + "</svg>"
    }

    /// Remaining points per day against the ideal line, with the scope and where it grew.
    static func burndown(_ b: Burndown, days: [Date], t: UIText) -> String {
        let maxValue = max(1, max(b.days.map(\.scope).max() ?? 0, Int((b.ideal.first?.points ?? 0).rounded(.up))))
        let (gridSVG, y) = grid(maxValue: maxValue)
        let span = Double(max(1, days.count - 1))
        let x: (Int) -> Double = { i in left + (width - left - right) * Double(i) / span }
        let desc = String(format: t[.burndownDesc], b.ideal.first.map { Int($0.points.rounded()) } ?? 0,
                          b.days.last?.remaining ?? 0, b.days.last?.scope ?? 0)
        var s = open("burndown", title: t[.burndownChart], desc: desc) + gridSVG
        let labelEvery = max(1, days.count / 8)
        for (i, d) in days.enumerated() where i % labelEvery == 0 || i == days.count - 1 {
            var c = Calendar(identifier: .gregorian)
            c.timeZone = TimeZone(identifier: "UTC")!
            let p = c.dateComponents([.month, .day], from: d)
            s += "<text x=\"\(fmt(x(i)))\" y=\"\(fmt(y(0) + 16))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(p.month!)/\(p.day!)</text>"
        }
        let ideal = b.ideal.enumerated().map { "\(fmt(x($0.offset))),\(fmt(y($0.element.points)))" }
        s += "<polyline points=\"\(ideal.joined(separator: " "))\" fill=\"none\" stroke=\"#9aa5b1\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
        if !b.days.isEmpty {
            var scope: [String] = []
            for (i, d) in b.days.enumerated() {
                if i > 0 { scope.append("\(fmt(x(i))),\(fmt(y(Double(b.days[i - 1].scope))))") }
                scope.append("\(fmt(x(i))),\(fmt(y(Double(d.scope))))")
            }
            s += "<polyline points=\"\(scope.joined(separator: " "))\" fill=\"none\" stroke=\"#c25400\" stroke-width=\"1.5\"/>"
            let remaining = b.days.enumerated().map { "\(fmt(x($0.offset))),\(fmt(y(Double($0.element.remaining))))" }
            s += "<polyline points=\"\(remaining.joined(separator: " "))\" fill=\"none\" stroke=\"#0050a0\" stroke-width=\"2.5\"/>"
            for (i, d) in b.days.enumerated() {
                s += "<circle cx=\"\(fmt(x(i)))\" cy=\"\(fmt(y(Double(d.remaining))))\" r=\"3\" fill=\"#0050a0\"><title>\(d.remaining)</title></circle>"
                if i > 0 && d.scope > b.days[i - 1].scope {
                    s += "<text x=\"\(fmt(x(i)))\" y=\"\(fmt(y(Double(d.scope)) - 6))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#c25400\">+\(d.scope - b.days[i - 1].scope)</text>"
                }
            }
        }
        s += legend([("#0050a0", t[.remaining], false), ("#9aa5b1", t[.ideal], true), ("#c25400", t[.scope], false)])
        return s + "</svg>"
    }

    /// Each entry's rank (dot) and 90% rank interval (bar), best first, with its corrected score.
    static func ranks(_ rows: [ResultsSource.Row], t: UIText) -> String {
        let shown = Array(rows.prefix(30))
        let rowHeight = 18.0
        let h = top + rowHeight * Double(max(1, shown.count)) + bottom
        let maxRank = max(2, rows.map(\.rankHigh).max() ?? 2)
        let x: (Int) -> Double = { r in left + 60 + (width - left - 60 - right - 60) * Double(r - 1) / Double(maxRank - 1) }
        let desc = shown.prefix(5).map { "\($0.id): \($0.rank) (\($0.rankLow)–\($0.rankHigh)), \(String(format: "%.1f", $0.corrected))" }.joined(separator: "; ")
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(h))\" width=\"100%\" role=\"img\" aria-labelledby=\"ranks-title ranks-desc\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"ranks-title\">\(HTML.escape(t[.resultsChart]))</title><desc id=\"ranks-desc\">\(HTML.escape(desc))</desc>"
        for (i, r) in shown.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            s += "<text x=\"\(fmt(left))\" y=\"\(fmt(y + 4))\" font-size=\"11\" fill=\"#1a1a1a\">\(HTML.escape(r.id))</text>"
            s += "<line x1=\"\(fmt(x(r.rankLow)))\" y1=\"\(fmt(y))\" x2=\"\(fmt(x(r.rankHigh)))\" y2=\"\(fmt(y))\" stroke=\"#9aa5b1\" stroke-width=\"6\" stroke-linecap=\"round\"/>"
            s += "<circle cx=\"\(fmt(x(r.rank)))\" cy=\"\(fmt(y))\" r=\"4.5\" fill=\"#0050a0\"/>"
            s += "<text x=\"\(fmt(width - right))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">\(String(format: "%.1f", r.corrected))</text>"
        }
        for r in Set([1, maxRank, (maxRank + 1) / 2]).sorted() {
            s += "<text x=\"\(fmt(x(r)))\" y=\"\(fmt(h - bottom + 16))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(r)</text>"
        }
        return s + "</svg>"
    }
}
