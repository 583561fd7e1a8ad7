import CompeContent
import CompeCore
import CompeStore
import Foundation

/// A contest's anonymised data as a Frictionless Tabular Data Package: `datapackage.json` (a
/// Table Schema per file: types, constraints, primary and foreign keys) and UTF-8 CSVs.
///
/// What is in it: the contest and its criteria (organisers' text), each entry as a random
/// pseudonym with country, team size, file count, bytes and the day it arrived (withdrawn entries
/// left out, as on the statistics page),
/// each judge as a pseudonym, and every score. What is never in it: names, e-mail addresses,
/// titles, summaries, links, comments, file names or hashes (a hash identifies a file), entry
/// codes or judge handles. Countries and team sizes held by fewer than k entrants are published
/// as `other` (`SmallCells`), and the descriptor says so.
public struct OpenDataPackage: Sendable {
    /// File name and contents, `datapackage.json` first.
    public var files: [(name: String, data: Data)]
}

extension JudgingService {
    /// The package for `contest`; pseudonyms are drawn afresh for every export, so two
    /// exports cannot be joined on them.
    /// `columns`, when given, keeps only the chosen columns of each file (by file name without
    /// `.csv`) and leaves out the files it does not name; the descriptor says the same.
    public func openDataPackage(contest slug: String, k: Int = 5, now: Date = Date(), columns: [String: ColumnChoice]? = nil) async throws -> OpenDataPackage {
        let k = max(1, k)
        let contest = try catalog.contest(slug)
        // The statistics page's population: active entries only. A withdrawn entry is in no row
        // (a package listing it beside a page that does not would tell who withdrew).
        let active = try await storeErrors { try await store.entries(contest: slug) }.filter { $0.withdrawnAt == nil }
        // Every stage's sheets, each scored on its own criteria.
        var sheets: [ScoreSheet] = []
        var reached: [Int64: String] = [:]
        for stage in contest.stages {
            sheets += try await storeErrors { try await store.sheets(contest: slug, stage: stage.id) }
            if stage.id != contest.later.firstID {
                for id in try await storeErrors({ try await store.finalists(contest: slug, stage: stage.id) }) { reached[id] = stage.id }
            }
        }
        var rng = SystemRandomNumberGenerator()
        let width = String(max(active.count, 1)).count
        let entryAlias = Dictionary(uniqueKeysWithValues: active.shuffled(using: &rng).enumerated().map {
            ($1.id, "entry-" + String(repeating: "0", count: width - String($0 + 1).count) + String($0 + 1))
        })
        let scored = sheets.filter { entryAlias[$0.entryID] != nil }
        let judgeAlias = Dictionary(uniqueKeysWithValues: Set(scored.map(\.judge)).shuffled(using: &rng).enumerated().map { ($1, "judge-\($0 + 1)") })
        let anonymity = Anonymity(entries: active, k: k)
        let zone = catalog.timeZone
        func localDay(_ date: Date) -> String { DateParsing.ymd(date, in: zone) }
        let titles = (catalog.translations[slug] ?? [:]).mapValues(\.title)
        let iso = ISO8601DateFormatter()

        var contestCSV = CSVTable([.init("contest"), .init("title_en"), .init("title_ja"), .init("opens"), .init("closes"),
                                    .init("judges_per_entry", .number), .init("blind"), .init("entries", .number), .init("k", .number)])
        contestCSV.add([slug, titles["en"] ?? "", titles["ja"] ?? "", iso.string(from: contest.opens), iso.string(from: contest.closes),
                        String(contest.judging.judgesPerEntry), contest.judging.blind ? "true" : "false", String(active.count), String(k)])
        var criteriaCSV = CSVTable([.init("stage"), .init("criterion"), .init("name_en"), .init("name_ja"), .init("weight", .number),
                                     .init("scale_min", .number), .init("scale_max", .number)])
        for stage in contest.stages {
            for c in stage.criteria {
                let name = { (lang: String) in catalog.translations[slug]?[lang]?.stage(stage.id)?.criteria.first { $0.id == c.id }?.name ?? "" }
                criteriaCSV.add([stage.id, c.id, name("en"), name("ja"), String(c.weight), String(c.scaleMin), String(c.scaleMax)])
            }
        }
        var entriesCSV = CSVTable([.init("entry"), .init("country"), .init("team_size"), .init("files", .number), .init("bytes", .number),
                                    .init("received_day"), .init("stage_reached")])
        for e in active.sorted(by: { entryAlias[$0.id]! < entryAlias[$1.id]! }) {
            entriesCSV.add([entryAlias[e.id]!, anonymity.country(e), anonymity.teamSize(e), String(e.files.count),
                            String(e.files.reduce(0) { $0 + $1.bytes }), localDay(e.receivedAt), reached[e.id] ?? contest.later.firstID])
        }
        var judgesCSV = CSVTable(names: ["judge"])
        for alias in judgeAlias.values.sorted(by: { $0.localizedStandardCompare($1) == .orderedAscending }) { judgesCSV.add([alias]) }
        var scoresCSV = CSVTable([.init("entry"), .init("judge"), .init("stage"), .init("criterion"), .init("value", .number)])
        let order = Dictionary(uniqueKeysWithValues: contest.stages.enumerated().map { ($1.id, $0) })
        let rows = scored.flatMap { s in
            (contest.stage(s.stage)?.criteria ?? []).compactMap { c in
                s.values[c.id].map { (entry: entryAlias[s.entryID]!, judge: judgeAlias[s.judge]!, stage: s.stage, criterion: c.id, value: $0) }
            }
        }
        for r in rows.sorted(by: { ($0.entry, $0.judge, order[$0.stage] ?? 0, $0.criterion) < ($1.entry, $1.judge, order[$1.stage] ?? 0, $1.criterion) }) {
            scoresCSV.add([r.entry, r.judge, r.stage, r.criterion, String(r.value)])
        }

        let descriptor = PackageDescriptor.make(slug: slug, titles: titles, contest: contest, config: catalog.config, k: k, created: iso.string(from: now),
                                                countries: anonymity.countryValues, teamSizes: anonymity.teamSizeValues, columns: columns)
        let tables = [("contest", contestCSV), ("criteria", criteriaCSV), ("entries", entriesCSV), ("judges", judgesCSV), ("scores", scoresCSV)]
        return OpenDataPackage(files: [("datapackage.json", descriptor)] + tables.compactMap { name, table in
            guard let columns else { return ("\(name).csv", Data(table.bytes())) }
            return columns[name].map { ("\(name).csv", Data(table.bytes(keeping: $0.names))) }
        })
    }

