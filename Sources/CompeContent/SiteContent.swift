import CompeCore
import Foundation
import Synchronization

/// Settings from `Content/site.yml`.
public struct SiteConfig: Sendable {
    /// Site title per language.
    public var title: [String: String]
    /// Site description per language (may be empty).
    public var description: [String: String]
    /// Absolute base URL without a trailing slash, e.g. `https://compe.example.go.jp`.
    public var baseURL: String
    /// Languages, the first being the default (served at `/`).
    public var languages: [String]
    /// IANA time zone in which deadlines are shown.
    public var timeZone: TimeZone
    /// Where entry forms post; `/api` (same origin) by default.
    public var submitURL: String
    /// Origins other than the site's own that may post entries.
    public var allowedOrigins: [String]
    /// The licence of open-data packages (`data_license` in site.yml; CC BY 4.0 by default).
    public var dataLicense: DataLicense = .default
    /// Smallest group published on its own (small-cell suppression; `k` in site.yml, 5 by
    /// default): no sharing agreement may go below it.
    public var k = 5

    /// Creates settings.
    public init(title: [String: String], description: [String: String], baseURL: String, languages: [String],
                timeZone: TimeZone, submitURL: String, allowedOrigins: [String]) {
        self.title = title
        self.description = description
        self.baseURL = baseURL
        self.languages = languages
        self.timeZone = timeZone
        self.submitURL = submitURL
        self.allowedOrigins = allowedOrigins
    }

    /// The default language (the first listed).
    public var defaultLanguage: String { languages[0] }

    /// The site title in `language`, falling back to the default language.
    public func title(in language: String) -> String { title[language] ?? title[defaultLanguage] ?? "" }

    /// The site description in `language`, falling back to the default language.
    public func description(in language: String) -> String {
        description[language] ?? description[defaultLanguage] ?? ""
    }

    /// The URL path of `path` (no leading or trailing slash; empty for home) in `language`:
    /// the default language lives at `/`, others under `/<lang>/`.
    public func urlPath(_ path: String, language: String) -> String {
        let prefix = language == defaultLanguage ? "/" : "/\(language)/"
        return path.isEmpty ? prefix : prefix + path + "/"
    }
}

