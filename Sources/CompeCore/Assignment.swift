/// Balanced, conflict-free assignment of judges to entries.
///
/// Each entry gets `perEntry` judges; a judge never gets an entry they are conflicted with;
/// loads stay as even as the conflicts allow. Entries with the fewest eligible judges are served
/// first so they are not starved. Ties are broken by a seeded generator, drawn afresh for each
/// entry so judges meet many different co-judges (the design stays connected, which the ranking
/// needs to tell a harsh judge from weak entries); the same input and seed give the same
/// assignment. Existing pairs are kept (incremental: late entries only add).
public enum AssignmentPlanner {
    /// A planning failure, naming the entry that cannot be served.
    public struct Shortage: Error, Sendable, Hashable {
        /// The entry.
        public var entry: Int64
        /// Judges it still needs.
        public var needed: Int
        /// Judges that could take it.
        public var eligible: Int

        /// Creates a shortage report.
        public init(entry: Int64, needed: Int, eligible: Int) {
            self.entry = entry
            self.needed = needed
            self.eligible = eligible
        }
    }

    /// Returns the new (entry, judge) pairs to add to `existing`.
    ///
    /// Judges are numbered once and each entry's eligible judges listed once, so the work is one
    /// pass over entries × judges, not a set lookup per pair in every step (10,000 entries × 30
    /// judges took seconds that way).
    public static func plan(entries: [Int64], judges: [String], conflicts: Set<Pair>, existing: Set<Pair>,
                            perEntry: Int, seed: UInt64) throws -> [Pair] {
        var rng = SplitMix64(seed: seed)
        var number: [String: Int] = [:]
        for (i, judge) in judges.enumerated() where number[judge] == nil { number[judge] = i }
        var load = [Int](repeating: 0, count: judges.count)
        var excluded: [Int64: Set<Int>] = [:]
        var assigned: [Int64: Int] = [:]
        for pair in existing {
            assigned[pair.entry, default: 0] += 1
            guard let j = number[pair.judge] else { continue }
            load[j] += 1
            excluded[pair.entry, default: []].insert(j)
        }
        for pair in conflicts { if let j = number[pair.judge] { excluded[pair.entry, default: []].insert(j) } }
        let distinct = Array(Set(number.values)).sorted()
        var eligible: [Int64: [Int]] = Dictionary(minimumCapacity: entries.count)
        for entry in entries where eligible[entry] == nil {
            let out = excluded[entry]
            eligible[entry] = out.map { out in distinct.filter { !out.contains($0) } } ?? distinct
        }
        let order = entries.shuffled(using: &rng).sorted { eligible[$0]!.count < eligible[$1]!.count }
        var added: [Pair] = []
        added.reserveCapacity(entries.count * perEntry)
        for entry in order {
            let have = assigned[entry] ?? 0
            let need = perEntry - have
            guard need > 0 else { continue }
            let candidates = eligible[entry]!
            guard candidates.count >= need else {
                throw Shortage(entry: entry, needed: need, eligible: candidates.count)
            }
            // Least loaded first; among equally loaded judges a fresh random order per entry. (A
            // fixed tie order hands out the same groups of judges again and again, e.g. 12 judges
            // three per entry became four separate panels that share no entry, and then nothing
            // tells a harsh panel from weak entries.)
            let keyed = candidates.map { ($0, load[$0], rng.next()) }
            let chosen = keyed.sorted { ($0.1, $0.2) < ($1.1, $1.2) }.prefix(need).map(\.0)
            for j in chosen {
                load[j] += 1
                added.append(Pair(entry: entry, judge: judges[j]))
            }
            assigned[entry] = perEntry
        }
        return added
    }

    /// An entry–judge pair.
    public struct Pair: Hashable, Sendable {
        public var entry: Int64
        public var judge: String
        public init(entry: Int64, judge: String) {
            self.entry = entry
            self.judge = judge
        }
    }
}

/// A small, fast, seedable generator (SplitMix64), so results are reproducible across runs and
/// platforms (Swift's default generator is neither seedable nor stable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence depends only on `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
