import CompeContent
import CompeCore
import Foundation

/// Pages made outside the build (the entry endpoint's receipts, errors and entrant views)
/// wrapped in the same layout as the site: header, navigation, `lang`, stylesheets.
public struct SiteChrome: Sendable {
    private let renderer: PageRenderer

    /// Prepares the chrome for `content`, linking the stylesheets and scripts the last build of
    /// `publicDir` linked (from its manifest; none when there is no manifest).
    public init(content: SiteContent, publicDir: URL) throws {
        let manifest = BuildManifest.read(from: publicDir)
        renderer = PageRenderer(content: content, theme: try Theme(overrides: content.templates), now: Date(),
                                staticFiles: manifest.map { $0.statics.keys.sorted() } ?? [], assets: manifest?.assets ?? AssetNames(),
                                entryContests: [:])
    }

    /// A full HTML page in `language`: theme template `template` with `context` (on top of what
    /// every page has: `t`, `lang`, navigation…), wrapped in the layout. Everything is escaped
    /// by the template, as on built pages.
    public func page(_ template: String, language: String, title: String, context: TemplateContext, url: String = "/api/") -> String {
        var ctx = renderer.base(language: language, url: url, title: title, description: "", translations: [:])
        ctx.merge(context) { _, new in new }
        return String(decoding: renderer.wrap(template, ctx), as: UTF8.self)
    }

    /// Plain text from theme template `template` (mail): no layout, and the template decides
    /// what is escaped (mail templates use `{{{…}}}`, as plain text needs no HTML escaping).
    public func text(_ template: String, context: TemplateContext) -> String {
        renderer.theme.render(template, context)
    }

    /// The theme's strings for `language`.
    public func strings(_ language: String) -> UIText { UIStrings.text(for: language) }
}
