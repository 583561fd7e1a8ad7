import CompeCore
import Foundation

/// A parsed iteration file with the positions the linter needs.
public struct BacklogFile: Sendable {
    /// Display path.
    public var path: String
    /// The iteration (nil when its front matter is unusable).
    public var iteration: Iteration?
    /// Where each item's id is written, for duplicate-id messages and anchors.
    public var itemLocations: [String: SourceLocation]
    /// Where the `iteration:` number is written.
    public var numberLocation: SourceLocation
}

/// Reads `Content/backlog/<iteration>.md`: front matter, then `## ID title` items, each with
/// its `- key: value` list and free Markdown. Every problem is reported at its line and column;
/// nothing is skipped silently.
public struct BacklogParser {
    /// Keys an iteration's front matter may have.
    public static let frontMatterKeys = ["iteration", "title", "goal", "start", "end", "capacity"]
    /// Keys an item's list may have.
    public static let itemKeys = ["points", "status", "owner", "labels", "added", "done", "entry"]

    let languages: [String]

    /// Creates a parser; `languages` are the site's (for bilingual titles and goals).
    public init(languages: [String]) { self.languages = languages }

    /// Parses one file's text.
    public func parse(_ text: String, path: String, slug: String, diags: inout Diagnostics) -> BacklogFile {
        var file = BacklogFile(path: path, iteration: nil, itemLocations: [:], numberLocation: SourceLocation(path: path))
        let doc: FrontMatterDocument
        switch FrontMatterDocument.split(text, path: path) {
        case .failure(let e):
            diags.append(contentsOf: e.diagnostics.map { d in
                var d = d
                if d.message.hasPrefix("missing front matter") {
                    d.message = "missing front matter: a backlog file starts with '---', then iteration, title, start, end (and capacity), then '---'"
                }
                return d
            })
            return file
        case .success(let d): doc = d
        }
        let source = YAMLSource(path: path, lineOffset: doc.yamlLineOffset)
        guard let node = source.parse(doc.yaml, into: &diags),
              let f = YAMLFields(node, source: source, context: "front matter", diags: &diags) else { return file }
        f.rejectUnknownKeys(allowed: Self.frontMatterKeys, diags: &diags)
        let number = f.int("iteration", required: true, diags: &diags)
        file.numberLocation = f.location(ofKey: "iteration")
        let title = f.localizedString("title", required: true, languages: languages, diags: &diags)
        let goal = f.localizedString("goal", languages: languages, diags: &diags) ?? [:]
        let start = day(f, "start", diags: &diags)
        let end = day(f, "end", diags: &diags)
        if let start, let end, end < start {
            diags.error(f.location(ofKey: "end"), "'end' is before 'start'")
        }
        let capacity = f.int("capacity", diags: &diags)
        if let capacity, capacity < 0 { diags.error(f.location(ofKey: "capacity"), "capacity must be 0 or more") }

        let items = parseItems(doc, path: path, start: start, end: end, locations: &file.itemLocations, diags: &diags)
        if let number, let title, let start, let end {
            file.iteration = Iteration(number: number, title: title, goal: goal, start: start, end: end, capacity: capacity,
                                       items: items, slug: slug)
        }
        return file
    }

    func day(_ f: YAMLFields, _ key: String, diags: inout Diagnostics) -> Date? {
        guard let node = f.require(key, diags: &diags) else { return nil }
        guard let s = node.scalar?.string, let d = DateParsing.day(s) else {
            diags.error(f.source.location(node), "'\(key)' is not a valid date: write it as YYYY-MM-DD, e.g. 2027-01-11")
            return nil
        }
        return d
    }

    // MARK: items

    struct Line {
        var number: Int
        var text: Substring
    }

