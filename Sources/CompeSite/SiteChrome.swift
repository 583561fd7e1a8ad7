import CompeContent
import CompeCore
import Foundation

/// Pages made outside the build (the entry endpoint's receipts, errors and entrant views)
/// wrapped in the same layout as the site: header, navigation, `lang`, stylesheets.
public struct SiteChrome: Sendable {
    private let renderer: PageRenderer

    /// Prepares the chrome for `content`, linking the given `Static/` files (css/js).
    public init(content: SiteContent, staticFiles: [String]) throws {
        renderer = PageRenderer(content: content, theme: try Theme(overrides: content.templates), now: Date(), staticFiles: staticFiles, entryContests: [:])
    }

    /// A full HTML page in `language` whose `<main>` holds `body` (already-escaped HTML).
    public func page(language: String, title: String, body: String, url: String = "/api/") -> String {
        var ctx = renderer.base(language: language, url: url, title: title, description: "", translations: [:])
        ctx["body"] = .text(body)
        return renderer.theme.render("layout", ctx)
    }

    /// The theme's strings for `language`.
    public func strings(_ language: String) -> [String: String] { UIStrings.table(for: language) }
}
