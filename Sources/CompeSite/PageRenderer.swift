import CompeContent
import CompeCore
import Foundation

/// A page to render and the key of what it depends on.
struct RenderJob: Sendable {
    /// Path inside the output directory.
    let path: String
    /// `Fingerprint` of every input of the page.
    let key: String
    /// Renders the page.
    let render: @Sendable () -> OutputFile
}

/// Turns loaded content into output files: Markdown through Discount, then the theme.
struct PageRenderer: Sendable {
    let content: SiteContent
    let theme: Theme
    let now: Date
    let staticFiles: [String]
    let assets: AssetNames
    let dates: DateDisplay
    let entryContests: [String: String]

    /// Menu pages per language, in menu order (computed once, not per page).
    let menus: [String: [PageSource]]
    /// URL paths of each page name / contest slug per language, for switchers and alternates.
    let pageURLs: [String: [String: String]]
    let contestURLs: [String: [String: String]]
    /// The layout's values per language, made once.
    private(set) var chromes: [String: Chrome]

    init(content: SiteContent, theme: Theme, now: Date, staticFiles: [String], assets: AssetNames, entryContests: [String: String]) {
        self.assets = assets
        self.entryContests = entryContests
        self.content = content
        self.theme = theme
        self.now = now
        self.staticFiles = staticFiles
        self.dates = DateDisplay(timeZone: content.config.timeZone)
        var pages: [String: [String: String]] = [:]
        for p in content.pages { pages[p.name, default: [:]][p.language] = p.url }
        var contests: [String: [String: String]] = [:]
        for c in content.contests { contests[c.contest.slug, default: [:]][c.contest.language] = c.url }
        self.pageURLs = pages
        self.contestURLs = contests
        self.menus = Dictionary(grouping: content.pages.filter(\.menu), by: \.language)
            .mapValues { $0.sorted { ($0.weight, $0.title) < ($1.weight, $1.title) } }
        self.chromes = [:]
        var chromes: [String: Chrome] = [:]
        for lang in content.config.languages { chromes[lang] = chrome(lang) }
        self.chromes = chromes
    }

    var config: SiteConfig { content.config }

    /// Every output file of the site.
    func renderAll() -> [OutputFile] {
        let jobs = jobs()
        return ParallelMap.map(jobs) { $0.render() } + renderGenerated()
    }

