import CompeContent
import CompeCore
import Foundation
import Synchronization

/// What `compe build` needs to know.
public struct BuildOptions: Sendable {
    /// `Content/`.
    public var content: URL
    /// How to show content paths in messages.
    public var contentDisplay: String
    /// `Static/` (may not exist).
    public var staticDir: URL
    /// `Public/`.
    public var output: URL
    /// Build pages marked `draft: true`.
    public var includeDrafts: Bool
    /// The moment that decides whether a contest is open (the build's clock by default).
    public var now: Date
    /// Contest slug of each known entry code (from `Data/`), so backlog items naming an entry link to its contest.
    public var entryContests: [String: String] = [:]

    /// Creates options.
    public init(content: URL, contentDisplay: String? = nil, staticDir: URL, output: URL, includeDrafts: Bool = false, now: Date = Date()) {
        self.content = content
        self.contentDisplay = contentDisplay ?? content.path
        self.staticDir = staticDir
        self.output = output
        self.includeDrafts = includeDrafts
        self.now = now
    }
}

/// What a build did.
public struct BuildReport: Sendable {
    /// HTML pages in the site.
    public var pages: Int
    /// All files in the site, static ones included.
    public var files: Int
    /// Files written by this build (all of them for a clean build; the changed ones otherwise).
    public var written: Int
    /// Problems that did not stop the build.
    public var warnings: [Diagnostic]
    /// Wall time of each pipeline step in milliseconds, in order (`load`, `render`, `check`, `write`).
    public var timings: [(step: String, ms: Int)] = []
}

/// The static-site build as a visible pipeline: load → render → check → write.
///
/// Each step is a method that can be run and tested alone. Nothing is written until every
/// check has passed, and the output directory is replaced in one swap at the end.
public struct SiteBuilder: Sendable {
    /// The build's options.
    public var options: BuildOptions
    /// Caches kept between builds by a long-running process; nil for a one-off build.
    public var memory: BuildMemory?

    /// Creates a builder.
    public init(options: BuildOptions, memory: BuildMemory? = nil) {
        self.options = options
        self.memory = memory
    }

    /// Runs the whole pipeline; throws `DiagnosticError` for content errors and leaves the
    /// output directory untouched in that case.
    ///
    /// When the output holds the manifest of an earlier build by this compe, only pages whose
    /// inputs changed are rendered and written (and deleted pages removed); `clean` (or no
    /// usable manifest) renders everything and replaces the output in one swap. Both give the
    /// same files, byte for byte.
    @discardableResult
    public func build(clean: Bool = false) throws -> BuildReport {
        var clock = StepClock()
        let started = Int(Date().timeIntervalSince1970)
        let sources = self.sources(clean: clean)
        let loaded = try loadStep(sources: sources)
        clock.lap("load")
        let rendered = try renderStep(loaded, clean: clean)
        clock.lap("render")
        let checked = try checkStep(rendered)
        clock.lap("check")
        var report = try writeStep(checked)
        // A cache that cannot be written costs the next build time, not this build its result.
        try? sources.write(to: options.output.path + "/" + SourceCache.fileName, since: started)
        clock.lap("write")
        report.timings = clock.laps
        return report
    }

    /// The parsed pages to start from: the dev server's own, else what the last build kept
    /// beside its manifest (`.compe-sources`: each page's front matter by path and `stat`
    /// stamp), so an unchanged page is neither read nor parsed again; none for `clean`.
    func sources(clean: Bool) -> SourceCache {
        let kept = { SourceCache.read(from: options.output.path + "/" + SourceCache.fileName, contentRoot: options.content.path) }
        guard let memory else { return clean ? SourceCache() : kept() }
        if !clean, memory.sources.isEmpty { memory.sources.adopt(kept()) }
        return memory.sources
    }

    // MARK: the steps, each a value in and a value out

    /// What the load step read: the content (checked), the theme with its overrides, the
    /// static files and their fingerprinted names.
    struct Loaded {
        var content: SiteContent
        var theme: Theme
        var staticFiles: [String]
        var assets: AssetNames
        /// Problems found while loading; the check step reports them with its own, all at once.
        var diagnostics: Diagnostics
    }

