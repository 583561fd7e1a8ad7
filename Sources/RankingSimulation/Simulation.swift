import CompeCore

/// One cell of the grid: contests of this shape.
struct Cell: Hashable {
    var entries: Int
    var perEntry: Int
    /// Standard deviation of the judges' offsets, as a multiple of the qualities' s.d.
    var biasSpread: Double
    /// Standard deviation of the noise, as a multiple of the qualities' s.d.
    var noise: Double

    /// Panel size: about 25 sheets per judge, at least two judges more than each entry needs, at most 40.
    var judges: Int { min(40, max(perEntry + 2, entries * perEntry / 25)) }
}

/// How one method did on one contest.
struct Outcome {
    var tau: Double
    var top3: Double
}

enum Simulation {
    static let qualitySD = 10.0

    /// Simulates contest `index` of `cell` (seeded by both) and scores every method against the truth.
    static func run(_ cell: Cell, index: Int) -> [Method: Outcome] {
        var rng = SplitMix64(seed: UInt64(cell.entries * 1_000_003 + cell.perEntry * 10_007 + Int(cell.biasSpread * 100) * 101
                                           + Int(cell.noise * 100)) &* 0x9E37_79B9 &+ UInt64(index))
        let quality = (0..<cell.entries).map { _ in 50 + qualitySD * gaussian(&rng) }
        let offset = (0..<cell.judges).map { _ in cell.biasSpread * qualitySD * gaussian(&rng) }
        let names = (0..<cell.judges).map { "j\($0)" }
        let pairs = try! AssignmentPlanner.plan(entries: (0..<cell.entries).map(Int64.init), judges: names, conflicts: [], existing: [],
                                                perEntry: cell.perEntry, seed: rng.next())
        let judgeIndex = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var sheets = Sheets(entries: cell.entries, judges: cell.judges, entry: [], judge: [], score: [])
        for p in pairs {
            let e = Int(p.entry), j = judgeIndex[p.judge]!
            sheets.entry.append(e)
            sheets.judge.append(j)
            sheets.score.append(quality[e] + offset[j] + cell.noise * qualitySD * gaussian(&rng))
        }
        var out: [Method: Outcome] = [:]
        for method in Method.allCases {
            let estimate = method.scores(sheets)
            out[method] = Outcome(tau: kendallTau(quality, estimate), top3: topPrecision(quality, estimate, 3))
        }
        return out
    }

    /// Kendall's τ-b (ties in the estimate count as neither concordant nor discordant).
    static func kendallTau(_ x: [Double], _ y: [Double]) -> Double {
        var concordant = 0.0, discordant = 0.0, tiesY = 0.0
        for i in x.indices { for j in (i + 1)..<x.count {
            let dx = x[i] - x[j], dy = y[i] - y[j]
            if abs(dy) < 1e-9 { tiesY += 1 } else if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
        } }
        let pairs = concordant + discordant + tiesY
        return (concordant - discordant) / (pairs * (pairs - tiesY)).squareRoot()
    }

    /// Share of the true top k that the estimate also puts in its top k.
    static func topPrecision(_ truth: [Double], _ estimate: [Double], _ k: Int) -> Double {
        let top = { (v: [Double]) in Set(v.indices.sorted { v[$0] > v[$1] }.prefix(k)) }
        return Double(top(truth).intersection(top(estimate)).count) / Double(k)
    }

    static func gaussian(_ rng: inout SplitMix64) -> Double {
        let u1 = (Double(rng.next() >> 11) + 1) * 0x1p-53, u2 = Double(rng.next() >> 11) * 0x1p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

import Foundation
