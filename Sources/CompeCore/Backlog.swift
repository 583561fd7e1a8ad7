import Foundation

/// One backlog item (`## APP-101 Title` and its `key: value` list).
public struct BacklogItem: Sendable, Hashable {
    /// Workflow state.
    public enum Status: String, Sendable, CaseIterable {
        case todo, doing, review, done, dropped
    }

    /// Unique id across all iterations, e.g. `APP-101`.
    public var id: String
    /// Title as written after the id.
    public var title: String
    /// Story points on the scale 0, 1, 2, 3, 5, 8, 13, 21 (0 when not estimated).
    public var points: Int
    /// Workflow state.
    public var status: Status
    /// Owner handle, if any.
    public var owner: String?
    /// Labels.
    public var labels: [String]
    /// Day the item joined the iteration (the iteration's start by default).
    public var added: Date
    /// Day it was done (or dropped).
    public var done: Date?
    /// The contest entry it came from, e.g. `E-0007`.
    public var entry: String?
    /// Task checkboxes in the body: (checked, total).
    public var checklist: (done: Int, total: Int)
    /// The free Markdown after the key list.
    public var body: String

    /// Creates an item.
    public init(id: String, title: String, points: Int, status: Status, owner: String?, labels: [String], added: Date,
                done: Date?, entry: String?, checklist: (done: Int, total: Int), body: String) {
        self.id = id
        self.title = title
        self.points = points
        self.status = status
        self.owner = owner
        self.labels = labels
        self.added = added
        self.done = done
        self.entry = entry
        self.checklist = checklist
        self.body = body
    }

    public static func == (a: BacklogItem, b: BacklogItem) -> Bool {
        a.id == b.id && a.title == b.title && a.points == b.points && a.status == b.status && a.added == b.added && a.done == b.done
    }

    public func hash(into h: inout Hasher) { h.combine(id) }

    /// The allowed point values (a Fibonacci-like scale, as in planning poker).
    public static let pointScale = [0, 1, 2, 3, 5, 8, 13, 21]
}

/// One iteration file: its dates, capacity and items.
public struct Iteration: Sendable {
    /// Iteration number.
    public var number: Int
    /// Title per language.
    public var title: [String: String]
    /// Goal per language (may be empty).
    public var goal: [String: String]
    /// First day.
    public var start: Date
    /// Last day (inclusive).
    public var end: Date
    /// Planned capacity in points, if given.
    public var capacity: Int?
    /// Items in file order.
    public var items: [BacklogItem]
    /// URL segment (the file name without `.md`).
    public var slug: String

    /// Creates an iteration.
    public init(number: Int, title: [String: String], goal: [String: String], start: Date, end: Date, capacity: Int?,
                items: [BacklogItem], slug: String) {
        self.number = number
        self.title = title
        self.goal = goal
        self.start = start
        self.end = end
        self.capacity = capacity
        self.items = items
        self.slug = slug
    }

    /// Points planned at the start: items added on the first day (dropped ones included: they were committed).
    public var committed: Int { items.filter { $0.added <= start }.reduce(0) { $0 + $1.points } }

    /// Points done within the iteration.
    public var completed: Int {
        items.filter { $0.status == .done && ($0.done.map { $0 <= end } ?? false) }.reduce(0) { $0 + $1.points }
    }

    /// Points added after the first day.
    public var added: Int { items.filter { $0.added > start }.reduce(0) { $0 + $1.points } }

    /// Every day of the iteration, start to end inclusive (UTC midnights).
    public var days: [Date] {
        var out: [Date] = []
        var d = start
        while d <= end {
            out.append(d)
            d = d.addingTimeInterval(86_400)
        }
        return out
    }

    /// The burndown, day by day, up to `today` (all days for a finished iteration).
    public func burndown(today: Date) -> Burndown {
        let shown = days.filter { $0 <= today }
        let initialScope = Double(committed)
        let total = Double(max(1, days.count - 1))
        let points: [Burndown.Day] = shown.map { day in
            // An item is in scope from its `added` day; a dropped item leaves on its `done` day
            // (or never counts when it has none); a done item burns down on its `done` day.
            var scope = 0, burnt = 0
            for item in items where item.added <= day {
                if item.status == .dropped {
                    guard let left = item.done, left > day else { continue }
                    scope += item.points
                } else {
                    scope += item.points
                    if item.status == .done, let doneDay = item.done, doneDay <= day { burnt += item.points }
                }
            }
            return Burndown.Day(date: day, scope: scope, remaining: scope - burnt)
        }
        let ideal = days.enumerated().map { i, day in
            (date: day, points: initialScope * (1 - Double(i) / total))
        }
        return Burndown(days: points, ideal: ideal.map { Burndown.IdealPoint(date: $0.date, points: $0.points) })
    }
}

/// Remaining work per day, with scope changes and the ideal line.
public struct Burndown: Sendable {
    /// One day's figures.
    public struct Day: Sendable, Hashable {
        /// The day.
        public var date: Date
        /// Points in scope that day (committed + added − dropped).
        public var scope: Int
        /// Points not yet done that day.
        public var remaining: Int
    }

    /// A point of the ideal line.
    public struct IdealPoint: Sendable, Hashable {
        /// The day.
        public var date: Date
        /// Points that would remain on a straight line from the committed scope to zero.
        public var points: Double
    }

    /// Days up to today.
    public var days: [Day]
    /// The ideal line over the whole iteration.
    public var ideal: [IdealPoint]
}

/// Velocity across iterations.
public enum Velocity {
    /// One iteration's bar pair and the rolling average of completed points of the last three
    /// iterations up to and including it.
    public struct Row: Sendable, Hashable {
        public var number: Int
        public var committed: Int
        public var completed: Int
        public var rollingAverage: Double
    }

    /// Rows in iteration order.
    public static func rows(_ iterations: [Iteration]) -> [Row] {
        let sorted = iterations.sorted { $0.number < $1.number }
        return sorted.enumerated().map { i, it in
            let window = sorted[max(0, i - 2)...i].map(\.completed)
            return Row(number: it.number, committed: it.committed, completed: it.completed,
                       rollingAverage: Double(window.reduce(0, +)) / Double(window.count))
        }
    }
}

extension Iteration {
    /// The iteration to show on `day` when none is named: the one that contains it, else the
    /// latest one that has started, else the first one. Nil when there are none.
    public static func current(among iterations: [Iteration], on day: Date) -> Iteration? {
        iterations.first { $0.start <= day && day <= $0.end } ?? iterations.last { $0.start <= day } ?? iterations.first
    }

    /// Points of items still in play (everything but dropped items).
    public var scope: Int { items.filter { $0.status != .dropped }.reduce(0) { $0 + $1.points } }

    /// Points of items done (whenever they were done).
    public var donePoints: Int { items.filter { $0.status == .done }.reduce(0) { $0 + $1.points } }

    /// Points in scope not done yet.
    public var remainingPoints: Int { scope - donePoints }

    /// Working days left on `day`, counting `day` itself while the iteration runs: all of them
    /// before it starts, 0 after it ends.
    public func daysLeft(on day: Date) -> Int {
        max(0, Int((end.timeIntervalSince(max(day, start)) / 86_400).rounded()) + (day <= end ? 1 : 0))
    }

    /// Items and points per status, in the workflow's order.
    public var byStatus: [(status: BacklogItem.Status, items: [BacklogItem], points: Int)] {
        BacklogItem.Status.allCases.map { status in
            let items = self.items.filter { $0.status == status }
            return (status, items, items.reduce(0) { $0 + $1.points })
        }
    }
}
