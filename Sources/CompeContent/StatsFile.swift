import CompeCore
import Foundation

/// A contest's statistics, as `compe stats --json` prints them and as
/// `Content/contests/<slug>/stats.json` keeps them once published: counts only, every country,
/// team size and file type small-cell suppressed (`SmallCells`), so the file can be reviewed,
/// committed and shown on the site as it is.
public struct ContestStats: Codable, Sendable, Hashable {
    /// Entries received on one day (site time zone).
    public struct Day: Codable, Sendable, Hashable {
        public var day: String
        public var new: Int
        public var cumulative: Int
        public init(day: String, new: Int, cumulative: Int) {
            self.day = day
            self.new = new
            self.cumulative = cumulative
        }
    }

    /// Entrants in one category (a country, a team size, a file type), or `other`.
    public struct Count: Codable, Sendable, Hashable {
        public var label: String
        public var entries: Int
        public init(label: String, entries: Int) {
            self.label = label
            self.entries = entries
        }
    }

    /// The spread of one number over the entries. The smallest and largest values are one
    /// entrant's own (the biggest upload, the first entry), so they are not published: `low`
    /// and `high` are the k-th lowest and k-th highest values instead (at least k entrants lie
    /// at or beyond each), null when there are fewer than k values.
    public struct Summary: Codable, Sendable, Hashable {
        public var mean: Double
        public var median: Double
        @NullEncoded public var low: Double?
        @NullEncoded public var high: Double?

        /// The summary of `values` under the small-cell threshold `k` (zeros and nulls when
        /// there are no values), rounded to two decimals.
        public init(_ values: [Double], k: Int) {
            let sorted = values.sorted()
            func r(_ x: Double) -> Double { (x * 100).rounded() / 100 }
            guard !sorted.isEmpty else { mean = 0; median = 0; low = nil; high = nil; return }
            let mid = sorted.count / 2
            mean = r(sorted.reduce(0, +) / Double(sorted.count))
            median = r(sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2)
            let k = max(1, k)
            low = sorted.count >= k ? r(sorted[k - 1]) : nil
            high = sorted.count >= k ? r(sorted[sorted.count - k]) : nil
        }

    }

    /// How far the panel has got.
    public struct Judging: Codable, Sendable, Hashable {
        public var judges: Int
        public var assigned: Int
        public var complete: Int
        public init(judges: Int, assigned: Int, complete: Int) {
            self.judges = judges
            self.assigned = assigned
            self.complete = complete
        }
    }

    /// Krippendorff's alpha (interval) of one criterion, or of the weighted score (`criterion` = "overall").
    public struct Agreement: Codable, Sendable, Hashable {
        public var criterion: String
        @NullEncoded public var alpha: Double?
        public init(criterion: String, alpha: Double?) {
            self.criterion = criterion
            self.alpha = alpha
        }

    }

    /// The questions entrants asked before the deadline: counts, and how long an answer took.
    /// Questions are anonymous and their answers public, so nothing here is suppressed.
    public struct Questions: Codable, Sendable, Hashable {
        public var asked: Int
        public var answered: Int
        public var dismissed: Int
        /// Neither answered nor dismissed yet.
        public var open: Int
        /// Median days from a question to its answer (two decimals); null before the first answer.
        @NullEncoded public var medianDaysToAnswer: Double?

        /// The figures of questions asked at `asked` and answered (or dismissed) as `closed`.
        public init(asked: Int, answered: Int, dismissed: Int, daysToAnswer: [Double]) {
            self.asked = asked
            self.answered = answered
            self.dismissed = dismissed
            open = asked - answered - dismissed
            medianDaysToAnswer = daysToAnswer.isEmpty ? nil : Summary(daysToAnswer, k: 1).median
        }
    }

