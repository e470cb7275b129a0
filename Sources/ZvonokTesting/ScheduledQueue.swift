import SIPTransaction

/// A binary min-heap of payloads ordered by (instant, insertion sequence): the earliest first, and
/// among equal instants the one scheduled first, so a simulation's order never depends on hashing.
struct ScheduledQueue<Payload: Sendable>: Sendable {
    struct Item: Sendable {
        var at: Instant
        var sequence: UInt64
        var payload: Payload

        func precedes(_ other: Item) -> Bool { (at, sequence) < (other.at, other.sequence) }
    }

    private(set) var items: [Item] = []
    private var nextSequence: UInt64 = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var first: Item? { items.first }

    mutating func insert(_ payload: Payload, at instant: Instant) {
        items.append(Item(at: instant, sequence: nextSequence, payload: payload))
        nextSequence += 1
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() -> Item? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let first = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].precedes(items[smallest]) { smallest = left }
            if right < items.count, items[right].precedes(items[smallest]) { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    /// Keeps only the items `isIncluded` accepts, preserving their order.
    mutating func filter(_ isIncluded: (Item) -> Bool) {
        let kept = items.filter(isIncluded).sorted { $0.precedes($1) }
        items = kept  // a sorted array is a valid heap
    }
}