    /// What the render step made: every page's job, which were stale, the pages rendered (and,
    /// for a clean build, already written to the staging folder), the generated files, and the
    /// links of every page (from the new HTML, or from the last manifest for pages not rendered).
    struct Rendered {
        var loaded: Loaded
        var jobs: [RenderJob]
        var stale: [Bool]
        var rendered: [OutputFile]
        var generated: [OutputFile]
        var links: [String: [String]]
        var previous: BuildManifest?
        var incremental: Bool
        var staged: StagedOutput?
    }

    /// What passed the check step: the rendered site and the manifest the write step records.
    struct Checked {
        var rendered: Rendered
        var manifest: BuildManifest
    }

    /// Load: reads and checks `Content/` (files parsed in parallel), the theme and `Static/`.
    func loadStep(sources: SourceCache? = nil) throws -> Loaded {
        var diags = Diagnostics()
        var loader = self.loader
        if let sources { loader.cache = sources }
        guard let content = loader.load(&diags) else { throw DiagnosticError(diags.sorted) }
        let theme = try Theme(overrides: content.templates)
        let staticFiles = try StaticFiles.list(options.staticDir)
        let assets = try AssetNames.of(staticDir: options.staticDir, staticFiles: staticFiles)
        return Loaded(content: content, theme: theme, staticFiles: staticFiles, assets: assets, diagnostics: diags)
    }

    /// Render: Markdown through Discount, then the theme, on all cores; only the pages whose key
    /// changed since the last build (every page for `clean`). A clean build writes each page into
    /// the staging folder as soon as it is rendered, so writing overlaps rendering; nothing is
    /// visible until the swap after the check.
    func renderStep(_ loaded: Loaded, clean: Bool) throws -> Rendered {
        let renderer = PageRenderer(content: loaded.content, theme: loaded.theme, now: options.now, staticFiles: loaded.staticFiles,
                                    assets: loaded.assets, entryContests: options.entryContests)
        let jobs = renderer.jobs()
        // A manifest this process wrote is trusted as is; one read from disk is checked against
        // the files (one may have been deleted or edited by hand since).
        let remembered = clean ? nil : memory?.manifest
        let previous = clean ? nil : (remembered ?? BuildManifest.read(from: options.output))
        let root = options.output.path
        let stale = ParallelMap.map(jobs) { job -> Bool in
            guard let old = previous?.outputs[job.path], old.key == job.key else { return true }
            return remembered == nil && BuildManifest.size(root + "/" + job.path) != old.size
        }
        let writer = OutputWriter(output: options.output)
        let incremental = previous.map { $0.outputs.keys.allSatisfy(BuildManifest.storable) } ?? false
        let staged = incremental ? nil : try writer.stage()
        // Each page's links are found in its render task, not in a second pass over the pages.
        let renderedAndWritten = ParallelMap.map(zip(jobs, stale).filter(\.1).map(\.0)) { job -> (OutputFile, String?, [String]) in
            let file = job.render()
            return (file, staged?.write(file), LinkChecker.links(in: file.contents))
        }
        if let failure = renderedAndWritten.lazy.compactMap(\.1).first {
            staged?.abandon()
            throw OutputWriter.WriteError.io(failure)
        }
        let generated = try renderer.renderGenerated() + loaded.assets.copies(from: options.staticDir)
        var links: [String: [String]] = Dictionary(minimumCapacity: jobs.count + generated.count)
        for (file, _, l) in renderedAndWritten { links[file.path] = l }
        for file in generated { links[file.path] = LinkChecker.links(in: file.contents) }
        for (job, isStale) in zip(jobs, stale) where !isStale { links[job.path] = previous?.outputs[job.path]?.links ?? [] }
        return Rendered(loaded: loaded, jobs: jobs, stale: stale, rendered: renderedAndWritten.map(\.0), generated: generated, links: links,
                        previous: previous, incremental: incremental, staged: staged)
    }