    /// Writes the package into `folder` (created if needed). A folder that already holds files
    /// other than a previous package's is refused, so nothing of the user's is overwritten.
    public func writeOpenDataPackage(contest slug: String, to folder: URL, display: String, k: Int = 5) async throws -> [String] {
        let package = try await openDataPackage(contest: slug, k: k)
        let fm = FileManager.default
        let names = Set(package.files.map(\.name))
        if let existing = try? fm.contentsOfDirectory(atPath: folder.path), let stranger = existing.first(where: { !names.contains($0) && !$0.hasPrefix(".") }) {
            throw JudgingError.cannotWrite("\(display)/\(stranger)", underlying: CocoaError(.fileWriteFileExists))
        }
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in package.files { try file.data.write(to: folder.appendingPathComponent(file.name), options: .atomic) }
        } catch {
            throw JudgingError.cannotWrite(display, underlying: error)
        }
        return package.files.map { "\(display)/\($0.name)" }
    }
}

/// The columns of one file a package keeps.
public enum ColumnChoice: Sendable, Equatable {
    case all
    case only(Set<String>)

    /// nil: every column.
    var names: Set<String>? {
        if case .only(let names) = self { return names }
        return nil
    }

    func contains(_ column: String) -> Bool { names?.contains(column) ?? true }
}

/// The published country and team size of each entrant, under the small-cell rule.
struct Anonymity {
    private let countries: [String: String]
    private let teamSizes: [String: String]

