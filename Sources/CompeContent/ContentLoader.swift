import CompeCore
import Foundation
import Yams

/// Reads and validates `Content/`: `site.yml`, pages, contest briefs and template overrides.
///
/// Every problem is collected and thrown at the end as one `DiagnosticError`, so a user
/// fixes all of them in one pass. Files are parsed in parallel.
public struct ContentLoader: Sendable {
    /// The `Content/` directory.
    public var root: URL
    /// How paths are shown in messages (the directory as the user named it).
    public var displayRoot: String
    /// Keep pages and contests marked `draft: true`.
    public var includeDrafts: Bool
    /// Template names the theme knows; overrides with other names are errors.
    public var knownTemplates: [String]
    /// Pages parsed by earlier loads (the dev server's); nil parses every file.
    public var cache: SourceCache?

    /// Creates a loader for the directory `root`.
    public init(root: URL, displayRoot: String? = nil, includeDrafts: Bool = false, knownTemplates: [String], cache: SourceCache? = nil) {
        self.root = root
        self.displayRoot = displayRoot ?? root.path
        self.includeDrafts = includeDrafts
        self.knownTemplates = knownTemplates
        self.cache = cache
    }

    /// Keys allowed in `site.yml`.
    public static let siteKeys = ["title", "description", "base_url", "languages", "timezone", "submit_url", "allowed_origins", "data_license", "k"]
    /// Keys allowed in a page's front matter.
    public static let pageKeys = ["title", "description", "draft", "menu", "weight", "template"]

    /// Loads everything; throws `DiagnosticError` listing every error found.
    public func load() throws -> SiteContent {
        var diags = Diagnostics()
        let content = load(&diags)
        try diags.throwIfErrors()
        return content!
    }

