/// A table from digit prefixes to values with longest-prefix lookup: the routing and rating
/// rule of international telephony, where the longest listed prefix of an ITU-T E.164 number
/// (`7495` before `7`) decides its class or its rate.
///
/// A compact trie over the ten decimal digits. Node `n`'s child for digit `d` is
/// `children[n * 10 + d]` (0 for none: the root, node 0, is never a child); `valueSlots[n]`
/// is the index of the node's value in `values`, or -1. Three flat arrays, no per-node
/// allocation and no strings: a lookup walks at most 15 nodes with one array read each.
///
/// Generic so that Billing reuses it for tariffs (prefix → rate). A prefix has 0 to 15 digits
/// (`E164Number.maximumDigits`); the empty prefix matches every number and so acts as a
/// default. A value type: copies share storage until one of them is changed.
public struct PrefixTable<Value> {
    /// `children[node * 10 + digit]`: the child node, or 0 for none.
    @usableFromInline var children: [Int32]
    /// Per node: the index into `values`, or -1 when no prefix ends at the node.
    @usableFromInline var valueSlots: [Int32]
    @usableFromInline var values: [Value]

    /// An empty table.
    public init() {
        children = Array(repeating: 0, count: 10)
        valueSlots = [-1]
        values = []
    }

    /// A table of `(prefix, value)` pairs; throws at the first invalid prefix, or at a prefix
    /// listed twice.
    public init(_ entries: some Sequence<(String, Value)>) throws(PrefixTableError) {
        self.init()
        for (prefix, value) in entries {
            if try insert(value, forPrefix: prefix) != nil { throw .duplicatePrefix(prefix) }
        }
    }

    /// How many prefixes the table holds.
    public var count: Int { values.count }

    /// Whether the table holds no prefix.
    public var isEmpty: Bool { values.isEmpty }

    /// How many trie nodes the table uses (the root included): its size is 44 bytes a node.
    public var nodeCount: Int { valueSlots.count }

    /// Sets the value for `prefix` (0 to 15 ASCII digits) and returns the value it replaces,
    /// if any.
    @discardableResult
    public mutating func insert(_ value: Value, forPrefix prefix: String) throws(PrefixTableError) -> Value? {
        guard prefix.utf8.count <= E164Number.maximumDigits else { throw .tooLong(prefix) }
        guard prefix.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { throw .notDigits(prefix) }
        var node = 0
        for byte in prefix.utf8 {
            let edge = node * 10 + Int(byte &- UInt8(ascii: "0"))
            var child = Int(children[edge])
            if child == 0 {
                child = valueSlots.count
                precondition(child < Int(Int32.max), "PrefixTable: more nodes than Int32 indexes")
                children[edge] = Int32(child)
                children.append(contentsOf: repeatElement(0, count: 10))
                valueSlots.append(-1)
            }
            node = child
        }
        let slot = Int(valueSlots[node])
        if slot >= 0 {
            let old = values[slot]
            values[slot] = value
            return old
        }
        valueSlots[node] = Int32(values.count)
        values.append(value)
        return nil
    }

    /// The value stored for exactly `prefix`, or nil.
    @inlinable
    public func value(forPrefix prefix: String) -> Value? {
        var node = 0
        for byte in prefix.utf8 {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            node = Int(children[node * 10 + Int(digit)])
            if node == 0 { return nil }
        }
        let slot = Int(valueSlots[node])
        return slot >= 0 ? values[slot] : nil
    }

    /// The longest prefix of `digits` (ASCII digits) in the table: how many digits it has and
    /// its value; nil when no prefix matches. A byte that is not a digit ends the number.
    @inlinable
    public func longestMatch(_ digits: String) -> (length: Int, value: Value)? {
        let utf8 = digits.utf8
        if let match = utf8.withContiguousStorageIfAvailable({ longestMatch(bytes: $0) }) {
            return match
        }
        return longestMatch(bytes: utf8)
    }

    /// The longest prefix of `number`'s digits in the table, and its value.
    @inlinable
    public func longestMatch(_ number: E164Number) -> (length: Int, value: Value)? {
        longestMatch(number.digits)
    }

    /// The longest prefix of a sequence of ASCII digit bytes in the table, and its value.
    /// A byte that is not a digit ends the number.
    @inlinable
    public func longestMatch(bytes: some Sequence<UInt8>) -> (length: Int, value: Value)? {
        var node = 0
        var depth = 0
        var best = Int(valueSlots[0])
        var bestLength = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            node = Int(children[node &* 10 &+ Int(digit)])
            if node == 0 { break }
            depth &+= 1
            let slot = Int(valueSlots[node])
            if slot >= 0 {
                best = slot
                bestLength = depth
            }
        }
        return best >= 0 ? (bestLength, values[best]) : nil
    }

    /// Every prefix of `digits` in the table with its value, longest first: for tables where the
    /// longest match may not apply (a tariff's rate outside its validity falls back to a shorter
    /// prefix). A character that is not a digit ends the number.
    public func matches(_ digits: String) -> [(length: Int, value: Value)] {
        var found: [(length: Int, value: Value)] = []
        if valueSlots[0] >= 0 { found.append((0, values[Int(valueSlots[0])])) }
        var node = 0
        var depth = 0
        for byte in digits.utf8 {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            node = Int(children[node &* 10 &+ Int(digit)])
            if node == 0 { break }
            depth &+= 1
            let slot = Int(valueSlots[node])
            if slot >= 0 { found.append((depth, values[slot])) }
        }
        return found.reversed()
    }

    /// Every prefix and its value, in lexicographic order of the prefixes (`1`, `1242`, `20`…).
    public var entries: [(prefix: String, value: Value)] {
        var result: [(prefix: String, value: Value)] = []
        result.reserveCapacity(values.count)
        var path: [UInt8] = []
        func visit(_ node: Int) {
            let slot = Int(valueSlots[node])
            if slot >= 0 { result.append((String(decoding: path, as: UTF8.self), values[slot])) }
            for digit in 0..<10 {
                let child = Int(children[node * 10 + digit])
                if child != 0 {
                    path.append(UInt8(ascii: "0") + UInt8(digit))
                    visit(child)
                    path.removeLast()
                }
            }
        }
        visit(0)
        return result
    }
}

extension PrefixTable: Sendable where Value: Sendable {}

extension PrefixTable: Equatable where Value: Equatable {}

extension PrefixTable: Hashable where Value: Hashable {}

extension PrefixTable: CustomStringConvertible {
    /// A summary (`PrefixTable(498 prefixes, 640 nodes)`), not the whole table.
    public var description: String { "PrefixTable(\(count) prefixes, \(nodeCount) nodes)" }
}

/// Why a prefix cannot go into a `PrefixTable`.
public enum PrefixTableError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A character other than the ASCII digits 0-9.
    case notDigits(String)
    /// More than 15 digits: longer than any ITU-T E.164 number.
    case tooLong(String)
    /// The same prefix given twice where each must be unique.
    case duplicatePrefix(String)

    public var description: String {
        switch self {
        case .notDigits(let prefix): "prefix \"\(prefix)\" has a character that is not a digit 0-9"
        case .tooLong(let prefix): "prefix \"\(prefix)\" has more than \(E164Number.maximumDigits) digits (ITU-T E.164)"
        case .duplicatePrefix(let prefix): "prefix \(prefix) is listed twice"
        }
    }
}
