import CompeContent
import CompeCore
import Foundation

/// The statistics page of a contest (`/contests/<slug>/stats/`, from its committed stats.json),
/// its CSV downloads, and the open-data catalogue (`/data/`, from `Content/data/`).
extension PageRenderer {
    /// The tables of a statistics page: file name, columns and rows, the same on the page and
    /// in the CSV a reader downloads.
    struct StatsTable {
        var id: String
        var file: String
        var columns: [String]
        var rows: [[String]]

        /// The table as the download: the first column is a label, the others numbers.
        var csv: String {
            var table = CSVWriter(columns.enumerated().map { CSVWriter.Column($1, $0 == 0 ? .text : .number) })
            for row in rows { table.add(row) }
            return table.string
        }
    }

    static func statsTables(_ s: ContestStats, t: UIText) -> [StatsTable] {
        func counts(_ id: String, _ column: String, _ rows: [ContestStats.Count]) -> StatsTable {
            StatsTable(id: id, file: "\(id).csv", columns: [column, t[.entries]], rows: rows.map { [Charts.label($0.label, t), String($0.entries)] })
        }
        func summary(_ name: String, _ x: ContestStats.Summary) -> [String] {
            [name] + [x.mean, x.median, x.low, x.high].map { v in v.map { $0 == $0.rounded() ? String(Int($0)) : String(format: "%.2f", $0) } ?? "–" }
        }
        return [
            StatsTable(id: "entries-per-day", file: "entries-per-day.csv", columns: [t[.day], t[.newEntries], t[.cumulativeEntries]],
                       rows: s.perDay.map { [$0.day, String($0.new), String($0.cumulative)] }),
            counts("countries", t[.country], s.countries),
            counts("team-sizes", t[.members], s.teamSizes),
            counts("file-types", t[.fileTypes], s.fileTypes),
            StatsTable(id: "per-entry", file: "per-entry.csv", columns: [t[.perEntry], t[.mean], t[.median], t[.lowK], t[.highK]],
                       rows: [summary(t[.filesPerEntry], s.filesPerEntry), summary(t[.bytesPerEntry], s.bytesPerEntry),
                              summary(t[.daysToEntry], s.daysToEntry)]),
            StatsTable(id: "agreement", file: "agreement.csv", columns: [t[.criterion], "α"],
                       rows: s.agreement.map { [$0.criterion == "overall" ? t[.overall] : $0.criterion, $0.alpha.map { String(format: "%.3f", $0) } ?? "–"] }),
        ] + (s.funnel.map { [counts("funnel", t[.stage], $0)] } ?? [])
          + (s.questions.map { [questionsTable($0, t: t)] } ?? [])
    }

    /// The questions' figures as a table (and `questions.csv`): one figure a row.
    static func questionsTable(_ q: ContestStats.Questions, t: UIText) -> StatsTable {
        let median = q.medianDaysToAnswer.map { $0 == $0.rounded() ? String(Int($0)) : String(format: "%.2f", $0) } ?? "–"
        return StatsTable(id: "questions", file: "questions.csv", columns: [t[.questions], t[.figureValue]],
                          rows: [[t[.questionsAsked], String(q.asked)], [t[.questionsAnswered], String(q.answered)],
                                 [t[.questionsDismissed], String(q.dismissed)], [t[.questionsPending], String(q.open)],
                                 [t[.medianDaysToAnswer], median]])
    }