    /// Check: output collisions and internal links (only the pages rendered now when the set of
    /// link targets is the last build's); then the manifest of the new site.
    func checkStep(_ r: Rendered) throws -> Checked {
        var diags = r.loaded.diagnostics
        var renderedByPath: [String: OutputFile] = Dictionary(minimumCapacity: r.rendered.count)
        for file in r.rendered { renderedByPath[file.path] = file }
        let allPaths = r.jobs.map(\.path) + r.generated.map(\.path)
        // The last build passed the link check; if the set of link targets is the same, only
        // pages rendered now can have new broken links.
        let sameTargets = r.previous.map { Set($0.outputs.keys) == Set(allPaths) && Set($0.statics.keys) == Set(r.loaded.staticFiles) } ?? false
        let toCheck = sameTargets ? Set(r.rendered.map(\.path) + r.generated.map(\.path)) : nil
        diags.append(contentsOf: check(paths: allPaths, links: r.links, origins: renderedByPath, staticFiles: r.loaded.staticFiles,
                                       content: r.loaded.content, only: toCheck) { path in
            r.jobs.filter { $0.path == path }.map { $0.render() }
        })
        if diags.hasErrors { r.staged?.abandon() }
        try diags.throwIfErrors()

        var manifest = BuildManifest(generator: Fingerprint.generator)
        for job in r.jobs {
            let size = renderedByPath[job.path]?.contents.count ?? r.previous?.outputs[job.path]?.size ?? 0
            manifest.outputs[job.path] = .init(key: job.key, size: size, links: r.links[job.path] ?? [])
        }
        for file in r.generated {
            manifest.outputs[file.path] = .init(key: Fingerprint.of([String(decoding: file.contents, as: UTF8.self)]),
                                                size: file.contents.count, links: r.links[file.path] ?? [])
        }
        let staticDir = options.staticDir.path
        for path in r.loaded.staticFiles { manifest.statics[path] = SourceCache.stamp(staticDir + "/" + path) ?? "" }
        manifest.assets = r.loaded.assets
        return Checked(rendered: r, manifest: manifest)
    }

    /// Write: the changed files renamed into place one by one (incremental), or the staging
    /// folder swapped in whole (clean); the manifest last.
    func writeStep(_ c: Checked) throws -> BuildReport {
        let r = c.rendered, manifest = c.manifest
        let writer = OutputWriter(output: options.output)
        let root = options.output.path
        let allPaths = r.jobs.map(\.path) + r.generated.map(\.path)
        var written = r.rendered.count + r.generated.count + r.loaded.staticFiles.count
        if let previous = r.previous, r.incremental {
            let changedGenerated = r.generated.filter { previous.outputs[$0.path]?.key != manifest.outputs[$0.path]?.key
                || BuildManifest.size(root + "/" + $0.path) != $0.contents.count }
            let changedStatic = r.loaded.staticFiles.filter { previous.statics[$0] != manifest.statics[$0] }
            let removed = Set(previous.outputs.keys).union(previous.statics.keys)
                .subtracting(manifest.outputs.keys).subtracting(manifest.statics.keys).sorted()
            try writer.update(r.rendered + changedGenerated, staticDir: options.staticDir, staticFiles: changedStatic,
                              removed: removed, manifest: manifest.text)
            written = r.rendered.count + changedGenerated.count + changedStatic.count
        } else if let staged = r.staged {
            if let failure = ParallelMap.map(r.generated, { staged.write($0) }).compactMap({ $0 }).first {
                staged.abandon()
                throw OutputWriter.WriteError.io(failure)
            }
            try staged.finish(staticDir: options.staticDir, staticFiles: r.loaded.staticFiles, manifest: manifest.text)
        }
        let content = r.loaded.content
        memory?.manifest = manifest
        memory?.last = .init(content: content, theme: r.loaded.theme, staticFiles: r.loaded.staticFiles, assets: r.loaded.assets,
                             phases: phases(content))
        return BuildReport(pages: allPaths.filter { $0.hasSuffix(".html") }.count,
                           files: allPaths.count + r.loaded.staticFiles.count, written: written, warnings: content.warnings)
    }