/// A Markdown page from `Content/pages/`.
///
/// A class (immutable, so safe to share): a site holds thousands of pages, and copying a struct
/// of a dozen strings costs a dozen reference-count operations every time it is passed around.
public final class PageSource: Sendable {
    /// Display path of the file, e.g. `Content/pages/about.en.md`.
    public let path: String
    /// Page name without language or extension, e.g. `about` or `guide/faq`; `index` is home.
    public let name: String
    /// Language of this file.
    public let language: String
    /// Page title.
    public let title: String
    /// Short description for meta tags.
    public let description: String
    /// Left out unless drafts are built.
    public let draft: Bool
    /// Shown in the site navigation.
    public let menu: Bool
    /// Order in the navigation (lower first).
    public let weight: Int
    /// Template name (`page` unless the front matter says otherwise).
    public let template: String
    /// The Markdown body. A page restored from the build's source cache (`SourceCache`) has not
    /// read it: it is read from `file` the first time a render asks, since an unchanged page is
    /// usually not rendered at all.
    public var markdown: String {
        body.withLock { body in
            if let body { return body }
            let text = file.flatMap { FileManager.default.contents(atPath: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            let read = (try? FrontMatterDocument.split(text, path: path).get())?.body ?? ""
            body = read
            return read
        }
    }
    private let body: Mutex<String?>
    /// The file to read the body from when it was not read with the front matter.
    let file: String?
    /// Line of the body's first line in the file.
    public let bodyFirstLine: Int
    /// The URL path, e.g. `/en/about/`.
    public let url: String
    /// `Fingerprint` of the file's path and bytes: everything above derives from them and the site settings.
    public let digest: String

    /// Creates a page.
    public convenience init(path: String, name: String, language: String, title: String, description: String, draft: Bool,
                            menu: Bool, weight: Int, template: String, markdown: String, bodyFirstLine: Int, url: String,
                            digest: String) {
        self.init(path: path, name: name, language: language, title: title, description: description, draft: draft, menu: menu,
                  weight: weight, template: template, body: markdown, file: nil, bodyFirstLine: bodyFirstLine, url: url, digest: digest)
    }

    /// A page with its body (`body`), or whose front matter was read before (from the source
    /// cache) and whose body is read from `file` when first needed.
    init(path: String, name: String, language: String, title: String, description: String, draft: Bool, menu: Bool,
         weight: Int, template: String, body: String?, file: String?, bodyFirstLine: Int, url: String, digest: String) {
        self.path = path
        self.name = name
        self.language = language
        self.title = title
        self.description = description
        self.draft = draft
        self.menu = menu
        self.weight = weight
        self.template = template
        self.body = Mutex(body)
        self.file = file
        self.bodyFirstLine = bodyFirstLine
        self.url = url
        self.digest = digest
    }
}

/// One language's brief of a contest.
public struct ContestSource: Sendable {
    /// Display path of the file, e.g. `Content/contests/sme-ui/brief.en.md`.
    public var path: String
    /// The contest in this language.
    public var contest: Contest
    /// The brief's Markdown body (rules, eligibility, ...).
    public var markdown: String
    /// Line of the body's first line in the file.
    public var bodyFirstLine: Int
    /// The URL path, e.g. `/en/contests/sme-ui/`.
    public var url: String
    /// When the contest has no brief in this page's language: the language its text is in (the
    /// site's default), so pages mark it and say it is not translated. Nil for a real brief.
    public var textLanguage: String? = nil
}

/// A published ranking from `Content/contests/<slug>/results.md` (written by `compe results publish`).
public struct ResultsSource: Sendable {
    /// One ranked entry; `title` and `team` only for the named winners.
    public struct Row: Sendable, Hashable {
        public var id: String
        public var rank: Int
        public var rankLow: Int
        public var rankHigh: Int
        public var rawMean: Double
        public var corrected: Double
        public var judges: Int
        public var title: String?
        public var team: String?

        /// Creates a row.
        public init(id: String, rank: Int, rankLow: Int, rankHigh: Int, rawMean: Double, corrected: Double, judges: Int,
                    title: String?, team: String?) {
            self.id = id
            self.rank = rank
            self.rankLow = rankLow
            self.rankHigh = rankHigh
            self.rawMean = rawMean
            self.corrected = corrected
            self.judges = judges
            self.title = title
            self.team = team
        }
    }

    /// Display path of the file.
    public var path: String
    /// The contest's slug.
    public var slug: String
    /// Publication day (YYYY-MM-DD).
    public var published: String
    /// Krippendorff's alpha, if it could be computed.
    public var alpha: Double?
    /// Rows by rank.
    public var rows: [Row]
    /// The editable note (trusted Markdown written by the team).
    public var markdown: String
    /// Line of the note's first line.
    public var bodyFirstLine: Int
    /// A contest in stages: each stage with its deadline and the entries it judged.
    public var stages: [StageLine] = []

    /// How many entries the results judged: every entry of the first stage in a contest in
    /// stages (the later stages judge the shortlisted), else every ranked entry.
    public var ranked: Int { stages.first?.entries ?? rows.count }

    /// One stage of a contest in stages, as the results file records it.
    public struct StageLine: Sendable, Hashable {
        public var id: String
        /// RFC 3339 UTC.
        public var closes: String
        public var entries: Int
        public init(id: String, closes: String, entries: Int) {
            self.id = id
            self.closes = closes
            self.entries = entries
        }
    }
}

/// A template override from `Content/templates/`.
public struct TemplateSource: Sendable {
    /// Display path of the file.
    public var path: String
    /// Template name (file name without `.mustache`).
    public var name: String
    /// The template text.
    public var text: String

    /// Creates a template source.
    public init(path: String, name: String, text: String) {
        self.path = path
        self.name = name
        self.text = text
    }
}

/// Everything read from `Content/`, validated, ready to render.
public struct SiteContent: Sendable {
    /// `site.yml`.
    public var config: SiteConfig
    /// Pages in every language (drafts removed unless asked for).
    public var pages: [PageSource]
    /// Contest briefs in every language.
    public var contests: [ContestSource]
    /// Template overrides by name.
    public var templates: [String: TemplateSource]
    /// Warnings found while loading (errors throw instead).
    public var warnings: [Diagnostic]
    /// URL paths of files that exist but failed to load: links to them are not reported as broken.
    public var unrenderedURLs: Set<String> = []
    /// Backlog iterations from `Content/backlog/`, by number.
    public var iterations: [Iteration] = []
    /// Published results by contest slug.
    public var results: [String: ResultsSource] = [:]
    /// Published statistics (`contests/<slug>/stats.json`) by contest slug.
    public var stats: [String: StatsSource] = [:]
    /// Open-data packages from `Content/data/<slug>/`, by slug.
    public var dataPackages: [DataPackageSource] = []
    /// Contest updates (`contests/<slug>/updates/`) by contest slug, every language.
    public var updates: [String: [UpdateSource]] = [:]
    /// Published answers to entrants' questions (`contests/<slug>/questions/`) by contest slug,
    /// every language.
    public var answers: [String: [AnswerSource]] = [:]
    /// Shortlists (`contests/<slug>/shortlist.md`, proposed or published) by contest slug, in
    /// stage order.
    public var shortlists: [String: [ShortlistSource]] = [:]
    /// Agreements to share data with partners (`sharing/<partner>.yml`), by file name.
    public var agreements: [SharingAgreement] = []
    /// The site's public signing key (`site.pub`, signify's format), published at
    /// `/data/site.pub`: what partners check signed packages with.
    public var signingKey: String?
    /// The public register of shares (`sharing/register.json`, written by `compe share publish`).
    public var register: SharingRegister? = nil
    /// Published entry logs (`contests/<slug>/log/`), by contest slug.
    public var entryLogs: [String: EntryLogFiles] = [:]

    /// `/data/` is rendered: there are open-data packages or a signing key to publish.
    public var hasDataCatalog: Bool { !dataPackages.isEmpty || signingKey != nil || hasSharingRegister }

    /// `/data/sharing/` is rendered: there are agreements, or a register of past ones.
    public var hasSharingRegister: Bool { !agreements.isEmpty || register != nil }

    /// The published shortlists of `slug`, in stage order.
    public func publishedShortlists(_ slug: String) -> [ShortlistSource] { (shortlists[slug] ?? []).filter { $0.published != nil } }
}