    func renderStats(_ source: ContestSource) -> OutputFile {
        let c = source.contest, lang = c.language
        let t = UIStrings.text(for: lang)
        let stats = content.stats[c.slug]!
        let s = stats.stats
        let url = source.url + "stats/"
        var translations: [String: String] = [:]
        for (l, u) in contestURLs[c.slug] ?? [:] { translations[l] = u + "stats/" }
        var ctx = base(language: lang, url: url, title: "\(t[.statistics]): \(c.title)", description: c.description, translations: translations)
        ctx["contest_url"] = .text(source.url)
        ctx["contest_title"] = .text(c.title)
        ctx["generated"] = .text(s.generated)
        ctx["timezone"] = .text(s.timeZone)
        ctx["suppression_note"] = .text(String(format: t[.suppressionNote], s.k))
        let percent = s.judging.assigned == 0 ? 0 : 100 * s.judging.complete / s.judging.assigned
        ctx["figures"] = .objects([
            ["label": .text(t[.entries]), "value": .int(s.entries)],
            ["label": .text(t[.withdrawnEntries]), "value": .int(s.withdrawn)],
            ["label": .text(t[.edits]), "value": .int(s.edits)],
            ["label": .text(t[.judges]), "value": .int(s.judging.judges)],
            ["label": .text(t[.sheetsComplete]), "value": .text("\(s.judging.complete) / \(s.judging.assigned) (\(percent)%)")],
        ])
        let tables = Self.statsTables(s, t: t)
        func table(_ x: StatsTable, title: String, svg: String?) -> TemplateContext {
            var o: TemplateContext = ["id": .text(x.id), "title": .text(title), "csv": .text(url + x.file),
                                      "columns": .objects(x.columns.map { ["name": .text($0)] }),
                                      "rows": .objects(x.rows.map { ["cells": .objects($0.map { ["value": .text($0)] })] })]
            if let svg { o["svg"] = .text(svg) }
            return o
        }
        var charts: [TemplateValue] = [
            .object(table(tables[0], title: t[.cumulativeEntries], svg: Charts.cumulative(s.perDay, t: t))),
            .object(table(tables[1], title: t[.countries], svg: Charts.bars("countries", s.countries, title: t[.countries], t: t))),
            .object(table(tables[2], title: t[.teamSizes], svg: Charts.bars("team-sizes", s.teamSizes, title: t[.teamSizes], t: t))),
        ]
        if let funnel = s.funnel, let funnelTable = tables.first(where: { $0.id == "funnel" }) {
            // Entries → shortlist → final, each stage by its name in the page's language.
            let named = funnel.map { ContestStats.Count(label: c.stage($0.label)?.name ?? $0.label, entries: $0.entries) }
            charts.insert(.object(table(funnelTable, title: t[.funnel], svg: Charts.bars("funnel", named, title: t[.funnel], t: t))), at: 1)
        }
        ctx["charts"] = .list(charts)
        var plain: [TemplateValue] = [
            .object(table(tables[3], title: t[.fileTypes], svg: nil)),
            .object(table(tables[4], title: t[.perEntry], svg: nil)),
            .object(table(tables[5], title: t[.agreement], svg: nil)),
        ]
        if let questions = tables.first(where: { $0.id == "questions" }) { plain.append(.object(table(questions, title: t[.questions], svg: nil))) }
        ctx["tables"] = .list(plain)
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("stats", ctx),
                          origin: .init(path: stats.path, markdown: "", bodyFirstLine: 1, template: "stats"))
    }

    /// The CSV behind every table of every statistics page, next to the page.
    func statsDownloads() -> [OutputFile] {
        content.contests.compactMap { source -> [OutputFile]? in
            guard let stats = content.stats[source.contest.slug] else { return nil }
            let t = UIStrings.text(for: source.contest.language)
            return Self.statsTables(stats.stats, t: t).map {
                OutputFile(path: String(OutputFile.path(forURL: source.url + "stats/").dropLast("index.html".count)) + $0.file, text: $0.csv)
            }
        }.flatMap { $0 }
    }

    /// The packages' files, copied as committed to `/data/<slug>/`.
    func dataPackageFiles() -> [OutputFile] {
        content.dataPackages.flatMap { package in
            package.files.compactMap { file -> OutputFile? in
                guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
                return OutputFile(path: "data/\(package.slug)/\(file.name)", bytes: [UInt8](data))
            }
        }
    }

    func renderDataCatalog(_ lang: String) -> OutputFile {
        let t = UIStrings.text(for: lang)
        let url = config.urlPath("data", language: lang)
        var ctx = base(language: lang, url: url, title: t[.openData], description: t[.openDataLead], translations: everyLanguage("data"))
        ctx["has_datasets"] = .bool(!content.dataPackages.isEmpty)
        ctx["datasets"] = .objects(content.dataPackages.map { p in
            let titles = Dictionary(uniqueKeysWithValues: p.resources.map { ($0.path, $0.title) })
            return ["slug": .text(p.slug), "title": .text(p.title(in: lang)), "description": .text(p.description),
                    "license": .text(p.license.title.isEmpty ? p.license.name : p.license.title), "license_url": .text(p.license.path),
                    "created": .text(p.created),
                    "files": .objects(p.files.map { f in
                        ["name": .text(f.name), "url": .text("/data/\(p.slug)/\(f.name)"), "title": .text(titles[f.name] ?? (f.name == "datapackage.json" ? "Data Package descriptor" : "")),
                         "bytes": .int(f.bytes)]
                    })]
        })
        if let key = content.signingKey { ctx["signing_key"] = .text(key) }
        if content.hasSharingRegister { ctx["sharing_url"] = .text(sharingURL(lang)) }
        ctx["json_ld"] = .text(DataCatalogLD.json(content.dataPackages, config: config, catalogURL: url, language: lang, t: t))
        return OutputFile(path: OutputFile.path(forURL: url), bytes: wrap("data", ctx), origin: nil)
    }
}