    /// The dev server's fast path for edits to existing pages (`changed`: absolute paths).
    ///
    /// A page's output depends on its own file, its templates and its language's chrome; other
    /// outputs depend on it only through its URL, name and language (sitemap, language
    /// switchers) and, for menu pages, its title and weight (navigation). When an edit leaves
    /// all of those as they were, only that page is parsed, rendered, checked and written.
    /// Returns nil when the edit reaches further (or anything else changed): call `build()`.
    public func rebuild(pages changed: [String]) throws -> BuildReport? {
        guard let memory, let last = memory.last, var manifest = memory.manifest, !changed.isEmpty,
              phases(last.content) == last.phases else { return nil }
        var clock = StepClock()
        var content = last.content
        var index: [String: Int] = [:]
        for (i, page) in content.pages.enumerated() { index[page.path] = i }
        var replaced: [PageSource] = []
        let pagesDir = options.content.path + "/pages/"
        for path in Set(changed) {
            guard path.hasPrefix(pagesDir) else { return nil }
            if !path.hasSuffix(".md") {
                // Not a page: a stray file (an editor's temporary) is ignored by the loader too;
                // a directory that holds or held pages is not a one-page change.
                var info = stat()
                if stat(path, &info) == 0 {
                    if (info.st_mode & S_IFMT) == S_IFDIR { return nil }
                    continue
                }
                let below = loader.display("pages/" + path.dropFirst(pagesDir.count)) + "/"
                if content.pages.contains(where: { $0.path.hasPrefix(below) }) { return nil }
                continue
            }
            guard let (page, diags) = loader.reloadPage(atPath: path, config: content.config) else { return nil }
            guard let page, let i = index[page.path], diags.all.isEmpty else {
                if diags.hasErrors { throw DiagnosticError(diags.sorted) }
                return nil
            }
            let old = content.pages[i]
            guard !page.draft, page.url == old.url, page.name == old.name, page.language == old.language,
                  page.template == old.template, page.menu == old.menu, page.weight == old.weight,
                  !page.menu || page.title == old.title else { return nil }
            content.pages[i] = page
            replaced.append(page)
        }
        clock.lap("load")
        let renderer = PageRenderer(content: content, theme: last.theme, now: options.now, staticFiles: last.staticFiles, assets: last.assets,
                                    entryContests: options.entryContests)
        let keys = PageRenderer.JobKeys(renderer)
        let jobs = replaced.map { renderer.pageJob($0, keys) }
        guard jobs.allSatisfy({ manifest.outputs[$0.path] != nil }) else { return nil }
        let files = jobs.compactMap { job -> (RenderJob, OutputFile)? in
            manifest.outputs[job.path]?.key == job.key ? nil : (job, job.render())
        }
        clock.lap("render")
        let existing = Set(manifest.outputs.keys).union(last.staticFiles)
        let checker = LinkChecker(existing: existing, ignoredPrefixes: content.config.submitURL.hasPrefix("/") ? [content.config.submitURL + "/"] : [])
        var diags = Diagnostics()
        var lines = ""
        for (job, file) in files {
            let links = LinkChecker.links(in: file.contents)
            let url = "/" + (job.path.hasSuffix("index.html") ? String(job.path.dropLast("index.html".count)) : job.path)
            diags.append(contentsOf: checker.check(links: links, pageURL: url, origin: file.origin, fallbackPath: "(generated) \(job.path)"))
            manifest.outputs[job.path] = .init(key: job.key, size: file.contents.count, links: links)
            lines += manifest.line(job.path)
        }
        try diags.throwIfErrors()
        clock.lap("check")
        let writer = OutputWriter(output: options.output)
        try writer.update(files.map(\.1), staticDir: options.staticDir, staticFiles: [], removed: [], manifest: nil)
        if !lines.isEmpty { try writer.appendToManifest(lines) }
        memory.manifest = manifest
        memory.last = .init(content: content, theme: last.theme, staticFiles: last.staticFiles, assets: last.assets, phases: last.phases)
        clock.lap("write")
        return BuildReport(pages: manifest.outputs.keys.filter { $0.hasSuffix(".html") }.count,
                           files: manifest.outputs.count + last.staticFiles.count, written: files.count,
                           warnings: content.warnings, timings: clock.laps)
    }

    /// Each contest's phase at the build's clock (a deadline passing changes lists and pages).
    func phases(_ content: SiteContent) -> [String] {
        content.contests.map { "\($0.contest.slug)/\($0.contest.language)=\($0.contest.phase(at: options.now).rawValue)" }
    }

    /// Step 1: read and validate `Content/`.
    public func load() throws -> SiteContent { try loader.load() }

