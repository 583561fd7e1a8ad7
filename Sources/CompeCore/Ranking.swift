import Foundation

/// Rankings that a harsh or lenient judge cannot decide.
///
/// Each complete score sheet (a judge's values for every criterion of an entry) becomes one
/// weighted score on 0–100: Σ weight × (value − lowest) / (highest − lowest). Then:
/// - **raw mean**: the plain mean of an entry's weighted scores;
/// - **corrected**: the entry's quality q in the additive model score = q(entry) + b(judge) + noise,
///   fitted by least squares over the scores that exist, with a ridge penalty λ·Σb² that keeps a
///   judge seen on few entries from being over-corrected; judge biases are centred on zero, so
///   corrected scores stay on the same 0–100 scale;
/// - **rank** by corrected score, ties shared (1, 2, 2, 4);
/// - a **90% bootstrap interval** of the rank: each entry's scores are resampled with replacement
///   (seeded), qualities recomputed with the fitted biases, everything re-ranked;
/// - **Krippendorff's alpha** (interval metric) of the weighted scores, entries as units, judges as coders.
public enum Ranking {
    /// One weighted score.
    public struct Observation: Sendable, Hashable {
        public var entry: Int64
        public var judge: String
        public var score: Double
        public init(entry: Int64, judge: String, score: Double) {
            self.entry = entry
            self.judge = judge
            self.score = score
        }
    }

    /// One ranked entry.
    public struct Row: Sendable, Hashable {
        public var entry: Int64
        public var rawMean: Double
        public var corrected: Double
        public var rank: Int
        public var rankLow: Int
        public var rankHigh: Int
        public var judges: Int
    }

    /// The whole result.
    public struct Result: Sendable {
        /// Rows by rank.
        public var rows: [Row]
        /// Fitted judge biases (positive = lenient).
        public var biases: [String: Double]
        /// Krippendorff's alpha (interval), nil when fewer than two judges scored any entry.
        public var alpha: Double?
    }

    /// The weighted 0–100 score of a complete sheet, nil when a criterion is missing.
    public static func weighted(_ values: [String: Int], criteria: [Criterion]) -> Double? {
        var total = 0.0
        for c in criteria {
            guard let v = values[c.id] else { return nil }
            total += Double(c.weight) * Double(v - c.scaleMin) / Double(c.scaleMax - c.scaleMin)
        }
        return total * 100 / Double(criteria.reduce(0) { $0 + $1.weight })
    }

