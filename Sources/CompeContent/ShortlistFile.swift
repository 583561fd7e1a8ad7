import CompeCore
import Foundation
import Yams

/// `Content/contests/<slug>/shortlist.md` (for a later stage's shortlist,
/// `shortlist-<stage>.md`): written by `compe shortlist`, reviewed (and edited: the `entries`
/// list is what `compe shortlist publish` sends on) and committed by the team, rendered by
/// `compe build` once published. Reading and writing live here side by side, through Yams, as
/// for `results.md`; entrant text is front matter (data), the body the team's remarks.
public enum ShortlistFile {
    /// Keys of the front matter.
    public static let keys = ["stage", "next", "proposed", "published", "entries", "tied_at_cut"]
    /// Keys of one entry.
    public static let rowKeys = ["id", "rank", "corrected", "title", "team"]

    /// The file name of the shortlist that closes `stage` of `contest`.
    public static func name(stage: String, in contest: Contest) -> String {
        stage == contest.later.firstID ? "shortlist.md" : "shortlist-\(stage).md"
    }

    /// The note a fresh file carries below its front matter.
    static let note = """
        <!-- Written by 'compe shortlist'. Review the entries (remove or add ids to settle a tie at the cut), add the
             panel's remarks below, then run 'compe shortlist publish'. -->

        """

    /// The file's text.
    public static func render(_ s: ShortlistSource) throws -> String {
        func scalar(_ text: String, _ style: Node.Scalar.Style = .plain) -> Node { Node.scalar(.init(text, .implicit, style)) }
        let entries = s.rows.map { r -> Node in
            var pairs: [(Node, Node)] = [(scalar("id"), scalar(r.id, .doubleQuoted))]
            if let rank = r.rank { pairs.append((scalar("rank"), scalar(String(rank)))) }
            if let corrected = r.corrected { pairs.append((scalar("corrected"), scalar(String(format: "%.2f", corrected)))) }
            pairs.append((scalar("title"), scalar(ResultsFile.singleLine(r.title), .doubleQuoted)))
            pairs.append((scalar("team"), scalar(ResultsFile.singleLine(r.team), .doubleQuoted)))
            return Node.mapping(.init(pairs, .implicit, .flow))
        }
        var front: [(Node, Node)] = [(scalar("stage"), scalar(s.stage)), (scalar("next"), scalar(s.next)),
                                     (scalar("proposed"), scalar(s.proposed, .doubleQuoted))]
        if let published = s.published { front.append((scalar("published"), scalar(published, .doubleQuoted))) }
        front.append((scalar("entries"), Node.sequence(.init(entries, .implicit, .block))))
        if !s.tiedAtCut.isEmpty {
            front.append((scalar("tied_at_cut"), Node.sequence(.init(s.tiedAtCut.map { scalar($0, .doubleQuoted) }, .implicit, .flow))))
        }
        let yaml = try Yams.serialize(node: Node.mapping(.init(front)), width: -1, allowUnicode: true)
        let body = s.markdown.isEmpty ? note : s.markdown
        return "---\n" + yaml + "---\n" + body
    }

    /// The remarks below the front matter of a shortlist file's `text`.
    public static func body(of text: String) -> String {
        if case .success(let doc) = FrontMatterDocument.split(text, path: "") { return doc.body }
        return note
    }

    /// Reads the file at display path `path` of contest `slug`; every problem goes to `diags`.
    public static func parse(_ text: String, path: String, slug: String, diags: inout Diagnostics) -> ShortlistSource? {
        guard let (doc, f) = ContentLoader.frontMatter(text, path: path, diags: &diags) else { return nil }
        f.rejectUnknownKeys(allowed: keys, diags: &diags)
        guard let stage = f.string("stage", required: true, diags: &diags), let next = f.string("next", required: true, diags: &diags),
              let proposed = f.string("proposed", required: true, diags: &diags) else { return nil }
        let published = f.string("published", diags: &diags)
        var rows: [ShortlistSource.Row] = []
        var seen: Set<String> = []
        for node in f.sequence("entries", required: true, diags: &diags) ?? [] {
            guard let e = YAMLFields(node, source: f.source, context: "shortlist entry", diags: &diags) else { continue }
            e.rejectUnknownKeys(allowed: rowKeys, diags: &diags)
            guard let id = e.string("id", required: true, diags: &diags) else { continue }
            guard EntryCode.parse(id) != nil else {
                diags.error(e.source.location(e.value("id")), "'\(id)' is not an entry id such as E-0007")
                continue
            }
            guard seen.insert(id).inserted else {
                diags.error(e.source.location(e.value("id")), "\(id) is listed twice")
                continue
            }
            let corrected = (e.value("corrected")?.scalar?.string).flatMap { Double($0) }
            rows.append(.init(id: id, rank: e.int("rank", diags: &diags), corrected: corrected,
                              title: e.string("title", diags: &diags) ?? "", team: e.string("team", diags: &diags) ?? ""))
        }
        if rows.isEmpty, f.has("entries") {
            diags.error(f.location(ofKey: "entries"), "a shortlist needs at least one entry")
        }
        let tied = f.stringList("tied_at_cut", diags: &diags) ?? []
        return ShortlistSource(path: path, slug: slug, stage: stage, next: next, proposed: proposed, published: published, rows: rows,
                               tiedAtCut: tied, markdown: doc.body, bodyFirstLine: doc.bodyFirstLine)
    }
}

/// A shortlist from `Content/contests/<slug>/shortlist.md`: the entries that go on from one
/// stage to the next.
public struct ShortlistSource: Sendable, Hashable {
    /// One entry that goes on.
    public struct Row: Sendable, Hashable {
        public var id: String
        /// Its rank in the stage's ranking (absent for an entry added by hand).
        public var rank: Int?
        public var corrected: Double?
        public var title: String
        public var team: String

        /// Creates a row.
        public init(id: String, rank: Int?, corrected: Double?, title: String, team: String) {
            self.id = id
            self.rank = rank
            self.corrected = corrected
            self.title = title
            self.team = team
        }
    }

    /// Display path of the file.
    public var path: String
    /// The contest's slug.
    public var slug: String
    /// The stage the shortlist closes.
    public var stage: String
    /// The stage its entries go on to.
    public var next: String
    /// When it was proposed (YYYY-MM-DD).
    public var proposed: String
    /// When it was published (YYYY-MM-DD); nil while it is a proposal (not rendered).
    public var published: String?
    /// The entries, in the order shown.
    public var rows: [Row]
    /// Entries that shared the rank at the cut when it was proposed.
    public var tiedAtCut: [String]
    /// The team's remarks (trusted Markdown).
    public var markdown: String
    /// Line of the remarks' first line.
    public var bodyFirstLine: Int

    /// Creates a shortlist.
    public init(path: String, slug: String, stage: String, next: String, proposed: String, published: String?, rows: [Row],
                tiedAtCut: [String], markdown: String, bodyFirstLine: Int) {
        self.path = path
        self.slug = slug
        self.stage = stage
        self.next = next
        self.proposed = proposed
        self.published = published
        self.rows = rows
        self.tiedAtCut = tiedAtCut
        self.markdown = markdown
        self.bodyFirstLine = bodyFirstLine
    }
}