    var loader: ContentLoader {
        ContentLoader(root: options.content, displayRoot: options.contentDisplay, includeDrafts: options.includeDrafts,
                      knownTemplates: Theme.templateNames, cache: memory?.sources)
    }

    /// Step 3: refuse outputs that collide and internal links that lead nowhere. `origins` are
    /// the pages rendered in this build; a broken link on another page is located by rendering
    /// that page again with `rerender`. `only` limits the link check to those pages.
    func check(paths: [String], links: [String: [String]], origins: [String: OutputFile], staticFiles: [String],
               content: SiteContent, only: Set<String>? = nil, rerender: @Sendable (String) -> [OutputFile]) -> [Diagnostic] {
        let config = content.config
        var diags = Diagnostics()
        var seen = Set<String>()
        var reported = Set<String>()
        for path in paths where !seen.insert(path).inserted && reported.insert(path).inserted {
            let sources = rerender(path).map { $0.origin?.path ?? "(generated) \(path)" }
            for (i, source) in sources.enumerated() where i > 0 {
                diags.error(SourceLocation(path: source), "builds the same page as \(sources[0]): /\(path)")
            }
        }
        for file in staticFiles where seen.contains(file) {
            diags.error(SourceLocation(path: options.staticDir.lastPathComponent + "/" + file),
                        "collides with a generated page (/\(file)); rename or move it")
        }
        var existing = seen
        existing.formUnion(staticFiles)
        existing.formUnion(content.unrenderedURLs.map(OutputFile.path(forURL:)))
        let prefixes = config.submitURL.hasPrefix("/") ? [config.submitURL + "/"] : []
        let checker = LinkChecker(existing: existing, ignoredPrefixes: prefixes)
        let htmlPaths = Array((only ?? seen).filter { $0.hasSuffix(".html") }).sorted()
        let found = ParallelMap.map(htmlPaths) { path -> [Diagnostic] in
            let url = "/" + (path.hasSuffix("index.html") ? String(path.dropLast("index.html".count)) : path)
            let fallback = "(generated) \(path)"
            let quick = checker.check(links: links[path] ?? [], pageURL: url, origin: origins[path]?.origin, fallbackPath: fallback)
            guard !quick.isEmpty, origins[path] == nil, let again = rerender(path).first else { return quick }
            return checker.check(links: LinkChecker.links(in: again.contents), pageURL: url, origin: again.origin, fallbackPath: fallback)
        }
        diags.append(contentsOf: found.flatMap { $0 })
        return diags.all
    }
}

/// What a long-running builder (the dev server) keeps between builds: the last manifest and
/// the parsed source files, so a rebuild reads and renders only what changed.
public final class BuildMemory: Sendable {
    private let state = Mutex<(manifest: BuildManifest?, last: LastBuild?)>((nil, nil))
    /// Parsed `Content/` files by path and stamp.
    public let sources = SourceCache()

    /// What the last good build worked from, for `rebuild(pages:)`.
    struct LastBuild {
        var content: SiteContent
        var theme: Theme
        var staticFiles: [String]
        var assets: AssetNames
        var phases: [String]
    }

    var last: LastBuild? {
        get { state.withLock { $0.last } }
        set { state.withLock { $0.last = newValue } }
    }

    /// An empty memory.
    public init() {}

    /// The content of the last good build (nil before one).
    public var lastContent: SiteContent? { last?.content }

    /// The manifest of the last good build.
    public var manifest: BuildManifest? {
        get { state.withLock { $0.manifest } }
        set { state.withLock { $0.manifest = newValue } }
    }
}

/// Wall time between named points of a pipeline.
struct StepClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var laps: [(step: String, ms: Int)] = []

    /// Records the time since the previous lap under `step`.
    mutating func lap(_ step: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        laps.append((step, Int((now - last) / 1_000_000)))
        last = now
    }
}

/// Lists and copies `Static/`.
enum StaticFiles {
    /// Relative paths of every regular file under `dir` (empty when it does not exist).
    static func list(_ dir: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: dir.path),
              let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let base = dir.resolvingSymlinksInPath().path
        var out: [String] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let full = url.resolvingSymlinksInPath().path
            guard full.hasPrefix(base + "/") else { continue }
            out.append(String(full.dropFirst(base.count + 1)))
        }
        return out.sorted()
    }
}
