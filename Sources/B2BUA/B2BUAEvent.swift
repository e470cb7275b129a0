import Billing
import SIPCore
import SIPTransaction

/// The B2BUA's name for one call or SMS it handles (also the `id` of its `TransactionUserTimer.call`
/// timers): a counter of the core, never reused while the core lives.
public struct CallKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: CallKey, rhs: CallKey) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "call#\(rawValue)" }
}

/// A request to the billing edge (ARCHITECTURE "Money": the database is I/O, so the core asks and
/// gets the answer back later as `B2BUAEvent.billing`). RFC 4006 credit control: authorize is
/// CCR-Initial, renew CCR-Update, settle CCR-Terminate.
public enum BillingRequest: Sendable, Hashable {
    /// `BillingService.authorize(account:caller:dialled:at:)`; answer with `.authorized` (or `.failed`).
    case authorize(CallKey, account: AccountID, caller: String, dialled: DialledNumber, at: BillingTime)
    /// `BillingService.renew(_:usedSeconds:at:)`; answer with `.renewed` (or `.failed`).
    case renew(CallKey, reservation: ReservationID, usedSeconds: Int64, at: BillingTime)
    /// `BillingService.settle(_:answeredAt:endedAt:reason:)`. No answer is expected: the edge retries
    /// until it is written (settling is idempotent), and crash recovery settles what was not.
    /// Emitted exactly once for every reservation `authorize` opened.
    case settle(CallKey, reservation: ReservationID, answeredAt: BillingTime?, endedAt: BillingTime, reason: EndReason)
    /// Count one more SMS of `account` on `localDay` (days since 1970-01-01 in the billing zone)
    /// and answer `.smsCounted` with the count including this one (an atomic increment in the
    /// database, so the limit holds across workers and restarts).
    case countSMS(CallKey, account: AccountID, localDay: Int64)
}

/// The billing edge's answer to a `BillingRequest`.
public enum BillingAnswer: Sendable, Hashable {
    case authorized(CallKey, Authorization)
    case renewed(CallKey, Renewal)
    case smsCounted(CallKey, sentToday: Int)
    /// The edge could not answer (the database is down): an authorisation becomes 503, a renewal
    /// ends the call when its grant runs out, an SMS count becomes 503.
    case failed(CallKey, reason: String)

    public var key: CallKey {
        switch self {
        case .authorized(let key, _), .renewed(let key, _), .smsCounted(let key, _), .failed(let key, _): key
        }
    }
}

/// What the B2BUA is fed.
public enum B2BUAEvent<Peer: Sendable & Hashable>: Sendable {
    /// A new INVITE or MESSAGE that `B2BUACore.route` classified `.outgoing`, from `account`, whom
    /// the proxy/registrar path has authenticated (the B2BUA does not authenticate callers).
    case outgoing(SIPMessage, from: Peer, transaction: TransactionID, account: String)
    /// A transaction-layer event that `B2BUACore.claims` (or `route` → `.claimed`) said is the B2BUA's.
    case transactionUser(TransactionUserEvent<Peer>)
    /// The billing edge's answer to an earlier `.billing` action.
    case billing(BillingAnswer)
}

/// What the B2BUA asks the server to do.
public enum B2BUAAction<Peer: Sendable & Hashable>: Sendable {
    /// A transaction-layer action, performed exactly as the proxy's are.
    case transactionUser(TransactionUserAction<Peer>)
    /// A request to the billing edge; its answer comes back as `B2BUAEvent.billing`.
    case billing(BillingRequest)
}

/// Where an out-of-dialog or in-dialog request goes, decided by `B2BUACore.route` before anyone
/// authenticates it.
public enum B2BUARoute: Sendable, Equatable {
    /// Not the B2BUA's: the proxy, registrar or built-in responder handles it as before.
    case notB2BUA
    /// Belongs to a B2BUA call (an in-dialog request, ACK or CANCEL of one of its legs): pass the
    /// event as `.transactionUser(.request(…))` / `.transactionUser(.strayAck(…))`.
    case claimed
    /// An INVITE (paid call) or MESSAGE (SMS) to a phone number: authenticate the caller as for any
    /// call (407), then pass `.outgoing(request, from:, transaction:, account:)`.
    case outgoing
    /// The number is local user `username`'s alias: a free app-to-app call or message. Route it
    /// through the proxy as a request to `sip:<username>@<domain>` (`fromTrunk`: it came from a
    /// trunk's accepted source, so the caller is the trunk, not a local user to authenticate).
    case toLocalUser(username: String, fromTrunk: Bool)
    /// Refuse at once with this status and reason (a trunk's request for no local number, an
    /// unusable Request-URI).
    case refuse(statusCode: Int, reason: String)
}
