/// What is known, after a crash, about the call of an open reservation.
public enum CallEvidence: Hashable, Sendable {
    /// The call's record survived: it was answered at `answeredAt` (nil: never) and ended at `endedAt`.
    case ended(answeredAt: BillingTime?, endedAt: BillingTime)
    /// Nothing beyond the ledger: the reservation and its renewals.
    case unknown
}

/// Start-up repair: settles the reservations a crash left open, so that no money stays locked
/// and none is created.
///
/// Rule for a call whose end is unknown: charge only the talk time that is proven, the
/// `usedSeconds` the B2BUA itself reported at the reservation's last renewal (recorded in the
/// ledger with its instant), and release the rest; with no renewal on record, charge nothing and
/// release everything. Why: it never creates money (a charge is capped at the hold like any
/// settlement, and everything else returns to the account); it is fair to the user, who is never
/// charged for time the call may not have lasted; and it keeps for the provider what is known
/// to have been talked, which "release all" would give away. Charging the whole hold instead
/// would charge for up to a slice of talk that may never have happened. The CDR of such a call
/// shows answer = last report − reported seconds, end = the last report, reason
/// `recoveredAfterCrash`.
public enum CrashRecovery {
    /// The settlements (and their entries, in order) of every open reservation of `book`, using
    /// `evidence` where it has an entry for the reservation and the ledger's renewals otherwise.
    /// `instant` is the recovery time: the end time of an unknown call with no renewal on record.
    public static func recover(
        _ book: AccountBook,
        evidence: [ReservationID: CallEvidence],
        creditControl: CreditControl,
        at instant: BillingTime
    ) -> LedgerDecision<[Settlement]> {
        var working = book
        var settlements: [Settlement] = []
        var entries: [LedgerEntry] = []
        let open = book.openReservations
        precondition(open.count <= AccountBook.maximumOpenReservations)
        for reservation in open {
            let decision = settlement(of: reservation, in: working, evidence: evidence[reservation.id] ?? .unknown, creditControl: creditControl, at: instant)
            do {
                try working.apply(decision.entries)
            } catch {
                preconditionFailure("recovery produced entries its own book refuses: \(error)")
            }
            settlements.append(decision.outcome)
            entries += decision.entries
        }
        assert(working.openReservations.isEmpty && working.heldMinor == 0)
        return LedgerDecision(outcome: settlements, entries: entries)
    }

    private static func settlement(of reservation: Reservation, in book: AccountBook, evidence: CallEvidence, creditControl: CreditControl, at instant: BillingTime) -> LedgerDecision<Settlement> {
        switch evidence {
        case .ended(let answeredAt, let endedAt):
            var duration: Int64 = 0
            if let answeredAt { duration = min(max(0, endedAt.seconds(since: answeredAt)), Rate.maximumBilledSeconds) }
            return creditControl.settle(book, reservation, durationSeconds: duration, answeredAt: answeredAt, endedAt: max(endedAt, answeredAt ?? endedAt),
                                        reason: .recoveredAfterCrash)
        case .unknown:
            guard let reported = reservation.lastReportedUsedSeconds, let reportedAt = reservation.lastReportedAt else {
                return creditControl.settle(book, reservation, durationSeconds: 0, answeredAt: nil, endedAt: max(instant, reservation.openedAt), reason: .recoveredAfterCrash)
            }
            let used = min(reported, Rate.maximumBilledSeconds)
            return creditControl.settle(book, reservation, durationSeconds: used, answeredAt: reportedAt.adding(seconds: -used), endedAt: reportedAt,
                                        reason: .recoveredAfterCrash)
        }
    }
}
