import CompeCore
import Foundation
import Yams

/// Reads a contest brief's front matter into a `Contest`, checking every rule of SPEC.md.
struct BriefReader {
    var fields: YAMLFields
    var slug: String
    var language: String

    /// Keys a default-language brief may have.
    static let keys = ["title", "description", "opens", "closes", "prizes", "team_size", "uploads", "criteria", "judging", "draft",
                       "stages", "advance", "questions", "questions_close"]
    /// Keys a translation may have: text only; numbers and dates live in brief.md.
    static let translationKeys = ["title", "description", "prizes", "criteria", "stages"]

    func contest(diags: inout Diagnostics) -> Contest? {
        let f = fields
        f.rejectUnknownKeys(allowed: Self.keys, diags: &diags)
        let title = f.string("title", required: true, diags: &diags)
        let opens = f.dateTime("opens", required: true, diags: &diags)
        let closes = f.dateTime("closes", required: true, diags: &diags)
        if let opens, let closes, closes <= opens {
            diags.error(f.location(ofKey: "closes"), "'closes' must be after 'opens'")
        }
        let prizes = f.stringList("prizes", diags: &diags) ?? []
        let teamSize = readTeamSize(diags: &diags)
        let uploads = readUploads(f, diags: &diags)
        let criteria = readCriteria(f, diags: &diags)
        let judging = readJudging(f, diags: &diags)
        let later = closes.flatMap { StageReader(brief: self).stages(firstCloses: $0, diags: &diags) }
        let questions = readQuestions(closes: closes, diags: &diags)
        guard let title, let opens, let closes, let criteria, let later else { return nil }
        return Contest(slug: slug, language: language, title: title,
                       description: f.string("description", diags: &diags) ?? "",
                       opens: opens, closes: closes, prizes: prizes, teamSize: teamSize, uploads: uploads,
                       criteria: criteria, judging: judging, draft: f.bool("draft", diags: &diags) ?? false, later: later,
                       questions: questions)
    }

    /// `questions: false` (no questions), or `questions_close` (a date-time before `closes`);
    /// nil for the default, a week before `closes`.
    func readQuestions(closes: Date?, diags: inout Diagnostics) -> QuestionPeriod? {
        let f = fields
        if f.bool("questions", diags: &diags) == false {
            if f.value("questions_close") != nil {
                diags.error(f.location(ofKey: "questions_close"), "'questions_close' has no use with 'questions: false'")
            }
            return .off
        }
        guard let end = f.dateTime("questions_close", diags: &diags) else { return nil }
        if let closes, end > closes {
            diags.error(f.location(ofKey: "questions_close"), "'questions_close' must not be after 'closes': questions are answered before the deadline")
        }
        return .until(end)
    }

    func translation(diags: inout Diagnostics) -> ContestTranslation {
        let f = fields
        for pair in f.pairs where !Self.translationKeys.contains(pair.key) && Self.keys.contains(pair.key) {
            diags.error(f.source.location(pair.keyNode),
                        "'\(pair.key)' is set in brief.md only: translations carry text (title, description, prizes, criteria names and rubrics)")
        }
        f.rejectUnknownKeys(allowed: Self.keys, diags: &diags)
        var t = ContestTranslation(title: f.string("title", required: true, diags: &diags),
                                   description: f.string("description", diags: &diags),
                                   prizes: f.stringList("prizes", diags: &diags), criteria: [:],
                                   criteriaLocation: f.location(ofKey: "criteria"))
        t.criteria = Self.criteriaText(f, diags: &diags)
        for node in f.sequence("stages", diags: &diags) ?? [] {
            guard let s = YAMLFields(node, source: f.source, context: "stage", diags: &diags) else { continue }
            s.rejectUnknownKeys(allowed: ["id", "name", "criteria", "fields"], diags: &diags)
            guard let id = s.string("id", required: true, diags: &diags) else { continue }
            var labels: [String: (label: String, location: SourceLocation)] = [:]
            for fieldNode in s.sequence("fields", diags: &diags) ?? [] {
                guard let field = YAMLFields(fieldNode, source: f.source, context: "field", diags: &diags) else { continue }
                field.rejectUnknownKeys(allowed: ["id", "label"], diags: &diags)
                guard let fieldID = field.string("id", required: true, diags: &diags),
                      let label = field.string("label", required: true, diags: &diags) else { continue }
                labels[fieldID] = (label, f.source.location(fieldNode))
            }
            t.stages[id] = StageTranslation(name: s.string("name", diags: &diags), criteria: Self.criteriaText(s, diags: &diags),
                                            fieldLabels: labels, location: f.source.location(node))
        }
        return t
    }

