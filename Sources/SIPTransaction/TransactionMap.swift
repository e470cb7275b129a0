/// A map from `TransactionID` (RFC 3261 §17.1.3, §17.2.3 keys) for the transaction table and for
/// drivers and transaction users that keep something per transaction (timers, proxy contexts).
///
/// Built for the table's hot path:
/// - Values live in a slab (`slots`, reused through a free list) and the index maps the id's
///   precomputed hash to a slot: a lookup probes `Int`s, where a `Dictionary<TransactionID, _>`
///   copies (and retains) each probed key's byte strings to compare it; one comparison of the ids
///   then confirms the hit.
/// - `update` mutates a value in place in the slab: no large value is moved in or out of a
///   dictionary per event, and growing the index moves only integers.
/// - Ids whose hashes collide with a stored one are indexed in `overflow`, so two ids are never
///   confused: an id is in `overflow` only while `index` holds another id with the same hash.
public struct TransactionMap<Value>: Sendable where Value: Sendable {
    private var index: [Int: Int] = [:]
    private var overflow: [TransactionID: Int] = [:]
    /// The slab, as two parallel arrays: confirming a hit reads an id without copying its value.
    private var ids: [TransactionID?] = []
    private var storage: [Value?] = []
    private var free: [Int] = []

    public init() {}

    public var count: Int { index.count + overflow.count }

    public var isEmpty: Bool { index.isEmpty }

    public mutating func reserveCapacity(_ capacity: Int) {
        index.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
        storage.reserveCapacity(capacity)
    }

    /// Every value, in no particular order.
    public var values: [Value] { storage.compactMap { $0 } }

    private func slotIndex(of id: TransactionID) -> Int? {
        guard let i = index[id.hashCode] else { return nil }
        if ids[i] == id { return i }
        return overflow.isEmpty ? nil : overflow[id]
    }

    public func contains(_ id: TransactionID) -> Bool { slotIndex(of: id) != nil }

    public subscript(id: TransactionID) -> Value? {
        get { slotIndex(of: id).flatMap { storage[$0] } }
        set {
            guard let newValue else { removeValue(forKey: id); return }
            if let i = slotIndex(of: id) {
                storage[i] = newValue
            } else {
                insert(newValue, for: id)
            }
        }
    }

    /// Runs `body` on the value of `id` in place; nil when there is none.
    @discardableResult
    public mutating func update<Result>(_ id: TransactionID, _ body: (inout Value) -> Result) -> Result? {
        guard let i = slotIndex(of: id) else { return nil }
        return body(&storage[i]!)
    }

    private mutating func insert(_ value: Value, for id: TransactionID) {
        let i: Int
        if let reused = free.popLast() {
            i = reused
            ids[i] = id
            storage[i] = value
        } else {
            i = ids.count
            ids.append(id)
            storage.append(value)
        }
        if index[id.hashCode] == nil { index[id.hashCode] = i } else { overflow[id] = i }
    }

    @discardableResult
    public mutating func removeValue(forKey id: TransactionID) -> Value? {
        let hash = id.hashCode
        guard let primary = index[hash] else { return nil }
        let i: Int
        if ids[primary] == id {
            i = primary
            index[hash] = nil
            // Promote a colliding id, so that the invariant holds.
            if !overflow.isEmpty, let promoted = overflow.first(where: { $0.key.hashCode == hash }) {
                overflow[promoted.key] = nil
                index[hash] = promoted.value
            }
        } else {
            guard !overflow.isEmpty, let colliding = overflow.removeValue(forKey: id) else { return nil }
            i = colliding
        }
        let value = storage[i]
        ids[i] = nil
        storage[i] = nil
        free.append(i)
        return value
    }
}