    func parseItems(_ doc: FrontMatterDocument, path: String, start: Date?, end: Date?,
                    locations: inout [String: SourceLocation], diags: inout Diagnostics) -> [BacklogItem] {
        let lines = doc.body.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            Line(number: doc.bodyFirstLine + $0.offset, text: $0.element)
        }
        var items: [BacklogItem] = []
        var i = 0
        var inFence = false
        while i < lines.count {
            let line = lines[i]
            if line.text.hasPrefix("```") || line.text.hasPrefix("~~~") { inFence.toggle() }
            guard !inFence, line.text.hasPrefix("## ") else { i += 1; continue }
            // The item's lines run to the next level-2 heading outside code fences.
            var j = i + 1
            var fence = false
            while j < lines.count {
                if lines[j].text.hasPrefix("```") || lines[j].text.hasPrefix("~~~") { fence.toggle() }
                if !fence && lines[j].text.hasPrefix("## ") { break }
                j += 1
            }
            if let item = parseItem(lines[i], Array(lines[(i + 1)..<j]), path: path, start: start, end: end,
                                    locations: &locations, diags: &diags) {
                items.append(item)
            }
            i = j
        }
        return items
    }

    static func isID(_ s: Substring) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let p = parts[0].first, p.isASCII && p.isUppercase,
              parts[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return true
    }

    func parseItem(_ heading: Line, _ rest: [Line], path: String, start: Date?, end: Date?,
                   locations: inout [String: SourceLocation], diags: inout Diagnostics) -> BacklogItem? {
        let headingText = heading.text.dropFirst(3)
        let idText = headingText.prefix { !$0.isWhitespace }
        let title = headingText.dropFirst(idText.count).trimmingCharacters(in: .whitespaces)
        let idLocation = SourceLocation(path: path, line: heading.number, column: 4)
        guard Self.isID(idText) else {
            diags.error(idLocation, "an item heading starts with its id, like '## APP-101 Upload progress bar' (got '\(idText)')")
            return nil
        }
        let id = String(idText)
        if title.isEmpty { diags.error(idLocation, "item \(id) has no title after its id") }
        if let first = locations[id] {
            diags.error(idLocation, "duplicate id \(id): also at \(first)")
        } else {
            locations[id] = idLocation
        }

        // The key list: '- key: value' lines right after the heading (blank lines allowed before it).
        var k = 0
        while k < rest.count && rest[k].text.trimmingCharacters(in: .whitespaces).isEmpty { k += 1 }
        var values: [String: (value: String, location: SourceLocation)] = [:]
        while k < rest.count, let (key, value, column) = Self.keyValue(rest[k].text) {
            let location = SourceLocation(path: path, line: rest[k].number, column: column)
            if !Self.itemKeys.contains(key) {
                let hint = Self.itemKeys.min { editDistance($0, key) < editDistance($1, key) }.flatMap { editDistance($0, key) <= 2 ? $0 : nil }
                diags.error(location, "unknown key '\(key)' in item \(id)" + (hint.map { "; did you mean '\($0)'?" } ?? "")
                            + " (allowed: \(Self.itemKeys.joined(separator: ", ")))")
            } else if let first = values[key] {
                diags.error(location, "duplicate key '\(key)' in item \(id) (first at line \(first.location.line))")
            } else {
                values[key] = (value, SourceLocation(path: path, line: rest[k].number, column: column + key.count + 2))
            }
            k += 1
        }
        let body = rest[k...].map { String($0.text) }.joined(separator: "\n").trimmingCharacters(in: .newlines)

        var points = 0
        if let (v, loc) = values["points"] {
            if let n = Int(v), BacklogItem.pointScale.contains(n) { points = n } else {
                diags.error(loc, "points '\(v)' is off the scale \(BacklogItem.pointScale.map(String.init).joined(separator: ", "))")
            }
        } else {
            diags.warning(idLocation, "item \(id) has no points: it counts as 0 in charts")
        }
        var status = BacklogItem.Status.todo
        if let (v, loc) = values["status"] {
            if let s = BacklogItem.Status(rawValue: v) { status = s } else {
                diags.error(loc, "status '\(v)' is not one of \(BacklogItem.Status.allCases.map(\.rawValue).joined(separator: " | "))")
            }
        }
        func date(_ key: String) -> Date? {
            guard let (v, loc) = values[key] else { return nil }
            guard let d = DateParsing.day(v) else {
                diags.error(loc, "'\(key)' is not a valid date: write it as YYYY-MM-DD")
                return nil
            }
            if let start, let end, d < start || d > end {
                diags.error(loc, "'\(key)' \(v) is outside the iteration (\(DateParsing.ymd(start)) to \(DateParsing.ymd(end)))")
            }
            return d
        }
        let added = date("added") ?? start ?? Date(timeIntervalSince1970: 0)
        let done = date("done")
        if status == .done && done == nil && values["done"] == nil {
            diags.error(values["status"]?.location ?? idLocation, "item \(id) is done but has no 'done:' date")
        }
        if let done, done < added { diags.error(values["done"]!.location, "'done' is before 'added'") }
        var entry: String? = nil
        if let (v, loc) = values["entry"] {
            // `E-0007`, or `<contest>/E-0007` to name the contest when the build has no Data/ to look it up.
            let code = v.split(separator: "/").last.map(String.init) ?? v
            let slugOK = !v.contains("/") || v.split(separator: "/").count == 2
            if slugOK, code.hasPrefix("E-"), code.count >= 6, code.dropFirst(2).allSatisfy({ $0.isASCII && $0.isNumber }) { entry = v } else {
                diags.error(loc, "entry '\(v)' is not an entry id such as E-0007 (or contest/E-0007)")
            }
        }
        let labels = values["labels"].map { $0.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        let owner = values["owner"].map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        return BacklogItem(id: id, title: title, points: points, status: status, owner: owner, labels: labels, added: added,
                           done: done, entry: entry, checklist: Self.checklist(body), body: body)
    }

    /// `- key: value  # comment` → (key, value, column of key).
    static func keyValue(_ line: Substring) -> (String, String, Int)? {
        guard line.hasPrefix("- ") else { return nil }
        let rest = line.dropFirst(2)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let key = rest[..<colon]
        guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") }) else { return nil }
        var value = rest[rest.index(after: colon)...]
        if let hash = value.range(of: " #") { value = value[..<hash.lowerBound] }
        return (String(key), value.trimmingCharacters(in: .whitespaces), 3)
    }

    /// Counts `- [ ]` and `- [x]` task boxes.
    static func checklist(_ body: String) -> (done: Int, total: Int) {
        var done = 0, total = 0
        for line in body.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("- [ ]") || t.hasPrefix("* [ ]") { total += 1 }
            if t.hasPrefix("- [x]") || t.hasPrefix("- [X]") || t.hasPrefix("* [x]") { total += 1; done += 1 }
        }
        return (done, total)
    }
}