    /// One render per page, list and backlog page, each with the key of everything it shows:
    /// the page's source, its templates, the site chrome of its language, and for lists the
    /// front matter of their members. An unchanged key means unchanged output.
    func jobs() -> [RenderJob] {
        let keys = JobKeys(self)
        var jobs: [RenderJob] = []
        func add(_ lang: String, _ path: String, _ parts: [String], _ render: @escaping @Sendable () -> OutputFile) {
            jobs.append(RenderJob(path: path, key: Fingerprint.of([keys.chrome[lang] ?? ""] + parts), render: render))
        }
        let cards = keys.cards
        jobs += ParallelMap.map(content.pages) { pageJob($0, keys) }
        for source in content.contests {
            let c = source.contest
            add(c.language, OutputFile.path(forURL: source.url),
                [theme.key("contest"), Fingerprint.stableText(source), c.phase(at: now).rawValue + "\(c.takesQuestions(at: now))",
                 SharingAgreement.consentOffers(content.agreements, contest: c.slug, at: now).map { "\($0.id):\($0.version)" }.joined(separator: ",")
                    + "\(content.hasSharingRegister)" + (content.entryLogs[c.slug]?.finalHead.map { "\($0.size) \($0.root) \($0.time)" } ?? ""),
                 "\(content.results[c.slug] != nil)", "\(content.stats[c.slug] != nil)", Fingerprint.stableText(content.publishedShortlists(c.slug).map(\.stage)), Fingerprint.stableText(content.updates(c.slug, language: c.language)),
                 Fingerprint.stableText(content.answers(c.slug, language: c.language).prefix(Self.answersOnContestPage)),
                 Fingerprint.stableText(contestURLs[c.slug] ?? [:])]) { renderContest(source) }
        }
        for lang in config.languages {
            add(lang, OutputFile.path(forURL: config.urlPath("contests", language: lang)), [theme.key("contests"), cards[lang] ?? ""]) {
                renderContestList(lang)
            }
        }
        for source in content.contests {
            guard let results = content.results[source.contest.slug] else { continue }
            add(source.contest.language, OutputFile.path(forURL: source.url + "results/"),
                [theme.key("results"), Fingerprint.stableText(source), Fingerprint.stableText(results),
                 Fingerprint.stableText(contestURLs[source.contest.slug] ?? [:])]) { renderResults(source) }
        }
        for source in content.contests {
            let shortlists = content.publishedShortlists(source.contest.slug)
            guard !shortlists.isEmpty else { continue }
            add(source.contest.language, OutputFile.path(forURL: source.url + "shortlist/"),
                [theme.key("shortlist"), Fingerprint.stableText(source), Fingerprint.stableText(shortlists),
                 Fingerprint.stableText(contestURLs[source.contest.slug] ?? [:])]) { renderShortlist(source) }
        }
        for source in content.contests {
            let answers = content.answers(source.contest.slug, language: source.contest.language)
            guard !answers.isEmpty else { continue }
            add(source.contest.language, OutputFile.path(forURL: source.url + "questions/"),
                [theme.key("questions"), Fingerprint.stableText(source), Fingerprint.stableText(answers), "\(source.contest.takesQuestions(at: now))",
                 Fingerprint.stableText(contestURLs[source.contest.slug] ?? [:])]) { renderAnswers(source) }
        }
        for source in content.contests {
            guard let stats = content.stats[source.contest.slug] else { continue }
            add(source.contest.language, OutputFile.path(forURL: source.url + "stats/"),
                [theme.key("stats"), Fingerprint.stableText(source), Fingerprint.stableText(stats.stats),
                 Fingerprint.stableText(contestURLs[source.contest.slug] ?? [:])]) { renderStats(source) }
        }
        if content.hasDataCatalog {
            let packages = Fingerprint.stableText(content.dataPackages) + (content.signingKey ?? "") + "\(content.hasSharingRegister)"
            for lang in config.languages {
                add(lang, OutputFile.path(forURL: config.urlPath("data", language: lang)), [theme.key("data"), packages]) { renderDataCatalog(lang) }
            }
        }
        if content.hasSharingRegister {
            let today = DateParsing.ymd(DateParsing.today(in: config.timeZone, now: now))
            let lines = Fingerprint.stableText(SharingRegister.lines(agreements: content.agreements, register: content.register))
                + "\(content.register != nil)" + Fingerprint.stableText(content.contests.map { [$0.contest.slug, $0.contest.language, $0.contest.title] })
            for lang in config.languages {
                add(lang, OutputFile.path(forURL: sharingURL(lang)), [theme.key("sharing"), lines, today]) { renderSharingRegister(lang) }
            }
        }
        if !content.iterations.isEmpty {
            let backlog = Fingerprint.stableText(content.iterations)
            let today = DateParsing.ymd(DateParsing.today(in: config.timeZone, now: now))
            let links = Fingerprint.stableText(entryContests) + Fingerprint.stableText(contestURLs)
            for lang in config.languages {
                add(lang, OutputFile.path(forURL: config.urlPath("backlog", language: lang)), [theme.key("backlog"), backlog]) {
                    renderBacklog(lang)
                }
                for it in content.iterations {
                    add(lang, OutputFile.path(forURL: config.urlPath("backlog/\(it.slug)", language: lang)),
                        [theme.key("iteration"), Fingerprint.stableText(it), today, links]) { renderIteration(it, lang) }
                }
            }
        }
        return jobs
    }

    /// Keys shared by many jobs, computed once per build.
    struct JobKeys {
        var chrome: [String: String] = [:]
        var cards: [String: String] = [:]
        var templates: [String: String] = [:]
        var translations: [String: String] = [:]

        init(_ r: PageRenderer) {
            for lang in r.config.languages {
                chrome[lang] = r.chromeKey(lang)
                cards[lang] = Fingerprint.stableText(r.contestCards(lang))
            }
            for name in Theme.templateNames { templates[name] = Fingerprint.of([r.theme.key(name)]) }
            translations = r.pageURLs.mapValues { urls in urls.keys.sorted().map { "\($0)=\(urls[$0]!)" }.joined(separator: " ") }
        }
    }

    /// The job of one Markdown page: its file, its template (and partials), its translations'
    /// URLs, its language's chrome, and on a home page the contest cards.
    func pageJob(_ page: PageSource, _ keys: JobKeys) -> RenderJob {
        let home = page.template == "home" ? keys.cards[page.language] ?? "" : ""
        return RenderJob(path: OutputFile.path(forURL: page.url),
                         key: Fingerprint.of([keys.chrome[page.language] ?? "", keys.templates[page.template] ?? "", page.digest,
                                              keys.translations[page.name] ?? "", home])) { renderPage(page) }
    }

    /// What every page of `lang` shows around its body: settings, menu, stylesheets and scripts,
    /// the backlog link, and the layout template (plus the program that renders it all).
    /// The key of everything a page of `lang` shows around its own content: made from the same
    /// values `base` puts on the page (`chrome(_:)`), so what the layout shows cannot be left
    /// out of the key (a menu item that appears when a data package is added, say).
    func chromeKey(_ lang: String) -> String {
        let c = chrome(lang)
        return Fingerprint.of([Fingerprint.generator, lang, theme.key("layout"), configKey,
                               Fingerprint.stableText(c.nav.map { [$0.title, $0.url, "\($0.section)"] }),
                               c.stylesheets.joined(separator: "\n"), c.scripts.joined(separator: "\n"), c.themeStylesheet,
                               c.siteTitle, c.siteDescription, c.homeURL, c.feedURL])
    }

