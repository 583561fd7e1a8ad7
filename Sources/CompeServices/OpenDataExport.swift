import CompeContent
import CompeCore
import CompeStore
import Foundation

/// A contest's anonymised data as a Frictionless Tabular Data Package: `datapackage.json` (a
/// Table Schema per file: types, constraints, primary and foreign keys) and UTF-8 CSVs.
///
/// What is in it: the contest and its criteria (organisers' text), each entry as a random
/// pseudonym with country, team size, file count, bytes, the day it arrived and its status,
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
    public func openDataPackage(contest slug: String, k: Int = 5, now: Date = Date()) async throws -> OpenDataPackage {
        let k = max(1, k)
        let contest = try catalog.contest(slug)
        let entries = try await storeErrors { try await store.entries(contest: slug) }
        let sheets = try await storeErrors { try await store.sheets(contest: slug) }
        var rng = SystemRandomNumberGenerator()
        let width = String(max(entries.count, 1)).count
        let entryAlias = Dictionary(uniqueKeysWithValues: entries.shuffled(using: &rng).enumerated().map {
            ($1.id, "entry-" + String(repeating: "0", count: width - String($0 + 1).count) + String($0 + 1))
        })
        let live = Set(entries.filter { $0.withdrawnAt == nil }.map(\.id))
        let scored = sheets.filter { live.contains($0.entryID) }
        let judgeAlias = Dictionary(uniqueKeysWithValues: Set(scored.map(\.judge)).shuffled(using: &rng).enumerated().map { ($1, "judge-\($0 + 1)") })
        let anonymity = Anonymity(entries: entries, k: k)
        let zone = catalog.timeZone
        func localDay(_ date: Date) -> String { DateParsing.ymd(date, in: zone) }
        let titles = (catalog.translations[slug] ?? [:]).mapValues(\.title)
        let iso = ISO8601DateFormatter()

        var contestCSV = CSVTable(["contest", "title_en", "title_ja", "opens", "closes", "judges_per_entry", "blind", "entries", "k"])
        contestCSV.add([slug, titles["en"] ?? "", titles["ja"] ?? "", iso.string(from: contest.opens), iso.string(from: contest.closes),
                        String(contest.judging.judgesPerEntry), contest.judging.blind ? "true" : "false", String(entries.count), String(k)])
        var criteriaCSV = CSVTable(["criterion", "name_en", "name_ja", "weight", "scale_min", "scale_max"])
        for c in contest.criteria {
            let name = { (lang: String) in catalog.translations[slug]?[lang]?.criteria.first { $0.id == c.id }?.name ?? "" }
            criteriaCSV.add([c.id, name("en"), name("ja"), String(c.weight), String(c.scaleMin), String(c.scaleMax)])
        }
        var entriesCSV = CSVTable(["entry", "country", "team_size", "files", "bytes", "received_day", "status"])
        for e in entries.sorted(by: { entryAlias[$0.id]! < entryAlias[$1.id]! }) {
            entriesCSV.add([entryAlias[e.id]!, anonymity.country(e), anonymity.teamSize(e), String(e.files.count),
                            String(e.files.reduce(0) { $0 + $1.bytes }), localDay(e.receivedAt), e.withdrawnAt == nil ? "active" : "withdrawn"])
        }
        var judgesCSV = CSVTable(["judge"])
        for alias in judgeAlias.values.sorted(by: { $0.localizedStandardCompare($1) == .orderedAscending }) { judgesCSV.add([alias]) }
        var scoresCSV = CSVTable(["entry", "judge", "criterion", "value"])
        let rows = scored.flatMap { s in contest.criteria.compactMap { c in s.values[c.id].map { (entryAlias[s.entryID]!, judgeAlias[s.judge]!, c.id, $0) } } }
        for r in rows.sorted(by: { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }) { scoresCSV.add([r.0, r.1, r.2, String(r.3)]) }

        let descriptor = PackageDescriptor.make(slug: slug, titles: titles, contest: contest, config: catalog.config, k: k, created: iso.string(from: now),
                                                countries: anonymity.countryValues, teamSizes: anonymity.teamSizeValues)
        return OpenDataPackage(files: [("datapackage.json", descriptor), ("contest.csv", contestCSV.data), ("criteria.csv", criteriaCSV.data),
                                       ("entries.csv", entriesCSV.data), ("judges.csv", judgesCSV.data), ("scores.csv", scoresCSV.data)])
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

    static func countryLabel(_ e: Entry) -> String {
        let c = PlainText.clean(e.draft.country).trimmingCharacters(in: .whitespacesAndNewlines)
        return c.isEmpty ? SmallCells.other : c
    }

    func country(_ e: Entry) -> String { countries[Self.countryLabel(e)] ?? SmallCells.other }
    func teamSize(_ e: Entry) -> String { teamSizes[String(e.draft.members.count)] ?? SmallCells.other }
    var countryValues: [String] { Set(countries.values).sorted() }
    var teamSizeValues: [String] { Set(teamSizes.values).sorted() }
}

