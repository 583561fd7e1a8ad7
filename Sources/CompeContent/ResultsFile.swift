import CompeCore
import Foundation
import Yams

/// `Content/contests/<slug>/results.md`: written by `compe results publish`, reviewed and
/// committed by the team, rendered by `compe build`. Reading and writing live here side by side
/// (one list of keys), and writing goes through Yams, so whatever an entrant typed in a title
/// comes back from the file exactly as it was written.
///
/// Everything is front matter (entrant text is data, escaped by the theme, never Markdown that
/// could carry HTML); the body is the panel's own note, trusted Markdown.
public enum ResultsFile {
    /// Keys of the front matter.
    public static let keys = ["published", "alpha", "entries", "stages"]
    /// Keys of one stage (a contest in stages): its id, deadline and how many entries it judged.
    public static let stageKeys = ["id", "closes", "entries"]
    /// Keys of one ranked entry; `title` and `team` only for the named winners.
    public static let rowKeys = ["id", "rank", "rank_low", "rank_high", "raw_mean", "corrected", "judges", "title", "team"]

    /// The note a fresh file carries below its front matter.
    static let note = """
        <!-- Written by 'compe results publish'. Add the panel's remarks below (shown on the results page in every
             language); keep the front matter as it is. -->

        """

    /// The file's text for a ranking published on `published` (YYYY-MM-DD).
    public static func render(published: String, alpha: Double?, rows: [ResultsSource.Row], stages: [ResultsSource.StageLine] = []) throws -> String {
        func scalar(_ text: String, _ style: Node.Scalar.Style = .plain) -> Node { Node.scalar(.init(text, .implicit, style)) }
        func number(_ x: Double) -> Node { scalar(String(format: "%.2f", x)) }
        let entries = rows.map { r -> Node in
            var pairs: [(Node, Node)] = [(scalar("id"), scalar(r.id, .doubleQuoted)), (scalar("rank"), scalar(String(r.rank))),
                                         (scalar("rank_low"), scalar(String(r.rankLow))), (scalar("rank_high"), scalar(String(r.rankHigh))),
                                         (scalar("raw_mean"), number(r.rawMean)), (scalar("corrected"), number(r.corrected)),
                                         (scalar("judges"), scalar(String(r.judges)))]
            if let title = r.title { pairs.append((scalar("title"), scalar(singleLine(title), .doubleQuoted))) }
            if let team = r.team { pairs.append((scalar("team"), scalar(singleLine(team), .doubleQuoted))) }
            return Node.mapping(.init(pairs, .implicit, .flow))
        }
        var pairs: [(Node, Node)] = [
            (scalar("published"), scalar(published, .doubleQuoted)),
            (scalar("alpha"), alpha.map { scalar(String(format: "%.3f", $0)) } ?? scalar("null")),
            (scalar("entries"), Node.sequence(.init(entries, .implicit, .block))),
        ]
        if !stages.isEmpty {
            pairs.append((scalar("stages"), Node.sequence(.init(stages.map { s in
                Node.mapping(.init([(scalar("id"), scalar(s.id)), (scalar("closes"), scalar(s.closes, .doubleQuoted)),
                                    (scalar("entries"), scalar(String(s.entries)))], .implicit, .flow))
            }, .implicit, .block))))
        }
        let front = Node.mapping(.init(pairs))
        let yaml = try Yams.serialize(node: front, width: -1, allowUnicode: true)
        return "---\n" + yaml + "---\n" + note
    }

    /// Entrant text as one line: controls removed (`PlainText`), line breaks and tabs as spaces.
    static func singleLine(_ s: String) -> String {
        String(PlainText.clean(s).map { $0 == "\n" || $0 == "\r\n" || $0 == "\t" ? " " : $0 })
    }

    /// Reads the file at display path `path` of contest `slug`; every problem goes to `diags`.
    static func parse(_ text: String, path: String, slug: String, diags: inout Diagnostics) -> ResultsSource? {
        guard let (doc, f) = ContentLoader.frontMatter(text, path: path, diags: &diags) else { return nil }
        f.rejectUnknownKeys(allowed: keys, diags: &diags)
        let published = f.string("published", required: true, diags: &diags) ?? ""
        let alpha = f.value("alpha").flatMap { $0.scalar?.string }.flatMap(Double.init)
        var rows: [ResultsSource.Row] = []
        for node in f.sequence("entries", required: true, diags: &diags) ?? [] {
            guard let e = YAMLFields(node, source: f.source, context: "results entry", diags: &diags) else { continue }
            e.rejectUnknownKeys(allowed: rowKeys, diags: &diags)
            func number(_ key: String) -> Double? {
                guard let s = e.value(key)?.scalar?.string, let d = Double(s) else {
                    diags.error(e.source.location(e.value(key) ?? node), "results entry needs a number '\(key)'")
                    return nil
                }
                return d
            }
            guard let id = e.string("id", required: true, diags: &diags), let rank = e.int("rank", required: true, diags: &diags),
                  let low = e.int("rank_low", required: true, diags: &diags), let high = e.int("rank_high", required: true, diags: &diags),
                  let raw = number("raw_mean"), let corrected = number("corrected"),
                  let judges = e.int("judges", required: true, diags: &diags) else { continue }
            rows.append(.init(id: id, rank: rank, rankLow: low, rankHigh: high, rawMean: raw, corrected: corrected, judges: judges,
                              title: e.string("title", diags: &diags), team: e.string("team", diags: &diags)))
        }
        var stages: [ResultsSource.StageLine] = []
        for node in f.sequence("stages", diags: &diags) ?? [] {
            guard let s = YAMLFields(node, source: f.source, context: "results stage", diags: &diags) else { continue }
            s.rejectUnknownKeys(allowed: stageKeys, diags: &diags)
            guard let id = s.string("id", required: true, diags: &diags), let closes = s.string("closes", required: true, diags: &diags),
                  let n = s.int("entries", required: true, diags: &diags) else { continue }
            stages.append(.init(id: id, closes: closes, entries: n))
        }
        return ResultsSource(path: path, slug: slug, published: published, alpha: alpha, rows: rows.sorted { ($0.rank, $0.id) < ($1.rank, $1.id) },
                             markdown: doc.body, bodyFirstLine: doc.bodyFirstLine, stages: stages)
    }

    /// `/contests/<slug>/results.json`: the results page's ranking for programs (the same rows,
    /// winners named as on the page, the stages), with `ranked`, the number of entries the
    /// results judged, which `compe verify log` compares with the entries the log holds.
    public static func json(_ results: ResultsSource) throws -> Data {
        struct Row: Encodable {
            var id: String, rank: Int, rank_low: Int, rank_high: Int, raw_mean: Double, corrected: Double, judges: Int
            var title: String?, team: String?
        }
        struct Stage: Encodable { var id: String, closes: String, entries: Int }
        struct File: Encodable {
            var contest: String, published: String, ranked: Int, entries: [Row], stages: [Stage]
            @NullEncoded var alpha: Double?
        }
        let file = File(contest: results.slug, published: results.published, ranked: results.ranked,
                        entries: results.rows.map { Row(id: $0.id, rank: $0.rank, rank_low: $0.rankLow, rank_high: $0.rankHigh, raw_mean: $0.rawMean,
                                                        corrected: $0.corrected, judges: $0.judges, title: $0.title, team: $0.team) },
                        stages: results.stages.map { Stage(id: $0.id, closes: $0.closes, entries: $0.entries) }, alpha: results.alpha)
        return try JSONCoding.encoder(pretty: true).encode(file) + Data("\n".utf8)
    }
}
