import CompeCore

/// The methods the simulation compares. Each maps a contest's sheets to a score per entry
/// (entry index 0..<entries). Only `mixedModel` is compe's; the others are kept here, outside the
/// product, as yardsticks.
enum Method: String, CaseIterable {
    /// The plain mean of an entry's scores.
    case rawMean = "raw mean"
    /// Each judge's scores standardised (mean 0, s.d. 1), then averaged per entry.
    case zScores = "z-scores"
    /// compe's first version: least squares with a fixed ridge penalty λ = 1 on the offsets.
    case firstPhase = "first phase (ridge λ=1)"
    /// compe now: offsets as random effects, variance ratio by REML (`Ranking.rank`).
    case mixedModel = "REML (compe)"

    func scores(_ sheets: Sheets) -> [Double] {
        switch self {
        case .rawMean: return sheets.entryMeans(sheets.score)
        case .zScores: return zScores(sheets)
        case .firstPhase: return ridge(sheets, lambda: 1)
        case .mixedModel:
            let model = JudgeEffects(entryOf: sheets.entry, judgeOf: sheets.judge, entries: sheets.entries, judges: sheets.judges)
            return model.fit(sheets.score).quality
        }
    }

    private func zScores(_ s: Sheets) -> [Double] {
        var sum = [Double](repeating: 0, count: s.judges), squares = sum, count = sum
        for k in s.score.indices { sum[s.judge[k]] += s.score[k]; squares[s.judge[k]] += s.score[k] * s.score[k]; count[s.judge[k]] += 1 }
        let z = s.score.indices.map { k -> Double in
            let j = s.judge[k], mean = sum[j] / count[j]
            let sd = (max(0, squares[j] / count[j] - mean * mean)).squareRoot()
            return sd > 0 ? (s.score[k] - mean) / sd : 0
        }
        return s.entryMeans(z)
    }

    /// The first-phase fit, as it was: block coordinate descent of Σ(y − q − b)² + λΣb², biases centred.
    private func ridge(_ s: Sheets, lambda: Double) -> [Double] {
        var q = [Double](repeating: 0, count: s.entries), b = [Double](repeating: 0, count: s.judges)
        var eCount = q, jCount = b
        for k in s.score.indices { eCount[s.entry[k]] += 1; jCount[s.judge[k]] += 1 }
        for _ in 0..<500 {
            var qSum = [Double](repeating: 0, count: s.entries)
            for k in s.score.indices { qSum[s.entry[k]] += s.score[k] - b[s.judge[k]] }
            for i in q.indices { q[i] = qSum[i] / eCount[i] }
            var bSum = [Double](repeating: 0, count: s.judges)
            for k in s.score.indices { bSum[s.judge[k]] += s.score[k] - q[s.entry[k]] }
            var change = 0.0
            for i in b.indices {
                let nb = bSum[i] / (jCount[i] + lambda)
                change = max(change, abs(nb - b[i]))
                b[i] = nb
            }
            if change < 1e-10 { break }
        }
        return q   // centring the biases shifts every q equally: the order is the same
    }
}

/// One simulated contest's sheets.
struct Sheets {
    var entries: Int
    var judges: Int
    var entry: [Int]
    var judge: [Int]
    var score: [Double]

    func entryMeans(_ values: [Double]) -> [Double] {
        var sum = [Double](repeating: 0, count: entries), count = sum
        for k in values.indices { sum[entry[k]] += values[k]; count[entry[k]] += 1 }
        return zip(sum, count).map { $0 / $1 }
    }
}
