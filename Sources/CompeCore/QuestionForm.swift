import Foundation

/// A question an entrant asks before the deadline: its text, the language it is written in,
/// and an address for a notice when it is answered (optional; never published or exported).
public struct AskedQuestion: Sendable, Hashable {
    public var text: String
    public var language: String
    public var email: String?

    public init(text: String, language: String, email: String?) {
        self.text = text
        self.language = language
        self.email = email
    }
}

/// A question's id, `Q-007`: numbered per contest from 1, three digits at least. The answer's
/// file is `questions/007.md` and its anchor `question-007`.
public enum QuestionID {
    /// `Q-007` for 7.
    public static func code(_ number: Int64) -> String { "Q-" + digits(number) }

    /// `007` for 7: the answer's file name and anchor.
    public static func digits(_ number: Int64) -> String { number < 1000 ? String(format: "%03lld", number) : String(number) }

    /// The number of an id (`Q-007`, `007` or `7`), or nil.
    public static func number(_ code: String) -> Int64? {
        let digits = code.hasPrefix("Q-") ? String(code.dropFirst(2)) : code
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits), n > 0 else { return nil }
        return n
    }
}

/// When a contest takes questions (`questions_close` in its brief, `questions: false` for none).
public enum QuestionPeriod: Sendable, Hashable {
    /// The contest takes no questions.
    case off
    /// Questions are taken until this moment (exclusive).
    case until(Date)

    /// The default: questions until a week before the contest closes.
    public static func standard(closes: Date) -> QuestionPeriod { .until(closes.addingTimeInterval(-7 * 86_400)) }
}

/// The question form's rules: the same character rules as the entry form's multi-line fields
/// (control characters dropped, noncharacters refused), at most 2,000 code points, a language the
/// site has, a valid address when one is given, and no other field.
public enum QuestionForm {
    public static let maxLength = 2000
    /// The form's fields: the question, its language, the optional address, the bot trap, and
    /// the page's language (for the answer).
    public static let fieldNames: Set<String> = ["question", "language", "email", EntryForm.honeypot, "lang"]

    /// The question the form asks, or nil with every problem appended to `problems`.
    public static func question(from values: [String: String], languages: [String], problems: inout [FieldError]) -> AskedQuestion? {
        let before = problems.count
        for name in values.keys.sorted() where !fieldNames.contains(name) {
            problems.append(FieldError(field: name, problem: .unknownField))
        }
        let raw = values["question"] ?? ""
        let text = EntryForm.normalised(raw)
        if let problem = EntryForm.characterProblem(raw, kind: .text(rows: 6)) {
            problems.append(FieldError(field: "question", problem: problem))
        } else if text.isEmpty {
            problems.append(FieldError(field: "question", problem: .required))
        } else if text.unicodeScalars.count > maxLength {
            problems.append(FieldError(field: "question", problem: .tooLong(max: maxLength)))
        }
        let language = values["language"] ?? ""
        if !languages.contains(language) { problems.append(FieldError(field: "language", problem: .required)) }
        let rawEmail = values["email"] ?? ""
        let email = EntryForm.normalised(rawEmail)
        if let problem = EntryForm.characterProblem(rawEmail, kind: .email) {
            problems.append(FieldError(field: "email", problem: problem))
        } else if !email.isEmpty && !EntryForm.isEmail(email) {
            problems.append(FieldError(field: "email", problem: .badEmail))
        }
        guard problems.count == before else { return nil }
        return AskedQuestion(text: text, language: language, email: email.isEmpty ? nil : email)
    }
}