    /// Fits the additive model; returns (quality per entry, bias per judge).
    public static func fit(_ obs: [Observation], lambda: Double = 1.0, iterations: Int = 500) -> (quality: [Int64: Double], bias: [String: Double]) {
        let entries = Array(Set(obs.map(\.entry))), judges = Array(Set(obs.map(\.judge)))
        let eIndex = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1, $0) })
        let jIndex = Dictionary(uniqueKeysWithValues: judges.enumerated().map { ($1, $0) })
        let e = obs.map { eIndex[$0.entry]! }, j = obs.map { jIndex[$0.judge]! }, y = obs.map(\.score)
        var q = [Double](repeating: 0, count: entries.count), b = [Double](repeating: 0, count: judges.count)
        var eCount = [Double](repeating: 0, count: entries.count), jCount = [Double](repeating: 0, count: judges.count)
        for k in 0..<obs.count { eCount[e[k]] += 1; jCount[j[k]] += 1 }
        // Alternating exact minimisation (block coordinate descent) of the convex objective.
        for _ in 0..<iterations {
            var qSum = [Double](repeating: 0, count: entries.count)
            for k in 0..<obs.count { qSum[e[k]] += y[k] - b[j[k]] }
            for i in 0..<q.count { q[i] = qSum[i] / eCount[i] }
            var bSum = [Double](repeating: 0, count: judges.count)
            for k in 0..<obs.count { bSum[j[k]] += y[k] - q[e[k]] }
            var change = 0.0
            for i in 0..<b.count {
                let nb = bSum[i] / (jCount[i] + lambda)
                change = max(change, abs(nb - b[i]))
                b[i] = nb
            }
            if change < 1e-10 { break }
        }
        let mean = b.isEmpty ? 0 : b.reduce(0, +) / Double(b.count)
        return (Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1, q[$0] + mean) }),
                Dictionary(uniqueKeysWithValues: judges.enumerated().map { ($1, b[$0] - mean) }))
    }

    /// Competition ranks (1, 2, 2, 4) of values, higher first; values within 1e-9 tie.
    public static func ranks(_ values: [Double]) -> [Int] {
        // Sorting (value, index) pairs, ties by index: the order a stable sort of indices by
        // value gives, without a closure reading the array on every comparison.
        var pairs = values.enumerated().map { ($0.element, $0.offset) }
        pairs.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        let order = pairs.map(\.1)
        var out = [Int](repeating: 0, count: values.count)
        for (position, i) in order.enumerated() {
            if position > 0, abs(values[order[position - 1]] - values[i]) < 1e-9 {
                out[i] = out[order[position - 1]]
            } else {
                out[i] = position + 1
            }
        }
        return out
    }

    /// Krippendorff's alpha for interval data. `units` holds each unit's values (one per coder
    /// that coded it); units with fewer than two values are not pairable and are skipped.
    public static func krippendorffAlphaInterval(_ units: [[Double]]) -> Double? {
        let pairable = units.filter { $0.count >= 2 }
        let n = Double(pairable.reduce(0) { $0 + $1.count })
        guard n > 1 else { return nil }
        var observed = 0.0, sum = 0.0, sumSquares = 0.0
        for unit in pairable {
            let m = Double(unit.count)
            let s = unit.reduce(0, +), ss = unit.reduce(0) { $0 + $1 * $1 }
            observed += (2 * (m * ss - s * s)) / (m - 1)   // Σ_{i≠j} (v_i − v_j)² / (m − 1)
            sum += s
            sumSquares += ss
        }
        let expected = 2 * (n * sumSquares - sum * sum) / (n * (n - 1))
        guard expected > 0 else { return nil }
        return 1 - (observed / n) / expected
    }

    /// The full ranking.
    public static func rank(_ observations: [Observation], bootstrap: Int = 200, seed: UInt64 = 1) -> Result {
        // A fixed order, so the seeded bootstrap draws the same samples whatever order the store returned.
        let obs = observations.sorted { ($0.entry, $0.judge) < ($1.entry, $1.judge) }
        let (quality, bias) = fit(obs)
        let byEntry = Dictionary(grouping: obs, by: \.entry)
        let entries = byEntry.keys.sorted()
        let corrected = entries.map { quality[$0]! }
        let rank = ranks(corrected)
        // Bootstrap: resample each entry's scores, keep the fitted biases.
        // The draws are made in order from one generator (reproducible by seed); the ranking of
        // each replicate, most of the work, runs on all cores.
        var rng = SplitMix64(seed: seed)
        let grouped = entries.map { e in byEntry[e]!.map { $0.score - bias[$0.judge]! } }
        let replicates = (0..<bootstrap).map { _ in
            grouped.map { adjusted -> Double in
                var total = 0.0
                for _ in adjusted { total += adjusted[Int(rng.next() % UInt64(adjusted.count))] }
                return total / Double(adjusted.count)
            }
        }
        let replicateRanks = ParallelMap.map(replicates, ranks)
        let rows = entries.enumerated().map { i, e -> Row in
            let sorted = replicateRanks.map { $0[i] }.sorted()
            let low = sorted.isEmpty ? rank[i] : sorted[Int((Double(sorted.count - 1) * 0.05).rounded(.down))]
            let high = sorted.isEmpty ? rank[i] : sorted[Int((Double(sorted.count - 1) * 0.95).rounded(.up))]
            let scores = byEntry[e]!.map(\.score)
            return Row(entry: e, rawMean: scores.reduce(0, +) / Double(scores.count), corrected: corrected[i], rank: rank[i],
                       rankLow: min(low, rank[i]), rankHigh: max(high, rank[i]), judges: scores.count)
        }.sorted { ($0.rank, $0.entry) < ($1.rank, $1.entry) }
        let alpha = krippendorffAlphaInterval(entries.map { byEntry[$0]!.map(\.score) })
        return Result(rows: rows, biases: bias, alpha: alpha)
    }

    /// How far judges agree, read from alpha with Krippendorff's own thresholds (≥ 0.8
    /// reliable, ≥ 0.667 tentative). The words for each level live in the UI string tables.
    public enum Agreement: String, Sendable, CaseIterable {
        /// No entry was scored by two judges.
        case unknown
        /// α ≥ 0.8: the scores are reliable.
        case good
        /// 0.667 ≤ α < 0.8: draw only tentative conclusions.
        case moderate
        /// α < 0.667: differences in rank may be chance.
        case poor

        /// The level of `alpha`.
        public init(alpha: Double?) {
            guard let a = alpha else { self = .unknown; return }
            self = a >= 0.8 ? .good : a >= 0.667 ? .moderate : .poor
        }
    }
}
