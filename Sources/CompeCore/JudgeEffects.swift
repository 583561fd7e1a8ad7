import Foundation

/// The additive model score = quality(entry) + offset(judge) + noise, with the entries'
/// qualities as fixed effects and the judges' offsets as random effects whose variance is
/// estimated from the data by restricted maximum likelihood (REML).
///
/// Why random effects with an estimated variance: a fixed penalty on the offsets shrinks a real
/// offset of a consistently lenient judge and lets it leak back into the ranking. Estimating the
/// ratio γ = (variance of offsets) / (variance of noise) lets the data decide: scores that the
/// model fits exactly give γ = ∞ (no shrinkage: the exact two-way solution, so the true order on
/// noise-free connected designs), a design that says nothing about offsets (one judge per entry)
/// or judges that do not differ give γ = 0 (offsets zero: the raw mean), and noisy data land in
/// between. The fitted offsets are the best linear unbiased predictions (BLUPs), the qualities the
/// generalised least-squares estimates; they solve Henderson's mixed-model equations.
///
/// How: with X the entry indicators, Z the judge indicators and M = I − X(X'X)⁻¹X' (deviations
/// from each entry's mean), everything needed reduces to the judges × judges matrix C = Z'MZ and
/// the vector u = Z'My. With C = QΛQ' and w = Q'u, the profiled REML log-likelihood is
///
///     ℓ(γ) = −½ [ (n − p) log R(γ) + Σᵢ log(1 + γλᵢ) ],   R(γ) = R∞ + Σᵢ wᵢ² / (λᵢ (1 + γλᵢ))
///
/// (n sheets, p entries, R∞ the residual of the unpenalised two-way fit), a one-dimensional
/// search; the offsets are b = Σᵢ Qᵢ wᵢ / (1/γ + λᵢ) and the noise variance σ² = R(γ)/(n − p).
/// The spectrum depends only on who scored what, so it is computed once per contest and each
/// bootstrap replicate refits in O(sheets + judges²).
///
/// Judges that share no entry, directly or through other judges, form separate groups: offsets
/// are only comparable within a group (the eigenvalue 0 of C per group is the unknowable level of
/// the group), each group's offsets are centred on zero, and `groups` reports the split.
public struct JudgeEffects: Sendable {
    /// A fitted model.
    public struct Fit: Sendable {
        /// Each entry's quality (corrected score), by entry index.
        public var quality: [Double]
        /// Each judge's offset (positive: lenient), centred on zero within each group, by judge index.
        public var offset: [Double]
        /// γ = variance of offsets / variance of noise: 0 when the data show no judge effect,
        /// `.infinity` when the model fits the scores exactly.
        public var varianceRatio: Double
        /// σ², the noise variance (REML); nil when no entry has two sheets.
        public var noiseVariance: Double?
    }

    /// Number of entries p.
    public let entryCount: Int
    /// Number of judges.
    public let judgeCount: Int
    /// For each judge, the group of judges linked to it through shared entries (0-based).
    public let group: [Int]
    /// Number of groups; 1 for a connected design.
    public let groupCount: Int
    /// For each judge, the entries it scored that another judge scored too: what its offset rests on.
    public let sharedEntries: [Int]

    private let entryOf: [Int]
    private let judgeOf: [Int]
    private let sheetsPerEntry: [Double]
    private let eigen: SymmetricEigen
    /// Indices of the eigenvalues of C that carry information (the others are 0: one per group).
    private let informative: [Int]
    private let residualDF: Int

    /// The design: sheet k belongs to entry `entryOf[k]` (0..<entries) and judge `judgeOf[k]` (0..<judges).
    public init(entryOf: [Int], judgeOf: [Int], entries: Int, judges: Int) {
        precondition(entryOf.count == judgeOf.count)
        self.entryOf = entryOf
        self.judgeOf = judgeOf
        entryCount = entries
        judgeCount = judges
        var sheets = [[Int]](repeating: [], count: entries)
        for (k, e) in entryOf.enumerated() { sheets[e].append(judgeOf[k]) }
        sheetsPerEntry = sheets.map { Double($0.count) }
        // C = Z'Z − Σₑ (1/nₑ) zₑzₑ'; groups by union–find over the judges of each entry.
        var c = [Double](repeating: 0, count: judges * judges)
        var parent = Array(0..<judges)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var shared = [Int](repeating: 0, count: judges)
        for js in sheets where !js.isEmpty {
            let share = 1 / Double(js.count)
            for a in js {
                c[a * judges + a] += 1
                for b in js { c[a * judges + b] -= share }
                parent[root(a)] = root(js[0])
            }
            if js.count > 1 { for a in Set(js) { shared[a] += 1 } }
        }
        var groupOfRoot: [Int: Int] = [:]
        group = (0..<judges).map { j in
            let r = root(j)
            if let g = groupOfRoot[r] { return g }
            groupOfRoot[r] = groupOfRoot.count
            return groupOfRoot.count - 1
        }
        groupCount = groupOfRoot.count
        sharedEntries = shared
        let spectrum = SymmetricEigen(c, size: judges)
        let largest = spectrum.values.max() ?? 0
        eigen = spectrum
        informative = spectrum.values.indices.filter { spectrum.values[$0] > 1e-9 * max(1, largest) }
        residualDF = entryOf.count - sheets.filter { !$0.isEmpty }.count
    }