    init(entries: [Entry], k: Int) {
        let country = entries.map { Self.countryLabel($0) }
        countries = SmallCells.merge(Dictionary(grouping: country, by: { $0 }).mapValues(\.count), k: k)
        let sizes = entries.map { String($0.draft.members.count) }
        teamSizes = SmallCells.merge(Dictionary(grouping: sizes, by: { $0 }).mapValues(\.count), k: k)
    }

    /// The entrant's ISO 3166-1 code; `other` for text stored before countries were codes that
    /// no migration could map (it is never published as typed).
    static func countryLabel(_ e: Entry) -> String {
        Country.isCode(e.draft.country) ? e.draft.country : SmallCells.other
    }

    func country(_ e: Entry) -> String { countries[Self.countryLabel(e)] ?? SmallCells.other }
    func teamSize(_ e: Entry) -> String { teamSizes[String(e.draft.members.count)] ?? SmallCells.other }
    var countryValues: [String] { Set(countries.values).sorted() }
    var teamSizeValues: [String] { Set(teamSizes.values).sorted() }
}

/// `datapackage.json`: one Table Schema per file.
enum PackageDescriptor {
    static func make(slug: String, titles: [String: String], contest: Contest, config: SiteConfig, k: Int, created: String,
                     countries: [String], teamSizes: [String], columns: [String: ColumnChoice]? = nil) -> Data {
        func field(_ name: String, _ type: String, _ description: String, _ constraints: [String: Any] = [:], format: String? = nil) -> [String: Any] {
            var f: [String: Any] = ["name": name, "type": type, "description": description]
            if !constraints.isEmpty { f["constraints"] = constraints }
            if let format { f["format"] = format }
            return f
        }
        let required: [String: Any] = ["required": true]
        func resource(_ name: String, _ title: String, _ fields: [[String: Any]], key: [String], foreign: [[String: Any]] = []) -> [String: Any] {
            var schema: [String: Any] = ["fields": fields, "primaryKey": key, "missingValues": [""]]
            if !foreign.isEmpty { schema["foreignKeys"] = foreign }
            return ["name": name, "path": "\(name).csv", "title": title, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                    "schema": schema]
        }
        func reference(_ field: String, _ resource: String, _ target: String) -> [String: Any] {
            ["fields": [field], "reference": ["resource": resource, "fields": [target]]]
        }
        let entryPattern: [String: Any] = ["required": true, "pattern": "entry-[0-9]+"]
        let judgePattern: [String: Any] = ["required": true, "pattern": "judge-[0-9]+"]
        let resources: [[String: Any]] = [
            resource("contest", "The contest", [
                field("contest", "string", "The contest's identifier (its URL name)", ["required": true, "unique": true]),
                field("title_en", "string", "Title in English"), field("title_ja", "string", "Title in Japanese"),
                field("opens", "datetime", "When entries opened (UTC)", required), field("closes", "datetime", "The deadline (UTC)", required),
                field("judges_per_entry", "integer", "Judges assigned to each entry", ["required": true, "minimum": 1]),
                field("blind", "boolean", "Whether judges saw blind codes instead of entrants' identity", required),
                field("entries", "integer", "Entries not withdrawn (the entries this package lists)", ["required": true, "minimum": 0]),
                field("k", "integer", "Small-cell suppression threshold", ["required": true, "minimum": 1]),
            ], key: ["contest"]),
            resource("criteria", "Judging criteria of every stage", [
                field("stage", "string", "The stage the criterion is scored in", ["required": true, "enum": contest.stages.map(\.id)]),
                field("criterion", "string", "Criterion identifier (unique within its stage)", required),
                field("name_en", "string", "Name in English"), field("name_ja", "string", "Name in Japanese"),
                field("weight", "integer", "Weight in the overall score (weights sum to 100)", ["required": true, "minimum": 0, "maximum": 100]),
                field("scale_min", "integer", "Lowest score", required), field("scale_max", "integer", "Highest score", required),
            ], key: ["stage", "criterion"]),
            resource("entries", "Entries as pseudonyms (withdrawn entries left out)", [
                field("entry", "string", "Pseudonym, random for each export", entryPattern.merging(["unique": true]) { a, _ in a }),
                field("country", "string", "ISO 3166-1 alpha-2 code of the entrant's country, or 'other' (small-cell suppression)", ["required": true, "enum": countries]),
                field("team_size", "string", "Number of team members, or 'other' (small-cell suppression)", ["required": true, "enum": teamSizes]),
                field("files", "integer", "Files sent", ["required": true, "minimum": 0]),
                field("bytes", "integer", "Total size of the files in bytes", ["required": true, "minimum": 0]),
                field("received_day", "date", "Day the entry arrived (\(config.timeZone.identifier))", required),
                field("stage_reached", "string", "The last stage the entry went on to (the first stage for every entry not shortlisted)",
                      ["required": true, "enum": contest.stages.map(\.id)]),
            ], key: ["entry"]),
            resource("judges", "Judges as pseudonyms", [
                field("judge", "string", "Pseudonym, random for each export", judgePattern.merging(["unique": true]) { a, _ in a }),
            ], key: ["judge"]),
            resource("scores", "Every score a judge gave (withdrawn entries left out)", [
                field("entry", "string", "Entry pseudonym", entryPattern), field("judge", "string", "Judge pseudonym", judgePattern),
                field("stage", "string", "The stage the score was given in", ["required": true, "enum": contest.stages.map(\.id)]),
                field("criterion", "string", "Criterion identifier", required),
                field("value", "integer", "The score, on the criterion's scale", required),
            ], key: ["entry", "judge", "stage", "criterion"],
               foreign: [reference("entry", "entries", "entry"), reference("judge", "judges", "judge"),
                         ["fields": ["stage", "criterion"], "reference": ["resource": "criteria", "fields": ["stage", "criterion"]]]]),
        ]
        let contestURL = config.baseURL + config.urlPath("contests/\(slug)", language: config.defaultLanguage)
        let descriptor: [String: Any] = [
            "name": "compe-\(slug.lowercased().replacingOccurrences(of: "_", with: "-"))",
            "title": titles["en"] ?? contest.title,
            "titles": titles,
            "description": "Anonymised entries, judges and scores of the design contest '\(titles["en"] ?? contest.title)'. "
                + "No names, e-mail addresses, titles, free text, file names or file hashes; entries and judges are random pseudonyms. "
                + SmallCells.description(k: k),
            "licenses": [["name": config.dataLicense.name, "path": config.dataLicense.path, "title": config.dataLicense.title]],
            "sources": [["title": config.title(in: "en"), "path": contestURL]],
            "created": created,
            "keywords": ["design contest", "open innovation", "policy evaluation"],
            "suppression": ["k": k, "rule": SmallCells.description(k: k)],
            "resources": columns.map { keep(resources, columns: $0) } ?? resources,
        ]
        let data = try! JSONSerialization.data(withJSONObject: descriptor, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return data + Data("\n".utf8)
    }

    /// The resources with only the kept columns; a primary or foreign key that names a column
    /// (or a resource) left out goes too, since it no longer holds.
    static func keep(_ resources: [[String: Any]], columns: [String: ColumnChoice]) -> [[String: Any]] {
        resources.compactMap { resource -> [String: Any]? in
            guard let name = resource["name"] as? String, let kept = columns[name], var schema = resource["schema"] as? [String: Any] else { return nil }
            schema["fields"] = (schema["fields"] as? [[String: Any]] ?? []).filter { kept.contains($0["name"] as? String ?? "") }
            if let key = schema["primaryKey"] as? [String], !key.allSatisfy(kept.contains) { schema["primaryKey"] = nil }
            let foreign = (schema["foreignKeys"] as? [[String: Any]] ?? []).filter { fk in
                guard let fields = fk["fields"] as? [String], let reference = fk["reference"] as? [String: Any],
                      let target = reference["resource"] as? String, let targetFields = reference["fields"] as? [String] else { return false }
                return fields.allSatisfy(kept.contains) && targetFields.allSatisfy { columns[target]?.contains($0) == true }
            }
            schema["foreignKeys"] = foreign.isEmpty ? nil : foreign
            var r = resource
            r["schema"] = schema
            return r
        }
    }
}
