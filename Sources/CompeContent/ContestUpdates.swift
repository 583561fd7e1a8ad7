import CompeCore
import Foundation

/// A contest update (Q&A, an extended deadline…) from
/// `Content/contests/<slug>/updates/<YYYY-MM-DD>-<name>.md` (or `.<lang>.md`): shown on the
/// contest page newest first, in the Atom feed, and mailed to entrants by `compe announce`.
public struct UpdateSource: Sendable, Hashable {
    /// Display path of the file.
    public var path: String
    public var slug: String
    /// `<name>` of the file name: the anchor (`#update-<name>`) and what `compe announce` takes.
    public var name: String
    /// `YYYY-MM-DD`, a day in the site's time zone.
    public var day: String
    public var language: String
    public var title: String
    /// The body, Markdown written by the organisers (trusted).
    public var markdown: String
    public var bodyFirstLine: Int

    /// The anchor on the contest page.
    public var anchor: String { "update-\(name)" }
}

extension ContentLoader {
    /// Keys allowed in an update's front matter.
    static let updateKeys = ["title"]

    /// The updates of contest `slug` in `folder`; each problem goes to `diags` at its place.
    func loadUpdates(slug: String, folder: URL, config: SiteConfig, diags: inout Diagnostics) -> [UpdateSource] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        var updates: [UpdateSource] = []
        for file in names where !file.hasPrefix(".") {
            let rel = "contests/\(slug)/updates/\(file)"
            guard let match = file.wholeMatch(of: /(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9_-]*?)(?:\.([a-z]{2,3}(?:-[A-Za-z0-9]+)*))?\.md/),
                  DateParsing.day(String(match.1)) != nil else {
                diags.error(SourceLocation(path: display(rel)),
                            "an update's file name is YYYY-MM-DD-<name>.md (or .<lang>.md), with a real date and a-z, 0-9, '-', '_' in the name")
                continue
            }
            let language = match.3.map(String.init) ?? config.defaultLanguage
            guard config.languages.contains(language) else {
                diags.error(SourceLocation(path: display(rel)), "language '\(language)' is not in site.yml's languages")
                continue
            }
            guard let text = readText(rel, diags: &diags),
                  let (doc, f) = ContentLoader.frontMatter(text, path: display(rel), diags: &diags) else { continue }
            f.rejectUnknownKeys(allowed: Self.updateKeys, diags: &diags)
            guard let title = f.string("title", required: true, diags: &diags) else { continue }
            updates.append(UpdateSource(path: display(rel), slug: slug, name: String(match.2), day: String(match.1), language: language,
                                        title: title, markdown: doc.body, bodyFirstLine: doc.bodyFirstLine))
        }
        let originals = Set(updates.filter { $0.language == config.defaultLanguage }.map(\.name))
        for u in updates where u.language != config.defaultLanguage && !originals.contains(u.name) {
            diags.error(SourceLocation(path: u.path), "translation of an update that has no \(config.defaultLanguage) original: add the default-language file first")
        }
        return updates.sorted { ($1.day, $1.name) < ($0.day, $0.name) }
    }
}

extension SiteContent {
    /// Contest `slug`'s updates as readers of `language` see them (the default language's where
    /// there is no translation), newest first.
    public func updates(_ slug: String, language: String) -> [UpdateSource] {
        let all = updates[slug] ?? []
        let names = Set(all.map(\.name))
        return names.compactMap { name in
            all.first { $0.name == name && $0.language == language } ?? all.first { $0.name == name && $0.language == config.defaultLanguage }
        }.sorted { ($1.day, $1.name) < ($0.day, $0.name) }
    }
}