    public var contest: String
    /// When the numbers were taken (YYYY-MM-DD, site time zone).
    public var generated: String
    public var timeZone: String
    /// The suppression threshold and the rule in words.
    public var k: Int
    public var suppression: String
    /// Entries not withdrawn: the one population every other figure here counts (and the
    /// open-data package lists), so no two published numbers differ by a withdrawal.
    public var entries: Int
    public var withdrawn: Int
    /// Changes entrants made after sending (each saved edit counts once).
    public var edits: Int
    public var perDay: [Day]
    public var countries: [Count]
    public var teamSizes: [Count]
    public var filesPerEntry: Summary
    public var bytesPerEntry: Summary
    public var fileTypes: [Count]
    /// Days from the contest's opening to each entry.
    public var daysToEntry: Summary
    public var judging: Judging
    public var agreement: [Agreement]
    /// For a contest in stages: the active entries in each stage, first to last (`label`: the
    /// stage id). Absent for a contest of one stage. Finalists are public (the shortlist page
    /// names them), so these counts are not suppressed.
    public var funnel: [Count]?
    /// Questions asked and answered; absent for a contest that takes none and got none.
    public var questions: Questions?

    public init(contest: String, generated: String, timeZone: String, k: Int, entries: Int, withdrawn: Int, edits: Int,
                perDay: [Day], countries: [Count], teamSizes: [Count], filesPerEntry: Summary, bytesPerEntry: Summary,
                fileTypes: [Count], daysToEntry: Summary, judging: Judging, agreement: [Agreement], funnel: [Count]? = nil, questions: Questions? = nil) {
        self.contest = contest
        self.generated = generated
        self.timeZone = timeZone
        self.k = k
        suppression = SmallCells.description(k: k)
        self.entries = entries
        self.withdrawn = withdrawn
        self.edits = edits
        self.perDay = perDay
        self.countries = countries
        self.teamSizes = teamSizes
        self.filesPerEntry = filesPerEntry
        self.bytesPerEntry = bytesPerEntry
        self.fileTypes = fileTypes
        self.daysToEntry = daysToEntry
        self.judging = judging
        self.agreement = agreement
        self.funnel = funnel
        self.questions = questions
    }
}

/// A published `Content/contests/<slug>/stats.json`.
public struct StatsSource: Sendable {
    /// Display path of the file.
    public var path: String
    public var slug: String
    public var stats: ContestStats
}

/// Reading and writing `stats.json` in one place (one encoder, one decoder).
public enum StatsFile {
    /// The file's text: pretty, keys sorted, snake_case, so reviews show small diffs.
    public static func render(_ stats: ContestStats) throws -> Data {
        let encoder = JSONCoding.encoder(pretty: true)
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(stats) + Data("\n".utf8)
    }

    /// Reads the file at display path `path` of contest `slug`; a problem goes to `diags` with
    /// the line and column JSON parsing reports, or the key that is wrong.
    static func parse(_ data: Data, path: String, slug: String, diags: inout Diagnostics) -> StatsSource? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let stats = try decoder.decode(ContestStats.self, from: data)
            guard stats.contest == slug else {
                diags.error(SourceLocation(path: path, line: 1, column: 1), "stats.json is for contest '\(stats.contest)', but lies in the folder of '\(slug)'")
                return nil
            }
            return StatsSource(path: path, slug: slug, stats: stats)
        } catch let DecodingError.keyNotFound(key, context) {
            diags.error(SourceLocation(path: path, line: 1, column: 1), "stats.json lacks '\(Self.keyPath(context.codingPath + [key]))': write it again with 'compe stats publish'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            diags.error(SourceLocation(path: path, line: 1, column: 1), "stats.json: wrong value at '\(Self.keyPath(context.codingPath))': \(context.debugDescription)")
        } catch {
            // Foundation's decoder does not say where JSON is broken; its parser does ("around character N").
            var message = "not valid JSON", line = 1, column = 1
            do {
                _ = try JSONSerialization.jsonObject(with: data)
            } catch let syntax {
                let text = (syntax as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? String(describing: syntax)
                message = "not valid JSON: " + text.replacingOccurrences(of: #" around character \d+\.?"#, with: "", options: .regularExpression)
                if let range = text.range(of: #"character (\d+)"#, options: .regularExpression), let offset = Int(text[range].dropFirst(10)) {
                    for byte in data.prefix(offset) { if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 } }
                }
            }
            diags.error(SourceLocation(path: path, line: line, column: column), "stats.json is \(message)")
        }
        return nil
    }

    static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
