import SIPCore
import Testing
@testable import SIPTransaction

/// `TransactionMap`: lookups by the id's hash, exact even when two ids' hashes collide.
@Suite struct TransactionMapTests {
    func id(_ branch: String, hash: Int? = nil) -> TransactionID {
        let key = TransactionID.Key.branch(ByteString(branch), sentBy: "host.example:5060")
        guard let hash else { return TransactionID(side: .server, method: .invite, key: key) }
        return TransactionID(side: .server, method: .invite, key: key, hashCode: hash)
    }

    @Test func storesFindsAndRemoves() {
        var map = TransactionMap<Int>()
        let a = id("z9hG4bKa"), b = id("z9hG4bKb")
        map[a] = 1
        map[b] = 2
        #expect(map[a] == 1 && map[b] == 2 && map.count == 2)
        map[a] = 3
        #expect(map[a] == 3 && map.count == 2)
        #expect(map.removeValue(forKey: a) == 3)
        #expect(map[a] == nil && map.count == 1)
        #expect(map.removeValue(forKey: a) == nil)
        #expect(map.values == [2])
    }

    @Test func collidingHashesNeverConfuseTwoIds() {
        var map = TransactionMap<String>()
        let first = id("z9hG4bK1", hash: 42), second = id("z9hG4bK2", hash: 42), third = id("z9hG4bK3", hash: 42)
        #expect(first != second)
        map[first] = "first"
        #expect(map[second] == nil)
        map[second] = "second"
        map[third] = "third"
        #expect(map[first] == "first" && map[second] == "second" && map[third] == "third" && map.count == 3)
        // Removing the one in the primary slot promotes a colliding one: all still found.
        #expect(map.removeValue(forKey: first) == "first")
        #expect(map[first] == nil && map[second] == "second" && map[third] == "third" && map.count == 2)
        map[second] = nil
        #expect(map[third] == "third" && map.count == 1)
        map[third] = nil
        #expect(map.isEmpty)
    }
}