    /// The translated names and rubrics of the criteria listed under `f`'s `criteria`.
    static func criteriaText(_ f: YAMLFields, diags: inout Diagnostics) -> [String: (name: String?, rubric: String?, location: SourceLocation)] {
        var out: [String: (name: String?, rubric: String?, location: SourceLocation)] = [:]
        for node in f.sequence("criteria", diags: &diags) ?? [] {
            guard let c = YAMLFields(node, source: f.source, context: "criterion", diags: &diags) else { continue }
            c.rejectUnknownKeys(allowed: ["id", "name", "rubric"], diags: &diags)
            guard let id = c.string("id", required: true, diags: &diags) else { continue }
            out[id] = (c.string("name", diags: &diags), c.string("rubric", diags: &diags), f.source.location(node))
        }
        return out
    }

    func readTeamSize(diags: inout Diagnostics) -> ClosedRange<Int> {
        guard let t = fields.fields("team_size", diags: &diags) else { return 1...5 }
        t.rejectUnknownKeys(allowed: ["min", "max"], diags: &diags)
        let lo = t.int("min", diags: &diags) ?? 1
        let hi = t.int("max", diags: &diags) ?? max(lo, 5)
        guard lo >= 1, hi >= lo, hi <= 100 else {
            diags.error(fields.location(ofKey: "team_size"), "team_size needs 1 <= min <= max <= 100 (got min \(lo), max \(hi))")
            return 1...5
        }
        return lo...hi
    }

    func readUploads(_ fields: YAMLFields, diags: inout Diagnostics) -> UploadPolicy {
        guard let u = fields.fields("uploads", diags: &diags) else { return .standard }
        u.rejectUnknownKeys(allowed: ["max_files", "max_file_mb", "types"], diags: &diags)
        var policy = UploadPolicy.standard
        if let n = u.int("max_files", diags: &diags) {
            if (1...20).contains(n) { policy.maxFiles = n } else {
                diags.error(u.source.location(u.value("max_files")), "max_files must be between 1 and 20")
            }
        }
        if let n = u.int("max_file_mb", diags: &diags) {
            if (1...4096).contains(n) { policy.maxFileMB = n } else {
                diags.error(u.source.location(u.value("max_file_mb")), "max_file_mb must be between 1 and 4096")
            }
        }
        if let typesNode = u.value("types") {
            let items = typesNode.sequence.map(Array.init) ?? [typesNode]
            var kinds: [FileKind] = []
            for item in items {
                let name = item.scalar?.string ?? ""
                let key = name.lowercased() == "jpg" ? "jpeg" : name.lowercased()
                if let kind = FileKind(rawValue: key) {
                    if !kinds.contains(kind) { kinds.append(kind) }
                } else if ["svg", "html", "htm", "xhtml"].contains(key) {
                    diags.error(u.source.location(item), "file type '\(name)' is not allowed: it can carry scripts that run in a judge's browser")
                } else {
                    diags.error(u.source.location(item),
                                "unknown file type '\(name)' (allowed: \(FileKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            if items.isEmpty {
                diags.error(u.location(ofKey: "types"), "types must list at least one file type")
            }
            if !kinds.isEmpty { policy.types = kinds }
        }
        return policy
    }

    func readCriteria(_ f: YAMLFields, diags: inout Diagnostics) -> [Criterion]? {
        guard let nodes = f.sequence("criteria", required: true, diags: &diags) else { return nil }
        guard !nodes.isEmpty else {
            diags.error(f.location(ofKey: "criteria"), "criteria must list at least one criterion")
            return nil
        }
        var out: [Criterion] = []
        var ids: [String: SourceLocation] = [:]
        var ok = true
        for (i, node) in nodes.enumerated() {
            guard let c = YAMLFields(node, source: f.source, context: "criteria[\(i)]", diags: &diags) else { ok = false; continue }
            c.rejectUnknownKeys(allowed: ["id", "name", "weight", "scale", "rubric"], diags: &diags)
            let id = c.string("id", required: true, diags: &diags)
            let name = c.string("name", required: true, diags: &diags)
            let weight = c.int("weight", required: true, diags: &diags)
            var scale = (1, 10)
            if let s = c.sequence("scale", diags: &diags) {
                let nums = s.compactMap { YAMLFields.int($0, key: "scale", source: f.source, diags: &diags) }
                if nums.count == 2, nums[0] < nums[1] { scale = (nums[0], nums[1]) } else {
                    diags.error(c.source.location(c.value("scale")), "scale must be [lowest, highest] with lowest < highest, e.g. [1, 10]")
                    ok = false
                }
            }
            let rubric = c.string("rubric", diags: &diags) ?? ""
            if rubric.isEmpty, c.has("id") {
                diags.warning(c.source.location(node), "criterion '\(id ?? "")' has no rubric: judges score more consistently with one")
            }
            if let id {
                if !(id.first?.isLetter ?? false) || !id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
                    diags.error(c.source.location(c.value("id")), "criterion id '\(id)' must be lowercase a-z, 0-9 and '_' (judges type it)")
                    ok = false
                }
                if let first = ids[id] {
                    diags.error(c.source.location(c.value("id")), "duplicate criterion id '\(id)' (first at line \(first.line))")
                    ok = false
                }
                ids[id] = c.source.location(c.value("id"))
            }
            if let weight, weight <= 0 {
                diags.error(c.source.location(c.value("weight")), "weight must be a positive number")
                ok = false
            }
            guard let id, let name, let weight else { ok = false; continue }
            out.append(Criterion(id: id, name: name, weight: weight, scaleMin: scale.0, scaleMax: scale.1, rubric: rubric))
        }
        let total = out.reduce(0) { $0 + $1.weight }
        if ok && total != 100 {
            diags.error(f.location(ofKey: "criteria"),
                        "criteria weights sum to \(total); they must sum to 100 (\(out.map { "\($0.id) \($0.weight)" }.joined(separator: " + ")))")
            ok = false
        }
        return ok ? out : nil
    }

    func readJudging(_ fields: YAMLFields, diags: inout Diagnostics) -> JudgingPolicy {
        guard let j = fields.fields("judging", diags: &diags) else { return .standard }
        j.rejectUnknownKeys(allowed: ["judges_per_entry", "blind"], diags: &diags)
        var policy = JudgingPolicy.standard
        if let n = j.int("judges_per_entry", diags: &diags) {
            if (1...50).contains(n) { policy.judgesPerEntry = n } else {
                diags.error(j.source.location(j.value("judges_per_entry")), "judges_per_entry must be between 1 and 50")
            }
        }
        if let b = j.bool("blind", diags: &diags) { policy.blind = b }
        return policy
    }
}

/// The text of a brief translation, applied over the default-language contest.
struct ContestTranslation: Sendable {
    var title: String?
    var description: String?
    var prizes: [String]?
    var criteria: [String: (name: String?, rubric: String?, location: SourceLocation)]
    var criteriaLocation: SourceLocation
    var stages: [String: StageTranslation] = [:]

