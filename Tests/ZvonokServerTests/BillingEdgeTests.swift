import Foundation
import Logging
import Synchronization
import Testing
import B2BUA
import Billing
import Storage
@testable import ZvonokServer

/// `BillingEdge` hands every answer to the closure it was connected with, the thousandth as
/// directly as the first. Kept in a Mutex as a bare optional closure, that closure was wrapped in
/// one more reabstraction thunk on every read (Swift 6.3), so each answer ran one frame deeper
/// than the last: quadratic time, then a stack overflow after enough paid calls.
@Suite struct BillingEdgeTests {
    @Test func answersReachTheDelivererWithoutTheStackGrowing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zvonok-edge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try ZvonokDatabase(path: directory.appendingPathComponent("zvonok.sqlite").path)
        let service = BillingService(ledger: SQLiteLedgerStore(database: database), tariffs: SQLiteTariffStore(database: database),
                                     settings: BillingSettings())
        let edge = BillingEdge(service: service, smsCounter: SQLiteSMSCounter(database: database),
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))

        let count = 1_500
        let depths = Mutex<[Int]>([])
        let answered = AsyncStream<Void>.makeStream()
        edge.connect { _, answer in
            guard case .failed = answer else { return }
            let done = depths.withLock { $0.append(Self.stackDepth()); return $0.count == count }
            if done { answered.continuation.finish() }
        }
        // Renewing a reservation nobody opened fails at once: an answer per request, no writes.
        let reservation = ReservationID(openingEntry: LedgerEntryID(account: AccountID("nobody"), sequence: 1))
        for n in 0..<count {
            edge.submit(.renew(CallKey(UInt64(n)), reservation: reservation, usedSeconds: 0, at: BillingTime(unixSeconds: 1_800_000_000)),
                        fromWorker: 0)
        }
        for await _ in answered.stream {}
        let seen = depths.withLock { $0 }
        #expect(seen.count == count)
        // Every extra thunk is a frame (two per answer with the defect): the later answers would
        // run hundreds of frames deeper than the first.
        let spread = (seen.max() ?? 0) - (seen.min() ?? 0)
        #expect(spread < 16, "the deliverer ran \(spread) frames deeper for later answers")
    }

    /// How many frames the caller runs below.
    private static func stackDepth() -> Int { Thread.callStackReturnAddresses.count }
}