/// DCAT-AP metadata of the open-data catalogue as JSON-LD: one `dcat:Catalog`, a `dcat:Dataset`
/// per package, a `dcat:Distribution` per file (media type, licence, issued), so a CKAN-style
/// portal can harvest `/data/`. The context is inline: no remote fetch is needed to read it.
enum DataCatalogLD {
    static func json(_ packages: [DataPackageSource], config: SiteConfig, catalogURL: String, language: String, t: UIText) -> String {
        let base = config.baseURL
        func typed(_ value: String, _ type: String) -> [String: Any] { ["@value": value, "@type": type] }
        func texts(_ byLanguage: [String: String]) -> [[String: Any]] {
            byLanguage.sorted { $0.key < $1.key }.map { ["@value": $0.value, "@language": $0.key] }
        }
        let datasets: [[String: Any]] = packages.map { p in
            let titles = Dictionary(uniqueKeysWithValues: p.resources.map { ($0.path, $0.title) })
            let distributions: [[String: Any]] = p.files.map { f in
                let media = f.name.hasSuffix(".json") ? "application/json" : f.name.hasSuffix(".csv") ? "text/csv" : "application/octet-stream"
                let url = base + "/data/\(p.slug)/\(f.name)"
                return ["@id": url, "@type": "dcat:Distribution", "dct:title": titles[f.name] ?? f.name,
                        "dcat:accessURL": ["@id": url], "dcat:downloadURL": ["@id": url],
                        "dcat:mediaType": ["@id": "https://www.iana.org/assignments/media-types/\(media)"],
                        "dct:format": media == "text/csv" ? "CSV" : media == "application/json" ? "JSON" : "Other",
                        "dct:license": ["@id": p.license.path], "dct:issued": typed(p.created, "xsd:dateTime"),
                        "dcat:byteSize": typed(String(f.bytes), "xsd:nonNegativeInteger")]
            }
            return ["@id": base + "/data/\(p.slug)/", "@type": "dcat:Dataset", "dct:identifier": p.slug, "dct:title": texts(p.titles),
                    "dct:description": p.description, "dct:issued": typed(p.created, "xsd:dateTime"), "dct:license": ["@id": p.license.path],
                    "dcat:keyword": ["design contest", "open innovation", "policy evaluation"],
                    "dcat:landingPage": ["@id": base + catalogURL + "#\(p.slug)-heading"], "dcat:distribution": distributions]
        }
        let catalog: [String: Any] = [
            "@context": ["dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
                         "xsd": "http://www.w3.org/2001/XMLSchema#"],
            "@id": base + catalogURL, "@type": "dcat:Catalog",
            "dct:title": texts(Dictionary(uniqueKeysWithValues: config.languages.map { ($0, config.title(in: $0) + " — " + UIStrings.text(for: $0)[.openData]) })),
            "dct:description": t[.openDataLead], "dct:language": ["@id": "http://id.loc.gov/vocabulary/iso639-1/\(language)"],
            "dct:publisher": ["@type": "foaf:Agent", "foaf:name": config.title(in: language)],
            "foaf:homepage": ["@id": base + "/"], "dcat:dataset": datasets,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: catalog, options: [.sortedKeys])) ?? Data("{}".utf8)
        // Inside <script>: "/" is already escaped by JSONSerialization (no "</script>"); "<" too, for "<!--".
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