    /// Loads as much as can be loaded, recording every problem in `diags`, so that later
    /// steps (the link check) can add theirs and the user sees all of them at once.
    /// Returns nil only when `site.yml` itself cannot be read.
    public func load(_ diags: inout Diagnostics) -> SiteContent? {
        guard let config = loadConfig(&diags) else { return nil }

        let pageFiles = markdownFiles(under: "pages")
        let configKey = cacheKey(config)
        let known = cache?.snapshot()
        let pageResults = ParallelMap.map(pageFiles) { file -> (PageSource?, Diagnostics, SourceCache.Entry?) in
            // A file the watcher vouches for is reused without a stat; others are checked by stamp.
            if let hit = known?.entries[file.relative], hit.stamp.hasPrefix(configKey + "|"), known?.verified.contains(file.relative) == true {
                return (hit.page, hit.diags, nil)
            }
            let stamp = cache == nil ? nil : SourceCache.stamp(file.path).map { configKey + "|" + $0 }
            if let stamp, let hit = known?.entries[file.relative], hit.stamp == stamp { return (hit.page, hit.diags, hit) }
            var d = Diagnostics()
            let page = loadPage(file, config: config, diags: &d)
            return (page, d, stamp.map { ($0, page, d) })
        }
        cache?.store(zip(pageFiles, pageResults).compactMap { file, r in r.2.map { (file.relative, $0) } })
        cache?.retain(only: Set(pageFiles.map(\.relative)))
        var pages: [PageSource] = []
        var unrendered: Set<String> = []
        for (file, (page, d, _)) in zip(pageFiles, pageResults) {
            diags.append(contentsOf: d.all)
            if let page, includeDrafts || !page.draft { pages.append(page) }
            if page == nil, let url = guessedURL(ofPage: file, config: config) { unrendered.insert(url) }
        }
        checkTranslationsHaveOriginals(pages.map { ($0.name, $0.language, $0.path) }, config: config, what: "page", diags: &diags)
        if !pages.contains(where: { $0.name == "index" && $0.language == config.defaultLanguage }) {
            diags.error(SourceLocation(path: display("pages")), "no home page: add pages/index.md")
        }

        var resultFiles: [ContentFile] = []
        var statsFiles: [ContentFile] = []
        var shortlistFiles: [ContentFile] = []
        var updates: [String: [UpdateSource]] = [:]
        var answers: [String: [AnswerSource]] = [:]
        let contests = loadContests(config: config, unrendered: &unrendered, resultFiles: &resultFiles, statsFiles: &statsFiles,
                                    shortlistFiles: &shortlistFiles, updates: &updates, answers: &answers, diags: &diags)
        var shortlists: [String: [ShortlistSource]] = [:]
        for file in shortlistFiles {
            let slug = String(file.relative.split(separator: "/")[1])
            guard let text = readText(file.relative, diags: &diags),
                  let s = ShortlistFile.parse(text, path: display(file.relative), slug: slug, diags: &diags) else { continue }
            let original = contests.first { $0.contest.slug == slug && $0.textLanguage == nil && $0.contest.language == config.defaultLanguage }?.contest
            if let original {
                let ids = original.stages.map(\.id)
                if let i = ids.firstIndex(of: s.stage), i + 1 < ids.count, ids[i + 1] == s.next {
                    if file.relative.split(separator: "/").last.map(String.init) != ShortlistFile.name(stage: s.stage, in: original) {
                        diags.error(SourceLocation(path: s.path), "the shortlist of stage '\(s.stage)' belongs in \(ShortlistFile.name(stage: s.stage, in: original))")
                    }
                } else {
                    diags.error(SourceLocation(path: s.path), "stage '\(s.stage)' followed by '\(s.next)' is not in the brief (stages: \(ids.joined(separator: ", ")))")
                }
                shortlists[slug, default: []].append(s)
            }
        }
        for (slug, list) in shortlists {
            guard let ids = contests.first(where: { $0.contest.slug == slug && $0.textLanguage == nil })?.contest.stages.map(\.id) else { continue }
            shortlists[slug] = list.sorted { (ids.firstIndex(of: $0.stage) ?? 0) < (ids.firstIndex(of: $1.stage) ?? 0) }
        }
        var results: [String: ResultsSource] = [:]
        for file in resultFiles {
            if let r = loadResults(file, diags: &diags) { results[r.slug] = r }
        }
        var stats: [String: StatsSource] = [:]
        for file in statsFiles {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                diags.error(SourceLocation(path: display(file.relative)), "cannot read the file")
                continue
            }
            if let s = StatsFile.parse(data, path: display(file.relative), slug: String(file.relative.split(separator: "/")[1]), diags: &diags) {
                stats[s.slug] = s
            }
        }
        let logs = EntryLogFiles.load(contestsDir: root.appendingPathComponent("contests"), display: display("contests"),
                                      slugs: Set(contests.map(\.contest.slug)), diags: &diags)
        let packages = DataPackageFolder.load(root: root.appendingPathComponent("data"), display: display("data"), diags: &diags)
        let agreements = SharingFolder.load(root: root.appendingPathComponent("sharing"), display: display("sharing"), config: config,
                                            contests: Set(contests.map(\.contest.slug)), diags: &diags)
        let register = SharingFolder.loadRegister(root: root.appendingPathComponent("sharing"), display: display("sharing"), diags: &diags)
        let signingKey = loadSigningKey(&diags)
        let templates = loadTemplates(&diags)
        let iterations = BacklogLoader(root: root, displayRoot: displayRoot, languages: config.languages).load(&diags)
        pages.sort { ($0.language, $0.weight, $0.name) < ($1.language, $1.weight, $1.name) }
        return SiteContent(config: config, pages: pages, contests: contests, templates: templates,
                           warnings: diags.sorted.filter { $0.severity == .warning }, unrenderedURLs: unrendered,
                           iterations: iterations, results: results, stats: stats, dataPackages: packages, updates: updates,
                           answers: answers, shortlists: shortlists, agreements: agreements, signingKey: signingKey, register: register, entryLogs: logs)
    }

    /// `site.pub` as `compe keys init` wrote it (a comment line, then base64 of `Ed`, an 8-byte
    /// key number and a 32-byte Ed25519 key); nil when there is none.
    func loadSigningKey(_ diags: inout Diagnostics) -> String? {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("site.pub").path),
              let text = readText("site.pub", diags: &diags) else { return nil }
        guard text.hasPrefix(SignifyFile.commentPrefix) else {
            diags.error(SourceLocation(path: display("site.pub"), line: 1, column: 1), "site.pub must start with 'untrusted comment: ' (write it with 'compe keys init')")
            return nil
        }
        guard SignifyFile.publicKey(text) != nil, text.split(separator: "\n").count == 2 else {
            diags.error(SourceLocation(path: display("site.pub"), line: 2, column: 1), "not a signify Ed25519 public key (write it with 'compe keys init')")
            return nil
        }
        return text
    }

    /// Parses one page file again (the dev server's fast path), given by absolute path; nil when
    /// the path is not a page file of this site. The source cache, if any, learns the result.
    public func reloadPage(atPath path: String, config: SiteConfig) -> (page: PageSource?, diagnostics: Diagnostics)? {
        let prefix = root.path + "/pages/"
        guard path.hasPrefix(prefix), path.hasSuffix(".md") else { return nil }
        let file = ContentFile(relative: "pages/" + path.dropFirst(prefix.count), path: path)
        guard let stamp = SourceCache.stamp(path) else { return nil }
        var diags = Diagnostics()
        let page = loadPage(file, config: config, diags: &diags)
        cache?.store([(file.relative, (cacheKey(config) + "|" + stamp, page, diags))])
        return (page, diags)
    }

    /// What a cached parse depends on besides the file: a page parsed under other languages,
    /// draft setting or display root is parsed again.
    func cacheKey(_ config: SiteConfig) -> String {
        "\(config.languages)|\(includeDrafts)|\(displayRoot)"
    }

    /// The URL a page file would have had, for one whose front matter failed to load.
    func guessedURL(ofPage file: ContentFile, config: SiteConfig) -> String? {
        var ignored = Diagnostics()
        let rel = String(file.relative.dropFirst("pages/".count))
        guard let (name, language) = nameAndLanguage(rel, config: config, path: "", diags: &ignored) else { return nil }
        return config.urlPath(name == "index" ? "" : name, language: language)
    }

    // MARK: site.yml

    /// Reads and checks `site.yml` alone (the backlog commands need only its languages and zone).
    public func loadConfig(_ diags: inout Diagnostics) -> SiteConfig? {
        let path = display("site.yml")
        guard let text = readText("site.yml", diags: &diags) else {
            if !diags.hasErrors { diags.error(SourceLocation(path: path), "site.yml is missing: every site needs one (title, base_url, languages, timezone)") }
            return nil
        }
        let source = YAMLSource(path: path)
        guard let node = source.parse(text, into: &diags),
              let f = YAMLFields(node, source: source, context: "site.yml", diags: &diags) else { return nil }
        f.rejectUnknownKeys(allowed: Self.siteKeys, diags: &diags)
        var languages = f.stringList("languages", diags: &diags) ?? ["ja", "en"]
        for (i, lang) in languages.enumerated() where !Self.isLanguageCode(lang) {
            diags.error(f.location(ofKey: "languages"), "languages[\(i)] '\(lang)' is not a language code such as ja or en")
        }
        if languages.isEmpty {
            diags.error(f.location(ofKey: "languages"), "languages must list at least one language")
            languages = ["ja"]
        }
        if Set(languages).count != languages.count {
            diags.error(f.location(ofKey: "languages"), "languages lists a language twice")
        }
        let title = f.localizedString("title", required: true, languages: languages, diags: &diags) ?? [:]
        let description = f.localizedString("description", languages: languages, diags: &diags) ?? [:]
        var baseURL = f.string("base_url", required: true, diags: &diags) ?? "http://localhost:8080"
        if let u = URL(string: baseURL), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil,
           u.path.isEmpty || u.path == "/" {
            while baseURL.hasSuffix("/") { baseURL.removeLast() }
        } else if f.has("base_url") {
            diags.error(source.location(f.value("base_url")),
                        "base_url must be an http(s) URL of the site's root, e.g. https://compe.example.go.jp")
        }
        var timeZone = TimeZone(identifier: "UTC")!
        if let tz = f.string("timezone", diags: &diags) {
            if let zone = TimeZone(identifier: tz), tz.contains("/") || tz == "UTC" {
                timeZone = zone
            } else {
                diags.error(source.location(f.value("timezone")), "timezone '\(tz)' is not an IANA time zone such as Asia/Tokyo")
            }
        }
        var submitURL = f.string("submit_url", diags: &diags) ?? "/api"
        while submitURL.hasSuffix("/") { submitURL.removeLast() }
        if !(submitURL.hasPrefix("/") || submitURL.hasPrefix("https://") || submitURL.hasPrefix("http://")) {
            diags.error(source.location(f.value("submit_url")), "submit_url must be a path such as /api or an http(s) URL")
        }
        let origins = f.stringList("allowed_origins", diags: &diags) ?? []
        for origin in origins {
            if let u = URL(string: origin), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil, u.path.isEmpty {
                continue
            }
            diags.error(f.location(ofKey: "allowed_origins"), "allowed_origins entry '\(origin)' must be an origin like https://example.org (no path)")
        }
        var license = DataLicense.default
        if let id = f.string("data_license", diags: &diags) {
            if let known = DataLicense.known[id] {
                license = known
            } else {
                diags.error(source.location(f.value("data_license")),
                            "data_license '\(id)' is not one compe knows (\(DataLicense.known.keys.sorted().joined(separator: ", ")))")
            }
        }
        var config = SiteConfig(title: title, description: description, baseURL: baseURL, languages: languages,
                                timeZone: timeZone, submitURL: submitURL, allowedOrigins: origins)
        config.dataLicense = license
        if let k = f.int("k", diags: &diags) {
            if k >= 1 { config.k = k } else { diags.error(source.location(f.value("k")), "'k' must be 1 or more (the smallest group published on its own)") }
        }
        return config
    }

    static func isLanguageCode(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    // MARK: pages

    /// A content file found on disk: its path relative to `Content/`.
    struct ContentFile: Sendable {
        var relative: String
        /// Absolute path.
        var path: String
        var url: URL { URL(fileURLWithPath: path) }
    }

    func markdownFiles(under dir: String) -> [ContentFile] {
        let base = root.appendingPathComponent(dir)
        return DirectoryWalk.files(under: base.path).filter { $0.hasSuffix(".md") }.sorted().map {
            ContentFile(relative: dir + "/" + $0, path: base.path + "/" + $0)
        }
    }

    /// Splits `about.en.md` into (`about`, `en`); `about.md` gives the default language.
    func nameAndLanguage(_ fileName: String, config: SiteConfig, path: String, diags: inout Diagnostics) -> (String, String)? {
        var stem = String(fileName.dropLast(3))
        var language = config.defaultLanguage
        if let dot = stem.lastIndex(of: "."), Self.isLanguageCode(String(stem[stem.index(after: dot)...])) {
            let code = String(stem[stem.index(after: dot)...])
            guard config.languages.contains(code) else {
                diags.error(SourceLocation(path: path),
                            "translation language '\(code)' is not in site.yml languages [\(config.languages.joined(separator: ", "))]")
                return nil
            }
            language = code
            stem = String(stem[..<dot])
        }
        return (stem, language)
    }

    func loadPage(_ file: ContentFile, config: SiteConfig, diags: inout Diagnostics) -> PageSource? {
        let path = display(file.relative)
        let relName = String(file.relative.dropFirst("pages/".count))
        guard let (name, language) = nameAndLanguage(relName, config: config, path: path, diags: &diags) else { return nil }
        guard name.split(separator: "/").allSatisfy({ Self.isSlug($0) }) else {
            diags.error(SourceLocation(path: path), "page file names may use only a-z, 0-9, '-' and '_' (they become URLs)")
            return nil
        }
        guard let text = readText(file.relative, diags: &diags) else { return nil }
        // Plain `key: value` front matter is read without libyaml; any problem, or anything
        // else, goes through Yams, whose marks place each message at its line and column.
        var quick = Diagnostics()
        if let page = page(text, name: name, language: language, path: path, config: config, plainYAML: true, diags: &quick),
           quick.all.isEmpty {
            return page
        }
        return self.page(text, name: name, language: language, path: path, config: config, plainYAML: false, diags: &diags)
    }

    /// The page in `text`; with `plainYAML`, nil (and no diagnostic) when its front matter is
    /// not plain `key: value` lines.
    private func page(_ text: String, name: String, language: String, path: String, config: SiteConfig, plainYAML: Bool,
                      diags: inout Diagnostics) -> PageSource? {
        guard let (doc, f) = Self.frontMatter(text, path: path, plainYAML: plainYAML, diags: &diags) else { return nil }
        f.rejectUnknownKeys(allowed: Self.pageKeys, diags: &diags)
        let title = f.string("title", required: true, diags: &diags) ?? ""
        let template = f.string("template", diags: &diags) ?? (name == "index" ? "home" : "page")
        if !knownTemplates.contains(template) {
            diags.error(f.source.location(f.value("template")),
                        "unknown template '\(template)' (known: \(knownTemplates.joined(separator: ", ")))")
        }
        let urlName = name == "index" ? "" : (name.hasSuffix("/index") ? String(name.dropLast(6)) : name)
        return PageSource(path: path, name: name, language: language, title: title,
                          description: f.string("description", diags: &diags) ?? "",
                          draft: f.bool("draft", diags: &diags) ?? false,
                          menu: f.bool("menu", diags: &diags) ?? false,
                          weight: f.int("weight", diags: &diags) ?? 0,
                          template: template, markdown: doc.body, bodyFirstLine: doc.bodyFirstLine,
                          url: config.urlPath(urlName, language: language), digest: Fingerprint.of([path, text]))
    }

    func checkTranslationsHaveOriginals(_ items: [(name: String, language: String, path: String)], config: SiteConfig,
                                        what: String, diags: inout Diagnostics) {
        let originals = Set(items.filter { $0.language == config.defaultLanguage }.map(\.name))
        for item in items where item.language != config.defaultLanguage && !originals.contains(item.name) {
            diags.error(SourceLocation(path: item.path),
                        "translation of a \(what) that has no \(config.defaultLanguage) original: add the default-language file first")
        }
    }

    // MARK: contests

    func loadContests(config: SiteConfig, unrendered: inout Set<String>, resultFiles: inout [ContentFile],
                      statsFiles: inout [ContentFile], shortlistFiles: inout [ContentFile], updates: inout [String: [UpdateSource]],
                      answers: inout [String: [AnswerSource]], diags: inout Diagnostics) -> [ContestSource] {
        let dir = root.appendingPathComponent("contests")
        let fm = FileManager.default
        guard let slugs = try? fm.contentsOfDirectory(atPath: dir.path) else { return [] }
        var files: [ContentFile] = []
        resultFiles = []
        for slug in slugs.sorted() where !slug.hasPrefix(".") {
            var isDir: ObjCBool = false
            let slugURL = dir.appendingPathComponent(slug)
            guard fm.fileExists(atPath: slugURL.path, isDirectory: &isDir), isDir.boolValue else {
                diags.warning(SourceLocation(path: display("contests/\(slug)")), "ignored: contests/ holds one folder per contest")
                continue
            }
            guard Self.isSlug(Substring(slug)) else {
                diags.error(SourceLocation(path: display("contests/\(slug)")),
                            "contest folder '\(slug)' must use only a-z, 0-9, '-' and '_' (it becomes the URL)")
                continue
            }
            let names = (try? fm.contentsOfDirectory(atPath: slugURL.path)) ?? []
            if !names.contains("brief.md") {
                diags.error(SourceLocation(path: display("contests/\(slug)")), "contest '\(slug)' has no brief.md")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let rel = "contests/\(slug)/\(name)"
                if name.hasPrefix("brief.") && name.hasSuffix(".md") {
                    files.append(ContentFile(relative: rel, path: slugURL.path + "/" + name))
                } else if name == "results.md" {
                    resultFiles.append(ContentFile(relative: rel, path: slugURL.path + "/" + name))
                } else if name == "shortlist.md" || (name.hasPrefix("shortlist-") && name.hasSuffix(".md")) {
                    shortlistFiles.append(ContentFile(relative: rel, path: slugURL.path + "/" + name))
                } else if name == "stats.json" {
                    statsFiles.append(ContentFile(relative: rel, path: slugURL.path + "/" + name))
                } else if name == "updates" {
                    updates[slug] = loadUpdates(slug: slug, folder: slugURL.appendingPathComponent("updates"), config: config, diags: &diags)
                } else if name == "questions" {
                    answers[slug] = loadAnswers(slug: slug, folder: slugURL.appendingPathComponent("questions"), config: config, diags: &diags)
                } else if name == "log" {
                    continue   // the published entry log, read by EntryLogFiles
                } else {
                    diags.warning(SourceLocation(path: display(rel)), "ignored: a contest folder holds brief.md, brief.<lang>.md, results.md, shortlist.md, stats.json, updates/, questions/ and log/")
                }
            }
        }
        // Parse every file in parallel, then apply translations over their originals.
        let parsed = ParallelMap.map(files) { file -> (BriefFile?, Diagnostics) in
            var d = Diagnostics()
            return (parseBrief(file, config: config, diags: &d), d)
        }
        var originals: [String: Contest] = [:]
        var briefs: [BriefFile] = []
        for (file, (brief, d)) in zip(files, parsed) {
            diags.append(contentsOf: d.all)
            guard let brief, brief.contest != nil || brief.translation != nil else {
                let slug = String(file.relative.split(separator: "/")[1])
                for lang in config.languages { unrendered.insert(config.urlPath("contests/\(slug)", language: lang)) }
                continue
            }
            briefs.append(brief)
            if brief.language == config.defaultLanguage, let c = brief.contest { originals[brief.slug] = c }
        }
        var out: [ContestSource] = []
        for brief in briefs {
            let contest: Contest
            if let c = brief.contest {
                contest = c
            } else if let original = originals[brief.slug], let t = brief.translation {
                contest = t.apply(to: original, language: brief.language, path: brief.path, diags: &diags)
            } else {
                continue
            }
            if contest.draft && !includeDrafts { continue }
            out.append(ContestSource(path: brief.path, contest: contest, markdown: brief.body, bodyFirstLine: brief.bodyFirstLine,
                                     url: config.urlPath("contests/\(brief.slug)", language: brief.language)))
        }
        // A language without its brief.<lang>.md still has the contest, in the default language's
        // words (marked with that language, and said to be untranslated): a contest never
        // vanishes from one language's site because a file is missing.
        let translated = Set(out.map { "\($0.contest.slug)/\($0.contest.language)" })
        for original in out where original.contest.language == config.defaultLanguage {
            for lang in config.languages where lang != config.defaultLanguage && !translated.contains("\(original.contest.slug)/\(lang)") {
                var contest = original.contest
                contest.language = lang
                var fallback = original
                fallback.contest = contest
                fallback.url = config.urlPath("contests/\(contest.slug)", language: lang)
                fallback.textLanguage = config.defaultLanguage
                out.append(fallback)
            }
        }
        return out.sorted { ($0.contest.opens, $0.contest.slug, $0.contest.language) > ($1.contest.opens, $1.contest.slug, $1.contest.language) }
    }

    /// One parsed brief file: a full contest (default language) or a translation.
    struct BriefFile: Sendable {
        var slug: String
        var language: String
        var path: String
        var contest: Contest?
        var translation: ContestTranslation?
        var body: String
        var bodyFirstLine: Int
    }

    func parseBrief(_ file: ContentFile, config: SiteConfig, diags: inout Diagnostics) -> BriefFile? {
        let path = display(file.relative)
        let parts = file.relative.split(separator: "/")
        let slug = String(parts[1])
        let fileName = String(parts[2])
        guard let (stem, language) = nameAndLanguage(fileName, config: config, path: path, diags: &diags) else { return nil }
        guard stem == "brief" else {
            diags.error(SourceLocation(path: path), "expected brief.md or brief.<lang>.md")
            return nil
        }
        guard let text = readText(file.relative, diags: &diags),
              let (doc, f) = Self.frontMatter(text, path: path, diags: &diags) else { return nil }
        var brief = BriefFile(slug: slug, language: language, path: path, contest: nil, translation: nil,
                              body: doc.body, bodyFirstLine: doc.bodyFirstLine)
        if language == config.defaultLanguage {
            brief.contest = BriefReader(fields: f, slug: slug, language: language).contest(diags: &diags)
        } else {
            if !FileManager.default.fileExists(atPath: file.url.deletingLastPathComponent().appendingPathComponent("brief.md").path) {
                diags.error(SourceLocation(path: path), "translation of a contest that has no brief.md")
                return nil
            }
            brief.translation = BriefReader(fields: f, slug: slug, language: language).translation(diags: &diags)
        }
        return brief
    }

    // MARK: results

    func loadResults(_ file: ContentFile, diags: inout Diagnostics) -> ResultsSource? {
        guard let text = readText(file.relative, diags: &diags) else { return nil }
        return ResultsFile.parse(text, path: display(file.relative), slug: String(file.relative.split(separator: "/")[1]), diags: &diags)
    }

    // MARK: templates

    func loadTemplates(_ diags: inout Diagnostics) -> [String: TemplateSource] {
        let dir = root.appendingPathComponent("templates")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [:] }
        var out: [String: TemplateSource] = [:]
        for file in names.sorted() where !file.hasPrefix(".") {
            let path = display("templates/\(file)")
            guard file.hasSuffix(".mustache") else {
                diags.warning(SourceLocation(path: path), "ignored: templates/ holds <name>.mustache overrides")
                continue
            }
            let name = String(file.dropLast(".mustache".count))
            guard knownTemplates.contains(name) else {
                diags.error(SourceLocation(path: path),
                            "no built-in template named '\(name)' to override (known: \(knownTemplates.joined(separator: ", ")))")
                continue
            }
            if let text = readText("templates/\(file)", diags: &diags) {
                out[name] = TemplateSource(path: path, name: name, text: text)
            }
        }
        return out
    }

    // MARK: helpers

    /// The display path of a file relative to `Content/`.
    public func display(_ relative: String) -> String {
        displayRoot.hasSuffix("/") ? displayRoot + relative : displayRoot + "/" + relative
    }

    func readText(_ relative: String, diags: inout Diagnostics) -> String? {
        guard let data = FileManager.default.contents(atPath: root.path + "/" + relative) else { return nil }
        guard let text = String(validatingUTF8Data: data) else {
            diags.error(SourceLocation(path: display(relative)), "file is not valid UTF-8: save it as UTF-8")
            return nil
        }
        return text
    }

    /// The front matter of `text` as fields and its body; nil (with diagnostics) when it cannot be read.
    /// With `plainYAML`, only plain `key: value` lines are read (nil, without diagnostics, otherwise).
    static func frontMatter(_ text: String, path: String, plainYAML: Bool = false, diags: inout Diagnostics) -> (FrontMatterDocument, YAMLFields)? {
        switch FrontMatterDocument.split(text, path: path) {
        case .failure(let e):
            diags.append(contentsOf: e.diagnostics)
            return nil
        case .success(let doc):
            let source = YAMLSource(path: path, lineOffset: doc.yamlLineOffset)
            guard let node = plainYAML ? PlainYAML.mapping(doc.yaml) : source.parse(doc.yaml, into: &diags),
                  let f = YAMLFields(node, source: source, context: "front matter", diags: &diags) else { return nil }
            return (doc, f)
        }
    }

    static func isSlug(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "_" }
    }
}

extension String {
    /// Decodes UTF-8, returning nil (rather than repairing) when the bytes are invalid.
    init?(validatingUTF8Data data: Data) {
        guard let s = String(data: data, encoding: .utf8) else { return nil }
        self = s
    }
}
