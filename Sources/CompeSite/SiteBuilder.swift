import CompeContent
import CompeCore
import Foundation

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
    /// HTML pages written.
    public var pages: Int
    /// All files written, static ones included.
    public var files: Int
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

    /// Creates a builder.
    public init(options: BuildOptions) { self.options = options }

    /// Runs the whole pipeline; throws `DiagnosticError` for content errors and leaves the
    /// output directory untouched in that case.
    public func build() throws -> BuildReport {
        var clock = StepClock()
        var diags = Diagnostics()
        guard let content = loader.load(&diags) else { throw DiagnosticError(diags.sorted) }
        let theme = try Theme(overrides: content.templates)
        let staticFiles = try StaticFiles.list(options.staticDir)
        clock.lap("load")
        let files = render(content, theme: theme, staticFiles: staticFiles)
        clock.lap("render")
        diags.append(contentsOf: check(files, staticFiles: staticFiles, content: content))
        try diags.throwIfErrors()
        clock.lap("check")
        try OutputWriter(output: options.output).write(files, staticDir: options.staticDir, staticFiles: staticFiles)
        clock.lap("write")
        return BuildReport(pages: files.filter { $0.path.hasSuffix(".html") }.count,
                           files: files.count + staticFiles.count, warnings: content.warnings, timings: clock.laps)
    }

    /// Step 1: read and validate `Content/`.
    public func load() throws -> SiteContent { try loader.load() }

    var loader: ContentLoader {
        ContentLoader(root: options.content, displayRoot: options.contentDisplay, includeDrafts: options.includeDrafts,
                      knownTemplates: Theme.templateNames)
    }

    /// Step 2: render every page, list, feed and the sitemap, in parallel.
    public func render(_ content: SiteContent, theme: Theme, staticFiles: [String]) -> [OutputFile] {
        PageRenderer(content: content, theme: theme, now: options.now, staticFiles: staticFiles,
                     entryContests: options.entryContests).renderAll()
    }

    /// Step 3: refuse outputs that collide and internal links that lead nowhere.
    public func check(_ files: [OutputFile], staticFiles: [String], content: SiteContent) -> [Diagnostic] {
        let config = content.config
        var diags = Diagnostics()
        var seen: [String: String] = [:]
        for file in files {
            let source = file.origin?.path ?? "(generated) \(file.path)"
            if let other = seen[file.path] {
                diags.error(SourceLocation(path: source), "builds the same page as \(other): /\(file.path)")
            }
            seen[file.path] = source
        }
        for file in staticFiles where seen[file] != nil {
            diags.error(SourceLocation(path: options.staticDir.lastPathComponent + "/" + file),
                        "collides with a generated page (/\(file)); rename or move it")
        }
        var existing = Set(files.map(\.path))
        existing.formUnion(staticFiles)
        existing.formUnion(content.unrenderedURLs.map(OutputFile.path(forURL:)))
        let prefixes = config.submitURL.hasPrefix("/") ? [config.submitURL + "/"] : []
        let checker = LinkChecker(existing: existing, ignoredPrefixes: prefixes)
        let htmlFiles = files.filter { $0.path.hasSuffix(".html") }
        let found = ParallelMap.map(htmlFiles) { file -> [Diagnostic] in
            let url = "/" + (file.path.hasSuffix("index.html") ? String(file.path.dropLast("index.html".count)) : file.path)
            return checker.check(String(decoding: file.contents, as: UTF8.self), pageURL: url, origin: file.origin,
                                 fallbackPath: "(generated) \(file.path)")
        }
        diags.append(contentsOf: found.flatMap { $0 })
        return diags.all
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
