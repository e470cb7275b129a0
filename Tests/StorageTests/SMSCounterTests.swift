import Foundation
import Testing
@testable import Storage

/// The SMS daily count: per account and day, atomic under concurrent writers, old days pruned.
@Suite struct SMSCounterTests {
    @Test func countsPerAccountAndDay() async throws {
        let counter = SQLiteSMSCounter(database: try ZvonokDatabase(path: AccountStoreTests.temporaryPath()))
        #expect(try await counter.countOne(account: "alice", localDay: 20_000) == 1)
        #expect(try await counter.countOne(account: "alice", localDay: 20_000) == 2)
        #expect(try await counter.countOne(account: "bob", localDay: 20_000) == 1)
        #expect(try await counter.countOne(account: "alice", localDay: 20_001) == 1)
        #expect(try await counter.count(account: "alice", localDay: 20_000) == 2)
        #expect(try await counter.count(account: "carol", localDay: 20_000) == 0)
    }

    @Test func concurrentCountsNeverShareANumber() async throws {
        let path = AccountStoreTests.temporaryPath()
        // Two connections on one file, as two workers or two daemons would have.
        let first = SQLiteSMSCounter(database: try ZvonokDatabase(path: path))
        let second = SQLiteSMSCounter(database: try ZvonokDatabase(path: path))
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                let counter = index.isMultiple(of: 2) ? first : second
                group.addTask { try await counter.countOne(account: "alice", localDay: 20_000) }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...40))
    }

    @Test func theFirstCountOfADayPrunesDaysNoLongerNeeded() async throws {
        let counter = SQLiteSMSCounter(database: try ZvonokDatabase(path: AccountStoreTests.temporaryPath()))
        _ = try await counter.countOne(account: "alice", localDay: 20_000)
        _ = try await counter.countOne(account: "alice", localDay: 20_001)
        _ = try await counter.countOne(account: "alice", localDay: 20_002)
        #expect(try await counter.count(account: "alice", localDay: 20_000) == 0)
        #expect(try await counter.count(account: "alice", localDay: 20_001) == 1)
    }
}