    /// What the layout shows on every page of one language: the navigation, the site's title
    /// and description, its stylesheets and scripts. `base` and `chromeKey` both read it.
    struct Chrome {
        /// A navigation item; `section`: current on every page under its URL, not only its own.
        var nav: [(title: String, url: String, section: Bool)]
        var siteTitle: String
        var siteDescription: String
        var homeURL: String
        var feedURL: String
        var themeStylesheet: String
        var stylesheets: [String]
        var scripts: [String]
    }

    func chrome(_ language: String) -> Chrome {
        let t = UIStrings.text(for: language)
        var nav: [(title: String, url: String, section: Bool)] = (menus[language] ?? []).map { ($0.title, $0.url, false) }
        nav.append((t[.contests], config.urlPath("contests", language: language), false))
        if !content.iterations.isEmpty { nav.append((t[.backlog], config.urlPath("backlog", language: language), true)) }
        if content.hasDataCatalog { nav.append((t[.openData], config.urlPath("data", language: language), false)) }
        return Chrome(nav: nav, siteTitle: config.title(in: language), siteDescription: config.description(in: language),
                      homeURL: config.urlPath("", language: language), feedURL: config.urlPath("", language: language) + "feed.xml",
                      themeStylesheet: assets.url(AssetNames.themeStylesheet),
                      stylesheets: staticFiles.filter { $0.hasPrefix("css/") && $0.hasSuffix(".css") }.map(assets.url),
                      scripts: staticFiles.filter { $0.hasPrefix("js/") && $0.hasSuffix(".js") }.map(assets.url))
    }

    /// `site.yml` as text (the time zone by name: its object's fields are not stable text).
    var configKey: String {
        Fingerprint.stableText([config.title, config.description, config.baseURL, config.languages, config.timeZone.identifier,
                                config.submitURL, config.allowedOrigins] as [Any])
    }

    /// The small files made from the whole site (feeds, 404, sitemap, stylesheet): cheap, so
    /// always rendered; the writer still skips them when their bytes did not change.
    func renderGenerated() -> [OutputFile] {
        var files: [OutputFile] = []
        for lang in config.languages { files.append(renderFeed(lang)) }
        files.append(renderNotFound())
        files.append(renderSitemap())
        files += statsDownloads() + dataPackageFiles() + sharingRegisterFile() + entryLogFiles() + resultsFiles()
        if let key = content.signingKey { files.append(OutputFile(path: "data/site.pub", text: key)) }
        files.append(OutputFile(path: AssetNames.themeStylesheet, text: Theme.stylesheet))
        if let name = assets.names[AssetNames.themeStylesheet] { files.append(OutputFile(path: name, text: Theme.stylesheet)) }
        return files
    }

    /// Each contest's published log at `/contests/<slug>/log/`, as committed, with the site's
    /// public key beside it.
    func entryLogFiles() -> [OutputFile] {
        content.entryLogs.values.sorted { $0.slug < $1.slug }.flatMap { log -> [OutputFile] in
            var files = [OutputFile(path: "contests/\(log.slug)/log/\(EntryLogFiles.headsName)", bytes: [UInt8](log.headsData)),
                         OutputFile(path: "contests/\(log.slug)/log/\(EntryLogFiles.leavesName)", bytes: [UInt8](log.leavesData)),
                         OutputFile(path: "contests/\(log.slug)/log/\(EntryLogFiles.eventsName)", bytes: [UInt8](log.eventsData))]
            if let key = content.signingKey { files.append(OutputFile(path: "contests/\(log.slug)/log/site.pub", text: key)) }
            return files
        }
    }

    /// Each contest's results for programs at `/contests/<slug>/results.json` (beside `log/`, in
    /// no language's folder: the numbers are the same in every language).
    func resultsFiles() -> [OutputFile] {
        content.results.values.sorted { $0.slug < $1.slug }.compactMap { results in
            (try? ResultsFile.json(results)).map { OutputFile(path: "contests/\(results.slug)/results.json", bytes: [UInt8]($0)) }
        }
    }

    // MARK: pages

    func renderPage(_ page: PageSource) -> OutputFile {
        var ctx = base(language: page.language, url: page.url, title: page.title, description: page.description,
                       translations: pageURLs[page.name] ?? [:])
        ctx["content"] = .bytes(Markdown.htmlBytes(page.markdown, trust: .trusted))
        if page.template == "home" {
            let cards = contestCards(page.language)
            ctx["contests"] = .objects(cards)
            ctx["has_contests"] = .bool(!cards.isEmpty)
        }
        return OutputFile(path: OutputFile.path(forURL: page.url), bytes: wrap(page.template, ctx),
                          origin: .init(path: page.path, markdown: page.markdown, bodyFirstLine: page.bodyFirstLine, template: page.template))
    }