    /// Fits the model to the scores `y` (one per sheet, in the design's order).
    public func fit(_ y: [Double]) -> Fit {
        precondition(y.count == entryOf.count)
        var mean = [Double](repeating: 0, count: entryCount)
        for (k, e) in entryOf.enumerated() { mean[e] += y[k] }
        for e in 0..<entryCount where sheetsPerEntry[e] > 0 { mean[e] /= sheetsPerEntry[e] }
        var u = [Double](repeating: 0, count: judgeCount), s = 0.0
        for k in y.indices {
            let r = y[k] - mean[entryOf[k]]
            u[judgeOf[k]] += r
            s += r * r
        }
        let n = judgeCount
        let lambda = informative.map { eigen.values[$0] }
        let w = informative.map { i in (0..<n).reduce(0.0) { $0 + eigen.vectors[$1 * n + i] * u[$1] } }
        let explained = zip(w, lambda).reduce(0.0) { $0 + $1.0 * $1.0 / $1.1 }
        let rInfinity = max(0, s - explained)
        let df = Double(residualDF)
        guard residualDF > 0, !informative.isEmpty, s > 0 else {
            // Nothing to learn about offsets (one sheet per entry, or judges agreeing exactly).
            return Fit(quality: mean, offset: [Double](repeating: 0, count: judgeCount), varianceRatio: 0,
                       noiseVariance: residualDF > 0 ? s / df : nil)
        }
        func residual(_ gamma: Double) -> Double {
            var r = rInfinity
            for i in lambda.indices { r += w[i] * w[i] / (lambda[i] * (1 + gamma * lambda[i])) }
            return r
        }
        func logLikelihood(_ gamma: Double) -> Double {
            var logDet = 0.0
            for l in lambda { logDet += log1p(gamma * l) }
            return -0.5 * (df * log(residual(gamma)) + logDet)
        }
        let gamma: Double
        if rInfinity <= 1e-12 * s && residualDF > lambda.count {
            gamma = .infinity   // the two-way model fits exactly, with degrees of freedom to spare
        } else {
            gamma = Self.maximise(logLikelihood)
        }
        var offset = [Double](repeating: 0, count: judgeCount)
        for (slot, i) in informative.enumerated() {
            let weight = w[slot] / (gamma.isInfinite ? lambda[slot] : 1 / gamma + lambda[slot])
            if weight == 0 { continue }
            for j in 0..<n { offset[j] += eigen.vectors[j * n + i] * weight }
        }
        var quality = mean
        for (k, e) in entryOf.enumerated() { quality[e] -= offset[judgeOf[k]] / sheetsPerEntry[e] }
        let noise = (gamma.isInfinite ? rInfinity : residual(gamma)) / df
        return Fit(quality: quality, offset: offset, varianceRatio: gamma, noiseVariance: noise)
    }

    /// Standard errors of the fitted offsets: √ of the diagonal of σ²(C + I/γ)⁻¹ restricted to
    /// the informative directions (offsets are centred, so a group's common level is not an error).
    public func standardErrors(_ fit: Fit) -> [Double]? {
        guard let sigma2 = fit.noiseVariance else { return nil }
        let n = judgeCount
        return (0..<n).map { j in
            var v = 0.0
            for i in informative {
                let l = eigen.values[i], q = eigen.vectors[j * n + i]
                v += q * q / (fit.varianceRatio.isInfinite ? l : 1 / fit.varianceRatio + l)
            }
            return (sigma2 * v).squareRoot()
        }
    }

    /// The γ maximising `f` over 0 and 10⁻⁸…10¹²: a grid of quarter decades, then a golden-section
    /// search between the best point's neighbours (log scale).
    static func maximise(_ f: (Double) -> Double) -> Double {
        let grid = (0...80).map { -8 + Double($0) / 4 }
        let values = grid.map { f(pow(10, $0)) }
        let best = values.indices.max { values[$0] < values[$1] }!
        if best == 0 && f(0) >= values[0] { return 0 }
        var a = grid[max(0, best - 1)], b = grid[min(grid.count - 1, best + 1)]
        let ratio = (5.0.squareRoot() - 1) / 2
        var x1 = b - ratio * (b - a), x2 = a + ratio * (b - a)
        var f1 = f(pow(10, x1)), f2 = f(pow(10, x2))
        for _ in 0..<48 {
            if f1 < f2 {
                a = x1; x1 = x2; f1 = f2
                x2 = a + ratio * (b - a); f2 = f(pow(10, x2))
            } else {
                b = x2; x2 = x1; f2 = f1
                x1 = b - ratio * (b - a); f1 = f(pow(10, x1))
            }
        }
        let candidates = [(grid[best], values[best]), (x1, f1), (x2, f2)]
        return pow(10, candidates.max { $0.1 < $1.1 }!.0)
    }
}
