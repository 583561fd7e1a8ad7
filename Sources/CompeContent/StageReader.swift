import CompeCore
import Foundation
import Yams

/// Reads a brief's `stages` and `advance` into `LaterStages`.
///
/// The first stage is the contest itself (its `closes`, `criteria`, `judging`); `stages` lists the
/// ones after it. A first item without `closes` names the first stage instead (`id`, `name`,
/// `advance` only). Each mistake is reported at its `path:line:col`.
struct StageReader {
    var brief: BriefReader

    /// Keys of a later stage.
    static let keys = ["id", "name", "closes", "criteria", "judging", "advance", "submission"]
    /// Keys of the item naming the first stage.
    static let firstKeys = ["id", "name", "advance"]
    /// The most entries a stage may pass on: a shortlist is a short list.
    static let maxAdvance = 1000

    func stages(firstCloses: Date, diags: inout Diagnostics) -> LaterStages? {
        let f = brief.fields
        var out = LaterStages()
        var ok = true
        let nodes = f.sequence("stages", diags: &diags) ?? []
        if f.has("stages"), nodes.isEmpty {
            diags.error(f.location(ofKey: "stages"), "stages must list at least one stage after the first (or be left out)")
            return nil
        }
        var seen: [String: SourceLocation] = [:]
        var previousCloses = firstCloses
        var previousAdvance: Int?
        var firstLocation = f.has("advance") ? f.location(ofKey: "advance") : f.location(ofKey: "stages")
        var laterLocations: [SourceLocation] = []
        if let n = f.int("advance", diags: &diags) {
            out.firstAdvance = n
            previousAdvance = n
        }
        for (i, node) in nodes.enumerated() {
            guard let s = YAMLFields(node, source: f.source, context: "stages[\(i)]", diags: &diags) else { ok = false; continue }
            let namesFirst = i == 0 && !s.has("closes")
            s.rejectUnknownKeys(allowed: namesFirst ? Self.firstKeys : Self.keys, diags: &diags)
            guard let id = readID(s, seen: &seen, diags: &diags) else { ok = false; continue }
            let name = s.string("name", diags: &diags) ?? id
            let advance = s.int("advance", diags: &diags)
            if namesFirst {
                out.firstID = id
                out.firstName = name
                if let advance {
                    if out.firstAdvance != nil {
                        diags.error(s.location(ofKey: "advance"), "'advance' of the first stage is given twice (here and at the top)")
                        ok = false
                    }
                    out.firstAdvance = advance
                    previousAdvance = advance
                    firstLocation = s.location(ofKey: "advance")
                }
                continue
            }
            guard let closes = s.dateTime("closes", required: true, diags: &diags) else { ok = false; continue }
            if closes <= previousCloses {
                diags.error(s.location(ofKey: "closes"),
                            "stage '\(id)' closes at or before the stage before it (\(UTCTimestamp.format(previousCloses, milliseconds: false))): stages close in order")
                ok = false
            }
            previousCloses = closes
            guard s.has("criteria") else {
                diags.error(s.source.location(node), "stage '\(id)' needs its own criteria (weights summing to 100)")
                ok = false
                continue
            }
            guard let criteria = brief.readCriteria(s, diags: &diags) else { ok = false; continue }
            let judging = brief.readJudging(s, diags: &diags)
            let submission = readSubmission(s, stage: id, blind: judging.blind, diags: &diags)
            if let advance {
                if let before = previousAdvance, advance >= before {
                    diags.error(s.location(ofKey: "advance"),
                                "stage '\(id)' passes on \(advance) entries but receives only \(before): each stage passes on fewer than it receives")
                    ok = false
                }
                previousAdvance = advance
            }
            laterLocations.append(s.has("advance") ? s.location(ofKey: "advance") : s.source.location(node))
            out.stages.append(Stage(id: id, name: name, closes: closes, criteria: criteria, judging: judging,
                                    advance: advance, submission: submission ?? .none))
        }
        // Every stage but the last says how many go on; the last has nowhere to send them.
        let all = [(out.firstID, out.firstAdvance, firstLocation)] + zip(out.stages, laterLocations).map { ($0.id, $0.advance, $1) }
        for (i, (id, advance, location)) in all.enumerated() where ok {
            if i == all.count - 1 {
                if let advance, all.count > 1 {
                    diags.error(location, "the last stage '\(id)' passes on \(advance) entries, but no stage follows it: remove 'advance'")
                    ok = false
                }
            } else if let advance {
                if !(1...Self.maxAdvance).contains(advance) {
                    diags.error(location, "'advance' of stage '\(id)' must be between 1 and \(Self.maxAdvance) (got \(advance))")
                    ok = false
                }
            } else {
                diags.error(location, "stage '\(id)' needs 'advance': how many entries go on to stage '\(all[i + 1].0)'")
                ok = false
            }
        }
        if !f.has("stages"), let n = out.firstAdvance, ok {
            diags.error(f.location(ofKey: "advance"), "'advance: \(n)' needs a stage to advance to: list it under 'stages'")
            ok = false
        }
        return ok ? out : nil
    }

