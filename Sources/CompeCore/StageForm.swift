import Foundation

extension EntryForm {
    /// A later stage's extra fields from a form's values, every problem reported at once: each
    /// field is required, one line of at most `StageField.maxLength` characters (control
    /// characters dropped, as everywhere), an `_url` field an https address; a name the stage
    /// does not ask for is refused.
    public static func stageFields(from values: [String: String], stage: Stage, problems: inout [FieldError]) -> [String: String] {
        let asked = stage.submission.fields
        for name in values.keys.sorted() where !asked.contains(where: { $0.id == name }) && !auxiliaryFields.contains(name) {
            problems.append(FieldError(field: name, problem: .unknownField))
        }
        var out: [String: String] = [:]
        for f in asked {
            let raw = values[f.id] ?? ""
            if let problem = characterProblem(raw, kind: .line) {
                problems.append(FieldError(field: f.id, problem: problem))
                continue
            }
            let value = normalised(raw)
            if value.isEmpty {
                problems.append(FieldError(field: f.id, problem: .required))
            } else if value.count > StageField.maxLength {
                problems.append(FieldError(field: f.id, problem: .tooLong(max: StageField.maxLength)))
            } else if f.isURL && !isHTTPSURL(value) {
                problems.append(FieldError(field: f.id, problem: .badLink))
            } else {
                out[f.id] = value
            }
        }
        return out
    }
}