/// Loads every `Content/backlog/*.md` and checks what spans files (duplicate ids and numbers).
public struct BacklogLoader {
    let root: URL
    let displayRoot: String
    let languages: [String]

    /// Creates a loader for `Content/` (`displayRoot` is how paths are shown).
    public init(root: URL, displayRoot: String, languages: [String]) {
        self.root = root
        self.displayRoot = displayRoot
        self.languages = languages
    }

    /// Parses all files; iterations are sorted by number.
    public func load(_ diags: inout Diagnostics) -> [Iteration] {
        let dir = root.appendingPathComponent("backlog")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        var files: [BacklogFile] = []
        for name in names where !name.hasPrefix(".") {
            let path = displayRoot.hasSuffix("/") ? "\(displayRoot)backlog/\(name)" : "\(displayRoot)/backlog/\(name)"
            guard name.hasSuffix(".md") else {
                diags.warning(SourceLocation(path: path), "ignored: backlog/ holds <iteration>.md files")
                continue
            }
            let slug = String(name.dropLast(3))
            guard !slug.isEmpty, slug.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "_" }) else {
                diags.error(SourceLocation(path: path), "backlog file names may use only a-z, 0-9, '-' and '_' (they become URLs)")
                continue
            }
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path),
                  let text = String(data: data, encoding: .utf8) else {
                diags.error(SourceLocation(path: path), "file is not valid UTF-8: save it as UTF-8")
                continue
            }
            files.append(BacklogParser(languages: languages).parse(text, path: path, slug: slug, diags: &diags))
        }
        var seenIDs: [String: SourceLocation] = [:]
        var seenNumbers: [Int: SourceLocation] = [:]
        for file in files {
            for (id, location) in file.itemLocations.sorted(by: { $0.value < $1.value }) {
                if let first = seenIDs[id] {
                    diags.error(location, "duplicate id \(id): also at \(first)")
                } else {
                    seenIDs[id] = location
                }
            }
            if let n = file.iteration?.number {
                if let first = seenNumbers[n] { diags.error(file.numberLocation, "iteration \(n) is also defined at \(first)") }
                seenNumbers[n] = file.numberLocation
            }
        }
        return files.compactMap(\.iteration).sorted { $0.number < $1.number }
    }
}

extension ContentLoader {
    /// The backlog alone, as `compe backlog` needs it: `site.yml` (for its languages and time
    /// zone) and every iteration file, with every problem found. `config` is nil when
    /// `site.yml` cannot be read (the diagnostics say why).
    public func loadBacklog() -> (config: SiteConfig?, iterations: [Iteration], diagnostics: Diagnostics) {
        var diags = Diagnostics()
        guard let config = loadConfig(&diags) else { return (nil, [], diags) }
        let iterations = BacklogLoader(root: root, displayRoot: displayRoot, languages: config.languages).load(&diags)
        return (config, iterations, diags)
    }
}
