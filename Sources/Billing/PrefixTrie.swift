/// A compact decimal-digit trie for longest-prefix lookups of E.164 numbers: nodes in one array,
/// ten child indices per node (0 = no child; node 0 is the root), values on the nodes where a
/// prefix ends.
///
/// MERGE NOTE: `Numbering` is growing a generic `PrefixTable` at the same time. This one is
/// internal on purpose; when Numbering lands, `RateTable` and `FreeDirectionTable` should switch
/// to it and this file should go.
struct PrefixTrie<Value: Sendable & Hashable>: Sendable, Hashable {
    private var children: [Int32] = Array(repeating: 0, count: 10)
    private var values: [Value?] = [nil]

    /// The number of nodes (the root included); bounded by the sum of the prefixes' lengths + 1.
    var nodeCount: Int { values.count }

    /// The value stored at exactly `prefix`, if any.
    subscript(prefix: String) -> Value? {
        get {
            var node = 0
            for byte in prefix.utf8 {
                guard byte >= 48 && byte <= 57 else { return nil }
                let child = children[node * 10 + Int(byte - 48)]
                if child == 0 { return nil }
                node = Int(child)
            }
            return values[node]
        }
        set {
            precondition(Destination.isE164Digits(prefix), "trie prefix must be 1...15 digits: \(prefix)")
            var node = 0
            for byte in prefix.utf8 {
                let slot = node * 10 + Int(byte - 48)
                if children[slot] == 0 {
                    precondition(values.count < Int(Int32.max), "prefix trie full")
                    children[slot] = Int32(values.count)
                    children.append(contentsOf: repeatElement(0, count: 10))
                    values.append(nil)
                }
                node = Int(children[slot])
            }
            values[node] = newValue
        }
    }

    /// Values on the path of `digits`, longest prefix first, with the prefix length. Digits
    /// beyond the first non-digit are ignored (callers pass normalised E.164 digits).
    func matches(_ digits: String) -> [(length: Int, value: Value)] {
        var found: [(length: Int, value: Value)] = []
        var node = 0
        var length = 0
        for byte in digits.utf8 {
            guard byte >= 48 && byte <= 57 else { break }
            let child = children[node * 10 + Int(byte - 48)]
            if child == 0 { break }
            node = Int(child)
            length += 1
            if let value = values[node] { found.append((length, value)) }
        }
        return found.reversed()
    }
}
