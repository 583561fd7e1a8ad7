import CompeContent
import Foundation

/// `sitemap.xml` and the Atom feeds of contests.
enum Feeds {
    /// A sitemap of every HTML page, with `hreflang` alternates between translations.
    static func sitemap(pages: [(url: String, alternates: [(lang: String, url: String)])], baseURL: String) -> String {
        var xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">

        """
        for page in pages.sorted(by: { $0.url < $1.url }) {
            xml += "<url><loc>\(HTML.escape(baseURL + page.url))</loc>"
            if page.alternates.count > 1 {
                for alt in page.alternates {
                    xml += "<xhtml:link rel=\"alternate\" hreflang=\"\(alt.lang)\" href=\"\(HTML.escape(baseURL + alt.url))\"/>"
                }
            }
            xml += "</url>\n"
        }
        return xml + "</urlset>\n"
    }

    /// An Atom feed of one language's contests, newest first.
    static func atom(title: String, language: String, feedURL: String, homeURL: String, baseURL: String,
                     entries: [(title: String, url: String, summary: String, published: String, updated: String)]) -> String {
        let updated = entries.map(\.updated).max() ?? "1970-01-01T00:00:00Z"
        var xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\(language)">
        <title>\(HTML.escape(title))</title>
        <id>\(HTML.escape(baseURL + feedURL))</id>
        <link rel="self" href="\(HTML.escape(baseURL + feedURL))"/>
        <link href="\(HTML.escape(baseURL + homeURL))"/>
        <updated>\(updated)</updated>

        """
        for e in entries {
            xml += """
            <entry>
            <title>\(HTML.escape(e.title))</title>
            <id>\(HTML.escape(baseURL + e.url))</id>
            <link href="\(HTML.escape(baseURL + e.url))"/>
            <published>\(e.published)</published>
            <updated>\(e.updated)</updated>
            <author><name>\(HTML.escape(title))</name></author>
            <summary>\(HTML.escape(e.summary))</summary>
            </entry>

            """
        }
        return xml + "</feed>\n"
    }
}
