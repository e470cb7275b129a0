// LedgerCrashChild: the child process of StorageTests/LedgerCrashTests: it reserves credit on a SQLite file through
// `BillingService`, the way zvonokd's calls will, and is then killed with SIGKILL by the test.
//
//     zvonok-ledger-crash-child hold  DATABASE ACCOUNTS CALLS   authorise CALLS calls (renewing
//         every other one, settling every third), print "READY <open reservations>", then wait
//         to be killed: reservations held, settlements missing
//     zvonok-ledger-crash-child churn DATABASE ACCOUNTS         authorise and settle calls in a
//         loop, printing "STARTED" after the first; killed at a moment the test picks, mid-write
//
// The test has made the accounts, imported the plan and topped them up. Instants are fixed (the
// child reads no clock): 1 October 2025 12:00 MSK plus a step per call.
import Billing
import Foundation
import Storage

@main
struct LedgerCrashChild {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let accounts = Int(arguments[3]), accounts > 0 else {
            FileHandle.standardError.write(Data("usage: zvonok-ledger-crash-child hold|churn DATABASE ACCOUNTS [CALLS]\n".utf8))
            exit(2)
        }
        do {
            let database = try ZvonokDatabase(path: arguments[2])
            let service = BillingService(ledger: SQLiteLedgerStore(database: database), tariffs: SQLiteTariffStore(database: database),
                                         settings: BillingSettings(creditControl: CreditControlSettings(sliceSeconds: 60)))
            let start = BillingTime(unixSeconds: 1_759_309_200) // 2025-10-01 09:00 UTC = 12:00 MSK
            let number = DialledNumber.routable(Destination(dialled: "+7 916 123-45-67", e164Digits: "79161234567", classification: .russianMobile))
            switch arguments[1] {
            case "hold":
                guard arguments.count == 5, let calls = Int(arguments[4]) else { exit(2) }
                var open = 0
                for call in 0..<calls {
                    let account = AccountID("caller\(call % accounts)")
                    let at = start.adding(seconds: Int64(call) * 7)
                    guard let reservation = try await service.authorize(account: account, caller: account.name, dialled: number, at: at).reservation else { continue }
                    open += 1
                    if call % 2 == 0 {
                        _ = try await service.renew(reservation.id, usedSeconds: 50, at: at.adding(seconds: 55))
                    }
                    if call % 3 == 0 {
                        _ = try await service.settle(reservation.id, answeredAt: at.adding(seconds: 5), endedAt: at.adding(seconds: 40), reason: .callerHungUp)
                        open -= 1
                    }
                }
                FileHandle.standardOutput.write(Data("READY \(open)\n".utf8))
                while true { sleep(60) }
            case "churn":
                var call: Int64 = 0
                while true {
                    let account = AccountID("caller\(Int(call) % accounts)")
                    let at = start.adding(seconds: call * 3)
                    if let reservation = try await service.authorize(account: account, caller: account.name, dialled: number, at: at).reservation {
                        _ = try await service.settle(reservation.id, answeredAt: at, endedAt: at.adding(seconds: 1 + call % 90), reason: .calleeHungUp)
                    }
                    if call == 0 {
                        FileHandle.standardOutput.write(Data("STARTED\n".utf8))
                    }
                    call += 1
                }
            default:
                exit(2)
            }
        } catch {
            FileHandle.standardError.write(Data("zvonok-ledger-crash-child: \(error)\n".utf8))
            exit(1)
        }
    }
}
