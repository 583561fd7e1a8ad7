import CompeCore
import Foundation
import Testing

/// Rules that live once in CompeCore: scores against criteria, and an iteration's figures.
@Suite struct RulesTests {
    @Test func scoresAreCheckedAgainstTheCriteria() {
        let criteria = [Criterion(id: "a", name: "A", weight: 50, scaleMin: 1, scaleMax: 10, rubric: ""),
                        Criterion(id: "b", name: "B", weight: 50, scaleMin: 0, scaleMax: 5, rubric: "")]
        #expect(Criterion.validate(scores: ["a": 1, "b": 5], against: criteria).isEmpty)
        #expect(Criterion.validate(scores: ["a": 11, "x": 1, "b": -1], against: criteria) == [
            .outsideScale(criterion: "a", value: 11, scale: 1...10), .outsideScale(criterion: "b", value: -1, scale: 0...5),
            .unknownCriterion("x", known: ["a", "b"]),
        ])
        #expect(ScoreProblem.outsideScale(criterion: "a", value: 11, scale: 1...10).description == "a=11 is outside the scale 1–10")
    }

    @Test func iterationFigures() throws {
        func day(_ s: String) -> Date { DateParsing.day(s)! }
        func item(_ id: String, _ points: Int, _ status: BacklogItem.Status) -> BacklogItem {
            BacklogItem(id: id, title: id, points: points, status: status, owner: nil, labels: [], added: day("2027-01-11"),
                        done: status == .done ? day("2027-01-12") : nil, entry: nil, checklist: (0, 0), body: "")
        }
        let first = Iteration(number: 1, title: [:], goal: [:], start: day("2027-01-11"), end: day("2027-01-22"), capacity: 20,
                              items: [item("A", 3, .done), item("B", 5, .doing), item("C", 8, .dropped)], slug: "1")
        let second = Iteration(number: 2, title: [:], goal: [:], start: day("2027-01-25"), end: day("2027-02-05"), capacity: nil,
                               items: [], slug: "2")
        #expect(first.scope == 8 && first.donePoints == 3 && first.remainingPoints == 5)
        #expect(first.daysLeft(on: day("2027-01-11")) == 12)
        #expect(first.daysLeft(on: day("2027-01-22")) == 1)
        #expect(first.daysLeft(on: day("2027-01-23")) == 0)
        #expect(first.daysLeft(on: day("2027-01-01")) == 12)
        #expect(Iteration.current(among: [first, second], on: day("2027-01-15"))?.number == 1)
        #expect(Iteration.current(among: [first, second], on: day("2027-01-23"))?.number == 1)   // between: the latest started
        #expect(Iteration.current(among: [first, second], on: day("2027-03-01"))?.number == 2)
        #expect(Iteration.current(among: [first, second], on: day("2026-12-01"))?.number == 1)   // none started: the first
        #expect(Iteration.current(among: [], on: day("2027-01-15")) == nil)
        #expect(first.byStatus.map(\.points) == [0, 5, 0, 3, 8])
    }
}

@Suite struct SmallCellsTests {
    /// Categories under k become `other`; an `other` still under k takes the smallest remaining
    /// categories until it holds k, so no published category narrows entrants below k.
    @Test func smallCategoriesMergeUntilOtherHoldsK() {
        let counts = ["Japan": 10, "Viet Nam": 8, "Kenya": 5, "India": 5, "Chile": 1, "Iceland": 1]
        let merged = SmallCells.merge(counts, k: 5)
        #expect(merged["Chile"] == "other" && merged["Iceland"] == "other")
        #expect(merged["India"] == "other", "other held 2 < 5, so the smallest kept category (India, 5) joins it")
        #expect(merged["Japan"] == "Japan" && merged["Viet Nam"] == "Viet Nam" && merged["Kenya"] == "Kenya")
        var published: [String: Int] = [:]
        for (label, n) in counts { published[merged[label]!, default: 0] += n }
        #expect(published.values.allSatisfy { $0 >= 5 })
    }

    @Test func nothingSmallNothingMerged() {
        #expect(SmallCells.merge(["a": 5, "b": 7], k: 5) == ["a": "a", "b": "b"])
        #expect(SmallCells.merge(["a": 2], k: 5) == ["a": "other"])
        #expect(SmallCells.merge(["a": 6, "b": 1], k: 5) == ["a": "other", "b": "other"])
    }
}
