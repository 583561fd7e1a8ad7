/// What can be wrong with a judge's scores.
public enum ScoreProblem: Sendable, Hashable, Error, CustomStringConvertible {
    /// A criterion the contest does not have (`known` lists those it has).
    case unknownCriterion(String, known: [String])
    /// A value outside the criterion's scale.
    case outsideScale(criterion: String, value: Int, scale: ClosedRange<Int>)
    /// A comment longer than `max` characters (every change of a comment is kept twice in the
    /// audit trail, so its size is bounded).
    case commentTooLong(max: Int)
    /// A comment holding a control character (a NUL would cut it short in SQLite; an escape
    /// would reach the panel's terminals).
    case commentControl

    /// Most characters (Unicode code points) a judge's comment may have.
    public static let maxComment = 4_000

    /// One line in English (the command line's language), naming the fix.
    public var description: String {
        switch self {
        case .unknownCriterion(let id, let known):
            return "unknown criterion '\(id)' (criteria: \(known.joined(separator: ", ")))"
        case .outsideScale(let id, let value, let scale):
            return "\(id)=\(value) is outside the scale \(scale.lowerBound)–\(scale.upperBound)"
        case .commentTooLong(let max):
            return "the comment is longer than \(max) characters"
        case .commentControl:
            return "the comment holds a control character (such as NUL or an escape); remove it"
        }
    }
}

extension Contest {
    /// Every problem with `values` (criterion id → score) against this contest's criteria, in
    /// criterion-id order; empty when they may be saved. Values for some criteria only are fine:
    /// a judge may score in several sittings.
    public func validate(scores values: [String: Int], comment: String? = nil) -> [ScoreProblem] {
        Criterion.validate(scores: values, against: criteria) + ScoreProblem.of(comment: comment)
    }

    /// Whether `values` holds a score for every criterion (only complete sheets are ranked).
    public func isComplete(_ values: [String: Int]) -> Bool {
        criteria.allSatisfy { values[$0.id] != nil }
    }

    /// The criteria `values` has no score for yet, in the brief's order.
    public func unscored(_ values: [String: Int]) -> [Criterion] {
        criteria.filter { values[$0.id] == nil }
    }
}

extension Criterion {
    /// The score rule itself: every id must be one of `criteria` and every value on its
    /// scale. Problems come in criterion-id order.
    public static func validate(scores values: [String: Int], against criteria: [Criterion]) -> [ScoreProblem] {
        values.sorted { $0.key < $1.key }.compactMap { id, value in
            guard let c = criteria.first(where: { $0.id == id }) else {
                return .unknownCriterion(id, known: criteria.map(\.id))
            }
            return (c.scaleMin...c.scaleMax).contains(value) ? nil : .outsideScale(criterion: id, value: value, scale: c.scaleMin...c.scaleMax)
        }
    }
}

extension ScoreProblem {
    /// What is wrong with a judge's comment: control characters (other than line breaks and
    /// tabs) are refused rather than dropped, so the panel reads what the judge wrote or nothing.
    public static func of(comment: String?) -> [ScoreProblem] {
        guard let comment else { return [] }
        var problems: [ScoreProblem] = []
        if comment.unicodeScalars.contains(where: { PlainText.isControl($0) && $0 != "\r" }) { problems.append(.commentControl) }
        if comment.unicodeScalars.count > maxComment { problems.append(.commentTooLong(max: maxComment)) }
        return problems
    }
}
