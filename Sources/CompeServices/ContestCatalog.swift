import CompeContent
import CompeCore
import Foundation

/// The contests of a site, as the services need them: each brief in the default language (the
/// one that sets dates, limits and criteria) and the folder `results.md` files are written to.
///
/// The command line loads one from `--content` per run; the server makes one from the content
/// it already loaded, so both callers see the same contests.
public struct ContestCatalog: Sendable {
    /// Contests by slug, in the site's default language.
    public let contests: [String: Contest]
    /// `Content/`, where publishing writes `contests/<slug>/results.md`.
    public let root: URL
    /// How `root` is shown in messages.
    public let displayRoot: String
    /// The site's time zone (`site.yml`), for days typed on the command line.
    public let timeZone: TimeZone
    /// Every brief by slug and language (titles of open-data packages in each language).
    public let translations: [String: [String: Contest]]
    /// The site's settings (title, base URL, data licence).
    public let config: SiteConfig
    /// Contest updates by slug (every language).
    public let updates: [String: [UpdateSource]]
    /// Published answers to entrants' questions by slug (every language).
    public let answers: [String: [AnswerSource]]
    /// Agreements to share data with partners, by handle (`sharing/<handle>.yml`).
    public let agreements: [String: SharingAgreement]

    /// The catalog of already-loaded content.
    public init(content: SiteContent, root: URL, displayRoot: String) {
        var contests: [String: Contest] = [:]
        for source in content.contests where source.contest.language == content.config.defaultLanguage {
            contests[source.contest.slug] = source.contest
        }
        self.contests = contests
        self.root = root
        self.displayRoot = displayRoot
        timeZone = content.config.timeZone
        var translations: [String: [String: Contest]] = [:]
        for source in content.contests where source.textLanguage == nil {   // real briefs only, not untranslated stand-ins
            translations[source.contest.slug, default: [:]][source.contest.language] = source.contest
        }
        self.translations = translations
        config = content.config
        updates = content.updates
        answers = content.answers
        agreements = Dictionary(uniqueKeysWithValues: content.agreements.map { ($0.id, $0) })
    }

    /// Loads `root` (published contests: drafts take no entries, so there is nothing to judge).
    /// Throws `JudgingError.contentErrors` when the content has errors.
    public static func load(root: URL, displayRoot: String) throws -> ContestCatalog {
        let loader = ContentLoader(root: root, displayRoot: displayRoot, knownTemplates: ThemeTemplates.names)
        do {
            return ContestCatalog(content: try loader.load(), root: root, displayRoot: displayRoot)
        } catch let error as DiagnosticError {
            throw JudgingError.contentErrors(error.diagnostics)
        }
    }

    /// The contest `slug`; `JudgingError.unknownContest` (listing the known ones) otherwise.
    public func contest(_ slug: String) throws -> Contest {
        guard let contest = contests[slug] else {
            throw JudgingError.unknownContest(slug, known: contests.keys.sorted(), folder: displayRoot)
        }
        return contest
    }

    /// Contest `slug` as judged in `stage` (an assignment's stage, so it exists unless the brief
    /// dropped it since: then the first stage's rules apply).
    public func stage(_ slug: String, _ stage: String) throws -> Contest {
        let contest = try self.contest(slug)
        return contest.viewing(stage: stage) ?? contest
    }

    /// The stages whose entries a judge names by entry id (those that are not blind), as
    /// `StageKey` strings.
    public var namedByID: Set<String> {
        Set(contests.values.flatMap { c in c.stages.filter { !$0.judging.blind }.map { StageKey.make(contest: c.slug, stage: $0.id) } })
    }

    /// Where `compe results publish` writes the contest's results.
    public func resultsFile(_ slug: String) -> (url: URL, display: String) {
        (root.appendingPathComponent("contests/\(slug)/results.md"), "\(displayRoot)/contests/\(slug)/results.md")
    }

    /// Where `compe shortlist` writes the shortlist that closes `stage`.
    public func shortlistFile(_ slug: String, stage: String, in contest: Contest) -> (url: URL, display: String) {
        let name = ShortlistFile.name(stage: stage, in: contest)
        return (root.appendingPathComponent("contests/\(slug)/\(name)"), "\(displayRoot)/contests/\(slug)/\(name)")
    }

    /// Where `compe stats publish` writes the contest's statistics.
    public func statsFile(_ slug: String) -> (url: URL, display: String) {
        (root.appendingPathComponent("contests/\(slug)/stats.json"), "\(displayRoot)/contests/\(slug)/stats.json")
    }
}

/// A contest's stage as one string, `contest/stage` (neither a slug nor a stage id holds `/`):
/// how the store is asked about a set of stages in one query.
public enum StageKey {
    /// The key of `stage` in `contest`.
    public static func make(contest: String, stage: String) -> String { "\(contest)/\(stage)" }
}