    func readID(_ s: YAMLFields, seen: inout [String: SourceLocation], diags: inout Diagnostics) -> String? {
        guard let id = s.string("id", required: true, diags: &diags) else { return nil }
        let location = s.source.location(s.value("id"))
        guard id.first?.isLetter ?? false, id.count <= 32,
              id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            diags.error(location, "stage id '\(id)' must be lowercase a-z, 0-9, '-' and '_', starting with a letter (organisers type it)")
            return nil
        }
        if let first = seen[id] {
            diags.error(location, "duplicate stage id '\(id)' (first at line \(first.line))")
            return nil
        }
        seen[id] = location
        return id
    }

    func readSubmission(_ s: YAMLFields, stage: String, blind: Bool, diags: inout Diagnostics) -> StageSubmission? {
        guard let node = s.value("submission") else {
            diags.error(s.location(ofKey: "submission"), "stage '\(stage)' needs 'submission': {uploads: …, fields: […]} or none")
            return nil
        }
        if node.scalar?.string == "none" { return StageSubmission.none }
        guard let sub = s.fields("submission", diags: &diags) else { return nil }
        sub.rejectUnknownKeys(allowed: ["uploads", "fields"], diags: &diags)
        let uploads = brief.readUploads(sub, diags: &diags)
        if blind, uploads.types.contains(.mp4) {
            diags.warning(sub.location(ofKey: "uploads"),
                          "stage '\(stage)' is blind but takes mp4 files, whose metadata is not removed: ask entrants to strip it")
        }
        var fields: [StageField] = []
        for item in sub.sequence("fields", diags: &diags) ?? [] {
            let location = s.source.location(item)
            let id: String?, label: String?
            if let text = item.scalar?.string {
                (id, label) = (text, nil)
            } else if let m = YAMLFields(item, source: s.source, context: "field", diags: &diags) {
                m.rejectUnknownKeys(allowed: ["id", "label"], diags: &diags)
                (id, label) = (m.string("id", required: true, diags: &diags), m.string("label", diags: &diags))
            } else { continue }
            guard let id else { continue }
            guard id.first?.isLetter ?? false, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
                  !EntryForm.fields.contains(where: { $0.name == id }), !EntryForm.auxiliaryFields.contains(id) else {
                diags.error(location, "field '\(id)' must be lowercase a-z, 0-9 and '_', and not a name the entry form uses")
                continue
            }
            if fields.contains(where: { $0.id == id }) {
                diags.error(location, "duplicate field '\(id)' in stage '\(stage)'")
                continue
            }
            fields.append(StageField(id: id, label: label ?? id))
        }
        if !sub.has("uploads"), fields.isEmpty {
            diags.error(s.location(ofKey: "submission"), "stage '\(stage)' asks for nothing: give uploads or fields, or write 'submission: none'")
            return nil
        }
        return .files(sub.has("uploads") ? uploads : UploadPolicy(maxFiles: 0, maxFileMB: 0, types: []), fields: fields)
    }
}
