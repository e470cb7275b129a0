#if canImport(Glibc)
import Glibc
#endif
import Billing
import Foundation
import Testing
@testable import Storage

/// A real process holding credit on a SQLite file is killed with SIGKILL; the next open repairs
/// the ledger: every reservation settled, nothing held, balance == Σ entries, no money created.
/// The child is the `zvonok-ledger-crash-child` executable (Tests/LedgerCrashChild).
@Suite(.serialized) struct LedgerCrashTests {
    static let accounts = 4
    static let topUpMinor: Int64 = 20_000

    /// The child, built beside this test binary by `swift build` / `swift test`.
    static func childExecutable() throws -> URL {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug"))
        for directory in candidates {
            var url = directory
            // The test bundle may be a directory (….xctest/…); walk up to the build directory.
            for _ in 0..<4 {
                let child = url.appendingPathComponent("zvonok-ledger-crash-child")
                if FileManager.default.isExecutableFile(atPath: child.path) { return child }
                url = url.deletingLastPathComponent()
            }
        }
        throw ChildMissing(searched: candidates.map(\.path))
    }

    struct ChildMissing: Error, CustomStringConvertible {
        let searched: [String]
        var description: String { "zvonok-ledger-crash-child is not built (swift build); looked in \(searched)" }
    }

    /// Starts the child, waits for `line` on its standard output (at most 60 s), optionally waits
    /// `afterMilliseconds` more, then SIGKILLs it and reaps it. Returns what it printed.
    static func runAndKill(_ arguments: [String], waitFor line: String, afterMilliseconds: UInt32 = 0) throws -> String {
        let process = Process()
        process.executableURL = try childExecutable()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var printed = Data()
        let deadline = Date().addingTimeInterval(60)
        while !(String(decoding: printed, as: UTF8.self).contains(line)) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw ChildFailed(printed: String(decoding: printed, as: UTF8.self), status: process.isRunning ? nil : process.terminationStatus)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { usleep(10_000) } else { printed.append(chunk) }
        }
        if afterMilliseconds > 0 { usleep(afterMilliseconds * 1000) }
        #expect(kill(process.processIdentifier, SIGKILL) == 0)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        return String(decoding: printed, as: UTF8.self)
    }

    struct ChildFailed: Error, CustomStringConvertible {
        let printed: String
        let status: Int32?
        var description: String { "the child stopped or hung before it was ready (status \(status.map(String.init) ?? "running")): \(printed)" }
    }

    static func prepare() async throws -> BillingFixture {
        let names = (0..<accounts).map { "caller\($0)" }
        let fixture = try await BillingFixture(accounts: names)
        for name in names { try await fixture.topUp(name, topUpMinor, id: "payment-\(name)") }
        return fixture
    }

    /// After recovery: per account, the replayed book checks, nothing is held, the balance is the
    /// top-up less the CDRs' costs, and the stored balance row agrees.
    static func checkRepaired(_ fixture: BillingFixture) async throws {
        let (ledger, _) = try fixture.reopened()
        #expect(try await ledger.openReservations().isEmpty)
        let records = try await ledger.callRecords(CallRecordFilter())
        for index in 0..<accounts {
            let account = AccountID("caller\(index)")
            let book = try await ledger.book(of: account)
            try book.verifyInvariants()
            #expect(book.heldMinor == 0)
            let posted = book.entries.filter(\.isPosted).reduce(Int64(0)) { $0 + $1.amountMinor }
            #expect(book.balanceMinor == posted)
            let costs = records.filter { $0.account == account.name }.reduce(Int64(0)) { $0 + $1.costMinor }
            #expect(book.balanceMinor == topUpMinor - costs)
            #expect(book.balanceMinor >= 0 && book.balanceMinor <= topUpMinor)
            #expect(book.settlements.count == records.filter { $0.account == account.name }.count)
        }
    }

    @Test func killedHoldingReservationsThenRepairedOnTheNextOpen() async throws {
        let fixture = try await Self.prepare()
        let printed = try Self.runAndKill(["hold", fixture.path, String(Self.accounts), "24"], waitFor: "READY")
        let open = try #require(Int(printed.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "child printed \(printed)")
        #expect(open == 16)    // 24 calls, every third settled
        let (ledger, restarted) = try fixture.reopened()
        let left = try await ledger.openReservations()
        #expect(left.count == open)
        let held = try await (0..<Self.accounts).asyncMap { try await ledger.book(of: AccountID("caller\($0)")).heldMinor }
        #expect(held.allSatisfy { $0 > 0 })
        let recovered = try await restarted.recoverOpenReservations(at: BillingFixture.noon.adding(seconds: 86_400))
        #expect(recovered.count == open)
        // Renewed calls are charged their reported 50 s; the others nothing.
        #expect(recovered.filter { $0.chargedMinor > 0 }.allSatisfy { $0.record.durationSeconds == 50 })
        #expect(recovered.contains { $0.chargedMinor > 0 } && recovered.contains { $0.chargedMinor == 0 })
        try await Self.checkRepaired(fixture)
    }

    @Test(arguments: [5, 40, 150] as [UInt32])
    func killedMidWriteThenRepairedOnTheNextOpen(milliseconds: UInt32) async throws {
        let fixture = try await Self.prepare()
        _ = try Self.runAndKill(["churn", fixture.path, String(Self.accounts)], waitFor: "STARTED", afterMilliseconds: milliseconds)
        let (_, restarted) = try fixture.reopened()
        let recovered = try await restarted.recoverOpenReservations(at: BillingFixture.noon.adding(seconds: 86_400))
        #expect(recovered.count <= Self.accounts)   // at most the one call in flight per account
        #expect(try await fixture.ledger.callRecords(CallRecordFilter()).count >= 1)
        try await Self.checkRepaired(fixture)
    }
}

extension Range where Bound == Int {
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for value in self { result.append(try await transform(value)) }
        return result
    }
}