    func renderContest(_ source: ContestSource) -> OutputFile {
        let c = source.contest
        let lang = c.language
        let t = UIStrings.text(for: lang)
        var ctx = base(language: lang, url: source.url, title: c.title, description: c.description,
                       translations: contestURLs[c.slug] ?? [:])
        ctx.merge(contestSummary(c, url: source.url, textLanguage: source.textLanguage)) { _, new in new }
        ctx["untranslated"] = .bool(source.textLanguage != nil)
        ctx["content"] = .bytes(Markdown.htmlBytes(source.markdown, trust: .trusted))
        ctx["opens_utc"] = .text(dates.utc(c.opens))
        ctx["closes_utc"] = .text(dates.utc(c.closes))
        ctx["timezone"] = .text(dates.zoneLabel(at: c.closes))
        ctx["prizes"] = .texts(c.prizes)
        ctx["has_prizes"] = .bool(!c.prizes.isEmpty)
        ctx["team_size"] = .text(EntryFormView.teamSize(c.teamSize, t: t))
        ctx["criteria"] = .objects(c.criteria.map { cr in
            ["id": .text(cr.id), "name": .text(cr.name), "weight": .int(cr.weight), "scale_min": .int(cr.scaleMin),
             "scale_max": .int(cr.scaleMax), "rubric": .text(cr.rubric)]
        })
        ctx["judges_per_entry"] = .int(c.judging.judgesPerEntry)
        ctx["blind"] = .bool(c.judging.blind)
        ctx["form_action"] = "\(config.submitURL)/contests/\(c.slug)/entries"
        ctx["upload_action"] = .text("\(config.submitURL)/uploads/")
        if c.takesQuestions(at: now), case .until(let end) = c.questions {
            ctx["questions_open"] = .bool(true)
            ctx["question_action"] = .text("\(config.submitURL)/contests/\(c.slug)/questions")
            ctx["questions_close_iso"] = .text(UTCTimestamp.format(end, milliseconds: false))
            ctx["questions_close_local"] = .text(dates.local(end, language: lang))
            ctx["question_languages"] = .objects(config.languages.map { l in
                ["code": .text(l), "name": .text(UIStrings.languageName(l)), "selected": .bool(l == lang)]
            })
        }
        ctx["contest_slug"] = .text(c.slug)
        ctx["recover_action"] = .text("\(config.submitURL)/contests/\(c.slug)/recover")
        ctx["has_results"] = .bool(content.results[c.slug] != nil)
        ctx["has_stats"] = .bool(content.stats[c.slug] != nil)
        ctx.merge(stageTimeline(c, url: source.url)) { _, new in new }
        let answers = content.answers(c.slug, language: lang)
        ctx["has_answers"] = .bool(!answers.isEmpty)
        ctx["answers"] = .objects(answers.prefix(Self.answersOnContestPage).map(answerContext))
        ctx["more_answers"] = .bool(answers.count > Self.answersOnContestPage)
        ctx["answers_url"] = .text(source.url + "questions/")
        ctx["answer_level"] = .text("3")   // under the section's h2
        let updates = content.updates(c.slug, language: lang)
        ctx["has_updates"] = .bool(!updates.isEmpty)
        ctx["updates"] = .objects(updates.map { u in
            ["anchor": .text(u.anchor), "day": .text(u.day), "title": .text(u.title), "html": .bytes(Markdown.htmlBytes(u.markdown, trust: .trusted))]
        })
        ctx["stats_url"] = .text(source.url + "stats/")
        ctx["results_url"] = .text(source.url + "results/")
        ctx["accept"] = .text(EntryFormView.accept(c.uploads.types))
        ctx["max_files"] = .int(c.uploads.maxFiles)
        ctx["max_file_mb"] = .int(c.uploads.maxFileMB)
        ctx["files_help"] = .text(EntryFormView.filesHelp(c.uploads, t: t))
        if let head = content.entryLogs[c.slug]?.finalHead {
            ctx["entry_log"] = .object(["url": .text("/contests/\(c.slug)/log/"), "size": .text(String(head.size)), "root": .text(head.root),
                                        "time": .text(head.time)])
        }
        ctx["fields"] = .objects(EntryFormView.fields(.submit, contest: c, t: t, offers: SharingAgreement.consentOffers(content.agreements, contest: c.slug, at: now)))
        if content.hasSharingRegister { ctx["register_url"] = .text(sharingURL(lang)) }
        return OutputFile(path: OutputFile.path(forURL: source.url), bytes: wrap("contest", ctx),
                          origin: .init(path: source.path, markdown: source.markdown, bodyFirstLine: source.bodyFirstLine, template: "contest"))
    }