/// RFC 4180 CSV in UTF-8: fields quoted when they hold a comma, quote or line break; a field
/// starting with `= + - @` gets a leading apostrophe so spreadsheets do not run it.
struct CSVTable {
    private var lines: [String]

    init(_ header: [String]) { lines = [header.joined(separator: ",")] }

    mutating func add(_ fields: [String]) {
        lines.append(fields.map { field in
            var v = PlainText.clean(field)
            if let first = v.first, "=+@".contains(first) || (first == "-" && Double(v) == nil) { v = "'" + v }
            return v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
        }.joined(separator: ","))
    }

    var data: Data { Data((lines.joined(separator: "\r\n") + "\r\n").utf8) }
}

/// `datapackage.json`: one Table Schema per file.
enum PackageDescriptor {
    static func make(slug: String, titles: [String: String], contest: Contest, config: SiteConfig, k: Int, created: String,
                     countries: [String], teamSizes: [String]) -> Data {
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
                field("entries", "integer", "Entries received (withdrawn ones included)", ["required": true, "minimum": 0]),
                field("k", "integer", "Small-cell suppression threshold", ["required": true, "minimum": 1]),
            ], key: ["contest"]),
            resource("criteria", "Judging criteria", [
                field("criterion", "string", "Criterion identifier", ["required": true, "unique": true]),
                field("name_en", "string", "Name in English"), field("name_ja", "string", "Name in Japanese"),
                field("weight", "integer", "Weight in the overall score (weights sum to 100)", ["required": true, "minimum": 0, "maximum": 100]),
                field("scale_min", "integer", "Lowest score", required), field("scale_max", "integer", "Highest score", required),
            ], key: ["criterion"]),
            resource("entries", "Entries as pseudonyms", [
                field("entry", "string", "Pseudonym, random for each export", entryPattern.merging(["unique": true]) { a, _ in a }),
                field("country", "string", "Country as the entrant gave it, or 'other' (small-cell suppression)", ["required": true, "enum": countries]),
                field("team_size", "string", "Number of team members, or 'other' (small-cell suppression)", ["required": true, "enum": teamSizes]),
                field("files", "integer", "Files sent", ["required": true, "minimum": 0]),
                field("bytes", "integer", "Total size of the files in bytes", ["required": true, "minimum": 0]),
                field("received_day", "date", "Day the entry arrived (\(config.timeZone.identifier))", required),
                field("status", "string", "active, or withdrawn by the entrant", ["required": true, "enum": ["active", "withdrawn"]]),
            ], key: ["entry"]),
            resource("judges", "Judges as pseudonyms", [
                field("judge", "string", "Pseudonym, random for each export", judgePattern.merging(["unique": true]) { a, _ in a }),
            ], key: ["judge"]),
            resource("scores", "Every score a judge gave (withdrawn entries left out)", [
                field("entry", "string", "Entry pseudonym", entryPattern), field("judge", "string", "Judge pseudonym", judgePattern),
                field("criterion", "string", "Criterion identifier", required),
                field("value", "integer", "The score, on the criterion's scale", required),
            ], key: ["entry", "judge", "criterion"],
               foreign: [reference("entry", "entries", "entry"), reference("judge", "judges", "judge"), reference("criterion", "criteria", "criterion")]),
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
            "resources": resources,
        ]
        let data = try! JSONSerialization.data(withJSONObject: descriptor, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return data + Data("\n".utf8)
    }
}