    func apply(to original: Contest, language: String, path: String, diags: inout Diagnostics) -> Contest {
        var c = original
        c.language = language
        if let title { c.title = title }
        if let description { c.description = description }
        if let prizes {
            if prizes.count != original.prizes.count {
                diags.error(SourceLocation(path: path), "prizes lists \(prizes.count) prizes but brief.md lists \(original.prizes.count)")
            }
            c.prizes = prizes
        }
        c.criteria = Self.apply(criteria, to: c.criteria, diags: &diags)
        for (id, text) in stages.sorted(by: { $0.key < $1.key }) {
            if id == c.later.firstID {
                if let name = text.name { c.later.firstName = name }
                c.criteria = Self.apply(text.criteria, to: c.criteria, diags: &diags)
                continue
            }
            guard let i = c.later.stages.firstIndex(where: { $0.id == id }) else {
                diags.error(text.location, "stage '\(id)' is not in brief.md (ids: \(original.stages.map(\.id).joined(separator: ", ")))")
                continue
            }
            if let name = text.name { c.later.stages[i].name = name }
            c.later.stages[i].criteria = Self.apply(text.criteria, to: c.later.stages[i].criteria, diags: &diags)
            if case .files(let policy, var fields) = c.later.stages[i].submission {
                for (fieldID, label) in text.fieldLabels {
                    guard let j = fields.firstIndex(where: { $0.id == fieldID }) else {
                        diags.error(label.location, "field '\(fieldID)' is not in stage '\(id)' of brief.md")
                        continue
                    }
                    fields[j].label = label.label
                }
                c.later.stages[i].submission = .files(policy, fields: fields)
            } else if let label = text.fieldLabels.values.first {
                diags.error(label.location, "stage '\(id)' asks for no fields in brief.md")
            }
        }
        return c
    }

    /// `criteria` with the translated names and rubrics of `text`; an id not among them is an error.
    static func apply(_ text: [String: (name: String?, rubric: String?, location: SourceLocation)], to criteria: [Criterion],
                      diags: inout Diagnostics) -> [Criterion] {
        var out = criteria
        for (id, t) in text.sorted(by: { $0.key < $1.key }) {
            guard let i = out.firstIndex(where: { $0.id == id }) else {
                diags.error(t.location, "criterion '\(id)' is not in brief.md (ids: \(criteria.map(\.id).joined(separator: ", ")))")
                continue
            }
            if let name = t.name { out[i].name = name }
            if let rubric = t.rubric { out[i].rubric = rubric }
        }
        return out
    }
}

/// The text of one stage in a brief translation.
struct StageTranslation: Sendable {
    var name: String?
    var criteria: [String: (name: String?, rubric: String?, location: SourceLocation)]
    var fieldLabels: [String: (label: String, location: SourceLocation)]
    var location: SourceLocation
}