    func renderContestList(_ lang: String) -> OutputFile {
        let url = config.urlPath("contests", language: lang)
        var translations: [String: String] = [:]
        for l in config.languages { translations[l] = config.urlPath("contests", language: l) }
        let t = UIStrings.text(for: lang)
        var ctx = base(language: lang, url: url, title: t[.contests], description: "", translations: translations)
        let cards = contestCards(lang)
        ctx["contests"] = .objects(cards)
        ctx["has_contests"] = .bool(!cards.isEmpty)
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("contests", ctx))
    }

    func renderNotFound() -> OutputFile {
        let lang = config.defaultLanguage
        var ctx = base(language: lang, url: "/404.html", title: UIStrings.text(for: lang)[.notFoundTitle], description: "", translations: [:])
        ctx["messages"] = .objects(config.languages.map { l in
            let t = UIStrings.text(for: l)
            return ["lang": .text(l), "title": .text(t[.notFoundTitle]), "text": .text(t[.notFoundText]),
                    "home_label": .text(t[.home]), "home_url": .text(config.urlPath("", language: l))]
        })
        return OutputFile(path: "404.html", bytes: wrap("404", ctx))
    }

    func renderFeed(_ lang: String) -> OutputFile {
        var entries = content.contests.filter { $0.contest.language == lang }.map { s in
            (title: s.contest.title, url: s.url, summary: s.contest.description,
             published: dates.iso(s.contest.opens), updated: dates.iso(s.contest.opens))
        }
        // Each contest's updates, dated at the start of their day in the site's time zone.
        for s in content.contests where s.contest.language == lang {
            for u in content.updates(s.contest.slug, language: lang) {
                guard let day = DateParsing.day(u.day) else { continue }
                let start = day.addingTimeInterval(-TimeInterval(config.timeZone.secondsFromGMT(for: day)))
                entries.append((title: "\(s.contest.title): \(u.title)", url: s.url + "#" + u.anchor, summary: PlainText.clean(u.markdown),
                                published: dates.iso(start), updated: dates.iso(start)))
            }
        }
        // Each published answer, dated at the start of the day it was answered.
        for s in content.contests where s.contest.language == lang {
            for a in content.answers(s.contest.slug, language: lang) {
                guard let day = DateParsing.day(a.answered) else { continue }
                let start = day.addingTimeInterval(-TimeInterval(config.timeZone.secondsFromGMT(for: day)))
                entries.append((title: "\(s.contest.title): \(a.code) \(a.question)", url: s.url + "questions/#" + a.anchor,
                                summary: PlainText.clean(a.markdown), published: dates.iso(start), updated: dates.iso(start)))
            }
        }
        entries.sort { $0.updated > $1.updated }
        let feedURL = config.urlPath("", language: lang) + "feed.xml"
        return OutputFile(path: String(feedURL.dropFirst()),
                          text: Feeds.atom(title: config.title(in: lang), language: lang, feedURL: feedURL,
                                           homeURL: config.urlPath("", language: lang), baseURL: config.baseURL, entries: entries))
    }

    func renderSitemap() -> OutputFile {
        var entries: [(url: String, alternates: [(lang: String, url: String)])] = []
        func alternates(_ urls: [String: String]) -> [(lang: String, url: String)] {
            config.languages.compactMap { l in urls[l].map { (lang: l, url: $0) } }
        }
        for p in content.pages { entries.append((p.url, alternates(pageURLs[p.name] ?? [:]))) }
        for c in content.contests { entries.append((c.url, alternates(contestURLs[c.contest.slug] ?? [:]))) }
        for c in content.contests where !(content.answers[c.contest.slug] ?? []).isEmpty {
            entries.append((c.url + "questions/", alternates((contestURLs[c.contest.slug] ?? [:]).mapValues { $0 + "questions/" })))
        }
        for c in content.contests where content.stats[c.contest.slug] != nil {
            entries.append((c.url + "stats/", alternates((contestURLs[c.contest.slug] ?? [:]).mapValues { $0 + "stats/" })))
        }
        var lists = ["contests"]
        if content.hasDataCatalog { lists.append("data") }
        if !content.iterations.isEmpty { lists += ["backlog"] + content.iterations.map { "backlog/\($0.slug)" } }
        for list in lists {
            let urls = Dictionary(uniqueKeysWithValues: config.languages.map { ($0, config.urlPath(list, language: $0)) })
            for l in config.languages { entries.append((config.urlPath(list, language: l), alternates(urls))) }
        }
        return OutputFile(path: "sitemap.xml", text: Feeds.sitemap(pages: entries, baseURL: config.baseURL))
    }

    // MARK: results

    func renderResults(_ source: ContestSource) -> OutputFile {
        let c = source.contest, lang = c.language
        let t = UIStrings.text(for: lang)
        let results = content.results[c.slug]!
        let url = source.url + "results/"
        var translations: [String: String] = [:]
        for (l, u) in contestURLs[c.slug] ?? [:] { translations[l] = u + "results/" }
        var ctx = base(language: lang, url: url, title: "\(t[.results]): \(c.title)", description: c.description, translations: translations)
        ctx["contest_url"] = .text(source.url)
        ctx["contest_title"] = .text(c.title)
        ctx["published"] = .text(results.published)
        ctx["alpha"] = .text(results.alpha.map { String(format: "%.3f", $0) } ?? "–")
        ctx["alpha_reading"] = .text(t.reading(Ranking.Agreement(alpha: results.alpha)))
        ctx["content"] = .bytes(Markdown.htmlBytes(results.markdown, trust: .trusted))
        let winners = results.rows.filter { $0.title != nil }
        ctx["has_winners"] = .bool(!winners.isEmpty)
        ctx["winners"] = .objects(winners.map { ["id": .text($0.id), "title": .text($0.title ?? ""), "team": .text($0.team ?? "")] })
        ctx["rows"] = .objects(results.rows.map { r in
            ["id": .text(r.id), "rank": .int(r.rank), "rank_low": .int(r.rankLow), "rank_high": .int(r.rankHigh),
             "corrected": .text(String(format: "%.2f", r.corrected)), "raw_mean": .text(String(format: "%.2f", r.rawMean)),
             "judges": .int(r.judges), "title": .text(r.title ?? ""), "has_title": .bool(r.title != nil)]
        })
        ctx["chart_svg"] = .text(Charts.ranks(results.rows, t: t))
        ctx["has_stages"] = .bool(!results.stages.isEmpty)
        ctx["stages"] = .objects(results.stages.map { s in
            let closes = UTCTimestamp.parse(s.closes)
            return ["name": .text(c.stage(s.id)?.name ?? s.id), "closes_local": .text(closes.map { dates.local($0, language: lang) } ?? s.closes),
                    "closes_iso": .text(s.closes), "entries": .int(s.entries)]
        })
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("results", ctx),
                          origin: .init(path: results.path, markdown: results.markdown, bodyFirstLine: results.bodyFirstLine, template: "results"))
    }

    // MARK: stages

    /// The contest page's stage timeline: every stage with its deadline, the one being judged
    /// marked (the first whose shortlist is not published; none once the results are out).
    func stageTimeline(_ c: Contest, url: String) -> TemplateContext {
        let published = Set(content.publishedShortlists(c.slug).map(\.stage))
        let finished = content.results[c.slug] != nil
        let current = finished ? nil : c.stages.first { !published.contains($0.id) }?.id
        return [
            "staged": .bool(c.isStaged),
            "has_shortlist": .bool(!published.isEmpty),
            "shortlist_url": .text(url + "shortlist/"),
            "stages": .objects(c.stages.map { s in
                ["name": .text(s.name), "closes_local": .text(dates.local(s.closes, language: c.language)), "closes_iso": .text(dates.iso(s.closes)),
                 "current": .bool(s.id == current), "done": .bool(published.contains(s.id) || (finished && s.id == c.stages.last?.id))]
            }),
        ]
    }

    /// How many answers the contest page shows (the latest); the questions page has them all.
    static let answersOnContestPage = 5

    /// What the templates show of one answer.
    func answerContext(_ a: AnswerSource) -> TemplateContext {
        ["anchor": .text(a.anchor), "code": .text(a.code), "question": .text(a.question), "asked": .text(a.asked),
         "answered": .text(a.answered), "html": .bytes(Markdown.htmlBytes(a.markdown, trust: .trusted))]
    }

    /// `/contests/<slug>/questions/`: every published answer of the contest, newest first.
    func renderAnswers(_ source: ContestSource) -> OutputFile {
        let c = source.contest, lang = c.language
        let t = UIStrings.text(for: lang)
        let answers = content.answers(c.slug, language: lang)
        let url = source.url + "questions/"
        var translations: [String: String] = [:]
        for (l, u) in contestURLs[c.slug] ?? [:] { translations[l] = u + "questions/" }
        var ctx = base(language: lang, url: url, title: "\(t[.answers]): \(c.title)", description: t[.answersLead], translations: translations)
        ctx["contest_url"] = .text(source.url)
        ctx["contest_title"] = .text(c.title)
        ctx["answers"] = .objects(answers.map(answerContext))
        ctx["answer_level"] = .text("2")   // right under the page's h1
        ctx["questions_open"] = .bool(c.takesQuestions(at: now))
        let latest = answers[0]
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("questions", ctx),
                          origin: .init(path: latest.path, markdown: latest.markdown, bodyFirstLine: latest.bodyFirstLine, template: "questions"))
    }

    func renderShortlist(_ source: ContestSource) -> OutputFile {
        let c = source.contest, lang = c.language
        let t = UIStrings.text(for: lang)
        let shortlists = content.publishedShortlists(c.slug)
        let url = source.url + "shortlist/"
        var translations: [String: String] = [:]
        for (l, u) in contestURLs[c.slug] ?? [:] { translations[l] = u + "shortlist/" }
        var ctx = base(language: lang, url: url, title: "\(t[.shortlist]): \(c.title)", description: c.description, translations: translations)
        ctx["contest_url"] = .text(source.url)
        ctx["contest_title"] = .text(c.title)
        ctx["shortlists"] = .objects(shortlists.map { s in
            ["stage": .text(c.stage(s.stage)?.name ?? s.stage), "next": .text(c.stage(s.next)?.name ?? s.next), "anchor": .text(s.stage),
             "published": .text(s.published ?? ""), "content": .bytes(Markdown.htmlBytes(s.markdown, trust: .trusted)),
             "rows": .objects(s.rows.map { ["id": .text($0.id), "title": .text($0.title), "team": .text($0.team)] })]
        })
        let last = shortlists[shortlists.count - 1]
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("shortlist", ctx),
                          origin: .init(path: last.path, markdown: last.markdown, bodyFirstLine: last.bodyFirstLine, template: "shortlist"))
    }

    // MARK: backlog

    /// The same URL path in every language (lists and backlog pages exist in all of them).
    func everyLanguage(_ path: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: config.languages.map { ($0, config.urlPath(path, language: $0)) })
    }

    func localized(_ text: [String: String], _ lang: String) -> String { text[lang] ?? text[config.defaultLanguage] ?? "" }

    func period(_ it: Iteration) -> String { "\(DateParsing.ymd(it.start)) – \(DateParsing.ymd(it.end))" }

    func renderBacklog(_ lang: String) -> OutputFile {
        let t = UIStrings.text(for: lang)
        let url = config.urlPath("backlog", language: lang)
        var ctx = base(language: lang, url: url, title: t[.backlog], description: "", translations: everyLanguage("backlog"))
        let rows = Velocity.rows(content.iterations)
        ctx["velocity_svg"] = .text(Charts.velocity(rows, t: t))
        ctx["velocity"] = .objects(rows.map { ["number": .int($0.number), "committed": .int($0.committed), "completed": .int($0.completed),
                                               "average": .text(String(format: "%.1f", $0.rollingAverage))] })
        ctx["iterations"] = .objects(content.iterations.map { it in
            ["number": .int(it.number), "title": .text(localized(it.title, lang)),
             "url": .text(config.urlPath("backlog/\(it.slug)", language: lang)), "period": .text(period(it)),
             "capacity": .text(it.capacity.map(String.init) ?? "–"), "committed": .int(it.committed), "completed": .int(it.completed)]
        })
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("backlog", ctx))
    }

    func renderIteration(_ it: Iteration, _ lang: String) -> OutputFile {
        let t = UIStrings.text(for: lang)
        let url = config.urlPath("backlog/\(it.slug)", language: lang)
        var ctx = base(language: lang, url: url, title: "#\(it.number) \(localized(it.title, lang))", description: localized(it.goal, lang),
                       translations: everyLanguage("backlog/\(it.slug)"))
        ctx["backlog_url"] = .text(config.urlPath("backlog", language: lang))
        ctx["goal"] = .text(localized(it.goal, lang))
        ctx["has_goal"] = .bool(!localized(it.goal, lang).isEmpty)
        ctx["has_capacity"] = .bool(it.capacity != nil)
        ctx["period"] = .text(period(it))
        ctx["capacity"] = .text(it.capacity.map(String.init) ?? "")
        ctx["committed"] = .int(it.committed)
        ctx["completed"] = .int(it.completed)
        ctx["added"] = .int(it.added)
        let today = DateParsing.today(in: config.timeZone, now: now)
        let burndown = it.burndown(today: today)
        ctx["burndown_svg"] = .text(Charts.burndown(burndown, days: it.days, t: t))
        ctx["burndown"] = .objects(burndown.days.enumerated().map { i, d in
            ["day": .text(DateParsing.ymd(d.date)), "scope": .int(d.scope), "remaining": .int(d.remaining),
             "ideal": .text(String(format: "%.1f", burndown.ideal[i].points))]
        })
        ctx["columns"] = .objects(BacklogItem.Status.allCases.map { status in
            let items = it.items.filter { $0.status == status }
            return ["status": .text(status.rawValue), "label": .text(t.status(status)),
                    "points": .int(items.reduce(0) { $0 + $1.points }), "items": .objects(items.map { item($0, lang) })]
        })
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("iteration", ctx))
    }

    func item(_ item: BacklogItem, _ lang: String) -> TemplateContext {
        var entryURL = ""
        if let entry = item.entry {
            let parts = entry.split(separator: "/")
            let slug = parts.count == 2 ? String(parts[0]) : entryContests[entry]
            if let slug, let urls = contestURLs[slug] {
                entryURL = urls[lang] ?? urls[config.defaultLanguage] ?? ""   // the translation when there is one
            }
        }
        return ["id": .text(item.id), "title": .text(item.title), "points": .int(item.points), "owner": .text(item.owner ?? ""),
                "labels": .texts(item.labels), "has_labels": .bool(!item.labels.isEmpty),
                "checklist": "\(item.checklist.done)/\(item.checklist.total)", "has_checklist": .bool(item.checklist.total > 0),
                "entry": .text(item.entry.map { String($0.split(separator: "/").last!) } ?? ""),
                "entry_url": .text(entryURL), "has_entry": .bool(item.entry != nil), "has_entry_url": .bool(!entryURL.isEmpty),
                "has_owner": .bool(item.owner != nil), "body": .bytes(Markdown.htmlBytes(item.body, trust: .trusted))]
    }

    // MARK: context

    /// The context every template shares: language, site, navigation, switcher, assets.
    func base(language: String, url: String, title: String, description: String, translations: [String: String]) -> TemplateContext {
        let c = chromes[language] ?? chrome(language)
        let nav: [TemplateContext] = c.nav.map {
            ["title": .text($0.title), "url": .text($0.url), "current": .bool($0.section ? url.hasPrefix($0.url) : $0.url == url)]
        }
        let switched = config.languages.compactMap { l in translations[l].map { (lang: l, url: $0) } }
        let switcher: [TemplateContext] = switched.map {
            ["lang": .text($0.lang), "label": .text(UIStrings.languageName($0.lang)), "url": .text($0.url), "current": .bool($0.lang == language)]
        }
        let alternates: [TemplateContext] = switched.map { ["lang": .text($0.lang), "absolute": .text(config.baseURL + $0.url)] }
        return [
            "lang": .text(language),
            "t": UIStrings.value(for: language),
            "site_title": .text(c.siteTitle),
            "site_description": .text(c.siteDescription),
            "page_title": .text(title),
            "description": .text(description.isEmpty ? c.siteDescription : description),
            "canonical": .text(config.baseURL + url),
            "home_url": .text(c.homeURL),
            "feed_url": .text(c.feedURL),
            "nav": .objects(nav),
            "switcher": .objects(switcher),
            "has_switcher": .bool(switcher.count > 1),
            "alternates": .objects(switcher.count > 1 ? alternates : []),
            "theme_stylesheet": .text(c.themeStylesheet),
            "stylesheets": .objects(c.stylesheets.map { ["url": .text($0)] }),
            "scripts": .objects(c.scripts.map { ["url": .text($0)] }),
        ]
    }

    /// Card data for the contests of one language, open ones first, then by deadline.
    func contestCards(_ lang: String) -> [TemplateContext] {
        let order: [Contest.Phase: Int] = [.open: 0, .upcoming: 1, .closed: 2]
        return content.contests.filter { $0.contest.language == lang }
            .sorted { (order[$0.contest.phase(at: now)]!, $0.contest.closes) < (order[$1.contest.phase(at: now)]!, $1.contest.closes) }
            .map { contestSummary($0.contest, url: $0.url, textLanguage: $0.textLanguage) }
    }

    /// Title, phase and dates of a contest, for cards and the contest page. `textLanguage`: the
    /// language of the contest's words when its brief is not translated (`lang` on the text).
    func contestSummary(_ c: Contest, url: String, textLanguage: String? = nil) -> TemplateContext {
        let phase = c.phase(at: now)
        let t = UIStrings.text(for: c.language)
        return [
            "text_lang": textLanguage.map { .text($0) } ?? false,
            "title": .text(c.title), "url": .text(url), "description": .text(c.description), "slug": .text(c.slug),
            "phase": .text(phase.rawValue), "phase_label": .text(t.phase(phase)),
            "is_open": .bool(phase == .open), "is_upcoming": .bool(phase == .upcoming), "is_closed": .bool(phase == .closed),
            "opens_local": .text(dates.local(c.opens, language: c.language)), "opens_iso": .text(dates.iso(c.opens)),
            "closes_local": .text(dates.local(c.closes, language: c.language)), "closes_iso": .text(dates.iso(c.closes)),
        ]
    }

    /// Renders `template` as the body and wraps it in `layout`.
    func wrap(_ template: String, _ context: TemplateContext) -> [UInt8] {
        var ctx = context
        ctx["body"] = .bytes(theme.renderBytes(template, context))
        return theme.renderBytes("layout", ctx)
    }
}
