import Foundation

/// Rankings that a harsh or lenient judge cannot decide.
///
/// Each complete score sheet (a judge's values for every criterion of an entry) becomes one
/// weighted score on 0–100: Σ weight × (value − lowest) / (highest − lowest). Then:
/// - **raw mean**: the plain mean of an entry's weighted scores;
/// - **corrected**: the entry's quality in the additive model score = quality + judge offset + noise,
///   with the offsets as random effects whose variance the data decide (REML, see `JudgeEffects`);
///   offsets are centred on zero, so corrected scores stay on the same 0–100 scale;
/// - **rank** by corrected score, ties shared (1, 2, 2, 4);
/// - a **90% interval** of the rank from a parametric bootstrap of the fitted model (new offsets
///   and noise drawn with the estimated variances, the model refitted, everything re-ranked; seeded);
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

    /// One judge's fitted offset and what it rests on (`compe results --explain`).
    public struct JudgeOffset: Sendable, Hashable {
        /// The judge's handle.
        public var judge: String
        /// Estimated offset on the 0–100 scale (positive: lenient), centred within its group.
        public var offset: Double
        /// Its standard error; nil when the noise cannot be estimated (no entry has two sheets).
        public var standardError: Double?
        /// Complete sheets by this judge.
        public var sheets: Int
        /// Entries this judge scored that another judge scored too: the offset rests on these.
        public var sharedEntries: Int
        /// The group of judges linked through shared entries (0-based).
        public var group: Int

        /// More than two standard errors from zero: this judge is lenient or harsh beyond chance.
        public var flagged: Bool {
            guard let se = standardError else { return false }
            return abs(offset) > 2 * se && abs(offset) > 1e-6
        }
    }

    /// The whole result.
    public struct Result: Sendable {
        /// Rows by rank.
        public var rows: [Row]
        /// Krippendorff's alpha (interval), nil when fewer than two judges scored any entry.
        public var alpha: Double?
        /// Each judge's offset, by handle.
        public var offsets: [JudgeOffset]
        /// γ = variance of judges' offsets / variance of noise (REML): 0 means no judge effect
        /// was found (corrected = raw mean), infinity an exact fit of the additive model.
        public var varianceRatio: Double
        /// σ², the noise variance; nil when no entry has two sheets.
        public var noiseVariance: Double?
        /// Groups of judges that share no entry with each other; 1 for a connected design. With
        /// more than one, offsets compare only within a group and each group is assumed fair on average.
        public var groups: Int

        /// Fitted offsets by handle (positive = lenient).
        public var biases: [String: Double] { Dictionary(uniqueKeysWithValues: offsets.map { ($0.judge, $0.offset) }) }
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

    /// Ranks 1…n of values, higher first, without sharing ties (equal values in input order):
    /// the bootstrap's replicates, where exact ties do not occur. Sorting plain integers, each an
    /// order-preserving image of the value with the index in its low bits, is several times
    /// faster than sorting (value, index) pairs with a comparison closure.
    public static func orderRanks(_ values: [Double]) -> [Int] {
        let n = values.count
        guard n > 1 else { return values.isEmpty ? [] : [1] }
        let bits = UInt64((n - 1).bitWidth - (n - 1).leadingZeroBitCount)
        let mask = (UInt64(1) << bits) - 1
        var keys = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            let pattern = (-values[i]).bitPattern   // ascending keys of −value: descending values
            let ordered = pattern & (1 << 63) != 0 ? ~pattern : pattern | (1 << 63)
            keys[i] = (ordered & ~mask) | UInt64(i)
        }
        keys.sort()
        var out = [Int](repeating: 0, count: n)
        for (position, key) in keys.enumerated() { out[Int(key & mask)] = position + 1 }
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
        // (The store already returns them in this order: checking is cheaper than sorting again.)
        let inOrder: (Observation, Observation) -> Bool = { ($0.entry, $0.judge) < ($1.entry, $1.judge) }
        let obs = zip(observations, observations.dropFirst()).allSatisfy { inOrder($0, $1) } ? observations : observations.sorted(by: inOrder)
        let entries = Array(Set(obs.map(\.entry))).sorted(), judges = Array(Set(obs.map(\.judge))).sorted()
        let eIndex = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1, $0) })
        let jIndex = Dictionary(uniqueKeysWithValues: judges.enumerated().map { ($1, $0) })
        let entryOf = obs.map { eIndex[$0.entry]! }, judgeOf = obs.map { jIndex[$0.judge]! }
        let model = JudgeEffects(entryOf: entryOf, judgeOf: judgeOf, entries: entries.count, judges: judges.count)
        let fit = model.fit(obs.map(\.score))
        let rank = ranks(fit.quality)
        let intervals = rankIntervals(model: model, fit: fit, entryOf: entryOf, judgeOf: judgeOf, bootstrap: bootstrap, seed: seed)
        var scores = [[Double]](repeating: [], count: entries.count)
        for (k, o) in obs.enumerated() { scores[entryOf[k]].append(o.score) }
        let rows = entries.indices.map { i -> Row in
            Row(entry: entries[i], rawMean: scores[i].reduce(0, +) / Double(scores[i].count), corrected: fit.quality[i], rank: rank[i],
                rankLow: min(intervals[i].low, rank[i]), rankHigh: max(intervals[i].high, rank[i]), judges: scores[i].count)
        }.sorted { ($0.rank, $0.entry) < ($1.rank, $1.entry) }
        let errors = model.standardErrors(fit)
        var sheets = [Int](repeating: 0, count: judges.count)
        for j in judgeOf { sheets[j] += 1 }
        let offsets = judges.indices.map { j in
            JudgeOffset(judge: judges[j], offset: fit.offset[j], standardError: errors?[j], sheets: sheets[j],
                        sharedEntries: model.sharedEntries[j], group: model.group[j])
        }
        return Result(rows: rows, alpha: krippendorffAlphaInterval(scores), offsets: offsets, varianceRatio: fit.varianceRatio,
                      noiseVariance: fit.noiseVariance, groups: model.groupCount)
    }

    /// The 5th and 95th percentile rank of each entry over `bootstrap` replicates drawn from the
    /// fitted model: offsets ~ N(0, γσ²) (the fitted ones when γ = ∞), noise ~ N(0, σ²), the model
    /// refitted (γ re-estimated) each time. Each replicate has its own generator derived from the
    /// seed, so replicates run on all cores and the result is the same on any machine. Without
    /// noise to draw (no entry with two sheets, or an exact fit) the interval is the rank itself.
    static func rankIntervals(model: JudgeEffects, fit: JudgeEffects.Fit, entryOf: [Int], judgeOf: [Int],
                              bootstrap: Int, seed: UInt64) -> [(low: Int, high: Int)] {
        let rank = ranks(fit.quality)
        guard bootstrap > 0, let sigma2 = fit.noiseVariance, sigma2 > 0 else { return rank.map { ($0, $0) } }
        let noiseSD = sigma2.squareRoot()
        let offsetSD = fit.varianceRatio.isFinite ? (fit.varianceRatio * sigma2).squareRoot() : 0
        let replicateRanks = ParallelMap.map(Array(0..<bootstrap)) { r -> [Int] in
            var rng = SplitMix64(seed: seed &+ UInt64(r) &* 0xD1B5_4A32_D192_ED03)
            var normals = GaussianPairs()
            let offsets = fit.offset.map { fitted in fit.varianceRatio.isFinite ? offsetSD * normals.next(&rng) : fitted }
            let y = entryOf.indices.map { k in fit.quality[entryOf[k]] + offsets[judgeOf[k]] + noiseSD * normals.next(&rng) }
            return orderRanks(model.fit(y).quality)
        }
        // Each entry's replicate ranks side by side, then sorted per entry in chunks on all cores.
        let entries = rank.count
        var byEntry = [Int](repeating: 0, count: entries * bootstrap)
        for (r, ranks) in replicateRanks.enumerated() { for i in 0..<entries { byEntry[i * bootstrap + r] = ranks[i] } }
        let lowAt = Int((Double(bootstrap - 1) * 0.05).rounded(.down)), highAt = Int((Double(bootstrap - 1) * 0.95).rounded(.up))
        let chunk = max(1, (entries + 15) / 16), columns = byEntry
        let parts = ParallelMap.map(Array(stride(from: 0, to: entries, by: chunk))) { start -> [(low: Int, high: Int)] in
            (start..<min(entries, start + chunk)).map { i in
                let sorted = columns[(i * bootstrap)..<((i + 1) * bootstrap)].sorted()
                return (sorted[lowAt], sorted[highAt])
            }
        }
        return parts.flatMap { $0 }
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

        /// The level in plain words, in Japanese (`ja`) or English (any other language): the
        /// results page, `compe results` and its JSON all say it with these words.
        public func reading(language: String) -> String {
            let ja = language == "ja"
            switch self {
            case .unknown: return ja ? "一致度は計算できません (同じ作品を採点した審査員が 2 名未満)。" : "Agreement cannot be computed (no entry was scored by two judges)."
            case .good: return ja ? "審査員の評価はよく一致しています。" : "Judges agree well: the scores are reliable."
            case .moderate: return ja ? "審査員の評価はおおむね一致していますが、結論は慎重に。" : "Judges agree moderately: draw only tentative conclusions."
            case .poor: return ja ? "審査員の評価の一致は弱く、順位の差は偶然の範囲かもしれません。" : "Judges agree poorly: differences in rank may be chance."
            }
        }
    }
}

/// Standard normal draws by Marsaglia's polar method: both of each pair used, one logarithm
/// and no trigonometry per pair (the bootstrap draws one per sheet per replicate).
struct GaussianPairs {
    private var spare: Double?

    mutating func next(_ rng: inout SplitMix64) -> Double {
        if let z = spare {
            spare = nil
            return z
        }
        while true {
            let u = Double(rng.next() >> 11) * 0x1p-52 - 1, v = Double(rng.next() >> 11) * 0x1p-52 - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * log(s) / s).squareRoot()
                spare = v * factor
                return u * factor
            }
        }
    }
}
