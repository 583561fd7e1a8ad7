import CompeCore
import Foundation
import Testing

@Suite struct RankingTests {
    /// Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", Annenberg School for
    /// Communication, University of Pennsylvania, section C (4 coders, 12 units, missing values).
    /// The paper gives α = 0.849 for the interval metric (0.743 nominal).
    @Test func alphaMatchesKrippendorffsWorkedExample() throws {
        let missing = Double.nan
        let a: [Double] = [1, 2, 3, 3, 2, 1, 4, 1, 2, missing, missing, missing]
        let b: [Double] = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, missing, 3]
        let c: [Double] = [missing, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, missing]
        let d: [Double] = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, missing]
        let units = (0..<12).map { u in [a[u], b[u], c[u], d[u]].filter { !$0.isNaN } }
        let alpha = try #require(Ranking.krippendorffAlphaInterval(units))
        #expect(abs(alpha - 0.849) < 0.0005, "alpha = \(alpha)")
    }

    /// In a complete design with no penalty the additive model's least-squares solution is the
    /// classic two-way decomposition: quality = row mean, bias = column mean − grand mean.
    @Test func modelMatchesTheClosedFormOnACompleteDesign() {
        let y: [[Double]] = [[60, 70, 80], [50, 65, 68], [90, 85, 99], [40, 55, 49]]
        let judges = ["a", "b", "c"]
        var obs: [Ranking.Observation] = []
        for (e, row) in y.enumerated() { for (j, v) in row.enumerated() { obs.append(.init(entry: Int64(e), judge: judges[j], score: v)) } }
        let (q, b) = Ranking.fit(obs, lambda: 0)
        let grand = y.flatMap { $0 }.reduce(0, +) / 12
        for (e, row) in y.enumerated() { #expect(abs(q[Int64(e)]! - row.reduce(0, +) / 3) < 1e-6) }
        for (j, name) in judges.enumerated() {
            let column = y.map { $0[j] }.reduce(0, +) / 4
            #expect(abs(b[name]! - (column - grand)) < 1e-6)
        }
    }

    /// A lenient judge (+15) scores only the weaker entries of a pair; the raw mean puts the
    /// weaker entry first, the corrected score restores the true order.
    @Test func plantedLenientJudgeDoesNotFlipTheRanking() {
        // True qualities: A 70, B 67; six more entries link the judges so biases are identifiable.
        let truth: [Int64: Double] = [1: 70, 2: 67, 3: 50, 4: 55, 5: 60, 6: 45, 7: 52, 8: 58]
        let bias = ["fair1": 0.0, "fair2": 0.0, "fair3": 0.0, "lenient": 15.0]
        let design: [Int64: [String]] = [1: ["fair1", "fair2", "fair3"], 2: ["fair1", "lenient", "fair3"],
                                         3: ["fair1", "fair2", "lenient"], 4: ["fair2", "fair3", "lenient"],
                                         5: ["fair1", "fair3", "lenient"], 6: ["fair1", "fair2", "lenient"],
                                         7: ["fair2", "fair3", "lenient"], 8: ["fair1", "fair2", "fair3"]]
        let noise: [String: Double] = ["fair1": 0.5, "fair2": -0.5, "fair3": 0.3, "lenient": -0.3]
        var obs: [Ranking.Observation] = []
        for (e, js) in design { for j in js { obs.append(.init(entry: e, judge: j, score: truth[e]! + bias[j]! + noise[j]!)) } }
        let result = Ranking.rank(obs, bootstrap: 100, seed: 3)
        let a = result.rows.first { $0.entry == 1 }!, b = result.rows.first { $0.entry == 2 }!
        #expect(b.rawMean > a.rawMean, "the raw mean should be fooled in this design")
        #expect(a.corrected > b.corrected)
        #expect(a.rank == 1 && b.rank == 2)
        #expect(result.biases["lenient"]! > 8)
    }

    @Test func tiesShareARank() {
        #expect(Ranking.ranks([5, 9, 9, 1]) == [3, 1, 1, 4])
    }

    @Test func bootstrapIsReproducibleAndBracketsTheRank() {
        var obs: [Ranking.Observation] = []
        for e in 0..<20 { for (k, j) in ["a", "b", "c"].enumerated() { obs.append(.init(entry: Int64(e), judge: j, score: Double(e * 3 + (e * 7 + k * 5) % 11))) } }
        let r1 = Ranking.rank(obs, seed: 9), r2 = Ranking.rank(obs, seed: 9)
        #expect(r1.rows == r2.rows)
        #expect(r1.rows.allSatisfy { $0.rankLow <= $0.rank && $0.rank <= $0.rankHigh })
    }

    @Test func weightedScoreUsesWeightsAndScales() {
        let criteria = [Criterion(id: "u", name: "U", weight: 40, scaleMin: 1, scaleMax: 10, rubric: ""),
                        Criterion(id: "o", name: "O", weight: 60, scaleMin: 1, scaleMax: 5, rubric: "")]
        #expect(Ranking.weighted(["u": 10, "o": 1], criteria: criteria) == 40)
        #expect(Ranking.weighted(["u": 1], criteria: criteria) == nil)
    }
}
