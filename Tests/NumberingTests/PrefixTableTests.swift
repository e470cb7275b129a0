import Testing
@testable import Numbering

/// The longest-prefix trie, on its own and against a naive linear scan.
@Suite struct PrefixTableTests {
    /// Rates in kopecks a minute, as Billing will use the table.
    static func tariffs() throws -> PrefixTable<Int64> {
        try PrefixTable([("7", 500), ("79", 300), ("7495", 100), ("7499", 100), ("77", 900), ("86", 250)])
    }

    @Test func longestPrefixWins() throws {
        let table = try Self.tariffs()
        #expect(table.longestMatch("74951112233")! == (4, 100))
        #expect(table.longestMatch("79161234567")! == (2, 300))
        #expect(table.longestMatch("73432123456")! == (1, 500))
        #expect(table.longestMatch("77011234567")! == (2, 900))
        #expect(table.longestMatch("749")! == (1, 500))  // 749 is on the way to 7495, not a prefix itself
        #expect(table.longestMatch("4930123456") == nil)
        #expect(table.longestMatch("") == nil)
        #expect(table.longestMatch(try E164Number(dialled: "+86 10 1234 5678"))! == (2, 250))
    }

    @Test func aByteThatIsNotADigitEndsTheNumber() throws {
        let table = try Self.tariffs()
        #expect(table.longestMatch("7495;x")! == (4, 100))
        #expect(table.longestMatch("7x95")! == (1, 500))
        #expect(table.longestMatch("+7495") == nil)
        #expect(table.longestMatch(bytes: Array("7495".utf8))! == (4, 100))
    }

    @Test func emptyPrefixIsTheDefault() throws {
        var table = try Self.tariffs()
        #expect(table.longestMatch("4930123456") == nil)
        try table.insert(2_000, forPrefix: "")
        #expect(table.longestMatch("4930123456")! == (0, 2_000))
        #expect(table.longestMatch("")! == (0, 2_000))
        #expect(table.longestMatch("79161234567")! == (2, 300))
    }

    @Test func insertReplacesAndReturnsTheOldValue() throws {
        var table = PrefixTable<String>()
        #expect(table.isEmpty)
        #expect(try table.insert("a", forPrefix: "12") == nil)
        #expect(try table.insert("b", forPrefix: "12") == "a")
        #expect(table.count == 1)
        #expect(table.value(forPrefix: "12") == "b")
        #expect(table.value(forPrefix: "1") == nil)
        #expect(table.value(forPrefix: "123") == nil)
        #expect(table.value(forPrefix: "1a") == nil)
    }

    @Test func invalidPrefixesAreRefused() {
        var table = PrefixTable<Int>()
        #expect(throws: PrefixTableError.notDigits("7a")) { try table.insert(1, forPrefix: "7a") }
        #expect(throws: PrefixTableError.notDigits("+7")) { try table.insert(1, forPrefix: "+7") }
        #expect(throws: PrefixTableError.notDigits("７")) { try table.insert(1, forPrefix: "７") }
        #expect(throws: PrefixTableError.tooLong("1234567890123456")) { try table.insert(1, forPrefix: "1234567890123456") }
        #expect(throws: PrefixTableError.duplicatePrefix("7")) { try PrefixTable([("7", 1), ("79", 2), ("7", 3)]) }
        #expect(table.isEmpty)
        #expect(table.nodeCount == 1)
        #expect(throws: Never.self) { try table.insert(1, forPrefix: "123456789012345") }
        #expect(table.nodeCount == 16)
    }

    @Test func entriesInLexicographicOrder() throws {
        let table = try PrefixTable([("79", "b"), ("1242", "c"), ("7", "a"), ("1", "d"), ("20", "e"), ("", "f")])
        #expect(table.entries.map(\.prefix) == ["", "1", "1242", "20", "7", "79"])
        #expect(table.entries.map(\.value) == ["f", "d", "c", "e", "a", "b"])
    }

    @Test func copiesAreIndependent() throws {
        let original = try Self.tariffs()
        var copy = original
        try copy.insert(1, forPrefix: "7495")
        try copy.insert(7, forPrefix: "49")
        #expect(original.longestMatch("74951112233")! == (4, 100))
        #expect(original.longestMatch("4930123456") == nil)
        #expect(copy.longestMatch("74951112233")! == (4, 1))
        #expect(copy.longestMatch("4930123456")! == (2, 7))
    }

    /// The trie against the obvious definition, on a random table and random numbers.
    @Test(arguments: [1 as UInt64, 42, 2_026])
    func agreesWithALinearScan(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var table = PrefixTable<Int>()
        var naive: [String: Int] = [:]
        for value in 0..<600 {
            let prefix = random.digits(Int.random(in: 1...6, using: &random))
            try table.insert(value, forPrefix: prefix)
            naive[prefix] = value
        }
        #expect(table.count == naive.count)
        for _ in 0..<20_000 {
            let number = random.digits(Int.random(in: 0...15, using: &random))
            var expected: (length: Int, value: Int)?
            for (prefix, value) in naive where number.hasPrefix(prefix) && prefix.count > (expected?.length ?? -1) {
                expected = (prefix.count, value)
            }
            let actual = table.longestMatch(number)
            #expect(actual?.length == expected?.length && actual?.value == expected?.value, "\(number)")
        }
        #expect(Dictionary(uniqueKeysWithValues: table.entries.map { ($0.prefix, $0.value) }) == naive)
    }
}

/// `matches`: every prefix on the path, longest first (Billing's rates fall back to a shorter
/// prefix when the longest has no rate valid at the call's time).
@Suite struct PrefixTableMatchesTests {
    @Test func everyPrefixOnThePathLongestFirst() throws {
        var table = PrefixTable<Int>()
        try table.insert(1, forPrefix: "7")
        try table.insert(2, forPrefix: "7495")
        try table.insert(3, forPrefix: "749")
        #expect(table.value(forPrefix: "7495") == 2)
        #expect(table.value(forPrefix: "74") == nil)
        #expect(table.matches("74951112233").map(\.value) == [2, 3, 1])
        #expect(table.matches("74951112233").map(\.length) == [4, 3, 1])
        #expect(table.matches("8").isEmpty)
        #expect(table.matches("7x95").map(\.value) == [1])
        #expect(table.nodeCount == 5)
        var copy = table
        #expect(copy == table)
        try copy.insert(4, forPrefix: "8")
        #expect(copy != table)
    }
}
