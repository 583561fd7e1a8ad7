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

    /// In a complete design every entry meets every judge, so offsets cancel from each entry's
    /// mean: corrected = row mean whatever the variance ratio, and the offsets are the column
    /// means minus the grand mean, shrunk by one common factor in (0, 1].
    @Test func completeDesignGivesRowMeansAndProportionalOffsets() throws {
        let y: [[Double]] = [[60, 70, 80], [50, 65, 68], [90, 85, 99], [40, 55, 49]]
        let judges = ["a", "b", "c"]
        var obs: [Ranking.Observation] = []
        for (e, row) in y.enumerated() { for (j, v) in row.enumerated() { obs.append(.init(entry: Int64(e), judge: judges[j], score: v)) } }
        let result = Ranking.rank(obs, bootstrap: 0)
        for row in result.rows { #expect(abs(row.corrected - y[Int(row.entry)].reduce(0, +) / 3) < 1e-9) }
        let grand = y.flatMap { $0 }.reduce(0, +) / 12
        let columns = judges.indices.map { j in y.map { $0[j] }.reduce(0, +) / 4 - grand }
        let factor = result.biases["a"]! / columns[0]
        #expect(factor > 0 && factor <= 1 + 1e-9)
        for (j, name) in judges.enumerated() { #expect(abs(result.biases[name]! - factor * columns[j]) < 1e-9) }
    }

    /// The example of issue 17: ten entries of true quality 8, 10, …, 26 on a 0–40 scale, five judges,
    /// two per entry as `compe assign` makes it, three fair, one 6 points low, one 12 points high, no
    /// noise. The raw mean misorders them; the model must recover the true order exactly (the first
    /// version, with a fixed penalty, reached τ = 0.82).
    @Test func noiseFreeConnectedDesignRecoversTheTrueOrder() throws {
        let offsets = ["fair1": 0.0, "fair2": 0, "fair3": 0, "harsh": -6, "lenient": 12]
        let entries = (1...10).map { Int64($0) }
        let pairs = try AssignmentPlanner.plan(entries: entries, judges: offsets.keys.sorted(), conflicts: [], existing: [],
                                               perEntry: 2, seed: 1)
        let obs = pairs.map { p in
            Ranking.Observation(entry: p.entry, judge: p.judge, score: (Double(6 + 2 * p.entry) + offsets[p.judge]!) * 100 / 40)
        }
        let result = Ranking.rank(obs, seed: 5)
        #expect(result.groups == 1, "the planner's design should be connected")
        let truth = entries.map { Double(6 + 2 * $0) }
        let byEntry = Dictionary(uniqueKeysWithValues: result.rows.map { ($0.entry, $0) })
        #expect(kendallTau(truth, entries.map { byEntry[$0]!.rawMean }) < 1, "the raw mean should be fooled")
        #expect(kendallTau(truth, entries.map { byEntry[$0]!.corrected }) == 1)
        #expect(result.varianceRatio.isInfinite)
        #expect(abs(result.biases["lenient"]! - result.biases["harsh"]! - 18 * 2.5) < 1e-6)
        // An exact fit leaves nothing to resample: every interval is the rank itself.
        #expect(result.rows.allSatisfy { $0.rankLow == $0.rank && $0.rankHigh == $0.rank })
    }

    /// One judge per entry says nothing about offsets: the corrected score is the raw mean.
    @Test func oneJudgePerEntryFallsBackToTheRawMean() {
        let obs = (0..<12).map { e -> Ranking.Observation in
            let score = Double(40 + 3 * e + (e % 4) * 10)
            return Ranking.Observation(entry: Int64(e), judge: "j\(e % 4)", score: score)
        }
        let result = Ranking.rank(obs)
        #expect(result.rows.allSatisfy { $0.corrected == $0.rawMean })
        #expect(result.offsets.allSatisfy { $0.offset == 0 && $0.standardError == nil && !$0.flagged })
        #expect(result.groups == 4)
    }

    /// Judges who do not differ (scores = quality + noise) get a variance ratio near 0 and the
    /// ranking of the raw mean; no judge is flagged.
    @Test func equalJudgesAreNotCorrected() {
        var rng = SplitMix64(seed: 11)
        var obs: [Ranking.Observation] = []
        for e in 0..<40 { for j in 0..<4 where (e + j) % 4 != 0 {
            obs.append(.init(entry: Int64(e), judge: "j\(j)", score: Double(e) + Double(rng.next() % 1000) / 1000))
        } }
        let result = Ranking.rank(obs, bootstrap: 50)
        #expect(result.offsets.allSatisfy { !$0.flagged })
        #expect(result.offsets.allSatisfy { abs($0.offset) < 0.2 })
    }

    /// Two panels that share no entry cannot be compared: the split is reported, offsets are
    /// centred within each panel.
    @Test func disconnectedDesignIsReported() {
        var obs: [Ranking.Observation] = []
        for e in 0..<6 { for j in ["a", "b"] { obs.append(.init(entry: Int64(e), judge: j, score: Double(50 + e) + (j == "a" ? 5 : -5))) } }
        for e in 6..<12 { for j in ["c", "d"] { obs.append(.init(entry: Int64(e), judge: j, score: Double(50 + e) + (j == "c" ? 8 : 0))) } }
        let result = Ranking.rank(obs, bootstrap: 0)
        #expect(result.groups == 2)
        let group = Dictionary(uniqueKeysWithValues: result.offsets.map { ($0.judge, $0.group) })
        #expect(group["a"] == group["b"] && group["c"] == group["d"] && group["a"] != group["c"])
        #expect(abs(result.biases["a"]! + result.biases["b"]!) < 1e-9 && abs(result.biases["c"]! + result.biases["d"]!) < 1e-9)
        #expect(abs(result.biases["a"]! - 5) < 1e-6 && abs(result.biases["c"]! - 4) < 1e-6)
    }

    /// A lenient and a harsh judge well beyond the noise are flagged; the fair ones are not.
    /// (Offsets are relative to the panel's average judge: here the two cancel, so fair is zero.)
    @Test func judgesBeyondTwoStandardErrorsAreFlagged() {
        var rng = SplitMix64(seed: 3)
        var obs: [Ranking.Observation] = []
        let judges = ["a", "b", "c", "d", "harsh", "lenient"]
        let offset = ["harsh": -10.0, "lenient": 10.0]
        for e in 0..<60 { for k in 0..<3 {
            let j = judges[(e + k) % judges.count]
            obs.append(.init(entry: Int64(e), judge: j, score: Double(e) + offset[j, default: 0] + Double(rng.next() % 400) / 100))
        } }
        let result = Ranking.rank(obs, bootstrap: 20)
        let flagged = result.offsets.filter(\.flagged).map(\.judge)
        #expect(flagged == ["harsh", "lenient"], "flagged: \(flagged), offsets: \(result.offsets)")
        #expect(result.varianceRatio > 0 && result.varianceRatio.isFinite)
        #expect(result.groups == 1)
    }

    @Test func eigenDecompositionRebuildsTheMatrix() {
        let n = 5
        var rng = SplitMix64(seed: 2)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let v = Double(rng.next() % 2000) / 100 - 10; a[i * n + j] = v; a[j * n + i] = v } }
        let eigen = SymmetricEigen(a, size: n)
        for i in 0..<n { for j in 0..<n {
            let rebuilt = (0..<n).reduce(0.0) { $0 + eigen.vectors[i * n + $1] * eigen.values[$1] * eigen.vectors[j * n + $1] }
            #expect(abs(rebuilt - a[i * n + j]) < 1e-9)
        } }
    }

    /// Kendall's τ-a between two lists without ties.
    func kendallTau(_ x: [Double], _ y: [Double]) -> Double {
        var concordant = 0, pairs = 0
        for i in x.indices { for j in x.indices where j > i {
            pairs += 1
            concordant += (x[i] - x[j]) * (y[i] - y[j]) > 0 ? 1 : -1
        } }
        return Double(concordant) / Double(pairs)
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

    /// The bootstrap's fast ranks agree with the plain ones wherever values differ, negative ones too.
    @Test func orderRanksMatchRanksWithoutTies() {
        var rng = SplitMix64(seed: 4)
        let values = (0..<5000).shuffled(using: &rng).map { Double($0) / 997 - 3 }
        let same = Ranking.orderRanks(values) == Ranking.ranks(values)
        #expect(same)
        #expect(Ranking.orderRanks([2.5, -1, 0, 7]) == [2, 4, 3, 1])
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
