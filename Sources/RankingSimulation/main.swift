import CompeCore
import Foundation

// compe-ranking-sim [contests per cell]: simulated contests over a grid of shapes, each ranked
// by four methods, scored against the true qualities (Kendall's τ, top-3 precision). Prints a
// Markdown table per cell and a summary line that Scripts/bench reads. See Scripts/bench.d/bench.py.
let perCell = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10 : 10
var cells: [Cell] = []
for entries in [20, 100, 500] { for perEntry in [2, 3, 5] { for bias in [0.0, 0.5, 1, 2] { for noise in [0.0, 0.5, 1] {
    cells.append(Cell(entries: entries, perEntry: perEntry, biasSpread: bias, noise: noise))
} } } }
let jobs = cells.flatMap { cell in (0..<perCell).map { (cell, $0) } }
let outcomes = ParallelMap.map(jobs) { Simulation.run($0.0, index: $0.1) }
let methods = Method.allCases
print("| entries | judges/entry | bias s.d. | noise s.d. | " + methods.map { "τ \($0.rawValue)" }.joined(separator: " | ")
      + " | " + methods.map { "top-3 \($0.rawValue)" }.joined(separator: " | ") + " |")
print("|" + String(repeating: "---|", count: 4 + 2 * methods.count))
// Per cell, the paired difference in τ between compe's model and each other method over the same
// contests, with its standard error: "at least as good" when no method is ahead of it by more
// than two standard errors (Monte Carlo noise), "ahead" when it leads each of them.
var atLeastAsGood = 0, pointwiseAtLeast = 0, aheadOfAll = 0, aheadWhereJudgesDiffer = 0, cellsWhereJudgesDiffer = 0
var worst: (Double, String) = (-1, "")
for (c, cell) in cells.enumerated() {
    let mine = Array(outcomes[(c * perCell)..<((c + 1) * perCell)])
    func mean(_ m: Method, _ key: KeyPath<Outcome, Double>) -> Double { mine.reduce(0) { $0 + $1[m]![keyPath: key] } / Double(perCell) }
    let tau = Dictionary(uniqueKeysWithValues: methods.map { ($0, mean($0, \.tau)) })
    let top = Dictionary(uniqueKeysWithValues: methods.map { ($0, mean($0, \.top3)) })
    print("| \(cell.entries) | \(cell.perEntry) | \(cell.biasSpread)× | \(cell.noise)× | "
          + methods.map { String(format: "%.3f", tau[$0]!) }.joined(separator: " | ") + " | "
          + methods.map { String(format: "%.2f", top[$0]!) }.joined(separator: " | ") + " |")
    var significantlyBehind = false, ahead = true
    for other in methods where other != .mixedModel {
        let d = mine.map { $0[.mixedModel]!.tau - $0[other]!.tau }
        let m = d.reduce(0, +) / Double(d.count)
        let se = (d.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(1, d.count - 1)) / Double(d.count)).squareRoot()
        if m < -2 * se && m < -1e-9 { significantlyBehind = true }
        if m <= 1e-9 { ahead = false }
        if -m > worst.0 { worst = (-m, "\(cell.entries) entries, \(cell.perEntry)/entry, bias \(cell.biasSpread)×, noise \(cell.noise)× vs \(other.rawValue), "
                                    + String(format: "s.e. %.4f", se)) }
    }
    if !significantlyBehind { atLeastAsGood += 1 }
    if methods.allSatisfy({ tau[$0]! <= tau[.mixedModel]! + 1e-9 }) { pointwiseAtLeast += 1 }
    if ahead { aheadOfAll += 1 }
    if cell.biasSpread > 0 {
        cellsWhereJudgesDiffer += 1
        if tau[.mixedModel]! > tau[.rawMean]! && tau[.mixedModel]! > tau[.zScores]! { aheadWhereJudgesDiffer += 1 }
    }
}
print("")
print("summary: contests=\(jobs.count) cells=\(cells.count) not_behind_any=\(atLeastAsGood) best_or_equal_mean=\(pointwiseAtLeast) "
      + "ahead_of_all=\(aheadOfAll) ahead_of_raw_and_z_where_judges_differ=\(aheadWhereJudgesDiffer)/\(cellsWhereJudgesDiffer) "
      + String(format: "largest_shortfall=%.4f", max(0, worst.0)) + (worst.0 > 0 ? " (\(worst.1))" : ""))
