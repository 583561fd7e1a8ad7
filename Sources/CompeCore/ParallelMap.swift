import Foundation

/// Maps over a collection on all cores, keeping the input order.
public enum ParallelMap {
    /// Applies `transform` to each element concurrently and returns the results in order.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        if items.count < 2 { return items.map(transform) }
        let results = ResultBox<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            results.set(i, transform(items[i]))
        }
        return results.values()
    }
}

/// Slots written by index from many threads: each slot is written once, by one thread,
/// and read only after `concurrentPerform` has returned. A raw buffer (not a Swift array
/// property) so concurrent writes to different slots are not exclusive accesses.
private final class ResultBox<R>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<R?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ i: Int, _ value: R) { slots[i] = value }
    func values() -> [R] { (0..<count).map { slots[$0]! } }
}
