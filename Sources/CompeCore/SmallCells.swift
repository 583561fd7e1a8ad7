/// Small-cell suppression: the rule that keeps a published count or an open-data row from
/// pointing at one entrant.
///
/// Any category (a country, a team size) held by fewer than `k` entrants becomes `other`. If
/// `other` then holds entrants but fewer than `k`, it would still narrow them down (with one
/// other country of one entrant, "other" *is* that entrant), so the smallest remaining
/// categories are merged into it too, until `other` holds at least `k` or everything is `other`.
/// Used by the statistics page, `compe stats` and every anonymised export, so all of them say
/// the same thing about the same entrants.
public enum SmallCells {
    /// The label merged categories get.
    public static let other = "other"

    /// For each category of `counts` (entrants per category), the category it is published as.
    public static func merge(_ counts: [String: Int], k: Int) -> [String: String] {
        var kept = counts.filter { $0.value >= k && $0.key != other }
        var otherCount = counts.filter { kept[$0.key] == nil }.values.reduce(0, +)
        while otherCount > 0 && otherCount < k, let smallest = kept.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            kept[smallest.key] = nil
            otherCount += smallest.value
        }
        return Dictionary(uniqueKeysWithValues: counts.keys.map { ($0, kept[$0] != nil ? $0 : other) })
    }

    /// The rule in words, as packages and pages state it.
    public static func description(k: Int) -> String {
        "Small-cell suppression with k = \(k): every country and team size held by fewer than \(k) entrants is published as "
            + "'other'; if 'other' then holds fewer than \(k) entrants, the smallest remaining categories are merged into it until it holds at least \(k)."
    }
}
