import Foundation

/// One round of a contest: screening on the documents, a final round on a second submission or a
/// presentation. Every contest has at least one stage; a brief without `stages` has exactly one,
/// built from its own `closes`, `criteria` and `judging`, and behaves as contests always did.
public struct Stage: Sendable, Hashable {
    /// Lowercase identifier used on the command line (`--stage final`), in the database and in
    /// open data.
    public var id: String
    /// Display name in the contest's language.
    public var name: String
    /// When this stage's submissions stop being accepted (the first stage: the contest's `closes`).
    public var closes: Date
    /// This stage's weighted criteria; weights sum to 100.
    public var criteria: [Criterion]
    /// This stage's panel size and blind rule.
    public var judging: JudgingPolicy
    /// How many entries go on to the next stage; nil for the last stage.
    public var advance: Int?
    /// What a finalist submits for this stage.
    public var submission: StageSubmission

    /// Creates a stage.
    public init(id: String, name: String, closes: Date, criteria: [Criterion], judging: JudgingPolicy,
                advance: Int?, submission: StageSubmission) {
        self.id = id
        self.name = name
        self.closes = closes
        self.criteria = criteria
        self.judging = judging
        self.advance = advance
        self.submission = submission
    }

    /// The first stage's id when the brief does not name it.
    public static let firstID = "screening"
}

/// What a stage asks entrants for.
public enum StageSubmission: Sendable, Hashable {
    /// The entry form itself (the first stage).
    case entry
    /// Nothing new: the round is judged on what was submitted (a presentation round).
    case none
    /// A second submission: files within these limits and extra text fields.
    case files(UploadPolicy, fields: [StageField])

    /// The upload limits of a second submission; nil when the stage takes no files.
    public var uploads: UploadPolicy? {
        if case .files(let policy, _) = self { return policy }
        return nil
    }

    /// The extra fields of a second submission.
    public var fields: [StageField] {
        if case .files(_, let fields) = self { return fields }
        return []
    }
}

/// An extra single-line field of a second submission (`demo_url`, `video_title`).
public struct StageField: Sendable, Hashable {
    /// The form field's name: lowercase a-z, 0-9 and `_`.
    public var id: String
    /// The label shown on the form, in the contest's language.
    public var label: String

    /// Creates a field.
    public init(id: String, label: String) {
        self.id = id
        self.label = label
    }

    /// A field whose id ends in `_url` takes an http(s) address.
    public var isURL: Bool { id.hasSuffix("_url") }

    /// The longest value a field takes, in characters.
    public static let maxLength = 2000
}

/// The stages of a contest after its first, as the brief lists them, and the first stage's name.
public struct LaterStages: Sendable, Hashable {
    /// The first stage's id (`screening` unless the brief names it).
    public var firstID: String
    /// The first stage's display name.
    public var firstName: String
    /// How many entries go on from the first stage; nil for a one-stage contest.
    public var firstAdvance: Int?
    /// The stages after the first, in order.
    public var stages: [Stage]
    /// Set when the contest value is one stage's view (see `Contest.viewing(stage:)`): the
    /// first stage as the brief has it.
    public var view: StageView?

    /// Creates the list.
    public init(firstID: String = Stage.firstID, firstName: String? = nil, firstAdvance: Int? = nil, stages: [Stage] = []) {
        self.firstID = firstID
        self.firstName = firstName ?? firstID
        self.firstAdvance = firstAdvance
        self.stages = stages
    }

    /// A contest of one stage.
    public static let single = LaterStages()
}

/// What a stage's view of a contest keeps of the first stage, whose `closes`, `criteria` and
/// `judging` the view replaces with the viewed stage's.
public struct StageView: Sendable, Hashable {
    /// The stage viewed.
    public var id: String
    public var firstCloses: Date
    public var firstCriteria: [Criterion]
    public var firstJudging: JudgingPolicy
}

extension Contest {
    /// Every stage in order; the first is built from the contest's own dates, criteria and judging.
    public var stages: [Stage] {
        let v = later.view
        return [Stage(id: later.firstID, name: later.firstName, closes: v?.firstCloses ?? closes, criteria: v?.firstCriteria ?? criteria,
                      judging: v?.firstJudging ?? judging, advance: later.firstAdvance, submission: .entry)] + later.stages
    }

    /// The stage this value judges: the one viewed, or the first.
    public var stageID: String { later.view?.id ?? later.firstID }

    /// This contest as judged in stage `id`: its `closes`, `criteria` and `judging` are the
    /// stage's, so everything that scores, ranks or hides identities by a contest's rules applies
    /// the stage's rules unchanged. Nil when the contest has no such stage.
    public func viewing(stage id: String) -> Contest? {
        guard let s = stage(id) else { return nil }
        let first = stages[0]
        var c = self
        c.closes = s.closes
        c.criteria = s.criteria
        c.judging = s.judging
        c.later.view = StageView(id: s.id, firstCloses: first.closes, firstCriteria: first.criteria, firstJudging: first.judging)
        return c
    }

    /// Whether the contest runs in more than one stage.
    public var isStaged: Bool { !later.stages.isEmpty }

    /// The stage with this id.
    public func stage(_ id: String) -> Stage? { stages.first { $0.id == id } }

    /// The first stage.
    public var firstStage: Stage { stages[0] }

    /// The stage that follows `id`; nil for the last.
    public func stage(after id: String) -> Stage? {
        let all = stages
        guard let i = all.firstIndex(where: { $0.id == id }), i + 1 < all.count else { return nil }
        return all[i + 1]
    }

    /// The stage that comes before `id`; nil for the first.
    public func stage(before id: String) -> Stage? {
        let all = stages
        guard let i = all.firstIndex(where: { $0.id == id }), i > 0 else { return nil }
        return all[i - 1]
    }

    /// When the contest's last stage closes: judging of the final round starts after it.
    public var finalCloses: Date { stages.last!.closes }
}
