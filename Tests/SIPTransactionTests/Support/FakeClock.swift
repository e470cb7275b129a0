import SIPCore
import Testing
@testable import SIPTransaction

/// A transaction machine as the fake-clock driver sees it.
protocol Machine {
    associatedtype Event
    mutating func handle(_ event: Event, at now: Instant) -> [TransactionAction]
    static func timerEvent(_ timer: TransactionTimer) -> Event
}

extension InviteClientTransaction: Machine {
    static func timerEvent(_ timer: TransactionTimer) -> ClientTransactionEvent { .timerFired(timer) }
}
extension NonInviteClientTransaction: Machine {
    static func timerEvent(_ timer: TransactionTimer) -> ClientTransactionEvent { .timerFired(timer) }
}
extension InviteServerTransaction: Machine {
    static func timerEvent(_ timer: TransactionTimer) -> ServerTransactionEvent { .timerFired(timer) }
}
extension NonInviteServerTransaction: Machine {
    static func timerEvent(_ timer: TransactionTimer) -> ServerTransactionEvent { .timerFired(timer) }
}

/// Drives one machine on a simulated clock, as the real driver's timer wheel would: it performs
/// `startTimer` / `cancelTimer`, keeps each armed timer's deadline, and fires the earliest one by
/// moving the clock to it. It checks that a terminated machine has left no timer armed.
struct FakeClockDriver<M: Machine> {
    var machine: M
    var now = Instant.zero
    private(set) var deadlines: [TransactionTimer: Instant] = [:]
    /// Every action so far with the time it was taken.
    private(set) var log: [(at: Instant, action: TransactionAction)] = []

    init(_ machine: M) { self.machine = machine }

    @discardableResult
    mutating func handle(_ event: M.Event) -> [TransactionAction] {
        let actions = machine.handle(event, at: now)
        apply(actions)
        return actions
    }

    /// Moves the clock by `duration` without firing anything (it must not pass a deadline).
    mutating func advance(by duration: Duration) {
        let target = now + duration
        if let next = deadlines.values.min() { precondition(target <= next, "advance(by:) would skip a timer") }
        now = target
    }

    /// The armed timer due first, if any (ties in `TransactionTimer` order).
    var nextDue: (timer: TransactionTimer, at: Instant)? {
        deadlines.min { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }.map { ($0.key, $0.value) }
    }

    /// Moves the clock to the first deadline and fires that timer into the machine.
    @discardableResult
    mutating func fireNext() -> (timer: TransactionTimer, actions: [TransactionAction])? {
        guard let (timer, at) = nextDue else { return nil }
        now = at
        deadlines[timer] = nil
        return (timer, handle(M.timerEvent(timer)))
    }

    /// Fires `timer` now, as a late wheel would even when the machine has cancelled it.
    @discardableResult
    mutating func fireStale(_ timer: TransactionTimer) -> [TransactionAction] {
        handle(M.timerEvent(timer))
    }

    /// Fires timers until none is armed; returns each firing with its time and actions.
    mutating func runUntilIdle(limit: Int = 100) -> [(timer: TransactionTimer, at: Instant, actions: [TransactionAction])] {
        var firings: [(TransactionTimer, Instant, [TransactionAction])] = []
        while let (timer, actions) = fireNext() {
            firings.append((timer, now, actions))
            precondition(firings.count <= limit, "timers never stop")
        }
        return firings
    }

    private mutating func apply(_ actions: [TransactionAction]) {
        for action in actions {
            log.append((now, action))
            switch action {
            case .startTimer(let timer, let after):
                #expect(after > .zero, "timer \(timer) armed with \(after)")
                deadlines[timer] = now + after
            case .cancelTimer(let timer):
                #expect(deadlines[timer] != nil, "cancelled timer \(timer) that is not armed")
                deadlines[timer] = nil
            case .terminated:
                #expect(deadlines.isEmpty, "terminated with timers armed: \(deadlines.keys)")
            default:
                break
            }
        }
    }
}

/// Seconds since the origin, for readable expectations.
func seconds(_ instant: Instant) -> Double { Double(instant.nanoseconds) / 1e9 }

/// Short spellings of actions: `send INVITE`, `send 486`, `deliver 180`, `start A 500ms`,
/// `cancel B`, `timedOut`, `transportFailed`, `terminated`.
func summary(_ actions: [TransactionAction]) -> [String] {
    actions.map { action in
        switch action {
        case .send(let m): "send \(label(m))"
        case .deliver(let m): "deliver \(label(m))"
        case .startTimer(let t, let after): "start \(t) \(milliseconds(after))ms"
        case .cancelTimer(let t): "cancel \(t)"
        case .timedOut: "timedOut"
        case .transportFailed: "transportFailed"
        case .terminated: "terminated"
        }
    }
}

func label(_ message: SIPMessage) -> String {
    message.method.map(\.name) ?? String(message.statusCode ?? 0)
}

func milliseconds(_ duration: Duration) -> Int64 { duration.totalNanoseconds / 1_000_000 }

/// The messages among `actions` that are sent.
func sent(_ actions: [TransactionAction]) -> [SIPMessage] {
    actions.compactMap { if case .send(let m) = $0 { m } else { nil } }
}
