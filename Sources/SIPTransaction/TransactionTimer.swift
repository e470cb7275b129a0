/// The timers of the transaction layer (RFC 3261 §17, Table 4 of Appendix A; RFC 6026 §8.4, §8.7
/// adds L and M). A machine asks its driver to arm one with `TransactionAction.startTimer` and to
/// disarm it with `cancelTimer`; arming a timer that is armed replaces it. The driver reports a
/// firing as an event; a firing the machine no longer expects (a late wheel, a cancelled timer) is
/// ignored, so the driver needs no exactness about cancellation.
///
/// - `a`: INVITE request retransmit, unreliable transports (§17.1.1.2), T1 doubling, no cap.
/// - `b`: INVITE client transaction timeout, 64·T1.
/// - `d`: wait for response retransmissions in Completed, 32 s unreliable, 0 reliable.
/// - `e`: non-INVITE request retransmit, unreliable (§17.1.2.2), T1 doubling up to T2.
/// - `f`: non-INVITE client transaction timeout, 64·T1.
/// - `g`: INVITE final response retransmit, unreliable (§17.2.1), T1 doubling up to T2.
/// - `h`: wait for the ACK, 64·T1.
/// - `i`: wait for ACK retransmissions in Confirmed, T4 unreliable, 0 reliable.
/// - `j`: wait for request retransmissions in non-INVITE Completed (§17.2.2), 64·T1 unreliable, 0 reliable.
/// - `k`: wait for response retransmissions in non-INVITE Completed (§17.1.2.2), T4 unreliable, 0 reliable.
/// - `l`: INVITE server Accepted (RFC 6026 §8.7), 64·T1.
/// - `m`: INVITE client Accepted (RFC 6026 §8.4), 64·T1.
/// - `trying100`: the INVITE server transaction sends 100 Trying itself when the TU has sent no
///   provisional or final response within 200 ms (§17.2.1).
/// - `cancelGrace`: armed by the table, not a machine: 64·T1 after a CANCEL is sent for an INVITE
///   in Proceeding, an INVITE still without a final response is given up (§9.1), so that a lost
///   487 cannot keep the transaction forever (Proceeding has no timer of its own, Figure 5).
public enum TransactionTimer: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case a, b, d, e, f, g, h, i, j, k, l, m, trying100, cancelGrace

    public var description: String {
        switch self {
        case .a: "A"
        case .b: "B"
        case .d: "D"
        case .e: "E"
        case .f: "F"
        case .g: "G"
        case .h: "H"
        case .i: "I"
        case .j: "J"
        case .k: "K"
        case .l: "L"
        case .m: "M"
        case .trying100: "100-Trying"
        case .cancelGrace: "CANCEL-grace"
        }
    }
}
